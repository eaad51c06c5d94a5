package smtpd

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/hikyaku/hikyaku/internal/msgid"
	"github.com/hikyaku/hikyaku/internal/store"
)

// Credentials the fake Authenticator knows.
const (
	testUser     = "AKIAIOSFODNN7EXAMPLE"
	testPassword = "BPp6G3ESlHbiVRfNkx0WWc3Tq4DqMm6XhVvvhzhIQrZx"
	// brokenUser makes the fake Authenticator fail as an unreachable store
	// would.
	brokenUser = "AKIABROKENSTORE00000"
)

type fakeAuth struct{}

func (fakeAuth) Authenticate(_ context.Context, user, password string) (*store.Account, error) {
	switch {
	case user == brokenUser:
		return nil, errors.New("store unreachable")
	case user == testUser && password == testPassword:
		return &store.Account{ID: "111122223333", Name: "test"}, nil
	}
	return nil, fmt.Errorf("user %q: %w", user, ErrBadCredentials)
}

type submission struct {
	accountID string
	from      string
	rcpts     []string
	data      []byte
}

// fakeSubmitter records what it is given. It fails with errs[first
// recipient] when there is one, so that one server can play every refusal.
type fakeSubmitter struct {
	errs map[string]error
	// hold, when set, is waited on before answering; started then receives
	// a value as each Submit begins.
	hold    chan struct{}
	started chan struct{}

	mu  sync.Mutex
	got []submission
}

func (f *fakeSubmitter) Submit(ctx context.Context, acct *store.Account, from string, rcpts []string, data []byte) (string, error) {
	f.mu.Lock()
	// data is the session's buffer, reused after Submit returns.
	f.got = append(f.got, submission{accountID: acct.ID, from: from, rcpts: rcpts, data: bytes.Clone(data)})
	f.mu.Unlock()
	if f.started != nil {
		f.started <- struct{}{}
	}
	if f.hold != nil {
		<-f.hold
	}
	if err := f.errs[rcpts[0]]; err != nil {
		return "", err
	}
	return msgid.New(time.Now()), nil
}

// find returns the submission whose first recipient is rcpt.
func (f *fakeSubmitter) find(rcpt string) (submission, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range f.got {
		if len(s.rcpts) > 0 && s.rcpts[0] == rcpt {
			return s, true
		}
	}
	return submission{}, false
}

// syncBuffer is a log destination safe for concurrent sessions.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// testLogger logs to a buffer that is shown when the test fails.
func testLogger(t *testing.T) (*slog.Logger, *syncBuffer) {
	t.Helper()
	buf := &syncBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", buf.String())
		}
	})
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})), buf
}

// startServer starts a Server on 127.0.0.1:0 (both listeners unless cfg
// says otherwise), with a fresh data directory for its certificate.
func startServer(t *testing.T, cfg Config, auth Authenticator, sub Submitter) *Server {
	t.Helper()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.TLSAddr == "" {
		cfg.TLSAddr = "127.0.0.1:0"
	}
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	if cfg.Hostname == "" {
		cfg.Hostname = "smtp.hikyaku.test"
	}
	if auth == nil {
		auth = fakeAuth{}
	}
	log, _ := testLogger(t)
	srv := New(cfg, auth, sub, log)
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

var clientTLS = &tls.Config{InsecureSkipVerify: true}

// dial connects a go-smtp client: with STARTTLS, or with implicit TLS to
// the TLS listener.
func dial(t *testing.T, srv *Server, implicitTLS bool) *smtp.Client {
	t.Helper()
	var c *smtp.Client
	var err error
	if implicitTLS {
		c, err = smtp.DialTLS(srv.TLSAddr(), clientTLS)
	} else {
		c, err = smtp.DialStartTLS(srv.Addr(), clientTLS)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// login dials with STARTTLS and authenticates with PLAIN.
func login(t *testing.T, srv *Server) *smtp.Client {
	t.Helper()
	c := dial(t, srv, false)
	if err := c.Auth(sasl.NewPlainClient("", testUser, testPassword)); err != nil {
		t.Fatal(err)
	}
	return c
}

// send runs one transaction and returns the reply to DATA: its text on
// success, or the *smtp.SMTPError.
func send(c *smtp.Client, from string, rcpts []string, msg string) (string, error) {
	if err := c.Mail(from, nil); err != nil {
		return "", fmt.Errorf("MAIL: %w", err)
	}
	for _, r := range rcpts {
		if err := c.Rcpt(r, nil); err != nil {
			return "", fmt.Errorf("RCPT %s: %w", r, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return "", fmt.Errorf("DATA: %w", err)
	}
	if _, err := w.Write([]byte(msg)); err != nil {
		return "", err
	}
	resp, err := w.CloseWithResponse()
	if err != nil {
		return "", err
	}
	return resp.StatusText, nil
}

func message(from, to, extra string) string {
	return "From: " + from + "\r\nTo: " + to + "\r\nSubject: hello\r\n" + extra +
		"\r\nHello over SMTP.\r\n"
}

// rawConn speaks SMTP line by line, to check replies byte for byte.
type rawConn struct {
	t    *testing.T
	conn net.Conn
	text *textproto.Conn
}

func dialRaw(t *testing.T, addr string, implicitTLS bool) *rawConn {
	t.Helper()
	r := dialRawNoGreeting(t, addr, implicitTLS)
	if got := r.read(); !strings.HasPrefix(got, "220 ") {
		t.Fatalf("greeting = %q", got)
	}
	return r
}

// dialRawErr only tries to connect.
func dialRawErr(addr string) (net.Conn, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err == nil {
		c.Close()
	}
	return c, err
}

func dialRawNoGreeting(t *testing.T, addr string, implicitTLS bool) *rawConn {
	t.Helper()
	var conn net.Conn
	var err error
	if implicitTLS {
		conn, err = tls.Dial("tcp", addr, clientTLS)
	} else {
		conn, err = net.Dial("tcp", addr)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	return &rawConn{t: t, conn: conn, text: textproto.NewConn(conn)}
}

// read returns the next reply as "CODE TEXT", lines joined with "\n", or
// "error: …" when none could be read.
func (r *rawConn) read() string {
	r.t.Helper()
	code, msg, err := r.text.ReadResponse(0)
	if err != nil && code == 0 {
		return "error: " + err.Error()
	}
	return fmt.Sprintf("%d %s", code, msg)
}

func (r *rawConn) cmd(line string) string {
	r.t.Helper()
	if err := r.text.PrintfLine("%s", line); err != nil {
		return "error: " + err.Error()
	}
	return r.read()
}

// send writes raw bytes (a BDAT command and its chunk) and reads the reply.
func (r *rawConn) send(raw string) string {
	r.t.Helper()
	if _, err := io.WriteString(r.text.W, raw); err != nil {
		return "error: " + err.Error()
	}
	if err := r.text.W.Flush(); err != nil {
		return "error: " + err.Error()
	}
	return r.read()
}

func (r *rawConn) startTLS() {
	r.t.Helper()
	if got := r.cmd("STARTTLS"); !strings.HasPrefix(got, "220 ") {
		r.t.Fatalf("STARTTLS: %q", got)
	}
	r.conn = tls.Client(r.conn, clientTLS)
	r.text = textproto.NewConn(r.conn)
}

func plainAuth(identity, user, password string) string {
	return "AUTH PLAIN " + base64.StdEncoding.EncodeToString([]byte(identity+"\x00"+user+"\x00"+password))
}
