package sigv4

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ses"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/hikyaku/hikyaku/internal/clock"
	"github.com/hikyaku/hikyaku/internal/fault"
)

// The key pair from AWS's documentation examples.
const (
	testKeyID  = "AKIAIOSFODNN7EXAMPLE"
	testSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

// signTime is when test clients sign; the server's fake clock is set
// relative to it.
var signTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// lookupTestKey knows one key, testKeyID.
func lookupTestKey(_ context.Context, id string) (string, error) {
	if id == testKeyID {
		return testSecret, nil
	}
	return "", fmt.Errorf("key %q: %w", id, ErrUnknownKey)
}

// newTestVerifier accepts testKeyID with the clock one minute after signTime.
func newTestVerifier() *Verifier {
	return &Verifier{Lookup: lookupTestKey, Clock: clock.NewFake(signTime.Add(time.Minute))}
}

// verdict is what the test server's Verify said about one request.
type verdict struct {
	principal  *Principal
	err        error
	requestURI string
	// signedHeaders is the client's SignedHeaders parameter.
	signedHeaders string
}

// server is an SES stand-in on 127.0.0.1 that runs Verify on every request
// and answers as SES would, so the SDK clients complete their calls and
// parse our error codes.
type server struct {
	*httptest.Server
	verdicts chan verdict
}

func newServer(t *testing.T, v *Verifier) *server {
	t.Helper()
	s := &server{verdicts: make(chan verdict, 1)}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		p, err := v.Verify(r, body)
		_, signed, _ := strings.Cut(r.Header.Get("Authorization"), "SignedHeaders=")
		signed, _, _ = strings.Cut(signed, ",")
		s.verdicts <- verdict{principal: p, err: err, requestURI: r.RequestURI, signedHeaders: signed}
		v2 := strings.HasPrefix(r.URL.Path, "/v2/")
		switch f := fault.As(err); {
		case err == nil && v2:
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"MessageId":"m-1"}`)
		case err == nil:
			writeQueryResult(w, body)
		case f == nil:
			http.Error(w, "internal error", http.StatusInternalServerError)
		case v2:
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-Amzn-Errortype", f.Code)
			w.WriteHeader(f.HTTPStatus)
			json.NewEncoder(w).Encode(map[string]string{"message": f.Message})
		default:
			writeQueryError(w, f)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

// verdict returns the outcome of the one request a test made.
func (s *server) verdict(t *testing.T) verdict {
	t.Helper()
	select {
	case v := <-s.verdicts:
		return v
	case <-time.After(10 * time.Second):
		t.Fatal("the server saw no request")
		return verdict{}
	}
}

func writeQueryResult(w http.ResponseWriter, body []byte) {
	action := "Unknown"
	if i := strings.Index(string(body), "Action="); i >= 0 {
		action, _, _ = strings.Cut(string(body[i+len("Action="):]), "&")
	}
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, `<%[1]sResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><%[1]sResult><MessageId>m-1</MessageId></%[1]sResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></%[1]sResponse>`, action)
}

func writeQueryError(w http.ResponseWriter, f *fault.Error) {
	var msg strings.Builder
	xml.EscapeText(&msg, []byte(f.Message))
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(f.HTTPStatus)
	fmt.Fprintf(w, `<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>r-1</RequestId></ErrorResponse>`, f.QueryCode(), msg.String())
}

// client says how a test client signs and what it does to a request after
// signing.
type client struct {
	keyID, secret, sessionToken string
	region                      string // default us-east-1
	// signAt fixes the signing time; the zero value is signTime, realTime
	// uses the SDK's own clock.
	signAt   time.Time
	realTime bool
	// service overrides the signing name the SDK would use.
	service string
	// tamper changes the request after it was signed.
	tamper func(*http.Request)
}

func (c client) credentials() aws.CredentialsProvider {
	id, secret := c.keyID, c.secret
	if id == "" {
		id = testKeyID
	}
	if secret == "" {
		secret = testSecret
	}
	return credentials.NewStaticCredentialsProvider(id, secret, c.sessionToken)
}

func (c client) regionOrDefault() string {
	if c.region == "" {
		return "us-east-1"
	}
	return c.region
}

func (c client) signer() *testSigner {
	s := &testSigner{signer: v4.NewSigner(), service: c.service}
	if !c.realTime {
		s.at = signTime
		if !c.signAt.IsZero() {
			s.at = c.signAt
		}
	}
	return s
}

func (c client) sesv2(s *server) *sesv2.Client {
	return sesv2.New(sesv2.Options{
		BaseEndpoint:     aws.String(s.URL),
		Region:           c.regionOrDefault(),
		Credentials:      c.credentials(),
		HTTPClient:       tamperer{s.Client(), c.tamper},
		HTTPSignerV4:     c.signer(),
		RetryMaxAttempts: 1,
	})
}

func (c client) ses(s *server) *ses.Client {
	return ses.New(ses.Options{
		BaseEndpoint:     aws.String(s.URL),
		Region:           c.regionOrDefault(),
		Credentials:      c.credentials(),
		HTTPClient:       tamperer{s.Client(), c.tamper},
		HTTPSignerV4:     c.signer(),
		RetryMaxAttempts: 1,
	})
}

// testSigner is the SDK's own signer with the signing time and name
// optionally pinned, so that tests are deterministic and can sign for
// another service.
type testSigner struct {
	signer  *v4.Signer
	at      time.Time
	service string
}

func (s *testSigner) SignHTTP(ctx context.Context, creds aws.Credentials, r *http.Request, payloadHash, service, region string, at time.Time, optFns ...func(*v4.SignerOptions)) error {
	if !s.at.IsZero() {
		at = s.at
	}
	if s.service != "" {
		service = s.service
	}
	return s.signer.SignHTTP(ctx, creds, r, payloadHash, service, region, at, optFns...)
}

// tamperer is an HTTP client that lets a test change a signed request on
// its way out, as an attacker in the middle would.
type tamperer struct {
	client *http.Client
	tamper func(*http.Request)
}

func (t tamperer) Do(r *http.Request) (*http.Response, error) {
	if t.tamper != nil {
		t.tamper(r)
	}
	return t.client.Do(r)
}
