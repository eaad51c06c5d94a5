package sigv4

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/hikyaku/hikyaku/internal/fault"
)

const (
	goodCredential = "Credential=" + testKeyID + "/20260101/us-east-1/ses/aws4_request"
	goodSignature  = "Signature=0000000000000000000000000000000000000000000000000000000000000000"
)

// TestMalformedRequests covers refusals that no SDK would provoke, with the
// messages AWS gives for them (as recorded by clients and emulators).
func TestMalformedRequests(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		authorization string // "-" leaves the header out
		amzDate       string // "-" leaves the header out
		date          string
		want          *fault.Error
	}{
		{name: "no Authorization header", authorization: "-", want: fault.MissingAuthentication()},
		{name: "a blank Authorization header", authorization: "   ", want: fault.MissingAuthentication()},
		{name: "HTTP Basic credentials", authorization: "Basic dXNlcjpwYXNzd29yZA==",
			want: fault.IncompleteSignature("Authorization header requires 'Credential' parameter. " +
				"Authorization header requires 'Signature' parameter. " +
				"Authorization header requires 'SignedHeaders' parameter. " +
				"Authorization=Basic dXNlcjpwYXNzd29yZA==")},
		{name: "a bare token and no date", authorization: "eyJhbGciOiJIUzI1NiJ9", amzDate: "-",
			want: fault.IncompleteSignature("Authorization header requires 'Credential' parameter. " +
				"Authorization header requires 'Signature' parameter. " +
				"Authorization header requires 'SignedHeaders' parameter. " +
				"Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. " +
				"Authorization=eyJhbGciOiJIUzI1NiJ9")},
		{name: "no Signature", authorization: "AWS4-HMAC-SHA256 " + goodCredential + ", SignedHeaders=host;x-amz-date",
			want: fault.IncompleteSignature("Authorization header requires 'Signature' parameter. " +
				"Authorization=AWS4-HMAC-SHA256 " + goodCredential + ", SignedHeaders=host;x-amz-date")},
		{name: "a parameter without an equal sign", authorization: "AWS4-HMAC-SHA256 Credential, SignedHeaders=host, Signature=abc",
			want: fault.IncompleteSignature("'Credential' not a valid key=value pair (missing equal-sign) in Authorization header: " +
				"'AWS4-HMAC-SHA256 Credential, SignedHeaders=host, Signature=abc'.")},
		{name: "an extended ISO 8601 date", amzDate: "2026-01-01T00:00:00Z",
			want: fault.IncompleteSignature("Date must be in ISO-8601 'basic format'. Got '2026-01-01T00:00:00Z'. See http://en.wikipedia.org/wiki/ISO_8601")},
		{name: "a Date header in place of X-Amz-Date", amzDate: "-", date: "Thu, 01 Jan 2026 00:00:00 GMT",
			want: fault.IncompleteSignature("Authorization header requires the 'X-Amz-Date' header; signing with the 'Date' header is not supported.")},
		{name: "host not signed", authorization: "AWS4-HMAC-SHA256 " + goodCredential + ", SignedHeaders=x-amz-date, " + goodSignature,
			want: fault.InvalidSignature("'Host' must be a 'SignedHeader' in the AWS Authorization.")},
		{name: "another algorithm", authorization: "AWS4-HMAC-SHA512 " + goodCredential + ", SignedHeaders=host;x-amz-date, " + goodSignature,
			want: fault.IncompleteSignature("Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512' (only AWS4-HMAC-SHA256 for now).")},
		{name: "a credential with four parts", authorization: "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/ses, SignedHeaders=host;x-amz-date, " + goodSignature,
			want: fault.IncompleteSignature("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKID/20260101/us-east-1/ses'")},
		{name: "a credential wrong in every part", authorization: "AWS4-HMAC-SHA256 Credential=AKID/20251231/eu-west-1/sns/aws5_request, SignedHeaders=host;x-amz-date, " + goodSignature,
			want: fault.InvalidSignature("Credential should be scoped to a valid region, not 'eu-west-1'. " +
				"Credential should be scoped to correct service: 'ses'. " +
				"Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. " +
				"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20251231' != '20260101', from '20260101T000000Z'.")},
		{name: "an expired request with a wrong algorithm, reported as AWS orders the checks", amzDate: "20251231T000000Z",
			authorization: "AWS4-HMAC-SHA1 " + goodCredential + ", SignedHeaders=host;x-amz-date, " + goodSignature,
			want:          fault.InvalidSignature("Signature expired: 20251231T000000Z is now earlier than 20251231T234600Z (20260101T000100Z - 15 min.)")},
		{name: "an unknown key", authorization: "AWS4-HMAC-SHA256 Credential=AKIANOBODY/20260101/us-east-1/ses/aws4_request, SignedHeaders=host;x-amz-date, " + goodSignature,
			want: fault.UnrecognizedClient()},
		{name: "a wrong signature", want: fault.SignatureMismatch()},
		{name: "a wrong signature with trailing slashes in the credential",
			authorization: "AWS4-HMAC-SHA256 " + goodCredential + "//, SignedHeaders=host;x-amz-date, " + goodSignature,
			want:          fault.SignatureMismatch()},
	}
	v := newTestVerifier()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodGet, "http://email.example.com/v2/email/account", nil)
			set := func(key, value, def string) {
				switch value {
				case "-":
				case "":
					if def != "" {
						r.Header.Set(key, def)
					}
				default:
					r.Header.Set(key, value)
				}
			}
			set("Authorization", tt.authorization, "AWS4-HMAC-SHA256 "+goodCredential+", SignedHeaders=host;x-amz-date, "+goodSignature)
			set("X-Amz-Date", tt.amzDate, "20260101T000000Z")
			set("Date", tt.date, "")
			_, err := v.Verify(r, nil)
			checkFault(t, err, tt.want)
		})
	}
}

