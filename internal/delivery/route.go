package delivery

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"golang.org/x/net/idna"

	"github.com/hikyaku/hikyaku/internal/address"
)

// TLSMode is how a connection is encrypted.
type TLSMode string

// The TLS modes. MX delivery always uses TLSOpportunistic; a route chooses.
const (
	// TLSNone never starts TLS, and lets AUTH go in the clear: for a
	// relay on a trusted network, or a test sink.
	TLSNone TLSMode = "none"
	// TLSOpportunistic uses STARTTLS when the server offers it and
	// delivers in the clear when it does not, or when the handshake
	// fails (Postfix's smtp_tls_security_level=may). Certificates are
	// not verified: an MTA cannot know which name an MX should prove, so
	// verifying would only push mail back to plaintext.
	TLSOpportunistic TLSMode = "starttls"
	// TLSRequired needs STARTTLS to succeed, else the host is skipped
	// and the delivery deferred (Postfix's "encrypt" level).
	TLSRequired TLSMode = "require"
	// TLSImplicit speaks TLS from the first byte, as on port 465
	// (RFC 8314).
	TLSImplicit TLSMode = "implicit"
)

// Route sends the mail of some domains to a fixed server (a relay, a
// smarthost, a test sink) instead of their MX hosts. The --route flag gives
// Pattern, Host and Port; the config file may add the rest.
type Route struct {
	// Pattern is the recipient domains the route is for:
	//   - "example.com" matches that domain only;
	//   - "*.example.com" matches its subdomains (a.example.com,
	//     a.b.example.com) but not example.com itself, as ".example.com"
	//     does in Postfix's transport(5): list both to route both;
	//   - "*" matches every domain: a smarthost for all mail.
	// The most specific pattern wins: the exact domain, then the
	// wildcard with the longest suffix, then "*".
	Pattern string `toml:"pattern"`
	// Host is the server's name or IP address. A name is resolved to
	// addresses (A/AAAA) and dialled; it is never looked up as an MX,
	// like a bracketed [host] next hop in Postfix.
	Host string `toml:"host"`
	// Port is the server's TCP port.
	Port int `toml:"port"`
	// Username and Password, when set, authenticate with SMTP AUTH
	// (PLAIN, or LOGIN if that is all the server offers). Credentials are
	// only sent over TLS unless TLS is "none".
	Username string `toml:"username"`
	Password string `toml:"password"`
	// TLS is "none", "starttls", "require" or "implicit"; empty means
	// "implicit" on port 465 and "starttls" elsewhere.
	TLS TLSMode `toml:"tls"`
	// VerifyTLS checks the server's certificate against the system roots
	// (or PoolConfig.RootCAs) and Host, and makes TLS mandatory ("starttls"
	// becomes "require"): a failed check must not fall back to plaintext.
	// Off by default, as for MX hosts; turn it on for a relay on the
	// Internet that is sent credentials (Postfix's "verify" level).
	VerifyTLS bool `toml:"verify_tls"`
}

// ParseRoute parses the --route flag's form, "PATTERN=HOST:PORT", e.g.
// "*.example.com=relay.example.net:587" or "example.org=[::1]:2525".
func ParseRoute(s string) (Route, error) {
	pattern, hostport, ok := strings.Cut(s, "=")
	if !ok {
		return Route{}, fmt.Errorf("delivery: route %q is not PATTERN=HOST:PORT (e.g. *.example.com=relay.example.net:587)", s)
	}
	host, port, err := net.SplitHostPort(strings.TrimSpace(hostport))
	if err != nil {
		return Route{}, fmt.Errorf("delivery: route %q: %q is not HOST:PORT (an IPv6 address goes in brackets: [::1]:25)", s, hostport)
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return Route{}, fmt.Errorf("delivery: route %q: port %q is not a number", s, port)
	}
	r := Route{Pattern: strings.TrimSpace(pattern), Host: host, Port: p}
	n, err := r.normalize()
	if err != nil {
		return Route{}, err
	}
	return n, nil
}

// Validate checks a route, e.g. one read from the config file.
func (r Route) Validate() error {
	_, err := r.normalize()
	return err
}

// String formats the route as the --route flag takes it, with its TLS mode
// and user but never its password.
func (r Route) String() string {
	s := r.Pattern + "=" + net.JoinHostPort(r.Host, strconv.Itoa(r.Port))
	var extra []string
	if r.TLS != "" {
		extra = append(extra, "tls="+string(r.TLS))
	}
	if r.Username != "" {
		extra = append(extra, "user="+r.Username)
	}
	if len(extra) > 0 {
		s += " (" + strings.Join(extra, ", ") + ")"
	}
	return s
}

