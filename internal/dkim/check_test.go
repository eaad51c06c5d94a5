package dkim

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/hikyaku/hikyaku/internal/dns"
	"github.com/hikyaku/hikyaku/internal/dnstest"
)

func TestCheckRecord(t *testing.T) {
	t.Parallel()
	ours, theirs := twoKeys(t)
	pub, other := ours.PublicKeyBase64(), theirs.PublicKeyBase64()
	pkcs1 := base64.StdEncoding.EncodeToString(x509.MarshalPKCS1PublicKey(ours.Signer().Public().(*rsa.PublicKey)))
	folded := pub[:100] + " \t" + pub[100:200] + "\r\n " + pub[200:]

	s := dnstest.Start(t)
	r, err := dns.New(dns.Config{Server: s.Addr(), Timeout: 100 * time.Millisecond, Attempts: 1, CacheSize: -1})
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name      string
		publish   func(name string) // puts records at name
		status    string
		errorType string
		msg       string // in the error; empty: no error
	}{
		{"the record hikyaku proposes succeeds",
			func(n string) { s.SetTXT(n, Record(pub)) }, StatusSuccess, "", ""},
		{"a bare p= succeeds",
			func(n string) { s.SetTXT(n, "p="+pub) }, StatusSuccess, "", ""},
		{"whitespace inside p= succeeds",
			func(n string) { s.SetTXT(n, "v=DKIM1; p="+folded) }, StatusSuccess, "", ""},
		{"a PKCS#1 public key succeeds",
			func(n string) { s.SetTXT(n, "v=DKIM1; k=rsa; p="+pkcs1) }, StatusSuccess, "", ""},
		{"other TXT data beside the key succeeds",
			func(n string) { s.SetTXT(n, Record(pub), "google-site-verification=abc") }, StatusSuccess, "", ""},
		{"a CNAME to the key, as Easy DKIM delegates, succeeds",
			func(n string) { s.SetCNAME(n, "keys.example.net"); s.SetTXT("keys.example.net", Record(pub)) }, StatusSuccess, "", ""},
		{"another key fails",
			func(n string) { s.SetTXT(n, Record(other)) }, StatusFailed, ErrorInvalidValue, "another key"},
		{"a revoked key fails",
			func(n string) { s.SetTXT(n, "v=DKIM1; p=") }, StatusFailed, ErrorInvalidValue, "revoked"},
		{"a malformed record fails",
			func(n string) { s.SetTXT(n, "v=DKIM1; p="+pub+"; p="+pub) }, StatusFailed, ErrorInvalidValue, "not a DKIM key record"},
		{"a record of another version fails",
			func(n string) { s.SetTXT(n, "v=DKIM2; p="+pub) }, StatusFailed, ErrorInvalidValue, "not DKIM1"},
		{"p= that is no key fails",
			func(n string) { s.SetTXT(n, "p=QUJD") }, StatusFailed, ErrorInvalidValue, "not an RSA public key"},
		{"an Ed25519 key type fails",
			func(n string) { s.SetTXT(n, "k=ed25519; p="+pub) }, StatusFailed, ErrorInvalidValue, "not an RSA key"},
		{"a key restricted to sha1 fails",
			func(n string) { s.SetTXT(n, "h=sha1; p="+pub) }, StatusFailed, ErrorInvalidValue, "sha256"},
		{"our key beside another key fails",
			func(n string) { s.SetTXT(n, Record(pub), Record(other)) }, StatusFailed, ErrorInvalidValue, "remove them"},
		{"a missing name is pending",
			func(string) {}, StatusPending, ErrorHostNotFound, "does not exist"},
		{"a name without TXT is pending",
			func(n string) { s.SetA(n, "192.0.2.1") }, StatusPending, ErrorTypeNotFound, "no TXT record"},
		{"SERVFAIL is a temporary failure",
			func(n string) { s.SetFailure(n, dnstest.ServFail) }, StatusTemporaryFailure, ErrorDNSServer, "SERVFAIL"},
		{"a timeout is a temporary failure",
			func(n string) { s.SetFailure(n, dnstest.Timeout) }, StatusTemporaryFailure, ErrorDNSServer, "timeout"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			selector := NewSelector()
			domain := "d" + string(rune('a'+i)) + ".example"
			tc.publish(RecordName(selector, domain))

			status, errorType, err := CheckRecord(t.Context(), r, selector, domain, pub)
			if status != tc.status || errorType != tc.errorType {
				t.Errorf("got %s/%s, want %s/%s (%v)", status, errorType, tc.status, tc.errorType, err)
			}
			switch {
			case tc.msg == "" && err != nil:
				t.Errorf("error on success: %v", err)
			case tc.msg != "" && (err == nil || !strings.Contains(err.Error(), tc.msg)):
				t.Errorf("error %v, want one saying %q", err, tc.msg)
			}
		})
	}
}

// fakeResolver answers every TXT lookup the same.
type fakeResolver struct {
	txts []string
	err  error
}

func (f fakeResolver) LookupTXT(context.Context, string) ([]string, error) { return f.txts, f.err }
func (f fakeResolver) LookupMX(context.Context, string) ([]*dns.MX, error) { return nil, f.err }
func (f fakeResolver) LookupHost(context.Context, string) ([]netip.Addr, error) {
	return nil, f.err
}

func TestCheckRecordOddCases(t *testing.T) {
	t.Parallel()
	k, _ := twoKeys(t)
	pub := k.PublicKeyBase64()
	tests := []struct {
		name      string
		r         dns.Resolver
		pub       string
		status    string
		errorType string
	}{
		{"a resolver failing in its own way is a service error",
			fakeResolver{err: errors.New("boom")}, pub, StatusTemporaryFailure, ErrorService},
		{"no records without an error is pending",
			fakeResolver{}, pub, StatusPending, ErrorTypeNotFound},
		{"a broken key of our own is a service error",
			fakeResolver{txts: []string{Record(pub)}}, "not base64!", StatusTemporaryFailure, ErrorService},
		{"a key that is not RSA is a service error",
			fakeResolver{txts: []string{Record(pub)}}, "QUJD", StatusTemporaryFailure, ErrorService},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			status, errorType, err := CheckRecord(t.Context(), tc.r, "sel", "example.com", tc.pub)
			if status != tc.status || errorType != tc.errorType || err == nil {
				t.Errorf("got %s/%s, %v; want %s/%s with an error", status, errorType, err, tc.status, tc.errorType)
			}
		})
	}
}
