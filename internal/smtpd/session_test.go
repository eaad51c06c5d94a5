package smtpd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/hikyaku/hikyaku/internal/fault"
	"github.com/hikyaku/hikyaku/internal/msgid"
)

func TestClientsSubmitAndGetSESReply(t *testing.T) {
	t.Parallel()
	sub := &fakeSubmitter{}
	srv := startServer(t, Config{}, nil, sub)
	tests := []struct {
		name        string
		implicitTLS bool
		mech        func() sasl.Client
	}{
		{"STARTTLS with AUTH PLAIN", false, func() sasl.Client { return sasl.NewPlainClient("", testUser, testPassword) }},
		{"STARTTLS with AUTH LOGIN", false, func() sasl.Client { return sasl.NewLoginClient(testUser, testPassword) }},
		{"implicit TLS with AUTH PLAIN", true, func() sasl.Client { return sasl.NewPlainClient("", testUser, testPassword) }},
		{"implicit TLS with AUTH LOGIN", true, func() sasl.Client { return sasl.NewLoginClient(testUser, testPassword) }},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := dial(t, srv, tt.implicitTLS)
			if err := c.Auth(tt.mech()); err != nil {
				t.Fatal(err)
			}
			rcpt := fmt.Sprintf("first%d@example.net", i)
			msg := message("Sender <sender@example.com>", rcpt, "X-SES-CONFIGURATION-SET: cs\r\n")
			msg += ".leading dot survives\r\n"
			got, err := send(c, "sender@example.com", []string{rcpt, "second@example.net"}, msg)
			if err != nil {
				t.Fatal(err)
			}
			id, ok := strings.CutPrefix(got, "Ok ")
			if !ok || !msgid.Valid(id) {
				t.Fatalf("reply = %q, want Ok <message ID>", got)
			}
			s, ok := sub.find(rcpt)
			if !ok {
				t.Fatal("nothing submitted")
			}
			if s.accountID != "111122223333" || s.from != "sender@example.com" ||
				strings.Join(s.rcpts, ",") != rcpt+",second@example.net" || string(s.data) != msg {
				t.Fatalf("submitted %+v (data %q)", s, s.data)
			}
			if err := c.Quit(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestEHLOOffersAUTHOnlyUnderTLS(t *testing.T) {
	t.Parallel()
	srv := startServer(t, Config{}, nil, &fakeSubmitter{})

	plain := dialRaw(t, srv.Addr(), false)
	before := plain.cmd("EHLO client.test")
	if !strings.Contains(before, "STARTTLS") || strings.Contains(before, "AUTH") ||
		!strings.Contains(before, "SIZE 41943040") {
		t.Errorf("EHLO before TLS = %q; want STARTTLS and SIZE 41943040, no AUTH", before)
	}
	plain.startTLS()
	after := plain.cmd("EHLO client.test")
	if !strings.Contains(after, "AUTH PLAIN LOGIN") || strings.Contains(after, "STARTTLS") {
		t.Errorf("EHLO after STARTTLS = %q; want AUTH PLAIN LOGIN, no STARTTLS", after)
	}

	wrapped := dialRaw(t, srv.TLSAddr(), true)
	if got := wrapped.cmd("EHLO client.test"); !strings.Contains(got, "AUTH PLAIN LOGIN") || strings.Contains(got, "STARTTLS") {
		t.Errorf("EHLO on implicit TLS = %q; want AUTH PLAIN LOGIN, no STARTTLS", got)
	}
}

func TestProtocolRefusals(t *testing.T) {
	t.Parallel()
	srv := startServer(t, Config{}, nil, &fakeSubmitter{})
	type step struct{ cmd, want string }
	const tlsOn = "<STARTTLS>" // a step that starts TLS and says EHLO again
	good := plainAuth("", testUser, testPassword)
	tests := []struct {
		name  string
		steps []step
	}{
		{"AUTH PLAIN before STARTTLS must start TLS", []step{
			{plainAuth("", testUser, testPassword), "530 5.7.0 Must issue a STARTTLS command first"}}},
		{"AUTH LOGIN before STARTTLS must start TLS", []step{
			{"AUTH LOGIN", "530 5.7.0 Must issue a STARTTLS command first"}}},
		{"MAIL before STARTTLS must start TLS", []step{
			{"MAIL FROM:<sender@example.com>", "530 5.7.0 Must issue a STARTTLS command first"}}},
		{"MAIL before AUTH requires authentication", []step{{tlsOn, ""},
			{"MAIL FROM:<sender@example.com>", "530 5.7.0 Authentication required"}}},
		{"a wrong password is invalid credentials", []step{{tlsOn, ""},
			{plainAuth("", testUser, "wrong"), "535 5.7.8 Authentication Credentials Invalid"},
			{"MAIL FROM:<sender@example.com>", "530 5.7.0 Authentication required"}}},
		{"an unknown user is invalid credentials", []step{{tlsOn, ""},
			{plainAuth("", "AKIANOBODY", testPassword), "535 5.7.8 Authentication Credentials Invalid"}}},
		{"acting for another identity is refused", []step{{tlsOn, ""},
			{plainAuth("someone-else", testUser, testPassword), "535 5.7.8 Authentication Credentials Invalid"}}},
		{"credentials that cannot be checked are a temporary failure", []step{{tlsOn, ""},
			{plainAuth("", brokenUser, "x"), "454 4.7.0 Temporary authentication failure"}}},
		{"an unknown mechanism is refused", []step{{tlsOn, ""},
			{"AUTH CRAM-MD5", "504 5.7.4 Unsupported authentication mechanism"}}},
		{"AUTH LOGIN asks for user name and password", []step{{tlsOn, ""},
			{"AUTH LOGIN", "334 VXNlcm5hbWU6"}, {"QUtJQUlPU0ZPRE5ON0VYQU1QTEU=", "334 UGFzc3dvcmQ6"},
			{"QlBwNkczRVNsSGJpVlJmTmt4MFdXYzNUcTREcU1tNlhoVnZ2aHpoSVFyWng=", "235 2.0.0 Authentication succeeded"}}},
		{"a malformed sender is an invalid email address", []step{{tlsOn, ""}, {good, "235 2.0.0 Authentication succeeded"},
			{"MAIL FROM:<sender@example..com>", "553 5.1.7 <sender@example..com> Invalid email address"}}},
		{"the null sender is refused", []step{{tlsOn, ""}, {good, "235 2.0.0 Authentication succeeded"},
			{"MAIL FROM:<>", "501 5.1.7 Invalid MAIL FROM address provided"}}},
		{"a malformed recipient is an unknown address", []step{{tlsOn, ""}, {good, "235 2.0.0 Authentication succeeded"},
			{"MAIL FROM:<sender@example.com>", "250 2.0.0 Roger, accepting mail from <sender@example.com>"},
			{"RCPT TO:<someone@exa_mple.net>", "553 5.1.3 <someone@exa_mple.net> address unknown"}}},
		{"a quoted local part is accepted", []step{{tlsOn, ""}, {good, "235 2.0.0 Authentication succeeded"},
			{"MAIL FROM:<sender@example.com>", "250 2.0.0 Roger, accepting mail from <sender@example.com>"},
			{`RCPT TO:<"john doe"@example.net>`, "250 2.0.0 I'll make sure <john doe@example.net> gets this"}}},
		{"a declared SIZE over 40 MB is refused", []step{{tlsOn, ""}, {good, "235 2.0.0 Authentication succeeded"},
			{"MAIL FROM:<sender@example.com> SIZE=41943041", "552 5.3.4 Max message size exceeded"}}},
		{"a second MAIL without RSET is out of sequence", []step{{tlsOn, ""}, {good, "235 2.0.0 Authentication succeeded"},
			{"MAIL FROM:<sender@example.com>", "250 2.0.0 Roger, accepting mail from <sender@example.com>"},
			{"MAIL FROM:<other@example.com>", "503 5.5.1 Bad sequence of commands"},
			{"RSET", "250 2.0.0 Session reset"},
			{"MAIL FROM:<other@example.com>", "250 2.0.0 Roger, accepting mail from <other@example.com>"}}},
		{"a second AUTH is refused", []step{{tlsOn, ""}, {good, "235 2.0.0 Authentication succeeded"},
			{good, "503 5.5.1 Already authenticated"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := dialRaw(t, srv.Addr(), false)
			c.cmd("EHLO client.test")
			for _, s := range tt.steps {
				if s.cmd == tlsOn {
					c.startTLS()
					c.cmd("EHLO client.test")
					continue
				}
				if got := c.cmd(s.cmd); got != s.want {
					t.Fatalf("%s\n got: %q\nwant: %q", s.cmd, got, s.want)
				}
			}
		})
	}
}

func TestThreeFailedAUTHsEndTheConnection(t *testing.T) {
	t.Parallel()
	srv := startServer(t, Config{}, nil, &fakeSubmitter{})
	for _, implicitTLS := range []bool{false, true} {
		t.Run(fmt.Sprintf("implicit TLS %v", implicitTLS), func(t *testing.T) {
			t.Parallel()
			addr := srv.Addr()
			if implicitTLS {
				addr = srv.TLSAddr()
			}
			c := dialRaw(t, addr, implicitTLS)
			if !implicitTLS {
				c.cmd("EHLO client.test")
				c.startTLS()
			}
			c.cmd("EHLO client.test")
			for i := 1; i <= 3; i++ {
				if got := c.cmd(plainAuth("", testUser, "wrong")); got != "535 5.7.8 Authentication Credentials Invalid" {
					t.Fatalf("attempt %d: %q", i, got)
				}
			}
			if got := c.cmd("NOOP"); !strings.HasPrefix(got, "error: ") {
				t.Fatalf("after three failures the connection is still open: NOOP = %q", got)
			}
		})
	}
}

func TestSubmitterFaultsAreWordedAsSES(t *testing.T) {
	t.Parallel()
	notVerified := fault.MessageRejected("Email address is not verified. The following identities failed the check in region US-EAST-1: sender@example.com")
	tests := []struct {
		name     string
		err      error
		code     int
		enhanced smtp.EnhancedCode
		text     string
	}{
		{"MessageRejected is prefixed", notVerified, 554, smtp.EnhancedCode{5, 7, 1},
			"Message rejected: Email address is not verified. The following identities failed the check in region US-EAST-1: sender@example.com"},
		{"the send rate is throttling", fault.SendRateExceeded(), 454, smtp.EnhancedCode{4, 7, 0},
			"Throttling failure: Maximum sending rate exceeded"},
		{"a wrapped fault is found", fmt.Errorf("intake: %w", fault.SendRateExceeded()), 454, smtp.EnhancedCode{4, 7, 0},
			"Throttling failure: Maximum sending rate exceeded"},
		{"the daily quota is throttling", fault.DailyQuotaExceeded(), 454, smtp.EnhancedCode{4, 7, 0},
			"Throttling failure: Daily message quota exceeded"},
		{"an oversize message is too long", fault.MessageTooLong(41943040, 41943041), 552, smtp.EnhancedCode{5, 3, 4},
			"Message is too long."},
		{"a bad parameter is a failed transaction", fault.InvalidMessage("Missing required header 'From'."), 554, smtp.EnhancedCode{5, 6, 0},
			"Transaction failed: Missing required header 'From'."},
		{"a paused account keeps its message", fault.SendingPaused("Sending is paused for this account."), 554, smtp.EnhancedCode{5, 7, 1},
			"Sending is paused for this account."},
		{"an internal fault is a temporary failure", fault.Internal(), 451, smtp.EnhancedCode{4, 3, 0},
			"Temporary service failure"},
		{"any other error is a temporary failure", errors.New("disk on fire"), 451, smtp.EnhancedCode{4, 3, 0},
			"Temporary service failure"},
	}
	sub := &fakeSubmitter{errs: map[string]error{}}
	for i, tt := range tests {
		sub.errs[fmt.Sprintf("case%d@example.net", i)] = tt.err
	}
	srv := startServer(t, Config{}, nil, sub)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := login(t, srv)
			rcpt := fmt.Sprintf("case%d@example.net", i)
			_, err := send(c, "sender@example.com", []string{rcpt}, message("sender@example.com", rcpt, ""))
			var se *smtp.SMTPError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want an SMTP reply", err)
			}
			if se.Code != tt.code || se.EnhancedCode != tt.enhanced || se.Message != tt.text {
				t.Fatalf("reply = %d %v %q, want %d %v %q", se.Code, se.EnhancedCode, se.Message, tt.code, tt.enhanced, tt.text)
			}
			// The session goes on after a refusal.
			if err := c.Noop(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestMoreThanFiftyRecipientsAreRefusedAfterDATA(t *testing.T) {
	t.Parallel()
	sub := &fakeSubmitter{}
	srv := startServer(t, Config{}, nil, sub)
	rcpts := func(prefix string, n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("%s%d@example.net", prefix, i)
		}
		return out
	}
	tests := []struct {
		name   string
		rcpts  []string
		reject bool
	}{
		{"50 recipients are accepted", rcpts("fifty", 50), false},
		{"51 recipients are refused", rcpts("fiftyone", 51), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := login(t, srv)
			got, err := send(c, "sender@example.com", tt.rcpts, message("sender@example.com", "list@example.net", ""))
			_, submitted := sub.find(tt.rcpts[0])
			if !tt.reject {
				if err != nil || !strings.HasPrefix(got, "Ok ") || !submitted {
					t.Fatalf("reply %q, %v; submitted %v", got, err, submitted)
				}
				return
			}
			var se *smtp.SMTPError
			if !errors.As(err, &se) || se.Code != 554 || se.EnhancedCode != (smtp.EnhancedCode{5, 5, 3}) ||
				se.Message != "Transaction failed: Recipient count exceeds 50." {
				t.Fatalf("err = %v, want 554 5.5.3 Transaction failed: Recipient count exceeds 50.", err)
			}
			if submitted {
				t.Fatal("a message with 51 recipients was submitted")
			}
		})
	}
}

func TestOversizeMessageIsTooLong(t *testing.T) {
	t.Parallel()
	sub := &fakeSubmitter{}
	srv := startServer(t, Config{MaxMessageBytes: 4096}, nil, sub)
	c := login(t, srv)
	if size, ok := c.MaxMessageSize(); !ok || size != 4096 {
		t.Fatalf("SIZE = %d, %v; want 4096", size, ok)
	}
	body := strings.Repeat("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\r\n", 80)
	_, err := send(c, "sender@example.com", []string{"big@example.net"}, message("sender@example.com", "big@example.net", "")+body)
	var se *smtp.SMTPError
	if !errors.As(err, &se) || se.Code != 552 || se.Message != "Message is too long." {
		t.Fatalf("err = %v, want 552 Message is too long.", err)
	}
	if _, ok := sub.find("big@example.net"); ok {
		t.Fatal("an oversize message was submitted")
	}
	// The connection is still in step for the next message.
	if got, err := send(c, "sender@example.com", []string{"small@example.net"}, message("sender@example.com", "small@example.net", "")); err != nil || !strings.HasPrefix(got, "Ok ") {
		t.Fatalf("next message: %q, %v", got, err)
	}
}

func TestConnectionsBeyondTheLimitAreTurnedAway(t *testing.T) {
	t.Parallel()
	srv := startServer(t, Config{MaxConnections: 2}, nil, &fakeSubmitter{})
	first := dialRaw(t, srv.Addr(), false)
	dialRaw(t, srv.TLSAddr(), true)
	for _, implicitTLS := range []bool{false, true} {
		addr := srv.Addr()
		if implicitTLS {
			addr = srv.TLSAddr()
		}
		c := dialRawNoGreeting(t, addr, implicitTLS)
		if got := c.read(); got != "421 Too many concurrent SMTP connections" {
			t.Fatalf("implicit TLS %v: third connection got %q", implicitTLS, got)
		}
	}
	// A slot frees when a client leaves.
	first.cmd("QUIT")
	deadline := time.Now().Add(10 * time.Second)
	for srv.limit.open() >= 2 {
		if time.Now().After(deadline) {
			t.Fatal("the connection slot was not released")
		}
		time.Sleep(10 * time.Millisecond)
	}
	dialRaw(t, srv.Addr(), false)
}

func TestIdleClientIsDisconnected(t *testing.T) {
	t.Parallel()
	srv := startServer(t, Config{ReadTimeout: 200 * time.Millisecond}, nil, &fakeSubmitter{})
	c := dialRaw(t, srv.Addr(), false)
	if got := c.read(); !strings.HasPrefix(got, "421 4.4.2 ") {
		t.Fatalf("idle client got %q, want 421 4.4.2", got)
	}
}

func TestShutdownAnswersMessagesInFlight(t *testing.T) {
	t.Parallel()
	sub := &fakeSubmitter{hold: make(chan struct{}), started: make(chan struct{}, 1)}
	srv := startServer(t, Config{}, nil, sub)
	c := login(t, srv)
	replied := make(chan error, 1)
	go func() {
		got, err := send(c, "sender@example.com", []string{"inflight@example.net"}, message("sender@example.com", "inflight@example.net", ""))
		if err == nil && !strings.HasPrefix(got, "Ok ") {
			err = fmt.Errorf("reply %q", got)
		}
		replied <- err
	}()
	<-sub.started
	done := make(chan error, 1)
	go func() { done <- srv.Shutdown(context.Background()) }()
	select {
	case err := <-done:
		t.Fatalf("Shutdown returned (%v) before the message in flight was answered", err)
	case <-time.After(200 * time.Millisecond):
	}
	if _, err := dialRawErr(srv.Addr()); err == nil {
		t.Error("still accepting connections while shutting down")
	}
	close(sub.hold)
	if err := <-replied; err != nil {
		t.Fatalf("message in flight: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestLogsNameTheUserButNeverThePassword(t *testing.T) {
	t.Parallel()
	log, buf := testLogger(t)
	srv := New(Config{Addr: "127.0.0.1:0", TLSAddr: "off", DataDir: t.TempDir()}, fakeAuth{}, &fakeSubmitter{}, log)
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	bad := dial(t, srv, false)
	if err := bad.Auth(sasl.NewLoginClient(testUser, "wrong-password-42")); err == nil {
		t.Fatal("wrong password accepted")
	}
	c := login(t, srv)
	if _, err := send(c, "sender@example.com", []string{"logged@example.net"}, message("sender@example.com", "logged@example.net", "")); err != nil {
		t.Fatal(err)
	}
	c.Quit()
	out := buf.String()
	for _, secret := range []string{testPassword, "wrong-password-42"} {
		if strings.Contains(out, secret) {
			t.Fatalf("log holds a password:\n%s", out)
		}
	}
	for _, want := range []string{"user=" + testUser, "message_id=", "smtp authentication failed", "remote=127.0.0.1:"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

func TestDisabledListeners(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		addr, tlsAddr string
	}{
		{"both off", "off", ""},
		{"only STARTTLS", "127.0.0.1:0", "off"},
		{"only implicit TLS", "", "127.0.0.1:0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			log, _ := testLogger(t)
			srv := New(Config{Addr: tt.addr, TLSAddr: tt.tlsAddr, DataDir: t.TempDir()}, fakeAuth{}, &fakeSubmitter{}, log)
			if err := srv.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			if (srv.Addr() != "") != enabled(tt.addr) || (srv.TLSAddr() != "") != enabled(tt.tlsAddr) {
				t.Fatalf("Addr %q, TLSAddr %q", srv.Addr(), srv.TLSAddr())
			}
		})
	}
}

func TestLOGINTakesTheUserNameAsInitialResponse(t *testing.T) {
	t.Parallel()
	var user, password string
	l := &loginServer{authenticate: func(_, u, p string) error { user, password = u, p; return nil }}
	ch, done, err := l.Next([]byte("me"))
	if err != nil || done || !bytes.Equal(ch, []byte("Password:")) {
		t.Fatalf("Next(user) = %q, %v, %v", ch, done, err)
	}
	if _, done, err := l.Next([]byte("pw")); err != nil || !done || user != "me" || password != "pw" {
		t.Fatalf("Next(password) = %v, %v; got %q/%q", done, err, user, password)
	}
	if _, _, err := l.Next(nil); err == nil {
		t.Fatal("a step after the end was accepted")
	}
}

// go-smtp always offers CHUNKING; BDAT must reach the same Data path.
func TestBDATIsAnsweredLikeDATA(t *testing.T) {
	t.Parallel()
	sub := &fakeSubmitter{}
	srv := startServer(t, Config{}, nil, sub)
	c := dialRaw(t, srv.TLSAddr(), true)
	c.cmd("EHLO client.test")
	for _, line := range []string{plainAuth("", testUser, testPassword), "MAIL FROM:<sender@example.com>", "RCPT TO:<chunked@example.net>"} {
		if got := c.cmd(line); !strings.HasPrefix(got, "2") {
			t.Fatalf("%s: %q", line, got)
		}
	}
	msg := message("sender@example.com", "chunked@example.net", "")
	half := len(msg) / 2
	if got := c.send(fmt.Sprintf("BDAT %d\r\n%s", half, msg[:half])); got != "250 2.0.0 Continue" {
		t.Fatalf("first chunk: %q", got)
	}
	got := c.send(fmt.Sprintf("BDAT %d LAST\r\n%s", len(msg)-half, msg[half:]))
	if id, ok := strings.CutPrefix(got, "250 Ok "); !ok || !msgid.Valid(id) {
		t.Fatalf("last chunk: %q, want 250 Ok <id>", got)
	}
	if s, ok := sub.find("chunked@example.net"); !ok || string(s.data) != msg {
		t.Fatalf("submitted %q", s.data)
	}
}
