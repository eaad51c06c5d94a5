package delivery

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/hikyaku/hikyaku/internal/dns"
)

// PoolConfig configures a Pool. Zero fields take the defaults given.
type PoolConfig struct {
	// Resolver looks up the addresses of MX and route hosts. Required.
	Resolver dns.Resolver
	// HelloName is the name given in EHLO: the host's public name, which
	// should match its reverse DNS. Empty means os.Hostname().
	HelloName string
	// Timeouts bound each step of a session.
	Timeouts Timeouts
	// MaxIdlePerSite is how many idle connections are kept per site for
	// the next message (default 4), or Site.MaxIdle when that is more.
	// Negative keeps none: every message gets its own connection.
	MaxIdlePerSite int
	// IdleTimeout closes a connection idle this long (default 10s).
	// Remote servers drop idle clients after about a minute; holding a
	// connection open also holds one of the few slots a provider allows.
	// Postfix keeps its cache for 2s, KumoMTA for 60s.
	IdleTimeout time.Duration
	// MaxMessagesPerConn retires a connection after this many messages
	// (default 100; KumoMTA's max_deliveries_per_connection).
	MaxMessagesPerConn int
	// MaxConnAge retires a connection this old (default 5m; Postfix's
	// smtp_connection_reuse_time_limit is 300s).
	MaxConnAge time.Duration
	// MaxAddrs bounds how many server addresses one delivery tries
	// before giving up (default 5; Postfix's smtp_mx_address_limit).
	MaxAddrs int
	// Dial opens TCP connections; nil uses a net.Dialer. Set it to bind a
	// source address.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// RootCAs verifies the certificates of routes with VerifyTLS; nil
	// means the system roots.
	RootCAs *x509.CertPool
	// Logger gets a debug line per attempt. Nil discards.
	Logger *slog.Logger
}

// Pool delivers messages, keeping connections open between messages for
// the same site. It is safe for concurrent use; concurrent deliveries to
// one site use separate connections (limiting them is the scheduler's
// job).
type Pool struct {
	cfg PoolConfig

	mu     sync.Mutex
	idle   map[string][]*conn // by pool key, most recently used last
	closed bool
	quits  sync.WaitGroup // connections being closed in the background
}

// NewPool checks cfg and returns a Pool.
func NewPool(cfg PoolConfig) (*Pool, error) {
	if cfg.Resolver == nil {
		return nil, errors.New("delivery: pool needs a DNS resolver")
	}
	t, err := cfg.Timeouts.withDefaults()
	if err != nil {
		return nil, err
	}
	cfg.Timeouts = t
	if cfg.HelloName == "" {
		if cfg.HelloName, err = os.Hostname(); err != nil || cfg.HelloName == "" {
			cfg.HelloName = "localhost"
		}
	}
	if err := checkPath(cfg.HelloName); err != nil {
		return nil, fmt.Errorf("delivery: EHLO name %q: %w", cfg.HelloName, err)
	}
	if cfg.MaxIdlePerSite == 0 {
		cfg.MaxIdlePerSite = 4
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = 10 * time.Second
	}
	if cfg.MaxMessagesPerConn <= 0 {
		cfg.MaxMessagesPerConn = 100
	}
	if cfg.MaxConnAge <= 0 {
		cfg.MaxConnAge = 5 * time.Minute
	}
	if cfg.MaxAddrs <= 0 {
		cfg.MaxAddrs = 5
	}
	if cfg.Dial == nil {
		cfg.Dial = (&net.Dialer{}).DialContext
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Pool{cfg: cfg, idle: map[string][]*conn{}}, nil
}

// Deliver offers one message to a site: it takes an idle connection to
// the site or opens one (trying the site's hosts in order, and each
// host's addresses), and runs one mail transaction.
//
// The Report has a result for every recipient. The error is non-nil, an
// *Error, when the failure concerns the whole message rather than some
// recipients: no server could be reached or used (temporary for all),
// MAIL FROM or DATA was refused, the message exceeds the server's SIZE
// (permanent), the connection was lost. Recipients refused at RCPT TO are
// only in the Report. Only an invalid envelope gives a nil Report.
//
// Delivery is at least once: if the connection is lost after the final
// dot was sent but before the server's reply, the recipients are reported
// temporary though the server may have taken the message (RFC 1047).
func (p *Pool) Deliver(ctx context.Context, site *Site, env *Envelope) (*Report, error) {
	if site == nil || len(site.Hosts) == 0 {
		return nil, errors.New("delivery: no site to deliver to")
	}
	e := *env
	if err := e.prepare(); err != nil {
		return nil, err
	}
	rep := &Report{Site: site.Key, Rcpts: make([]RcptResult, len(e.Rcpts))}
	for i, r := range e.Rcpts {
		rep.Rcpts[i].Rcpt = r
		if err := checkPath(r); err != nil || r == "" {
			rep.Rcpts[i] = RcptResult{Rcpt: r, Result: Permanent, Stage: StageLocal,
				Reply: Reply{Enhanced: "5.1.3", Text: "bad recipient address syntax"}}
		}
	}
	if rep.Count(0) == 0 {
		return rep, nil
	}

	key := poolKey(site)
	for {
		c := p.take(key)
		reused := c != nil
		if c == nil {
			var err *Error
			if c, err = p.open(ctx, site, rep); err != nil {
				rep.settle(err)
				p.log(ctx, site, rep, err)
				return rep, err
			}
			c.key = key
		}
		c.maxMessages, c.maxIdle = site.MaxMessagesPerConn, site.MaxIdle
		stop := c.bind(ctx)
		err, stale := p.transact(ctx, c, &e, rep, reused)
		if !stop() {
			c.broken = true
		}
		if stale {
			// The idle connection had died (the server timed it out):
			// nothing was committed, so try again on another.
			c.close()
			continue
		}
		p.put(c)
		p.log(ctx, site, rep, err)
		if err != nil {
			return rep, err
		}
		return rep, nil // not "return rep, err": a nil *Error is a non-nil error
	}
}

// Close closes the idle connections, politely, and waits for them.
// Deliveries under way finish; their connections are closed then.
func (p *Pool) Close() error {
	p.mu.Lock()
	p.closed = true
	var all []*conn
	for k, list := range p.idle {
		all = append(all, list...)
		delete(p.idle, k)
	}
	p.mu.Unlock()
	for _, c := range all {
		c.idle.Stop()
		p.retire(c)
	}
	p.quits.Wait()
	return nil
}

// Idle returns how many idle connections the pool holds.
func (p *Pool) Idle() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, list := range p.idle {
		n += len(list)
	}
	return n
}

