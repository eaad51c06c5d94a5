package dns

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		cfg    Config
		server string // after defaults; empty when an error is wanted
		err    string
	}{
		{"an IPv4 address and port", Config{Server: "127.0.0.1:5353"}, "127.0.0.1:5353", ""},
		{"an IPv4 address alone means port 53", Config{Server: "192.0.2.53"}, "192.0.2.53:53", ""},
		{"an IPv6 address alone means port 53", Config{Server: "2001:db8::53"}, "[2001:db8::53]:53", ""},
		{"an IPv6 address and port", Config{Server: "[::1]:5353"}, "[::1]:5353", ""},
		{"a host name is refused", Config{Server: "dns.example.com:53"}, "", "is not an IP address"},
		{"a bad port is refused", Config{Server: "127.0.0.1:dns"}, "", "is not a port"},
		{"port zero is refused", Config{Server: "127.0.0.1:0"}, "", "is not a port"},
		{"garbage is refused", Config{Server: "a:b:c"}, "", "is not IP:PORT"},
		{"a negative timeout is refused", Config{Server: "127.0.0.1", Timeout: -1}, "", "timeout"},
		{"negative attempts are refused", Config{Server: "127.0.0.1", Attempts: -1}, "", "attempts"},
		{"negative TTLs are refused", Config{Server: "127.0.0.1", NegativeCacheTTL: -1}, "", "TTL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := New(tc.cfg)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one saying %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Server() != tc.server {
				t.Errorf("server %q, want %q", c.Server(), tc.server)
			}
		})
	}
}

func TestServerFromResolvConf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		content string
		want    string
	}{
		{"the first nameserver is taken", "search example.com\nnameserver 192.0.2.1\nnameserver 192.0.2.2\n", "192.0.2.1:53"},
		{"IPv6 is bracketed", "nameserver 2001:db8::1\n", "[2001:db8::1]:53"},
		{"no nameserver is an error", "search example.com\n", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "resolv.conf")
			if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := ServerFromResolvConf(path)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("got %q, want an error", got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	if _, err := ServerFromResolvConf(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("a missing file gave no error")
	}
}

func TestQueryName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string // want empty: invalid
	}{
		{"example.com", "example.com."},
		{"Example.COM.", "example.com."},
		{"sel._domainkey.example.com", "sel._domainkey.example.com."},
		{"Bücher.example", "xn--bcher-kva.example."},
		{"_dmarc.bücher.example", "_dmarc.xn--bcher-kva.example."},
		{"", ""},
		{".", ""},
		{"a..b", ""},
		{"has space.example", ""},
		{strings.Repeat("a", 64) + ".example", ""},
		{strings.Repeat(strings.Repeat("a", 60)+".", 5) + "example", ""},
	}
	for _, tc := range tests {
		got, err := queryName(tc.in)
		if tc.want == "" {
			if err == nil {
				t.Errorf("queryName(%q) = %q, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("queryName(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestUnescapeTXT(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{`a\"b`, `a"b`},
		{`a\\b`, `a\b`},
		{`\000\127\255`, "\x00\x7f\xff"},
		{`\065BC`, "ABC"},
		{`trailing\`, `trailing\`},
		{`\06`, "06"},
	}
	for _, tc := range tests {
		if got := unescapeTXT(tc.in); got != tc.want {
			t.Errorf("unescapeTXT(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
