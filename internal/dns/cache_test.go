package dns_test

import (
	"testing"
	"time"

	"github.com/hikyaku/hikyaku/internal/clock"
	"github.com/hikyaku/hikyaku/internal/dns"
	"github.com/hikyaku/hikyaku/internal/dnstest"
)

func TestCache(t *testing.T) {
	t.Parallel()
	const name = "example.com"
	tests := []struct {
		name    string
		setup   func(s *dnstest.Server)
		cfg     func(c *dns.Config)
		advance time.Duration
		asked   int // how many times the server is asked over two lookups
	}{
		{"an answer is kept for its TTL",
			func(s *dnstest.Server) { s.SetTTL(60 * time.Second); s.SetTXT(name, "v") },
			nil, 59 * time.Second, 1},
		{"an answer is asked again after its TTL",
			func(s *dnstest.Server) { s.SetTTL(60 * time.Second); s.SetTXT(name, "v") },
			nil, 60 * time.Second, 2},
		{"MaxCacheTTL caps a long TTL",
			func(s *dnstest.Server) { s.SetTTL(24 * time.Hour); s.SetTXT(name, "v") },
			func(c *dns.Config) { c.MaxCacheTTL = 10 * time.Second }, 10 * time.Second, 2},
		{"an absence is kept for the SOA minimum",
			func(s *dnstest.Server) { s.SetTTL(30 * time.Second) },
			nil, 29 * time.Second, 1},
		{"an absence is asked again after the SOA minimum",
			func(s *dnstest.Server) { s.SetTTL(30 * time.Second) },
			nil, 30 * time.Second, 2},
		{"NegativeCacheTTL caps how long an absence is kept",
			func(s *dnstest.Server) { s.SetTTL(time.Hour); s.SetA(name, "192.0.2.1") },
			nil, time.Minute, 2},
		{"a failure is never kept",
			func(s *dnstest.Server) { s.SetTXT(name, "v"); s.SetFailure(name, dnstest.Refused) },
			nil, 0, 2},
		{"a zero TTL is not kept",
			func(s *dnstest.Server) { s.SetTTL(0); s.SetTXT(name, "v") },
			nil, 0, 2},
		{"a negative CacheSize turns the cache off",
			func(s *dnstest.Server) { s.SetTXT(name, "v") },
			func(c *dns.Config) { c.CacheSize = -1 }, 0, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := dnstest.Start(t)
			tc.setup(s)
			clk := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
			c := newClient(t, s, func(c *dns.Config) {
				c.CacheSize = 0
				c.Clock = clk
				if tc.cfg != nil {
					tc.cfg(c)
				}
			})
			_, err1 := c.LookupTXT(t.Context(), name)
			clk.Advance(tc.advance)
			_, err2 := c.LookupTXT(t.Context(), name)
			if (err1 == nil) != (err2 == nil) || dns.IsNotFound(err1) != dns.IsNotFound(err2) {
				t.Errorf("lookups differ: %v, then %v", err1, err2)
			}
			if n := s.Count(name, dnstest.TypeTXT); n != tc.asked {
				t.Errorf("server asked %d times, want %d", n, tc.asked)
			}
		})
	}
}

func TestCacheKeepsTheCallersName(t *testing.T) {
	t.Parallel()
	s := dnstest.Start(t)
	c := newClient(t, s, func(c *dns.Config) { c.CacheSize = 0 })
	if _, err := c.LookupTXT(t.Context(), "Nowhere.example.com"); err == nil {
		t.Fatal("no error for a missing name")
	}
	_, err := c.LookupTXT(t.Context(), "nowhere.example.com.")
	if err == nil || err.(*dns.Error).Name != "nowhere.example.com." {
		t.Errorf("cached error %v does not name the name asked", err)
	}
	if n := s.Count("nowhere.example.com", dnstest.TypeTXT); n != 1 {
		t.Errorf("server asked %d times, want 1", n)
	}
}

func TestCacheEvicts(t *testing.T) {
	t.Parallel()
	s := dnstest.Start(t)
	names := []string{"a.example.com", "b.example.com", "c.example.com"}
	for _, n := range names {
		s.SetTXT(n, n)
	}
	c := newClient(t, s, func(c *dns.Config) { c.CacheSize = 2 })
	for range 2 {
		for _, n := range names {
			got, err := c.LookupTXT(t.Context(), n)
			if err != nil || len(got) != 1 || got[0] != n {
				t.Fatalf("%s: got %q, %v", n, got, err)
			}
		}
	}
	asked := 0
	for _, n := range names {
		asked += s.Count(n, dnstest.TypeTXT)
	}
	// Three names through a cache of two: the second round misses at
	// least once.
	if asked < 4 || asked > 6 {
		t.Errorf("server asked %d times, want 4 to 6", asked)
	}
}
