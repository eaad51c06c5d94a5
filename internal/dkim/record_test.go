package dkim

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hikyaku/hikyaku/internal/dns"
	"github.com/hikyaku/hikyaku/internal/dnstest"
)

func TestZoneLinesGolden(t *testing.T) {
	t.Parallel()
	pub := strings.Repeat("A", 300) + "QAB"
	got := ZoneLines("sel", "Example.com.", pub)
	want := []string{
		"sel._domainkey.Example.com. 3600 IN TXT \"v=DKIM1; k=rsa; \" \"p=" + strings.Repeat("A", 253) + "\" \"" + strings.Repeat("A", 47) + "QAB\"",
	}
	if !slices.Equal(got, want) {
		t.Errorf("ZoneLines =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestZoneLinesRoundTrip loads what ZoneLines prints into a DNS server as
// a user would into their zone, and reads it back as a verifier would.
func TestZoneLinesRoundTrip(t *testing.T) {
	t.Parallel()
	k, _ := twoKeys(t)
	k2048, err := GenerateKey(0)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		pub  string
	}{
		{"a 1024-bit key fits one string", k.PublicKeyBase64()},
		{"a 2048-bit key spans two strings", k2048.PublicKeyBase64()},
		{"an empty key (revocation) is one string", ""},
	}
	s := dnstest.Start(t)
	r, err := dns.New(dns.Config{Server: s.Addr(), Timeout: time.Second, CacheSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			selector := NewSelector()
			domain := []string{"a.example", "b.example", "c.example"}[i]
			lines := ZoneLines(selector, domain, tc.pub)
			for _, l := range lines[1:] {
				quoted := strings.TrimSuffix(strings.TrimSpace(l), " )")
				if n := len(quoted) - 2; n > 255 {
					t.Errorf("string of %d characters: %s", n, l)
				}
			}
			if err := s.LoadZone(strings.NewReader(strings.Join(lines, "\n")+"\n"), "."); err != nil {
				t.Fatalf("zone lines do not parse: %v\n%s", err, strings.Join(lines, "\n"))
			}
			got, err := r.LookupTXT(t.Context(), RecordName(selector, domain))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, []string{Record(tc.pub)}) {
				t.Errorf("published %q, want %q", got, Record(tc.pub))
			}
		})
	}
}

func TestRecordName(t *testing.T) {
	t.Parallel()
	for _, domain := range []string{"example.com", "example.com."} {
		if got := RecordName("sel", domain); got != "sel._domainkey.example.com" {
			t.Errorf("RecordName(sel, %q) = %q", domain, got)
		}
	}
}
