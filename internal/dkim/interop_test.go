package dkim

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	msgdkim "github.com/emersion/go-msgauth/dkim"

	"github.com/hikyaku/hikyaku/internal/dns"
	"github.com/hikyaku/hikyaku/internal/dnstest"
)

const testMessage = "From: Alice <alice@example.com>\r\n" +
	"To: Bob <bob@example.net>\r\n" +
	"Subject: key check\r\n" +
	"Date: Thu, 01 Jan 2026 00:00:00 +0000\r\n" +
	"Message-ID: <1@example.com>\r\n" +
	"\r\n" +
	"Hello, Bob.\r\n"

// TestInteropWithGoMsgauth checks the key encodings against an
// independent DKIM implementation: a message signed with a Key verifies
// against Record(PublicKeyBase64()), published from ZoneLines through the
// resolver, and fails against another key.
func TestInteropWithGoMsgauth(t *testing.T) {
	t.Parallel()
	ours, theirs := twoKeys(t)
	// Sign with the key as stored and read back, as the signer will.
	stored, err := ParsePrivateKey(ours.PrivateKeyPKCS8())
	if err != nil {
		t.Fatal(err)
	}

	s := dnstest.Start(t)
	r, err := dns.New(dns.Config{Server: s.Addr(), Timeout: time.Second, CacheSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	zone := append(ZoneLines("good", "example.com", ours.PublicKeyBase64()),
		ZoneLines("wrong", "example.com", theirs.PublicKeyBase64())...)
	if err := s.LoadZone(strings.NewReader(strings.Join(zone, "\n")+"\n"), "."); err != nil {
		t.Fatal(err)
	}
	lookup := func(name string) ([]string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return r.LookupTXT(ctx, name)
	}

	tests := []struct {
		name     string
		selector string
		valid    bool
	}{
		{"a signature verifies against the published key", "good", true},
		{"a signature fails against another key", "wrong", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var signed bytes.Buffer
			err := msgdkim.Sign(&signed, strings.NewReader(testMessage), &msgdkim.SignOptions{
				Domain:   "example.com",
				Selector: tc.selector,
				Signer:   stored.Signer(),
			})
			if err != nil {
				t.Fatal(err)
			}
			vs, err := msgdkim.VerifyWithOptions(&signed, &msgdkim.VerifyOptions{LookupTXT: lookup})
			if err != nil {
				t.Fatal(err)
			}
			if len(vs) != 1 {
				t.Fatalf("%d verifications, want 1", len(vs))
			}
			if valid := vs[0].Err == nil; valid != tc.valid {
				t.Errorf("valid = %v (%v), want %v", valid, vs[0].Err, tc.valid)
			}
		})
	}
}

// TestInteropDefaultKeySize signs with a default (2048-bit) key, whose
// record is split across TXT strings, and verifies against Record alone.
func TestInteropDefaultKeySize(t *testing.T) {
	t.Parallel()
	k, err := GenerateKey(0)
	if err != nil {
		t.Fatal(err)
	}
	var signed bytes.Buffer
	err = msgdkim.Sign(&signed, strings.NewReader(testMessage), &msgdkim.SignOptions{
		Domain: "example.com", Selector: NewSelector(), Signer: k.Signer(),
	})
	if err != nil {
		t.Fatal(err)
	}
	vs, err := msgdkim.VerifyWithOptions(&signed, &msgdkim.VerifyOptions{
		LookupTXT: func(string) ([]string, error) { return []string{Record(k.PublicKeyBase64())}, nil },
	})
	if err != nil || len(vs) != 1 || vs[0].Err != nil {
		t.Fatalf("verification failed: %v, %+v", err, vs)
	}
}