// normalize checks r and returns it with the pattern and host lower-cased
// in A-label form and the TLS mode filled in.
func (r Route) normalize() (Route, error) {
	fail := func(format string, args ...any) (Route, error) {
		return Route{}, fmt.Errorf("delivery: route %s: %s", r, fmt.Sprintf(format, args...))
	}
	switch p := strings.TrimSuffix(r.Pattern, "."); {
	case p == "":
		return fail("the pattern is empty; give a domain, *.domain or *")
	case p == "*":
		r.Pattern = p
	default:
		wild := strings.HasPrefix(p, "*.")
		d, err := address.Domain(strings.TrimPrefix(p, "*."))
		if err != nil || strings.Contains(d, "*") {
			return fail("pattern %q is not a domain, *.domain or *", r.Pattern)
		}
		r.Pattern = d
		if wild {
			r.Pattern = "*." + d
		}
	}
	if a, err := netip.ParseAddr(r.Host); err == nil {
		r.Host = a.Unmap().String()
	} else if h, ok := hostName(r.Host); ok {
		r.Host = h
	} else {
		return fail("host %q is neither a host name nor an IP address", r.Host)
	}
	if r.Port < 1 || r.Port > 65535 {
		return fail("port %d is not between 1 and 65535", r.Port)
	}
	switch r.TLS {
	case "":
		r.TLS = TLSOpportunistic
		if r.Port == 465 {
			r.TLS = TLSImplicit
		}
	case TLSNone, TLSOpportunistic, TLSRequired, TLSImplicit:
	default:
		return fail("tls %q is not one of none, starttls, require, implicit", r.TLS)
	}
	if r.VerifyTLS {
		switch r.TLS {
		case TLSNone:
			return fail("verify_tls needs TLS, but tls is \"none\"")
		case TLSOpportunistic:
			r.TLS = TLSRequired
		}
	}
	if (r.Username == "") != (r.Password == "") {
		return fail("username and password go together")
	}
	if strings.ContainsAny(r.Username+r.Password, "\x00\r\n") {
		return fail("username or password holds a NUL or line break")
	}
	return r, nil
}

// routeTable finds the route for a domain.
type routeTable struct {
	exact map[string]*Route // by domain
	wild  map[string]*Route // "*.example.com" by "example.com"
	all   *Route            // "*"
}

func newRouteTable(routes []Route) (*routeTable, error) {
	t := &routeTable{exact: map[string]*Route{}, wild: map[string]*Route{}}
	var errs []error
	for _, r := range routes {
		n, err := r.normalize()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		var prev *Route
		switch {
		case n.Pattern == "*":
			prev = t.all
		case strings.HasPrefix(n.Pattern, "*."):
			prev = t.wild[n.Pattern[2:]]
		default:
			prev = t.exact[n.Pattern]
		}
		if prev != nil {
			errs = append(errs, fmt.Errorf("delivery: two routes for %s: %s and %s", n.Pattern, prev, n))
			continue
		}
		switch {
		case n.Pattern == "*":
			t.all = &n
		case strings.HasPrefix(n.Pattern, "*."):
			t.wild[n.Pattern[2:]] = &n
		default:
			t.exact[n.Pattern] = &n
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return t, nil
}

// match returns the most specific route for a normalized domain, or nil.
func (t *routeTable) match(domain string) *Route {
	if r := t.exact[domain]; r != nil {
		return r
	}
	for d := domain; ; {
		_, parent, ok := strings.Cut(d, ".")
		if !ok {
			break
		}
		if r := t.wild[parent]; r != nil {
			return r
		}
		d = parent
	}
	return t.all
}

// hostName checks a server's name as RFC 1123 §2.1 has it (letters,
// digits, hyphens; one label is fine, e.g. "localhost" or a relay on the
// local network) and returns it lower-cased in A-label form.
func hostName(h string) (string, bool) {
	h = strings.TrimSuffix(h, ".")
	if !isASCII(h) {
		a, err := idna.Lookup.ToASCII(h)
		if err != nil {
			return "", false
		}
		h = a
	}
	h = strings.ToLower(h)
	if h == "" || len(h) > 253 {
		return "", false
	}
	for _, l := range strings.Split(h, ".") {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return "", false
		}
		for i := 0; i < len(l); i++ {
			if c := l[i]; c != '-' && (c < 'a' || c > 'z') && (c < '0' || c > '9') {
				return "", false
			}
		}
	}
	return h, true
}
