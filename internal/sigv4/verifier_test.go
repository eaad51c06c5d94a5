package sigv4

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ses"
	sestypes "github.com/aws/aws-sdk-go-v2/service/ses/types"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sesv2types "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/smithy-go"

	"github.com/hikyaku/hikyaku/internal/clock"
	"github.com/hikyaku/hikyaku/internal/fault"
)

// An operation is one SDK call against the test server. v1 marks the SES
// v1 Query API, whose clients parse V1Code.
type operation struct {
	name string
	v1   bool
	call func(ctx context.Context, c client, s *server) error
}

var (
	sendEmail = operation{name: "sesv2 SendEmail", call: func(ctx context.Context, c client, s *server) error {
		_, err := c.sesv2(s).SendEmail(ctx, &sesv2.SendEmailInput{
			FromEmailAddress: aws.String("sender@example.com"),
			Destination:      &sesv2types.Destination{ToAddresses: []string{"rcpt@example.net"}},
			Content: &sesv2types.EmailContent{Simple: &sesv2types.Message{
				Subject: &sesv2types.Content{Data: aws.String("Hello")},
				Body:    &sesv2types.Body{Text: &sesv2types.Content{Data: aws.String("Hi there.")}},
			}},
		})
		return err
	}}
	getAccount = operation{name: "sesv2 GetAccount", call: func(ctx context.Context, c client, s *server) error {
		_, err := c.sesv2(s).GetAccount(ctx, &sesv2.GetAccountInput{})
		return err
	}}
	// ListEmailIdentities was a GET with a query string; SDKs since 2025
	// send it as a POST with the paging in the body.
	listIdentities = operation{name: "sesv2 ListEmailIdentities", call: func(ctx context.Context, c client, s *server) error {
		_, err := c.sesv2(s).ListEmailIdentities(ctx, &sesv2.ListEmailIdentitiesInput{PageSize: aws.Int32(10)})
		return err
	}}
	// ListSuppressedDestinations is a GET whose query string has a repeated
	// parameter and values that need escaping.
	listSuppressed = operation{name: "sesv2 ListSuppressedDestinations", call: func(ctx context.Context, c client, s *server) error {
		_, err := c.sesv2(s).ListSuppressedDestinations(ctx, &sesv2.ListSuppressedDestinationsInput{
			PageSize:  aws.Int32(10),
			NextToken: aws.String("a b+c/d=é"),
			Reasons:   []sesv2types.SuppressionListReason{sesv2types.SuppressionListReasonBounce, sesv2types.SuppressionListReasonComplaint},
			StartDate: aws.Time(signTime.Add(-24 * time.Hour)),
		})
		return err
	}}
	sendRawEmail = operation{name: "ses SendRawEmail", v1: true, call: func(ctx context.Context, c client, s *server) error {
		_, err := c.ses(s).SendRawEmail(ctx, &ses.SendRawEmailInput{
			Destinations: []string{"rcpt@example.net"},
			RawMessage:   &sestypes.RawMessage{Data: []byte("From: sender@example.com\r\nTo: rcpt@example.net\r\nSubject: Hello\r\n\r\nHi there.\r\n")},
		})
		return err
	}}
)

func getIdentity(identity string) operation {
	return operation{name: "sesv2 GetEmailIdentity " + identity, call: func(ctx context.Context, c client, s *server) error {
		_, err := c.sesv2(s).GetEmailIdentity(ctx, &sesv2.GetEmailIdentityInput{EmailIdentity: aws.String(identity)})
		return err
	}}
}

