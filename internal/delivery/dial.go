package delivery

import (
	"context"
	"crypto/tls"
	"errors"
	"net/netip"
	"time"

	"github.com/hikyaku/hikyaku/internal/dns"
)

// open connects to the first server of the site that will take a
// transaction: the hosts in order and each host's addresses (IPv4 first),
// at most MaxAddrs of them. A host that cannot be reached, or greets or
// answers EHLO with an error, is skipped; so is one where required TLS
// fails. Failures are recorded in rep.HostErrors; the last one is
// returned when no server is usable, always temporary: even a 5xx greeting
// only says that host will not talk now (Postfix's smtp_skip_5xx_greeting),
// and a name that does not resolve may be a DNS change in flight.
func (p *Pool) open(ctx context.Context, site *Site, rep *Report) (*conn, *Error) {
	tried := 0
	var last *Error
	fail := func(e *Error) {
		rep.HostErrors = append(rep.HostErrors, e)
		last = e
	}
	for _, h := range site.Hosts {
		addrs, err := p.lookup(ctx, h.Name)
		if err != nil {
			enh := "4.4.3"
			if dns.IsNotFound(err) {
				enh = "4.4.4" // X.4.4: unable to route
			}
			e := localError(StageResolve, true, enh, err, "no address for host %s: %v", h.Name, err)
			e.Host = h.Name
			fail(e)
			continue
		}
		for _, a := range addrs {
			if tried == p.cfg.MaxAddrs {
				return nil, last
			}
			if ctx.Err() != nil {
				return nil, interrupted(ctx)
			}
			tried++
			c, e := p.connect(ctx, site, h, a, false)
			if e != nil && e.Stage == StageTLS && site.tlsMode() == TLSOpportunistic {
				// The handshake failed; opportunistic TLS may do without
				// it, so try the same server again in plaintext.
				fail(e)
				c, e = p.connect(ctx, site, h, a, true)
			}
			if e == nil {
				return c, nil
			}
			if ctx.Err() != nil {
				fail(e)
				return nil, interrupted(ctx)
			}
			fail(e)
			if e.Stage == StageAuth {
				// Credentials refused here will be refused by the next
				// server of the same relay too.
				return nil, e
			}
		}
	}
	if ctx.Err() != nil {
		return nil, interrupted(ctx)
	}
	if last == nil {
		last = localError(StageConnect, true, "4.4.1", nil, "no server of %s could be tried", site.Key)
	}
	return nil, last
}

// interrupted is the failure of a delivery whose context ended: its
// deadline passed (X.4.7, delivery time expired) or the node is stopping.
func interrupted(ctx context.Context) *Error {
	return localError(StageConnect, true, "4.4.7", ctx.Err(), "delivery interrupted: %v", context.Cause(ctx))
}

// lookup returns the addresses of a host, which may be an IP address.
func (p *Pool) lookup(ctx context.Context, host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a.Unmap()}, nil
	}
	return p.cfg.Resolver.LookupHost(ctx, host)
}

// connect opens a session with one server: connect, greeting, EHLO,
// STARTTLS as the site's TLS mode asks (skipped with plain), and AUTH for
// a route with credentials.
func (p *Pool) connect(ctx context.Context, site *Site, h Host, ip netip.Addr, plain bool) (*conn, *Error) {
	t := p.cfg.Timeouts
	addr := netip.AddrPortFrom(ip, uint16(h.Port)).String()
	fail := func(e *Error) *Error {
		e.Host, e.Addr = h.Name, addr
		return e
	}

	dctx, cancel := context.WithTimeout(ctx, t.Connect)
	nc, err := p.cfg.Dial(dctx, "tcp", addr)
	cancel()
	if err != nil {
		return nil, fail(localError(StageConnect, true, "4.4.1", err, "connect: %v", err))
	}
	mode := site.tlsMode()
	c := newConn(nc, h, addr)
	stop := c.bind(ctx)
	defer stop()

	if mode == TLSImplicit {
		tc := tls.Client(nc, p.tlsConfig(site, h))
		err := tc.SetDeadline(time.Now().Add(t.Connect))
		if err == nil {
			err = tc.Handshake()
		}
		if err != nil {
			c.close()
			return nil, fail(localError(StageConnect, true, "4.7.5", err, "TLS handshake: %v", err))
		}
		_ = tc.SetDeadline(time.Time{})
		c.setConn(tc)
		c.tls = true
	}

	r, err := c.readReply(t.Greeting)
	if err != nil {
		c.close()
		return nil, c.ioError(ctx, StageGreeting, err)
	}
	if r.Code != 220 {
		p.retire(c)
		e := replyError(StageGreeting, r)
		e.Temporary = true
		return nil, fail(e)
	}
	if e := p.hello(ctx, c); e != nil {
		return nil, e
	}

	if !c.tls && !plain && (mode == TLSOpportunistic || mode == TLSRequired) {
		if !c.has("STARTTLS") {
			if mode == TLSRequired {
				p.retire(c)
				return nil, fail(localError(StageTLS, true, "4.7.4", nil, "TLS is required, but was not offered by the server"))
			}
		} else {
			r, err := c.startTLS(p.tlsConfig(site, h), t.Command)
			switch {
			case err != nil:
				c.close()
				c.broken = true
				return nil, fail(localError(StageTLS, true, "4.7.5", err, "cannot start TLS: %v", err))
			case r.Code != 220 && mode == TLSRequired:
				p.retire(c)
				e := replyError(StageTLS, r)
				e.Temporary = true
				return nil, fail(e)
			case r.Code == 220:
				if e := p.hello(ctx, c); e != nil {
					return nil, e
				}
			}
			// A refused STARTTLS leaves the session in plaintext, good
			// enough for opportunistic TLS.
		}
	}

	if rt := site.Route; rt != nil && rt.Username != "" {
		if !c.tls && mode != TLSNone {
			p.retire(c)
			return nil, fail(localError(StageAuth, true, "4.7.4", nil,
				"not sending the credentials of route %s without TLS (set its tls to \"none\" to allow it)", rt.Pattern))
		}
		r, err := c.authenticate(rt.Username, rt.Password, t.Command)
		switch {
		case errors.Is(err, errNoAuth):
			p.retire(c)
			return nil, fail(localError(StageAuth, true, "4.7.0", err, "route %s has credentials, but %v", rt.Pattern, err))
		case err != nil:
			c.close()
			return nil, c.ioError(ctx, StageAuth, err)
		case r.Code != 235:
			// Postfix defers on refused credentials
			// (smtp_sasl_auth_soft_bounce): the fix is in the config,
			// and the mail should wait for it rather than bounce.
			if r.Code == 421 {
				c.broken = true
			}
			p.retire(c)
			e := replyError(StageAuth, r)
			e.Temporary = true
			return nil, fail(e)
		}
	}
	return c, nil
}

// hello sends EHLO (or HELO) and treats a refusal as the host's failure.
func (p *Pool) hello(ctx context.Context, c *conn) *Error {
	r, err := c.hello(p.cfg.HelloName, p.cfg.Timeouts.Command)
	if err != nil {
		c.close()
		return c.ioError(ctx, StageHello, err)
	}
	if r.Code != 250 {
		if r.Code == 421 {
			c.broken = true
		}
		p.retire(c)
		e := replyError(StageHello, r)
		e.Temporary = true
		e.Host, e.Addr = c.host.Name, c.addr
		return e
	}
	return nil
}
