// Package smtpd is hikyaku's SMTP submission endpoint, the counterpart of
// SES's email-smtp.<region>.amazonaws.com: applications configured for SES
// SMTP (host, port, access key ID as user name, derived SMTP password) send
// through it unchanged.
//
// It listens for submission with STARTTLS (SES's 587 and 2587) and for
// implicit TLS (SES's 465 and 2465). As on SES, every connection must be
// encrypted: AUTH (PLAIN or LOGIN) is offered and accepted only under TLS,
// and MAIL only after AUTH. Each transaction is handed whole to a
// Submitter (package intake in production), and its refusals are answered
// with the reply codes and texts SES uses (see reply.go).
//
// The protocol itself is emersion/go-smtp's; this package supplies the
// session, the listeners (with a connection limit), the certificate and
// the mapping of hikyaku's faults to SMTP replies.
package smtpd

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/hikyaku/hikyaku/internal/intake"
	"github.com/hikyaku/hikyaku/internal/store"
)

// Config configures the listeners. The zero value of each field but the
// addresses means its default.
type Config struct {
	// Addr is the listen address of submission with STARTTLS, like SES's
	// ports 587 and 2587. "" or "off" disables it.
	Addr string
	// TLSAddr is the listen address of submission over implicit TLS
	// (SMTPS), like SES's ports 465 and 2465. "" or "off" disables it.
	TLSAddr string
	// Hostname is the name in the greeting and in the self-signed
	// certificate. Default "localhost".
	Hostname string
	// CertFile and KeyFile are PEM files holding the certificate chain
	// and its private key. When both are empty, a self-signed certificate
	// for Hostname is made once and kept in DataDir (smtp-cert.pem,
	// smtp-key.pem).
	CertFile, KeyFile string
	// DataDir is where the self-signed certificate is kept.
	DataDir string
	// MaxConnections bounds the connections open at once across both
	// listeners; beyond it a client is told "421 Too many concurrent SMTP
	// connections". Default 100.
	MaxConnections int
	// ReadTimeout is how long a command, or a pause within DATA, may keep
	// us waiting. Default 5 minutes (RFC 5321 §4.5.3.2.7).
	ReadTimeout time.Duration
	// WriteTimeout is how long a reply may take to be written. Default 1
	// minute.
	WriteTimeout time.Duration
	// MaxLineLength bounds a command or message line, CRLF included; a
	// longer line ends the connection. Default 2000, twice RFC 5321's
	// limit, because real clients exceed it.
	MaxLineLength int
	// MaxMessageBytes is the largest message accepted, advertised with
	// SIZE. Default 40 MB, SES's limit for SMTP (intake.MaxSizeV2).
	MaxMessageBytes int
	// TrustedNetworks may submit without TLS and AUTH, as TrustedAccount,
	// like Postfix's permit_mynetworks: for applications on the same
	// host or a private network that speak plain SMTP. Empty (the
	// default) trusts nobody.
	TrustedNetworks []netip.Prefix
	// TrustedAccount is the account mail from TrustedNetworks is sent as.
	TrustedAccount *store.Account
}

