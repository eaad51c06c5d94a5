// Package smtptest is a receiving SMTP server for tests of code that sends
// mail. It runs go-smtp on a loopback port with a self-signed certificate
// (so STARTTLS works), offers PIPELINING, 8BITMIME, SIZE and optionally
// AUTH, and misbehaves on demand: per recipient it can refuse RCPT TO or
// the message with any reply, drop the connection mid-DATA or stall past
// the client's timeout; per connection it can refuse or drop at the
// greeting. It records every message it accepts and counts connections,
// the most open at once and the messages each carried, so tests can
// assert "delivered exactly once" and connection limits.
//
// All methods are safe for concurrent use, also while the server runs.
package smtptest

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Options configure a Server. The zero value is a plain, well-behaved
// server with STARTTLS.
type Options struct {
	// Domain is the name in the greeting; default "smtptest.local".
	Domain string
	// MaxSize is the SIZE limit announced and enforced (RFC 1870); 0
	// announces SIZE without a limit.
	MaxSize int64
	// MaxRecipients limits the recipients of one transaction, announced
	// as LIMITS RCPTMAX (RFC 9422); those over it get 452.
	MaxRecipients int
	// NoSMTPUTF8 leaves SMTPUTF8 (RFC 6531) out of the EHLO reply.
	NoSMTPUTF8 bool
	// NoSTARTTLS leaves STARTTLS out of the EHLO reply.
	NoSTARTTLS bool
	// RefuseSTARTTLS offers STARTTLS but answers the command with
	// "502 5.5.1 TLS not supported". Like NoPipelining it edits the EHLO
	// reply on the wire, which is always plaintext before STARTTLS.
	RefuseSTARTTLS bool
	// BrokenTLS offers STARTTLS but fails every handshake.
	BrokenTLS bool
	// ImplicitTLS speaks TLS from the first byte, as on port 465.
	ImplicitTLS bool
	// NoPipelining leaves PIPELINING out of the EHLO reply, so a client
	// must wait for each reply. go-smtp always offers it, so the line is
	// cut on the wire: this works only on plaintext sessions (use it with
	// NoSTARTTLS).
	NoPipelining bool
	// Users, when set, offers AUTH with these usernames and passwords,
	// also without TLS (the client decides whether to send them).
	Users map[string]string
	// AuthMechs are the mechanisms offered; default PLAIN and LOGIN.
	AuthMechs []string
	// RequireAuth refuses MAIL FROM before AUTH with 530 5.7.0.
	RequireAuth bool
	// Rcpt answers RCPT TO for the addresses given (a full address or a
	// local part, case-insensitive) with a fault. SetRcptFault changes
	// them while the server runs.
	Rcpt map[string]Fault
	// Data answers the end of a message with a fault when one of its
	// accepted recipients is listed, keyed like Rcpt.
	Data map[string]Fault
	// Conn gives faults for the n-th connection (n counts from 1).
	Conn func(n int) ConnFaults
	// Debug receives the server's side of every session.
	Debug io.Writer
}

// Message is a message the server accepted.
type Message struct {
	From  string
	Rcpts []string
	Data  []byte
	// Conn is the number of the connection that carried it, from 1.
	Conn int
	// TLS says the session was encrypted; User is who authenticated.
	TLS  bool
	User string
	// Body is the MAIL FROM BODY= parameter ("8BITMIME" or empty); Size
	// its SIZE= parameter (0 when absent); UTF8 whether SMTPUTF8 was
	// asked for.
	Body string
	Size int64
	UTF8 bool
}

// Server is a running test server.
type Server struct {
	// Addr is the server's address, 127.0.0.1:PORT; Host and Port are
	// its parts.
	Addr string
	Host string
	Port int

	opts   Options
	srv    *smtp.Server
	roots  *x509.CertPool
	tlsCfg *tls.Config
	done   chan struct{}
	closed sync.Once
	wg     sync.WaitGroup // greeting faults

	mu         sync.Mutex
	open       map[*trackedConn]struct{}
	conns      int   // connections accepted
	active     int   // connections open now
	peak       int   // most connections open at once
	perConn    []int // messages per connection, by number-1
	msgs       []Message
	rcptFaults map[string]*faultEntry
	dataFaults map[string]*faultEntry
}