// poolKey says which connections can carry a site's mail: the site's
// servers, and how the session was set up (TLS mode, credentials), so two
// routes to one relay with different users never share a session.
func poolKey(s *Site) string {
	k := s.Key + "|" + string(s.tlsMode())
	if r := s.Route; r != nil {
		k += "|" + strconv.FormatBool(r.VerifyTLS) + "|" + r.Username + "\x00" + r.Password
	}
	return k
}

// take returns an idle connection for key, the most recently used first
// (likeliest still open), or nil.
func (p *Pool) take(key string) *conn {
	p.mu.Lock()
	defer p.mu.Unlock()
	for list := p.idle[key]; len(list) > 0; list = p.idle[key] {
		c := list[len(list)-1]
		p.idle[key] = list[:len(list)-1]
		c.idle.Stop()
		if time.Since(c.created) < p.cfg.MaxConnAge {
			return c
		}
		p.retire(c)
	}
	delete(p.idle, key)
	return nil
}

// put keeps a connection for the next message, or closes it.
func (p *Pool) put(c *conn) {
	if c.broken {
		c.close()
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || p.cfg.MaxIdlePerSite < 0 || len(p.idle[c.key]) >= max(p.cfg.MaxIdlePerSite, c.maxIdle) ||
		c.messages >= p.cfg.MaxMessagesPerConn || (c.maxMessages > 0 && c.messages >= c.maxMessages) ||
		time.Since(c.created) >= p.cfg.MaxConnAge {
		p.retire(c)
		return
	}
	p.idle[c.key] = append(p.idle[c.key], c)
	c.idle = time.AfterFunc(p.cfg.IdleTimeout, func() { p.expire(c) })
}

// expire closes a connection that stayed idle too long, unless take got
// it first.
func (p *Pool) expire(c *conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	list := p.idle[c.key]
	for i, x := range list {
		if x == c {
			p.idle[c.key] = append(list[:i:i], list[i+1:]...)
			if len(p.idle[c.key]) == 0 {
				delete(p.idle, c.key)
			}
			p.retire(c)
			return
		}
	}
}

// retire sends QUIT and closes the connection in the background.
func (p *Pool) retire(c *conn) {
	p.quits.Add(1)
	go func() {
		defer p.quits.Done()
		c.quit(p.cfg.Timeouts.Command)
	}()
}

func (p *Pool) log(ctx context.Context, site *Site, rep *Report, e *Error) {
	if !p.cfg.Logger.Enabled(ctx, slog.LevelDebug) {
		return
	}
	args := []any{"site", site.Key, "host", rep.Host, "addr", rep.Addr, "tls", rep.TLS, "reused", rep.Reused,
		"delivered", rep.Count(Delivered), "temporary", rep.Count(Temporary), "permanent", rep.Count(Permanent)}
	if e != nil {
		args = append(args, "error", e.Error())
	}
	p.cfg.Logger.DebugContext(ctx, "delivery attempt", args...)
}

// tlsConfig is the TLS client configuration for a host of a site.
func (p *Pool) tlsConfig(site *Site, h Host) *tls.Config {
	verify := site.Route != nil && site.Route.VerifyTLS
	cfg := &tls.Config{ServerName: h.Name, RootCAs: p.cfg.RootCAs, InsecureSkipVerify: !verify}
	if !verify {
		// Unverified TLS only guards against passive eavesdropping, and
		// any version does that better than plaintext, which is where an
		// opportunistic session would otherwise fall back (RFC 7435).
		cfg.MinVersion = tls.VersionTLS10
	}
	return cfg
}