// trusted reports whether a remote address may submit without AUTH.
func (c *Config) trusted(addr net.Addr) bool {
	if c.TrustedAccount == nil || len(c.TrustedNetworks) == 0 {
		return false
	}
	ap, err := netip.ParseAddrPort(addr.String())
	if err != nil {
		return false
	}
	ip := ap.Addr().Unmap()
	for _, p := range c.TrustedNetworks {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// Defaults of Config.
const (
	DefaultMaxConnections = 100
	DefaultReadTimeout    = 5 * time.Minute
	DefaultWriteTimeout   = time.Minute
	DefaultMaxLineLength  = 2000
)

// maxAuthFailures failed AUTH attempts end a connection.
const maxAuthFailures = 3

// submitTimeout bounds one Submit call; RFC 5321 §4.5.3.2.6 has clients
// wait 10 minutes for the reply to DATA.
const submitTimeout = 5 * time.Minute

func (c *Config) setDefaults() {
	if c.Hostname == "" {
		c.Hostname = "localhost"
	}
	if c.MaxConnections <= 0 {
		c.MaxConnections = DefaultMaxConnections
	}
	if c.ReadTimeout <= 0 {
		c.ReadTimeout = DefaultReadTimeout
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = DefaultWriteTimeout
	}
	if c.MaxLineLength <= 0 {
		c.MaxLineLength = DefaultMaxLineLength
	}
	if c.MaxMessageBytes <= 0 {
		c.MaxMessageBytes = intake.MaxSizeV2
	}
}

func enabled(addr string) bool { return addr != "" && addr != "off" }

// Server is the submission endpoint. Make one with New, then Start it.
type Server struct {
	cfg  Config
	auth Authenticator
	sub  Submitter
	log  *slog.Logger

	smtp  *smtp.Server
	limit *connLimit
	// ctx is the parent of every Submit and Authenticate call; it ends
	// when the server is closed.
	ctx    context.Context
	cancel context.CancelFunc

	mu        sync.Mutex
	listeners []net.Listener
	addr      string
	tlsAddr   string
	closed    bool
	inflight  int           // transactions between DATA and their reply
	draining  bool          // Shutdown has begun
	drained   chan struct{} // closed when inflight drops to 0 while draining
	closeOnce sync.Once
}

// New returns a Server that authenticates with auth and hands messages to
// sub, logging to log (nil discards). Nothing listens until Start.
func New(cfg Config, auth Authenticator, sub Submitter, log *slog.Logger) *Server {
	cfg.setDefaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Server{cfg: cfg, auth: auth, sub: sub, log: log.With("component", "smtpd"),
		limit: newConnLimit(cfg.MaxConnections), ctx: ctx, cancel: cancel}
}

// Start loads (or makes) the TLS certificate, binds the configured
// listeners and serves them in the background; ctx bounds the start only.
// With both listeners disabled it does nothing. Use Addr and TLSAddr for
// the bound addresses (with port 0 in tests), and Shutdown or Close to
// stop.
func (s *Server) Start(ctx context.Context) error {
	if !enabled(s.cfg.Addr) && !enabled(s.cfg.TLSAddr) {
		s.log.Info("smtp submission disabled")
		return nil
	}
	cert, err := certificate(&s.cfg, s.log, time.Now())
	if err != nil {
		return err
	}
	tlsConfig := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}

	srv := smtp.NewServer(backend{s})
	srv.Domain = s.cfg.Hostname
	srv.TLSConfig = tlsConfig
	srv.MaxMessageBytes = int64(s.cfg.MaxMessageBytes)
	srv.MaxLineLength = s.cfg.MaxLineLength
	srv.ReadTimeout = s.cfg.ReadTimeout
	srv.WriteTimeout = s.cfg.WriteTimeout
	// AUTH before TLS reaches the session, which answers it with SES's
	// text; go-smtp's own refusal would be "523 TLS is required". The
	// session neither advertises nor accepts AUTH without TLS.
	srv.AllowInsecureAuth = true
	srv.ErrorLog = errorLog{s.log}
	s.smtp = srv

	var lc net.ListenConfig
	listen := func(addr, flag string, tlsCfg *tls.Config) (net.Listener, error) {
		ln, err := lc.Listen(ctx, "tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("smtpd: listen on %s %s (is another process using it?): %w", flag, addr, err)
		}
		var l net.Listener = &limitListener{Listener: ln, limit: s.limit, tls: tlsCfg, log: s.log}
		if tlsCfg != nil {
			l = tls.NewListener(l, tlsCfg)
		}
		return l, nil
	}
	var lns []net.Listener
	if enabled(s.cfg.Addr) {
		ln, err := listen(s.cfg.Addr, "smtp", nil)
		if err != nil {
			return err
		}
		lns = append(lns, ln)
		s.addr = ln.Addr().String()
	}
	if enabled(s.cfg.TLSAddr) {
		ln, err := listen(s.cfg.TLSAddr, "smtps", tlsConfig)
		if err != nil {
			for _, l := range lns {
				l.Close()
			}
			return err
		}
		lns = append(lns, ln)
		s.tlsAddr = ln.Addr().String()
	}
	s.mu.Lock()
	s.listeners = lns
	s.mu.Unlock()
	for _, ln := range lns {
		go s.serve(ln)
	}
	s.log.Info("smtp submission listening", "starttls", s.addr, "tls", s.tlsAddr,
		"hostname", s.cfg.Hostname, "max_connections", s.cfg.MaxConnections, "max_message_bytes", s.cfg.MaxMessageBytes)
	return nil
}

func (s *Server) serve(ln net.Listener) {
	err := s.smtp.Serve(ln)
	s.mu.Lock()
	stopping := s.closed || s.draining
	s.mu.Unlock()
	if err != nil && !stopping {
		s.log.Error("smtp listener stopped", "addr", ln.Addr().String(), "err", err)
	}
}

// Addr is the bound address of the STARTTLS listener, or "" when it is
// disabled or not started.
func (s *Server) Addr() string { return s.addr }

// TLSAddr is the bound address of the implicit-TLS listener, or "" when it
// is disabled or not started.
func (s *Server) TLSAddr() string { return s.tlsAddr }

// Shutdown stops accepting connections, lets the messages already being
// received or submitted get their reply (until ctx ends), then closes every
// connection. A client in the middle of a transaction sees the connection
// drop and, as SMTP clients do, tries again later.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.draining = true
	lns := s.listeners
	var wait chan struct{}
	if s.inflight > 0 {
		s.drained = make(chan struct{})
		wait = s.drained
	}
	s.mu.Unlock()
	for _, ln := range lns {
		ln.Close()
	}
	var err error
	if wait != nil {
		select {
		case <-wait:
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
	s.Close()
	return err
}

// Close stops the listeners and closes every connection at once. A
// message being submitted may still be committed without its client
// hearing so; that client sends it again (at-least-once, as with any SMTP
// server). Prefer Shutdown.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		s.cancel()
		if s.smtp != nil {
			if err := s.smtp.Close(); err != nil && !errors.Is(err, smtp.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
				s.log.Warn("close smtp listeners", "err", err)
			}
		}
		s.limit.closeAll()
	})
}

// beginSubmit registers a transaction that must be answered before
// Shutdown closes connections; false means the server is stopping.
func (s *Server) beginSubmit() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.draining || s.closed {
		return false
	}
	s.inflight++
	return true
}

func (s *Server) endSubmit() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inflight--
	if s.inflight == 0 && s.drained != nil {
		close(s.drained)
		s.drained = nil
	}
}

// errorLog sends go-smtp's own messages (failed handshakes, dropped
// connections, recovered panics) to the structured log.
type errorLog struct{ log *slog.Logger }

func (l errorLog) Printf(format string, v ...any) { l.print(fmt.Sprintf(format, v...)) }
func (l errorLog) Println(v ...any)               { l.print(strings.TrimSuffix(fmt.Sprintln(v...), "\n")) }

func (l errorLog) print(msg string) {
	if strings.HasPrefix(msg, "panic") {
		l.log.Error("smtp session panicked", "detail", msg)
		return
	}
	l.log.Debug("smtp connection error", "detail", msg)
}