func TestRealClientsVerify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		op        operation
		client    client
		verifier  func(*Verifier)
		want      Principal
		wantInURI string
	}{
		{name: "a JSON POST", op: sendEmail},
		{name: "a GET", op: getAccount},
		{name: "a GET with a query string", op: listSuppressed, wantInURI: "PageSize=10"},
		{name: "a paged list", op: listIdentities},
		{name: "a path with an escaped + and @", op: getIdentity("user+tag@example.com"),
			wantInURI: "/v2/email/identities/user%2Btag%40example.com"},
		{name: "a path with a space and non-ASCII", op: getIdentity("jürgen smith@exämple.com")},
		{name: "a v1 Query POST", op: sendRawEmail},
		{name: "a v1 Query POST signed for the email endpoint prefix", op: sendRawEmail,
			client: client{service: "email"}, want: Principal{Service: "email"}},
		{name: "a signature made with the SDK's own clock", op: sendEmail,
			client: client{realTime: true}, verifier: func(v *Verifier) { v.Clock = clock.Real{} }},
		{name: "a signed session token", op: sendEmail,
			client: client{sessionToken: "FwoGZXIvYXdzEXAMPLE"}, want: Principal{SessionToken: "FwoGZXIvYXdzEXAMPLE"}},
		{name: "a configured second region", op: sendRawEmail,
			client:   client{region: "ap-northeast-1"},
			verifier: func(v *Verifier) { v.Regions = []string{"us-east-1", "ap-northeast-1"} },
			want:     Principal{Region: "ap-northeast-1"}},
		{name: "a signature within the allowed skew", op: getAccount,
			client: client{signAt: signTime.Add(-14 * time.Minute)}},
		{name: "an unsigned header added and User-Agent changed on the way", op: sendEmail,
			client: client{tamper: func(r *http.Request) {
				r.Header.Set("X-Forwarded-For", "192.0.2.1")
				r.Header.Set("User-Agent", "something else")
			}}},
	}
	for _, tt := range tests {
		t.Run(tt.name+" verifies", func(t *testing.T) {
			t.Parallel()
			v := newTestVerifier()
			if tt.verifier != nil {
				tt.verifier(v)
			}
			s := newServer(t, v)
			if err := tt.op.call(t.Context(), tt.client, s); err != nil {
				t.Errorf("%s: %v", tt.op.name, err)
			}
			got := s.verdict(t)
			if got.err != nil {
				t.Fatalf("Verify: %v", got.err)
			}
			want := tt.want
			want.AccessKeyID = testKeyID
			want.Region = cmp.Or(want.Region, "us-east-1")
			want.Service = cmp.Or(want.Service, "ses")
			if !tt.client.realTime {
				want.SignedAt = cmp.Or(tt.client.signAt, signTime)
			} else {
				want.SignedAt = got.principal.SignedAt
			}
			if *got.principal != want {
				t.Errorf("principal = %+v, want %+v", *got.principal, want)
			}
			t.Logf("%s %s signed %s", tt.op.name, got.requestURI, got.signedHeaders)
			if !strings.Contains(got.requestURI, tt.wantInURI) {
				t.Errorf("request URI %q does not contain %q", got.requestURI, tt.wantInURI)
			}
		})
	}
}

func TestRealClientsRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		op       operation
		client   client
		verifier func(*Verifier)
		want     *fault.Error
	}{
		{name: "a tampered JSON body", op: sendEmail, want: fault.SignatureMismatch(),
			client: client{tamper: replaceBody("Hi there.", "Go away!!")}},
		{name: "a tampered Query body", op: sendRawEmail, want: fault.SignatureMismatch(),
			client: client{tamper: replaceBody("rcpt%40example.net", "evil%40example.org")}},
		{name: "a tampered signed header", op: sendEmail, want: fault.SignatureMismatch(),
			client: client{tamper: func(r *http.Request) { r.Header.Set("Content-Type", "text/plain") }}},
		{name: "a tampered query string", op: listSuppressed, want: fault.SignatureMismatch(),
			client: client{tamper: func(r *http.Request) {
				r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "PageSize=10", "PageSize=11", 1)
			}}},
		{name: "a tampered path", op: getIdentity("user@example.com"), want: fault.SignatureMismatch(),
			client: client{tamper: func(r *http.Request) { r.URL.Path = "/v2/email/identities/other@example.com"; r.URL.RawPath = "" }}},
		{name: "a wrong secret", op: sendEmail, want: fault.SignatureMismatch(),
			client: client{secret: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYWRONGKEY"}},
		{name: "a wrong secret on the v1 API", op: sendRawEmail, want: fault.SignatureMismatch(),
			client: client{secret: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYWRONGKEY"}},
		{name: "an unknown key", op: getAccount, want: fault.UnrecognizedClient(),
			client: client{keyID: "AKIAUNKNOWNKEY000000"}},
		{name: "an unknown key on the v1 API", op: sendRawEmail, want: fault.UnrecognizedClient(),
			client: client{keyID: "AKIAUNKNOWNKEY000000"}},
		{name: "a signature 30 minutes old", op: sendEmail,
			verifier: func(v *Verifier) { v.Clock = clock.NewFake(signTime.Add(30 * time.Minute)) },
			want:     fault.InvalidSignature("Signature expired: 20260101T000000Z is now earlier than 20260101T001500Z (20260101T003000Z - 15 min.)")},
		{name: "a signature 30 minutes in the future", op: sendRawEmail,
			verifier: func(v *Verifier) { v.Clock = clock.NewFake(signTime.Add(-30 * time.Minute)) },
			want:     fault.InvalidSignature("Signature not yet current: 20260101T000000Z is still later than 20251231T234500Z (20251231T233000Z + 15 min.)")},
		{name: "a signature 6 minutes old with a 5-minute limit", op: getAccount,
			verifier: func(v *Verifier) {
				v.Clock = clock.NewFake(signTime.Add(6 * time.Minute))
				v.MaxSkew = 5 * time.Minute
			},
			want: fault.InvalidSignature("Signature expired: 20260101T000000Z is now earlier than 20260101T000100Z (20260101T000600Z - 5 min.)")},
		{name: "a credential for another region", op: sendEmail, client: client{region: "eu-west-1"},
			want: fault.InvalidSignature("Credential should be scoped to a valid region, not 'eu-west-1'.")},
		{name: "a credential for another service", op: sendRawEmail, client: client{service: "sns"},
			want: fault.InvalidSignature("Credential should be scoped to correct service: 'ses'.")},
		{name: "a credential for SES where only SNS is served", op: sendEmail,
			verifier: func(v *Verifier) { v.Services = []string{"sns"} },
			want:     fault.InvalidSignature("Credential should be scoped to correct service: 'sns'.")},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			t.Parallel()
			v := newTestVerifier()
			if tt.verifier != nil {
				tt.verifier(v)
			}
			s := newServer(t, v)
			sdkErr := tt.op.call(t.Context(), tt.client, s)
			checkFault(t, s.verdict(t).err, tt.want)

			// The SDK must read the refusal as the code AWS would send.
			wantCode := tt.want.Code
			if tt.op.v1 {
				wantCode = tt.want.QueryCode()
			}
			var apiErr smithy.APIError
			if !errors.As(sdkErr, &apiErr) {
				t.Fatalf("%s returned %v, want an API error", tt.op.name, sdkErr)
			}
			if apiErr.ErrorCode() != wantCode || apiErr.ErrorMessage() != tt.want.Message {
				t.Errorf("SDK saw %s: %q, want %s: %q", apiErr.ErrorCode(), apiErr.ErrorMessage(), wantCode, tt.want.Message)
			}
		})
	}
}

func TestLookupFailureIsInternal(t *testing.T) {
	t.Parallel()
	broken := errors.New("database is on fire")
	v := newTestVerifier()
	v.Lookup = func(context.Context, string) (string, error) { return "", broken }
	s := newServer(t, v)
	if err := getAccount.call(t.Context(), client{}, s); err == nil {
		t.Error("the call succeeded")
	}
	err := s.verdict(t).err
	if !errors.Is(err, broken) || fault.As(err) != nil {
		t.Errorf("Verify = %v, want the lookup error and no fault", err)
	}
}

// checkFault fails t unless err is a fault equal to want in everything a
// client sees.
func checkFault(t *testing.T, err error, want *fault.Error) {
	t.Helper()
	got := fault.As(err)
	if got == nil {
		t.Fatalf("Verify = %v, want fault %v", err, want)
	}
	if got.Code != want.Code || got.V1Code != want.V1Code || got.HTTPStatus != want.HTTPStatus || got.Message != want.Message {
		t.Errorf("Verify =\n  %s / %s %d %q\nwant\n  %s / %s %d %q",
			got.Code, got.V1Code, got.HTTPStatus, got.Message, want.Code, want.V1Code, want.HTTPStatus, want.Message)
	}
}

// replaceBody swaps old for new (of the same length, so Content-Length
// stays right) in a signed request's body.
func replaceBody(old, new string) func(*http.Request) {
	return func(r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			panic(err)
		}
		if !bytes.Contains(body, []byte(old)) {
			panic("body does not contain " + old + ": " + string(body))
		}
		body = bytes.Replace(body, []byte(old), []byte(new), 1)
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
	}
}
