package dns_test

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hikyaku/hikyaku/internal/dns"
	"github.com/hikyaku/hikyaku/internal/dnstest"
)

// newClient returns a Client of s with short timeouts and no cache, as
// changed by opts.
func newClient(t *testing.T, s *dnstest.Server, opts ...func(*dns.Config)) *dns.Client {
	t.Helper()
	cfg := dns.Config{Server: s.Addr(), Timeout: 200 * time.Millisecond, CacheSize: -1}
	for _, o := range opts {
		o(&cfg)
	}
	c, err := dns.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// wantErr says which failure a lookup must end in; the zero value is
// success.
type wantErr struct {
	kind      error // nil for success
	notFound  bool
	temporary bool
}

var (
	ok          = wantErr{}
	noSuchName  = wantErr{kind: dns.ErrNoSuchDomain, notFound: true}
	noData      = wantErr{kind: dns.ErrNoData, notFound: true}
	temporary   = wantErr{kind: dns.ErrTemporary, temporary: true}
	nullMX      = wantErr{kind: dns.ErrNullMX}
	longTXT     = strings.Repeat("p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA", 20)
	oddTXT      = "quote\" backslash\\ byte\x00\x7f utf8 é \\065"
	contextDone = func() context.Context {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		return ctx
	}()
)

func checkErr(t *testing.T, err error, want wantErr) {
	t.Helper()
	if want.kind == nil {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if !errors.Is(err, want.kind) {
		t.Fatalf("error %v, want %v", err, want.kind)
	}
	var de *dns.Error
	if !errors.As(err, &de) {
		t.Fatalf("error %T is not a *dns.Error", err)
	}
	if de.IsNotFound() != want.notFound || dns.IsNotFound(err) != want.notFound {
		t.Errorf("IsNotFound = %v, want %v", de.IsNotFound(), want.notFound)
	}
	if de.IsTemporary() != want.temporary || dns.IsTemporary(err) != want.temporary {
		t.Errorf("IsTemporary = %v, want %v", de.IsTemporary(), want.temporary)
	}
}

func TestLookupTXT(t *testing.T) {
	t.Parallel()
	s := dnstest.Start(t)
	s.SetTXT("one.example.com", "v=spf1 -all")
	s.SetTXT("two.example.com", "first", "second")
	s.SetTXT("long.example.com", longTXT)
	s.SetTXT("odd.example.com", oddTXT)
	s.SetCNAME("sel._domainkey.example.com", "sel.dkim.example.net")
	s.SetTXT("sel.dkim.example.net", longTXT)
	s.SetCNAME("dangling.example.com", "gone.example.net")
	s.SetCNAME("loop1.example.com", "loop2.example.com")
	s.SetCNAME("loop2.example.com", "loop1.example.com")
	s.SetA("host.example.com", "192.0.2.1")
	s.SetTXT("deep.sub.example.com", "x")
	s.SetFailure("servfail.example.com", dnstest.ServFail)
	s.SetFailure("refused.example.com", dnstest.Refused)
	s.SetFailure("silent.example.com", dnstest.Timeout)
	s.SetTXT("xn--bcher-kva.example", "idn")
	c := newClient(t, s)

	tests := []struct {
		name  string
		ctx   context.Context
		qname string
		want  []string
		err   wantErr
	}{
		{"one record with one string", nil, "one.example.com", []string{"v=spf1 -all"}, ok},
		{"a trailing dot and capitals change nothing", nil, "ONE.example.com.", []string{"v=spf1 -all"}, ok},
		{"several records stay apart", nil, "two.example.com", []string{"first", "second"}, ok},
		{"the strings of a long record are joined", nil, "long.example.com", []string{longTXT}, ok},
		{"quotes, backslashes and raw bytes survive", nil, "odd.example.com", []string{oddTXT}, ok},
		{"a CNAME is followed", nil, "sel._domainkey.example.com", []string{longTXT}, ok},
		{"an internationalized name is asked as its A-label", nil, "bücher.example", []string{"idn"}, ok},
		{"an unknown name is no such domain", nil, "nowhere.example.com", nil, noSuchName},
		{"a name with other records is no data", nil, "host.example.com", nil, noData},
		{"an empty non-terminal is no data", nil, "sub.example.com", nil, noData},
		{"a CNAME to nowhere is no such domain", nil, "dangling.example.com", nil, noSuchName},
		{"a CNAME loop is a temporary failure", nil, "loop1.example.com", nil, temporary},
		{"SERVFAIL is a temporary failure", nil, "servfail.example.com", nil, temporary},
		{"REFUSED is a temporary failure", nil, "refused.example.com", nil, temporary},
		{"a timeout is a temporary failure", nil, "silent.example.com", nil, temporary},
		{"a cancelled context is a temporary failure", contextDone, "one.example.com", nil, temporary},
		{"an invalid name is no such domain", nil, "bad..example.com", nil, noSuchName},
		{"an empty name is no such domain", nil, "", nil, noSuchName},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := cmpOr(tc.ctx, t.Context())
			got, err := c.LookupTXT(ctx, tc.qname)
			checkErr(t, err, tc.err)
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func cmpOr(ctx, def context.Context) context.Context {
	if ctx != nil {
		return ctx
	}
	return def
}

func TestLookupMX(t *testing.T) {
	t.Parallel()
	s := dnstest.Start(t)
	s.SetMX("example.com",
		dnstest.MX{Host: "mx20.example.com", Pref: 20},
		dnstest.MX{Host: "mx10.example.com", Pref: 10},
		dnstest.MX{Host: "mx30.example.net", Pref: 30})
	s.SetMX("null.example.com", dnstest.MX{Host: ".", Pref: 0})
	s.SetMX("mixed.example.com", dnstest.MX{Host: ".", Pref: 0}, dnstest.MX{Host: "mx.example.com", Pref: 10})
	s.SetA("nomx.example.com", "192.0.2.1")
	s.SetCNAME("alias.example.com", "example.com")
	s.SetFailure("broken.example.com", dnstest.ServFail)
	c := newClient(t, s)

	tests := []struct {
		name  string
		qname string
		want  []dns.MX
		err   wantErr
	}{
		{"exchangers come by ascending preference", "example.com",
			[]dns.MX{{"mx10.example.com", 10}, {"mx20.example.com", 20}, {"mx30.example.net", 30}}, ok},
		{"a CNAME is followed", "alias.example.com",
			[]dns.MX{{"mx10.example.com", 10}, {"mx20.example.com", 20}, {"mx30.example.net", 30}}, ok},
		{"a null MX says no mail", "null.example.com", nil, nullMX},
		{"a null MX among others is skipped", "mixed.example.com", []dns.MX{{"mx.example.com", 10}}, ok},
		{"a domain without MX is no data", "nomx.example.com", nil, noData},
		{"an unknown domain is no such domain", "nowhere.example.com", nil, noSuchName},
		{"SERVFAIL is temporary", "broken.example.com", nil, temporary},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := c.LookupMX(t.Context(), tc.qname)
			checkErr(t, err, tc.err)
			var flat []dns.MX
			for _, mx := range got {
				flat = append(flat, *mx)
			}
			if !slices.Equal(flat, tc.want) {
				t.Errorf("got %v, want %v", flat, tc.want)
			}
		})
	}
}

func TestLookupMXShufflesEqualPreferences(t *testing.T) {
	t.Parallel()
	s := dnstest.Start(t)
	var mxs []dnstest.MX
	for _, h := range []string{"a", "b", "c", "d"} {
		mxs = append(mxs, dnstest.MX{Host: h + ".example.com", Pref: 10})
	}
	mxs = append(mxs, dnstest.MX{Host: "backup.example.com", Pref: 50})
	s.SetMX("example.com", mxs...)
	c := newClient(t, s, func(c *dns.Config) { c.CacheSize = 0 }) // cached: the order must still vary

	firsts := map[string]bool{}
	for range 40 {
		got, err := c.LookupMX(t.Context(), "example.com")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 5 || got[4].Host != "backup.example.com" {
			t.Fatalf("got %v, want the backup last", got)
		}
		firsts[got[0].Host] = true
	}
	if len(firsts) < 2 {
		t.Errorf("40 lookups always put %v first; equal preferences must be shuffled", firsts)
	}
}

func TestLookupHost(t *testing.T) {
	t.Parallel()
	s := dnstest.Start(t)
	s.SetA("both.example.com", "192.0.2.1", "192.0.2.2")
	s.SetAAAA("both.example.com", "2001:db8::1")
	s.SetA("v4.example.com", "192.0.2.4")
	s.SetAAAA("v6.example.com", "2001:db8::6")
	s.SetA("half.example.com", "192.0.2.8")
	s.SetFailure("half.example.com", dnstest.ServFail, dnstest.TypeAAAA)
	s.SetFailure("brokenv4.example.com", dnstest.ServFail, dnstest.TypeA)
	s.SetAAAA("dualbroken.example.com", "2001:db8::9")
	s.SetFailure("dualbroken.example.com", dnstest.ServFail, dnstest.TypeA)
	s.SetMX("mailonly.example.com", dnstest.MX{Host: "mx.example.com", Pref: 1})
	s.SetCNAME("www.example.com", "both.example.com")
	c := newClient(t, s)

	tests := []struct {
		name  string
		qname string
		want  []string
		err   wantErr
	}{
		{"IPv4 comes before IPv6", "both.example.com", []string{"192.0.2.1", "192.0.2.2", "2001:db8::1"}, ok},
		{"IPv4 only", "v4.example.com", []string{"192.0.2.4"}, ok},
		{"IPv6 only", "v6.example.com", []string{"2001:db8::6"}, ok},
		{"a CNAME is followed", "www.example.com", []string{"192.0.2.1", "192.0.2.2", "2001:db8::1"}, ok},
		{"an address is its own answer", "192.0.2.77", []string{"192.0.2.77"}, ok},
		{"one family failing is no failure", "half.example.com", []string{"192.0.2.8"}, ok},
		{"the other family failing is no failure", "dualbroken.example.com", []string{"2001:db8::9"}, ok},
		{"a failure outranks no data", "brokenv4.example.com", nil, temporary},
		{"a name without addresses is no data", "mailonly.example.com", nil, noData},
		{"an unknown name is no such domain", "nowhere.example.com", nil, noSuchName},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := c.LookupHost(t.Context(), tc.qname)
			checkErr(t, err, tc.err)
			var want []netip.Addr
			for _, a := range tc.want {
				want = append(want, netip.MustParseAddr(a))
			}
			if !slices.Equal(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}

func TestCNAMETargetAskedAgain(t *testing.T) {
	t.Parallel()
	s := dnstest.Start(t)
	s.SetCNAMEChasing(false) // answers stop at the CNAME, as across zones
	s.SetCNAME("sel._domainkey.example.com", "sel.keys.example.net")
	s.SetTXT("sel.keys.example.net", "v=DKIM1; p=")
	s.SetCNAME("nodata.example.com", "host.example.net")
	s.SetA("host.example.net", "192.0.2.1")
	c := newClient(t, s)

	got, err := c.LookupTXT(t.Context(), "sel._domainkey.example.com")
	if err != nil || !slices.Equal(got, []string{"v=DKIM1; p="}) {
		t.Errorf("got %q, %v", got, err)
	}
	if n := s.Count("sel.keys.example.net", dnstest.TypeTXT); n != 1 {
		t.Errorf("target asked %d times, want 1", n)
	}
	_, err = c.LookupTXT(t.Context(), "nodata.example.com")
	checkErr(t, err, noData)
	if err != nil && !strings.Contains(err.Error(), "at CNAME target host.example.net") {
		t.Errorf("error %q does not name the CNAME target", err)
	}
}

func TestTCPFallback(t *testing.T) {
	t.Parallel()
	s := dnstest.Start(t)
	big := strings.Repeat("k", 700)
	s.SetTXT("big.example.com", big, big, big) // over the 1232-byte EDNS0 buffer
	c := newClient(t, s)

	got, err := c.LookupTXT(t.Context(), "big.example.com")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []string{big, big, big}) {
		t.Errorf("got %d records, want the 3 whole", len(got))
	}
	qs := s.Queries()
	if len(qs) != 2 || qs[0].TCP || !qs[1].TCP {
		t.Errorf("queries %+v, want one over UDP then one over TCP", qs)
	}
}

func TestRetries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		failure  dnstest.Failure
		attempts int
		want     int
	}{
		{"a timeout is retried once by default", dnstest.Timeout, 0, 2},
		{"a timeout is retried as configured", dnstest.Timeout, 3, 3},
		{"SERVFAIL is retried", dnstest.ServFail, 0, 2},
		{"REFUSED is not retried", dnstest.Refused, 0, 1},
		{"success is asked once", dnstest.NoFailure, 0, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := dnstest.Start(t)
			s.SetTXT("example.com", "v")
			s.SetFailure("example.com", tc.failure)
			c := newClient(t, s, func(c *dns.Config) {
				c.Attempts = tc.attempts
				c.Timeout = 100 * time.Millisecond
			})
			_, _ = c.LookupTXT(t.Context(), "example.com")
			if n := s.Count("example.com", dnstest.TypeTXT); n != tc.want {
				t.Errorf("asked %d times, want %d", n, tc.want)
			}
		})
	}
}

func TestErrorText(t *testing.T) {
	t.Parallel()
	s := dnstest.Start(t)
	s.SetFailure("broken.example.com", dnstest.ServFail)
	c := newClient(t, s, func(c *dns.Config) { c.Attempts = 1 })

	_, err := c.LookupTXT(t.Context(), "broken.example.com")
	want := "dns: lookup TXT broken.example.com on " + s.Addr() + ": temporary DNS failure: server answered SERVFAIL"
	if err == nil || err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	_, err = c.LookupMX(t.Context(), "nowhere.example.com")
	want = "dns: lookup MX nowhere.example.com on " + s.Addr() + ": no such domain"
	if err == nil || err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	_, err = c.LookupTXT(contextDone, "broken.example.com")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v does not match context.Canceled", err)
	}
}