func TestParseAuthorization(t *testing.T) {
	t.Parallel()
	a, err := parseAuthorization("  AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/ses/aws4_request,SignedHeaders=content-type;host;x-amz-date ,  Signature=abc, Extra=ignored", true)
	if err != nil {
		t.Fatal(err)
	}
	want := authorization{Algorithm: algorithm, Credential: "AKID/20260101/us-east-1/ses/aws4_request",
		SignedHeaders: []string{"content-type", "host", "x-amz-date"}, Signature: "abc"}
	if a.Algorithm != want.Algorithm || a.Credential != want.Credential || a.Signature != want.Signature || !slices.Equal(a.SignedHeaders, want.SignedHeaders) {
		t.Errorf("parseAuthorization = %+v, want %+v", a, want)
	}
	c, err := parseCredential(a.Credential)
	if err != nil {
		t.Fatal(err)
	}
	if c != (credential{AccessKeyID: "AKID", Date: "20260101", Region: "us-east-1", Service: "ses", Terminator: "aws4_request"}) {
		t.Errorf("parseCredential = %+v", c)
	}
}

func FuzzParseAuthorization(f *testing.F) {
	for _, seed := range []string{
		"AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/ses/aws4_request, SignedHeaders=host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
		"AWS4-HMAC-SHA256 Credential=a/b/c/d/e/, SignedHeaders=, Signature=x",
		"AWS4-HMAC-SHA256 Credential, SignedHeaders=host",
		"Basic dXNlcjpwYXNzd29yZA==",
		"AWS4-HMAC-SHA256 ,,, =, ==,Signature==",
		"",
	} {
		f.Add(seed, true)
	}
	f.Fuzz(func(t *testing.T, header string, haveDate bool) {
		a, err := parseAuthorization(header, haveDate)
		if err != nil {
			if f := fault.As(err); f == nil || f.Code != "IncompleteSignatureException" {
				t.Fatalf("parseAuthorization(%q) = %v, want an IncompleteSignature fault", header, err)
			}
			return
		}
		if !haveDate || a.Credential == "" || a.Signature == "" {
			t.Fatalf("parseAuthorization(%q) accepted %+v", header, a)
		}
		for _, h := range a.SignedHeaders {
			if h == "" || strings.ContainsAny(h, ";") || h != strings.TrimSpace(h) {
				t.Fatalf("parseAuthorization(%q): bad signed header %q", header, h)
			}
		}
		c, err := parseCredential(a.Credential)
		if err != nil {
			if f := fault.As(err); f == nil || f.Code != "IncompleteSignatureException" {
				t.Fatalf("parseCredential(%q) = %v, want an IncompleteSignature fault", a.Credential, err)
			}
			return
		}
		joined := strings.Join([]string{c.AccessKeyID, c.Date, c.Region, c.Service, c.Terminator}, "/")
		if joined != strings.TrimRight(a.Credential, "/") {
			t.Fatalf("parseCredential(%q) = %+v, which does not join back", a.Credential, c)
		}
	})
}
