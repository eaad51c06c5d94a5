package delivery

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/hikyaku/hikyaku/internal/dns"
	"github.com/hikyaku/hikyaku/internal/dnstest"
)

// newResolver starts a fake DNS server and a client of it that caches
// nothing, so a test may change records as it goes.
func newResolver(t *testing.T) (*dnstest.Server, dns.Resolver) {
	t.Helper()
	srv := dnstest.Start(t)
	r, err := dns.New(dns.Config{Server: srv.Addr(), Attempts: 1, Timeout: 300 * time.Millisecond, CacheSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	return srv, r
}

func mustRoutes(t *testing.T, specs ...string) []Route {
	t.Helper()
	var routes []Route
	for _, s := range specs {
		r, err := ParseRoute(s)
		if err != nil {
			t.Fatal(err)
		}
		routes = append(routes, r)
	}
	return routes
}

func TestResolve(t *testing.T) {
	t.Parallel()
	srv, res := newResolver(t)
	srv.SetMX("example.com", dnstest.MX{Host: "mx2.example.com", Pref: 20}, dnstest.MX{Host: "MX1.example.com", Pref: 10})
	srv.SetMX("nomail.example", dnstest.MX{Host: ".", Pref: 0})
	srv.SetA("a-only.example", "192.0.2.1")
	srv.SetAAAA("aaaa-only.example", "2001:db8::1")
	srv.SetTXT("txt-only.example", "v=spf1 -all")
	srv.SetFailure("servfail.example", dnstest.ServFail)
	srv.SetFailure("silent.example", dnstest.Timeout)
	srv.SetFailure("a-servfail.example", dnstest.ServFail, dnstest.TypeA, dnstest.TypeAAAA)
	srv.SetTXT("a-servfail.example", "exists")
	srv.SetMX("routed.example", dnstest.MX{Host: "mx.routed.example", Pref: 10})

	router, err := NewRouter(RouterConfig{
		Resolver: res,
		MXPort:   2525,
		Routes:   mustRoutes(t, "routed.example=relay.example.net:587", "*.sub.example=[::1]:2526"),
	})
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name, domain string
		key          string
		hosts        []string
		route        bool
		implicit     bool
		enhanced     string // of the error, when one is wanted
		temporary    bool
	}{
		{name: "MX hosts in preference order", domain: "Example.COM.", key: "mx1.example.com,mx2.example.com:2525",
			hosts: []string{"mx1.example.com:2525", "mx2.example.com:2525"}},
		{name: "a route wins over MX records", domain: "routed.example", key: "relay.example.net:587",
			hosts: []string{"relay.example.net:587"}, route: true},
		{name: "a wildcard route covers subdomains", domain: "a.sub.example", key: "[::1]:2526",
			hosts: []string{"::1:2526"}, route: true},
		{name: "a wildcard route does not cover its apex", domain: "sub.example", enhanced: "5.1.2"},
		{name: "no MX falls back to the A record", domain: "a-only.example", key: "a-only.example:2525",
			hosts: []string{"a-only.example:2525"}, implicit: true},
		{name: "no MX falls back to the AAAA record", domain: "aaaa-only.example", key: "aaaa-only.example:2525",
			hosts: []string{"aaaa-only.example:2525"}, implicit: true},
		{name: "null MX bounces at once", domain: "nomail.example", enhanced: "5.1.10"},
		{name: "NXDOMAIN bounces", domain: "missing.example", enhanced: "5.1.2"},
		{name: "no MX and no address bounces", domain: "txt-only.example", enhanced: "5.4.4"},
		{name: "SERVFAIL is temporary", domain: "servfail.example", enhanced: "4.4.3", temporary: true},
		{name: "a DNS timeout is temporary", domain: "silent.example", enhanced: "4.4.3", temporary: true},
		{name: "SERVFAIL on the fallback address is temporary", domain: "a-servfail.example", enhanced: "4.4.3", temporary: true},
		{name: "a malformed domain bounces", domain: "bad domain.example", enhanced: "5.1.2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			site, err := router.Resolve(context.Background(), tc.domain)
			if tc.enhanced != "" {
				e := AsError(err)
				if e == nil || e.Enhanced != tc.enhanced || e.Temporary != tc.temporary || e.Stage != StageResolve {
					t.Fatalf("Resolve(%q) = %+v, %v; want a %s error (temporary %v)", tc.domain, site, err, tc.enhanced, tc.temporary)
				}
				return
			}
			if err != nil {
				t.Fatalf("Resolve(%q): %v", tc.domain, err)
			}
			var hosts []string
			for _, h := range site.Hosts {
				hosts = append(hosts, h.Name+":"+itoa(h.Port))
			}
			if site.Key != tc.key || !slices.Equal(hosts, tc.hosts) || (site.Route != nil) != tc.route || site.ImplicitMX != tc.implicit {
				t.Errorf("Resolve(%q) = key %q hosts %v route %v implicit %v; want %q %v %v %v",
					tc.domain, site.Key, hosts, site.Route, site.ImplicitMX, tc.key, tc.hosts, tc.route, tc.implicit)
			}
		})
	}
}

func TestSiteKeyIsSharedAndStable(t *testing.T) {
	t.Parallel()
	srv, res := newResolver(t)
	google := []dnstest.MX{
		{Host: "aspmx.l.google.com", Pref: 1},
		{Host: "alt1.aspmx.l.google.com", Pref: 5},
		{Host: "alt2.aspmx.l.google.com", Pref: 5},
	}
	srv.SetMX("one.example", google...)
	srv.SetMX("two.example", google[2], google[1], google[0])
	srv.SetMX("three.example", dnstest.MX{Host: "ASPMX.L.GOOGLE.COM", Pref: 10}, dnstest.MX{Host: "alt1.aspmx.l.google.com", Pref: 20},
		dnstest.MX{Host: "alt2.aspmx.l.google.com", Pref: 30})
	router, err := NewRouter(RouterConfig{Resolver: res})
	if err != nil {
		t.Fatal(err)
	}
	const want = "alt1.aspmx.l.google.com,alt2.aspmx.l.google.com,aspmx.l.google.com:25"
	seen := map[string]bool{}
	for i := 0; i < 20; i++ {
		for _, d := range []string{"one.example", "two.example", "three.example"} {
			site, err := router.Resolve(context.Background(), d)
			if err != nil {
				t.Fatal(err)
			}
			if site.Key != want {
				t.Fatalf("%s: key %q, want %q", d, site.Key, want)
			}
			if site.Hosts[0].Name != "aspmx.l.google.com" {
				t.Fatalf("%s: first host %s, want the preferred one", d, site.Hosts[0].Name)
			}
			if d == "one.example" {
				seen[site.Hosts[1].Name] = true
			}
		}
	}
	if len(seen) != 2 {
		t.Errorf("equal preferences were not shuffled: second host was always %v", seen)
	}
}

func TestNewRouterRefusesBadConfig(t *testing.T) {
	t.Parallel()
	_, res := newResolver(t)
	if _, err := NewRouter(RouterConfig{}); err == nil {
		t.Error("no resolver accepted")
	}
	if _, err := NewRouter(RouterConfig{Resolver: res, MXPort: 70000}); err == nil {
		t.Error("MX port 70000 accepted")
	}
	if _, err := NewRouter(RouterConfig{Resolver: res, Routes: []Route{{Pattern: "a.test", Host: "relay", Port: 25, TLS: "sometimes"}}}); err == nil {
		t.Error("bad TLS mode accepted")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
