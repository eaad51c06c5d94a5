package sigv4

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/hikyaku/hikyaku/internal/fault"
)

// These requests are signed by hand with the SDK signer to reach what the
// Go SDK's SES clients never send but other clients do: a declared payload
// hash, headers the Go signer skips, chunked bodies, an explicit port.

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// handmade is one hand-signed request.
type handmade struct {
	body        string
	payloadHash string // default: sha256 of body
	// before runs before signing: it sets what the client signs. Header
	// keys written in lower case are signed even where the Go signer
	// skips their canonical form, as other SDKs do.
	before func(*http.Request)
	// after runs after signing: it is the client's transport, or an
	// attacker.
	after func(*http.Request)
}

func (h handmade) send(t *testing.T, s *server) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.URL+"/v2/email/outbound-emails", strings.NewReader(h.body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if h.before != nil {
		h.before(req)
	}
	hash := h.payloadHash
	if hash == "" {
		hash = sha256Hex([]byte(h.body))
	}
	creds := aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecret}
	if err := v4.NewSigner().SignHTTP(t.Context(), creds, req, hash, "ses", "us-east-1", signTime); err != nil {
		t.Fatal(err)
	}
	if h.after != nil {
		h.after(req)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

// moveHeader renames a header key after signing, so it goes out once, in
// canonical form.
func moveHeader(from, to string) func(*http.Request) {
	return func(r *http.Request) {
		r.Header[to] = r.Header[from]
		delete(r.Header, from)
	}
}

func TestHandmadeRequests(t *testing.T) {
	t.Parallel()
	const body = `{"FromEmailAddress":"sender@example.com"}`
	tests := []struct {
		name string
		req  handmade
		want *fault.Error // nil: verifies
	}{
		{name: "a declared payload hash verifies", req: handmade{body: body,
			before: func(r *http.Request) { r.Header.Set("X-Amz-Content-Sha256", sha256Hex([]byte(body))) }}},
		{name: "a body that does not match its declared hash is refused", req: handmade{body: body,
			before: func(r *http.Request) { r.Header.Set("X-Amz-Content-Sha256", sha256Hex([]byte(body))) },
			after: func(r *http.Request) {
				r.Body = io.NopCloser(strings.NewReader(strings.Replace(body, "sender", "attack", 1)))
			}},
			want: fault.InvalidSignature("The provided 'x-amz-content-sha256' header does not match what was computed.")},
		{name: "an unsigned payload verifies whatever the body", req: handmade{body: body, payloadHash: unsignedPayload,
			before: func(r *http.Request) { r.Header.Set("X-Amz-Content-Sha256", unsignedPayload) },
			after: func(r *http.Request) {
				r.Body = io.NopCloser(strings.NewReader(strings.Replace(body, "sender", "anyone", 1)))
			}}},
		{name: "a payload hash that differs from the declared one is refused", req: handmade{body: body,
			payloadHash: unsignedPayload},
			want: fault.SignatureMismatch()},
		{name: "a signed User-Agent and Expect (as the Java SDK v1 signs) verify", req: handmade{body: body,
			before: func(r *http.Request) {
				r.Header["user-agent"] = []string{"aws-sdk-java/1.12.700"}
				r.Header["expect"] = []string{"100-continue"}
			},
			after: func(r *http.Request) {
				moveHeader("user-agent", "User-Agent")(r)
				moveHeader("expect", "Expect")(r)
			}}},
		{name: "a changed signed User-Agent is refused", req: handmade{body: body,
			before: func(r *http.Request) { r.Header["user-agent"] = []string{"aws-sdk-java/1.12.700"} },
			after: func(r *http.Request) {
				delete(r.Header, "user-agent")
				r.Header.Set("User-Agent", "curl/8.0")
			}},
			want: fault.SignatureMismatch()},
		{name: "a signed chunked Transfer-Encoding verifies", req: handmade{body: body,
			before: func(r *http.Request) {
				r.ContentLength = -1
				r.Header["transfer-encoding"] = []string{"chunked"}
			},
			after: func(r *http.Request) {
				delete(r.Header, "transfer-encoding")
				r.TransferEncoding = []string{"chunked"}
			}}},
		{name: "a Host with an explicit default port verifies as sent", req: handmade{body: body,
			before: func(r *http.Request) { r.Host = "email.example.com:443" }}},
		{name: "a changed Host is refused", req: handmade{body: body,
			before: func(r *http.Request) { r.Host = "email.example.com" },
			after:  func(r *http.Request) { r.Host = "email.example.org" }},
			want: fault.SignatureMismatch()},
		{name: "a repeated signed header verifies", req: handmade{body: body,
			before: func(r *http.Request) {
				r.Header.Add("X-Amz-Meta-Tag", "one")
				r.Header.Add("X-Amz-Meta-Tag", "two  spaced")
			}}},
		{name: "a repeated signed header reordered is refused", req: handmade{body: body,
			before: func(r *http.Request) {
				r.Header.Add("X-Amz-Meta-Tag", "one")
				r.Header.Add("X-Amz-Meta-Tag", "two")
			},
			after: func(r *http.Request) { r.Header["X-Amz-Meta-Tag"] = []string{"two", "one"} }},
			want: fault.SignatureMismatch()},
		{name: "a signed header removed is refused", req: handmade{body: body,
			after: func(r *http.Request) { r.Header.Del("Content-Type") }},
			want: fault.SignatureMismatch()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t, newTestVerifier())
			tt.req.send(t, s)
			got := s.verdict(t)
			if tt.want == nil {
				if got.err != nil {
					t.Fatalf("Verify: %v (signed %s)", got.err, got.signedHeaders)
				}
				return
			}
			checkFault(t, got.err, tt.want)
		})
	}
}

// A replaced secret must stop verifying at once: the SDK signer's key cache
// is keyed by access key id, not secret, so Verify must not share one.
func TestReplacedSecretStopsVerifying(t *testing.T) {
	t.Parallel()
	var secret atomic.Value
	secret.Store(testSecret)
	v := newTestVerifier()
	v.Lookup = func(context.Context, string) (string, error) { return secret.Load().(string), nil }
	s := newServer(t, v)

	handmade{body: "{}"}.send(t, s)
	if err := s.verdict(t).err; err != nil {
		t.Fatalf("first request: %v", err)
	}
	secret.Store("a-new-secret-for-the-same-key-id-0000000")
	handmade{body: "{}"}.send(t, s)
	checkFault(t, s.verdict(t).err, fault.SignatureMismatch())
}
