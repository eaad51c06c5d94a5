package delivery

import (
	"strings"
	"testing"
)

func TestParseRoute(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want Route
		err  string
	}{
		{in: "example.com=relay.example.net:587", want: Route{Pattern: "example.com", Host: "relay.example.net", Port: 587, TLS: TLSOpportunistic}},
		{in: "*.Example.COM.=127.0.0.1:2525", want: Route{Pattern: "*.example.com", Host: "127.0.0.1", Port: 2525, TLS: TLSOpportunistic}},
		{in: "*=[::1]:25", want: Route{Pattern: "*", Host: "::1", Port: 25, TLS: TLSOpportunistic}},
		{in: "example.org=smtp.example.net:465", want: Route{Pattern: "example.org", Host: "smtp.example.net", Port: 465, TLS: TLSImplicit}},
		{in: "例え.jp=relay.example.net:25", want: Route{Pattern: "xn--r8jz45g.jp", Host: "relay.example.net", Port: 25, TLS: TLSOpportunistic}},
		{in: "example.com", err: "not PATTERN=HOST:PORT"},
		{in: "example.com=relay", err: "not HOST:PORT"},
		{in: "example.com=relay:smtp", err: "not a number"},
		{in: "example.com=relay:0", err: "not between 1 and 65535"},
		{in: "=relay:25", err: "pattern is empty"},
		{in: "ex*mple.com=relay:25", err: "not a domain"},
		{in: "*.*.example.com=relay:25", err: "not a domain"},
		{in: "example.com=bad_host!:25", err: "neither a host name"},
	} {
		got, err := ParseRoute(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseRoute(%q) error = %v, want one saying %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseRoute(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}

func TestRouteValidate(t *testing.T) {
	t.Parallel()
	ok := Route{Pattern: "example.com", Host: "relay.example.net", Port: 587, Username: "u", Password: "p", TLS: TLSRequired}
	if err := ok.Validate(); err != nil {
		t.Errorf("Validate(%v) = %v", ok, err)
	}
	for _, tc := range []struct {
		r   Route
		err string
	}{
		{Route{Pattern: "example.com", Host: "relay", Port: 25, TLS: "maybe"}, `tls "maybe" is not one of`},
		{Route{Pattern: "example.com", Host: "relay", Port: 25, Username: "u"}, "go together"},
		{Route{Pattern: "example.com", Host: "relay", Port: 25, Username: "u", Password: "p\r\nRSET"}, "line break"},
	} {
		if err := tc.r.Validate(); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("Validate(%v) = %v, want an error saying %q", tc.r, err, tc.err)
		}
	}
	if s := (Route{Pattern: "a.test", Host: "relay", Port: 25, Username: "u", Password: "hunter2"}).String(); strings.Contains(s, "hunter2") {
		t.Errorf("String() shows the password: %q", s)
	}
}

func TestRouteMatch(t *testing.T) {
	t.Parallel()
	var routes []Route
	for _, s := range []string{
		"example.com=exact:25",
		"*.example.com=wild:25",
		"*.deep.example.com=deeper:25",
		"*=all:25",
	} {
		r, err := ParseRoute(s)
		if err != nil {
			t.Fatal(err)
		}
		routes = append(routes, r)
	}
	table, err := newRouteTable(routes)
	if err != nil {
		t.Fatal(err)
	}
	for domain, want := range map[string]string{
		"example.com":             "exact",
		"a.example.com":           "wild",
		"a.b.example.com":         "wild",
		"deep.example.com":        "wild", // *.deep.example.com is for its subdomains only
		"x.deep.example.com":      "deeper",
		"notexample.com":          "all",
		"com":                     "all",
		"example.com.evil.test":   "all",
		"a-example.com":           "all",
		"sub.notexample.com":      "all",
		"xn--r8jz45g.example.com": "wild",
	} {
		if r := table.match(domain); r == nil || r.Host != want {
			t.Errorf("match(%q) = %v, want the route to %s", domain, r, want)
		}
	}

	table, err = newRouteTable(routes[:2])
	if err != nil {
		t.Fatal(err)
	}
	if r := table.match("other.test"); r != nil {
		t.Errorf("match without a catch-all = %v, want none", r)
	}

	if _, err := newRouteTable([]Route{routes[0], routes[0]}); err == nil || !strings.Contains(err.Error(), "two routes for example.com") {
		t.Errorf("duplicate patterns: %v", err)
	}
}
