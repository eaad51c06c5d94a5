package delivery

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/hikyaku/hikyaku/internal/address"
	"github.com/hikyaku/hikyaku/internal/dns"
)

// DefaultMXPort is the port dialled on MX hosts unless --mx-port says
// otherwise.
const DefaultMXPort = 25

// Site is where a domain's mail goes: its MX hosts, or a route's server.
// Domains whose MX records name the same hosts are one site, so the
// scheduler can hold per-site limits for a provider that hosts many
// domains (Google Workspace, Microsoft 365), as KumoMTA's "site" does.
type Site struct {
	// Key identifies the site: its host names, lower-cased, sorted and
	// joined by commas, then ":PORT", e.g.
	// "alt1.gmail-smtp-in.l.google.com,gmail-smtp-in.l.google.com:25"
	// ("[::1]:2525" for a route to an IPv6 address). Hosts are sorted, so
	// the key does not change with the shuffle of equal preferences.
	Key string
	// Domain is the recipient domain resolved, normalized.
	Domain string
	// Hosts are the servers to try, in order: MX hosts by preference
	// (equal preferences shuffled, RFC 5321 §5.1), or the route's one
	// host.
	Hosts []Host
	// Route is the route that matched, or nil for MX delivery.
	Route *Route
	// ImplicitMX says the domain has no MX records and its own address is
	// used as its one MX (RFC 5321 §5.1).
	ImplicitMX bool
	// MaxMessagesPerConn, when positive, retires a connection to this
	// site after that many messages, below PoolConfig.MaxMessagesPerConn
	// (the shaping file's messages_per_connection: Yahoo asks for 20).
	MaxMessagesPerConn int
	// MaxIdle, when above PoolConfig.MaxIdlePerSite, is how many idle
	// connections the pool keeps for this site: the scheduler's connection
	// limit for it, so that its workers, each between two messages (the
	// last one's outcome being recorded), find their connections again
	// instead of one in five surviving.
	MaxIdle int
}

// Host is one server of a site.
type Host struct {
	// Name is the host name (or IP address) dialled, lower-case.
	Name string
	// Port is the TCP port.
	Port int
	// Pref is the MX preference; 0 for routes and implicit MX.
	Pref uint16
}

// tlsMode is how connections to the site are encrypted.
func (s *Site) tlsMode() TLSMode {
	if s.Route != nil {
		return s.Route.TLS
	}
	return TLSOpportunistic
}

// RouterConfig configures a Router.
type RouterConfig struct {
	// Resolver looks up MX and address records. Required.
	Resolver dns.Resolver
	// Routes send some domains to fixed servers (--route and the config
	// file).
	Routes []Route
	// MXPort is the port dialled on MX hosts (--mx-port); 0 means 25.
	MXPort int
}

// Router finds the site for a recipient domain. It is safe for concurrent
// use.
type Router struct {
	resolver dns.Resolver
	routes   *routeTable
	mxPort   int
}

// NewRouter checks the routes and returns a Router.
func NewRouter(cfg RouterConfig) (*Router, error) {
	if cfg.Resolver == nil {
		return nil, errors.New("delivery: router needs a DNS resolver")
	}
	if cfg.MXPort == 0 {
		cfg.MXPort = DefaultMXPort
	}
	if cfg.MXPort < 1 || cfg.MXPort > 65535 {
		return nil, fmt.Errorf("delivery: --mx-port %d is not between 1 and 65535", cfg.MXPort)
	}
	t, err := newRouteTable(cfg.Routes)
	if err != nil {
		return nil, err
	}
	return &Router{resolver: cfg.Resolver, routes: t, mxPort: cfg.MXPort}, nil
}

// Route returns the route for a domain, or nil when its mail goes to its
// MX hosts.
func (r *Router) Route(domain string) *Route {
	d, err := normalizeDomain(domain)
	if err != nil {
		return nil
	}
	return r.routes.match(d)
}

// Resolve finds the site for a recipient domain: the matching route if
// there is one, else the domain's MX hosts. Failures are *Error values:
//   - a null MX (RFC 7505) is permanent, 5.1.10;
//   - a domain that does not exist is permanent, 5.1.2;
//   - a domain with neither MX nor address records is permanent, 5.4.4;
//   - a DNS failure that may pass (SERVFAIL, timeout) is temporary, 4.4.3.
//
// A domain without MX records but with an address is its own implicit MX
// (RFC 5321 §5.1). The addresses of MX hosts are looked up later, when
// they are dialled, so a site whose first host answers costs one lookup.
func (r *Router) Resolve(ctx context.Context, domain string) (*Site, error) {
	d, err := normalizeDomain(domain)
	if err != nil {
		return nil, localError(StageResolve, false, "5.1.2", err, "bad destination domain %q", domain)
	}
	if rt := r.routes.match(d); rt != nil {
		h := Host{Name: rt.Host, Port: rt.Port}
		return &Site{Key: siteKey([]Host{h}), Domain: d, Hosts: []Host{h}, Route: rt}, nil
	}

	mxs, err := r.resolver.LookupMX(ctx, d)
	switch {
	case err == nil:
		hosts := make([]Host, 0, len(mxs))
		for _, mx := range mxs {
			hosts = append(hosts, Host{Name: strings.ToLower(mx.Host), Port: r.mxPort, Pref: mx.Pref})
		}
		return &Site{Key: siteKey(hosts), Domain: d, Hosts: hosts}, nil
	case errors.Is(err, dns.ErrNullMX):
		// RFC 7505 §4.2: a null MX is a permanent failure, 5.1.10.
		return nil, localError(StageResolve, false, "5.1.10", err, "domain %s accepts no mail (null MX)", d)
	case errors.Is(err, dns.ErrNoSuchDomain):
		return nil, localError(StageResolve, false, "5.1.2", err, "domain %s not found", d)
	case errors.Is(err, dns.ErrNoData):
		// No MX: the domain itself is the MX, if it has an address
		// (RFC 5321 §5.1).
		_, herr := r.resolver.LookupHost(ctx, d)
		switch {
		case herr == nil:
			h := []Host{{Name: d, Port: r.mxPort}}
			return &Site{Key: siteKey(h), Domain: d, Hosts: h, ImplicitMX: true}, nil
		case dns.IsNotFound(herr):
			return nil, localError(StageResolve, false, "5.4.4", herr, "domain %s has no MX and no address records: no route to its mail", d)
		}
		err = herr
	}
	return nil, localError(StageResolve, true, "4.4.3", err, "looking up the mail servers of %s: %v", d, err)
}

// siteKey is Site.Key for hosts that share one port.
func siteKey(hosts []Host) string {
	names := make([]string, 0, len(hosts))
	for _, h := range hosts {
		names = append(names, h.Name)
	}
	slices.Sort(names)
	names = slices.Compact(names)
	port := DefaultMXPort
	if len(hosts) > 0 {
		port = hosts[0].Port
	}
	if len(names) == 1 {
		return net.JoinHostPort(names[0], strconv.Itoa(port))
	}
	return strings.Join(names, ",") + ":" + strconv.Itoa(port)
}

// normalizeDomain returns a recipient domain lower-cased in A-label form,
// without a final dot.
func normalizeDomain(domain string) (string, error) {
	return address.Domain(strings.TrimSuffix(domain, "."))
}
