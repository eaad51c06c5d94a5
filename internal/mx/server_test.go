package mx

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/hikyaku/hikyaku/internal/msgid"
	"github.com/hikyaku/hikyaku/internal/verp"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

const bounceText = "From: MAILER-DAEMON@mx.example.net\r\nTo: x\r\nSubject: failure\r\n\r\nbounced\r\n"

// recorder is a Processor that records what it got and answers with err.
type recorder struct {
	mu    sync.Mutex
	err   error
	got   [][]string
	raw   []string
	calls chan struct{}
}

func newRecorder(err error) *recorder { return &recorder{err: err, calls: make(chan struct{}, 100)} }

func (r *recorder) Process(_ context.Context, raw []byte, rcptTo []string) error {
	r.mu.Lock()
	r.got = append(r.got, rcptTo)
	r.raw = append(r.raw, string(raw))
	r.mu.Unlock()
	r.calls <- struct{}{}
	return r.err
}

func (r *recorder) wait(t *testing.T) {
	t.Helper()
	select {
	case <-r.calls:
	case <-time.After(10 * time.Second):
		t.Fatal("the processor was not called")
	}
}

func start(t *testing.T, dir string, p Processor) *Server {
	t.Helper()
	s := New(Config{Addr: "127.0.0.1:0", SpoolDir: dir, VERPKey: testKey, Hostname: "mx.hikyaku.test",
		FeedbackAddresses: []string{"complaints@hikyaku.test"}, MaxPerIP: 3}, p, nil)
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func verpAddr() string {
	return verp.Encode(msgid.New(time.Now()), 2, "bounces.example.com", testKey)
}

// send delivers bounceText in plain text, as MTAs do when no STARTTLS
// is offered.
func send(s *Server, to ...string) error {
	c, err := smtp.Dial(s.Addr())
	if err != nil {
		return err
	}
	defer c.Close()
	return c.SendMail("", to, strings.NewReader(bounceText))
}

func spooled(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestRecipients(t *testing.T) {
	t.Parallel()
	s := start(t, t.TempDir(), newRecorder(nil))
	forged := verp.Encode(msgid.New(time.Now()), 2, "bounces.example.com", []byte("another key ....................."))
	tests := []struct {
		name string
		to   string
		code int // 0: accepted
	}{
		{"a VERP address is accepted", verpAddr(), 0},
		{"a VERP address in upper case on another domain is accepted", strings.ToUpper(verpAddr()), 0},
		{"a feedback address is accepted", "Complaints@hikyaku.test", 0},
		{"a VERP address made with another key is refused", forged, 550},
		{"another address is refused: no relaying", "someone@example.org", 550},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := send(s, tt.to)
			var se *smtp.SMTPError
			switch {
			case tt.code == 0 && err != nil:
				t.Fatalf("send: %v", err)
			case tt.code != 0 && (!errors.As(err, &se) || se.Code != tt.code || se.EnhancedCode != (smtp.EnhancedCode{5, 1, 1})):
				t.Fatalf("send = %v, want %d 5.1.1", err, tt.code)
			}
		})
	}
}

func TestProcessedMessagesLeaveTheSpool(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rec := newRecorder(nil)
	s := start(t, dir, rec)
	to := verpAddr()
	if err := send(s, to); err != nil {
		t.Fatal(err)
	}
	rec.wait(t)
	rec.mu.Lock()
	if len(rec.got) != 1 || len(rec.got[0]) != 1 || rec.got[0][0] != to || !strings.HasPrefix(rec.raw[0], "From: MAILER-DAEMON") {
		t.Errorf("processor got %q %q", rec.got, rec.raw)
	}
	rec.mu.Unlock()
	waitFor(t, func() bool { return len(spooled(t, dir)) == 0 })
}