// Start starts a server on 127.0.0.1 with a free port and closes it when
// the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	s, err := New(opts)
	if err != nil {
		t.Fatalf("smtptest: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// New starts a server outside a test (a benchmark sink, an example). Close
// it when done.
func New(opts Options) (*Server, error) {
	cert, roots, err := selfSigned()
	if err != nil {
		return nil, err
	}
	s := &Server{
		opts:       opts,
		roots:      roots,
		done:       make(chan struct{}),
		open:       map[*trackedConn]struct{}{},
		rcptFaults: map[string]*faultEntry{},
		dataFaults: map[string]*faultEntry{},
	}
	for k, f := range opts.Rcpt {
		s.rcptFaults[strings.ToLower(k)] = &faultEntry{f: f}
	}
	for k, f := range opts.Data {
		s.dataFaults[strings.ToLower(k)] = &faultEntry{f: f}
	}
	s.tlsCfg = &tls.Config{Certificates: []tls.Certificate{cert}}
	if opts.BrokenTLS {
		s.tlsCfg = &tls.Config{GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return nil, errors.New("smtptest: TLS is broken on purpose")
		}}
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("smtptest: %w", err)
	}
	var served net.Listener = &listener{Listener: ln, s: s}
	if opts.ImplicitTLS {
		served = tls.NewListener(served, s.tlsCfg)
	}

	s.srv = smtp.NewServer(backend{s})
	s.srv.Domain = opts.Domain
	if s.srv.Domain == "" {
		s.srv.Domain = "smtptest.local"
	}
	s.srv.MaxMessageBytes = opts.MaxSize
	s.srv.MaxRecipients = opts.MaxRecipients
	s.srv.AllowInsecureAuth = true
	s.srv.EnableSMTPUTF8 = !opts.NoSMTPUTF8
	s.srv.ErrorLog = log.New(io.Discard, "", 0)
	s.srv.Debug = opts.Debug
	if !opts.NoSTARTTLS && !opts.RefuseSTARTTLS && !opts.ImplicitTLS {
		s.srv.TLSConfig = s.tlsCfg
	}

	s.Addr = ln.Addr().String()
	host, port, _ := net.SplitHostPort(s.Addr)
	s.Host = host
	s.Port, _ = strconv.Atoi(port)
	go func() { _ = s.srv.Serve(served) }()
	return s, nil
}

// Close stops the server, closes its connections and ends any stall.
func (s *Server) Close() {
	s.closed.Do(func() {
		close(s.done)
		_ = s.srv.Close()
		s.wg.Wait()
	})
}

// CertPool holds the server's certificate, valid for 127.0.0.1 and
// localhost, for a client that verifies it.
func (s *Server) CertPool() *x509.CertPool { return s.roots }

// Messages returns the messages accepted so far, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.msgs))
	copy(out, s.msgs)
	return out
}

// Delivered counts the accepted messages addressed to rcpt
// (case-insensitive): 1 is "delivered exactly once".
func (s *Server) Delivered(rcpt string) int {
	n := 0
	for _, m := range s.Messages() {
		for _, r := range m.Rcpts {
			if strings.EqualFold(r, rcpt) {
				n++
			}
		}
	}
	return n
}

// Connections returns how many connections the server has accepted.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

// Active returns how many connections are open now.
func (s *Server) Active() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.active
}

// PeakConcurrent returns the most connections that were open at once.
func (s *Server) PeakConcurrent() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak
}

// MessagesPerConn returns how many messages each connection carried, the
// first connection's count first.
func (s *Server) MessagesPerConn() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]int, len(s.perConn))
	copy(out, s.perConn)
	return out
}

// WaitActive waits until at most n connections are open, e.g. for a
// client's pool to have closed its idle connections, and reports whether
// that happened within timeout.
func (s *Server) WaitActive(n int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for s.Active() > n {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
	return true
}

// DropConnections closes every open connection without a word, as a
// server does to clients idle too long, so a client's pooled connections
// are dead when next used.
func (s *Server) DropConnections() {
	s.mu.Lock()
	conns := make([]*trackedConn, 0, len(s.open))
	for c := range s.open {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
}

// SetRcptFault makes RCPT TO for key (an address or a local part) answer
// with f from now on.
func (s *Server) SetRcptFault(key string, f Fault) {
	s.mu.Lock()
	s.rcptFaults[strings.ToLower(key)] = &faultEntry{f: f}
	s.mu.Unlock()
}

// SetDataFault makes messages for key answer with f from now on.
func (s *Server) SetDataFault(key string, f Fault) {
	s.mu.Lock()
	s.dataFaults[strings.ToLower(key)] = &faultEntry{f: f}
	s.mu.Unlock()
}

// ClearFaults removes the recipient faults, so the server accepts
// everyone again.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	clear(s.rcptFaults)
	clear(s.dataFaults)
	s.mu.Unlock()
}

// fault returns the fault for an address in table, if one applies now.
func (s *Server) fault(table map[string]*faultEntry, addr string) *Fault {
	addr = strings.ToLower(addr)
	local, _, _ := strings.Cut(addr, "@")
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range []string{addr, local} {
		if e := table[k]; e != nil && e.take() {
			f := e.f
			return &f
		}
	}
	return nil
}

// connFaults returns the faults for connection n.
func (s *Server) connFaults(n int) ConnFaults {
	if s.opts.Conn == nil {
		return ConnFaults{}
	}
	return s.opts.Conn(n)
}

// record keeps an accepted message.
func (s *Server) record(m Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, m)
	s.perConn[m.Conn-1]++
}

// sleep waits d or until the server closes.
func (s *Server) sleep(d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-s.done:
	}
}