func TestUnmatchedMessagesAreKept(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rec := newRecorder(ErrUnmatched)
	s := start(t, dir, rec)
	if err := send(s, verpAddr()); err != nil {
		t.Fatal(err)
	}
	rec.wait(t)
	waitFor(t, func() bool {
		kept, _ := filepath.Glob(filepath.Join(dir, unmatchedDir, "*.eml"))
		return len(kept) == 1 && len(spooled(t, dir)) == 0
	})
}

// A processor that fails (or a process that dies) leaves the message in
// the spool, where the next start processes it.
func TestSpoolSurvivesAFailedProcessorAndIsProcessedAtStart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	failing := newRecorder(errors.New("store down"))
	s := start(t, dir, failing)
	to := verpAddr()
	if err := send(s, to, "complaints@hikyaku.test"); err != nil {
		t.Fatalf("send: %v", err)
	}
	// The 250 came back: the message is on disk, whatever the processor does.
	if n := len(spooled(t, dir)); n != 1 {
		t.Fatalf("%d files spooled after 250, want 1", n)
	}
	failing.wait(t)
	s.Close()
	if n := len(spooled(t, dir)); n != 1 {
		t.Fatalf("%d files spooled after the processor failed, want 1", n)
	}

	rec := newRecorder(nil)
	start(t, dir, rec)
	rec.wait(t)
	rec.mu.Lock()
	if len(rec.got) != 1 || strings.Join(rec.got[0], ",") != to+",complaints@hikyaku.test" || rec.raw[0] != bounceText {
		t.Errorf("reprocessed %q %q", rec.got, rec.raw)
	}
	rec.mu.Unlock()
	waitFor(t, func() bool { return len(spooled(t, dir)) == 0 })
}

func TestTooLargeAndTooManyConnections(t *testing.T) {
	t.Parallel()
	s := New(Config{Addr: "127.0.0.1:0", SpoolDir: t.TempDir(), VERPKey: testKey, MaxMessageBytes: 100, MaxPerIP: 1},
		newRecorder(nil), nil)
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	c, err := smtp.Dial(s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("client.test"); err != nil {
		t.Fatal(err)
	}
	// A second connection from the same address is over MaxPerIP.
	if c2, err := smtp.Dial(s.Addr()); err == nil {
		err = c2.Hello("client.test")
		c2.Close()
		if err == nil {
			t.Error("second connection from one address accepted")
		}
	}
	big := strings.Repeat("x", 200)
	err = c.SendMail("", []string{verpAddr()}, strings.NewReader("Subject: big\r\n\r\n"+big+"\r\n"))
	var se *smtp.SMTPError
	if !errors.As(err, &se) || se.Code != 552 {
		t.Errorf("oversized message: %v, want 552", err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for range 200 {
		if cond() {
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatal("condition not met within 5s")
}

func TestSTARTTLSIsOfferedWhenConfigured(t *testing.T) {
	t.Parallel()
	cert, err := tls.X509KeyPair(testCertPEM, testKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	rec := newRecorder(nil)
	s := New(Config{Addr: "127.0.0.1:0", SpoolDir: t.TempDir(), VERPKey: testKey, Hostname: "mx.hikyaku.test",
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}}, rec, nil)
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	c, err := smtp.DialStartTLS(s.Addr(), &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatalf("STARTTLS: %v", err)
	}
	defer c.Close()
	if _, ok := c.TLSConnectionState(); !ok {
		t.Fatal("the session is not encrypted")
	}
	if err := c.SendMail("", []string{verpAddr()}, strings.NewReader(bounceText)); err != nil {
		t.Fatalf("send over TLS: %v", err)
	}
	rec.wait(t)
}

// A throwaway certificate for mx.hikyaku.test (ECDSA P-256), for the
// STARTTLS test only.
var testCertPEM, testKeyPEM = func() ([]byte, []byte) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mx.hikyaku.test"},
		DNSNames: []string{"mx.hikyaku.test"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	kder, _ := x509.MarshalECPrivateKey(key)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
}()
