package smtptest_test

import (
	"bufio"
	"crypto/tls"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/hikyaku/hikyaku/internal/smtptest"
)

const msg = "Subject: hi\r\n\r\nhello\r\n"

// send runs one transaction with go-smtp's client and returns its error.
func send(t *testing.T, c *smtp.Client, from string, to ...string) error {
	t.Helper()
	if err := c.Mail(from, nil); err != nil {
		return err
	}
	for _, r := range to {
		if err := c.Rcpt(r, nil); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte(msg)); err != nil {
		return err
	}
	return w.Close()
}

func dial(t *testing.T, s *smtptest.Server) *smtp.Client {
	t.Helper()
	c, err := smtp.Dial(s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func code(err error) int {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return se.Code
	}
	return 0
}

func TestServerRecordsMessagesAndConnections(t *testing.T) {
	t.Parallel()
	s := smtptest.Start(t, smtptest.Options{})
	c, err := smtp.DialStartTLS(s.Addr, &tls.Config{RootCAs: s.CertPool()})
	if err != nil {
		t.Fatalf("STARTTLS, verified with the server's pool: %v", err)
	}
	defer c.Close()
	for i := 0; i < 2; i++ {
		if err := send(t, c, "a@sender.test", "b@rcpt.test", "c@rcpt.test"); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Quit(); err != nil {
		t.Fatal(err)
	}
	msgs := s.Messages()
	if len(msgs) != 2 || msgs[0].From != "a@sender.test" || len(msgs[0].Rcpts) != 2 || string(msgs[0].Data) != msg ||
		!msgs[0].TLS || msgs[0].Conn != 1 {
		t.Fatalf("messages = %+v", msgs)
	}
	if n := s.Delivered("B@rcpt.test"); n != 2 {
		t.Errorf("Delivered = %d, want 2", n)
	}
	if got := s.MessagesPerConn(); len(got) != 1 || got[0] != 2 {
		t.Errorf("MessagesPerConn = %v, want [2]", got)
	}
	if !s.WaitActive(0, time.Second) || s.Connections() != 1 || s.PeakConcurrent() != 1 {
		t.Errorf("connections %d, peak %d, active %d", s.Connections(), s.PeakConcurrent(), s.Active())
	}
}

func TestServerFaults(t *testing.T) {
	t.Parallel()
	s := smtptest.Start(t, smtptest.Options{
		Rcpt: map[string]smtptest.Fault{
			"busy":           smtptest.MailboxBusy,
			"gone@rcpt.test": smtptest.NoSuchUser,
			"once":           {Code: 451, Enhanced: "4.3.0", Text: "later", Times: 1},
		},
		Data: map[string]smtptest.Fault{"spam": smtptest.Rejected},
	})
	c := dial(t, s)
	for _, tc := range []struct {
		rcpt string
		want int
	}{
		{"busy@rcpt.test", 450},
		{"GONE@rcpt.test", 550},
		{"gone@other.test", 0}, // the full address is keyed, not the local part
		{"once@rcpt.test", 451},
		{"once@rcpt.test", 0}, // the fault was for one use
		{"spam@rcpt.test", 554},
	} {
		if got := code(send(t, c, "a@sender.test", tc.rcpt)); got != tc.want {
			t.Errorf("%s: reply %d, want %d", tc.rcpt, got, tc.want)
		}
		if err := c.Reset(); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(s.Messages()); n != 2 {
		t.Errorf("%d messages recorded, want 2", n)
	}
}

func TestServer421ClosesTheConnection(t *testing.T) {
	t.Parallel()
	s := smtptest.Start(t, smtptest.Options{Rcpt: map[string]smtptest.Fault{"x": smtptest.ServiceUnavailable}})
	c := dial(t, s)
	if got := code(send(t, c, "a@sender.test", "x@rcpt.test")); got != 421 {
		t.Fatalf("reply %d, want 421", got)
	}
	if err := c.Noop(); err == nil {
		t.Fatal("the connection still works after a 421")
	}
}

func TestServerGreetingFaults(t *testing.T) {
	t.Parallel()
	s := smtptest.Start(t, smtptest.Options{Conn: func(n int) smtptest.ConnFaults {
		switch n {
		case 1:
			return smtptest.ConnFaults{Greeting: &smtptest.ServiceUnavailable}
		case 2:
			return smtptest.ConnFaults{Greeting: &smtptest.CloseAfterGreeting}
		}
		return smtptest.ConnFaults{}
	}})
	line := func() string {
		nc, err := net.Dial("tcp", s.Addr)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		_ = nc.SetDeadline(time.Now().Add(5 * time.Second))
		r := bufio.NewReader(nc)
		l, _ := r.ReadString('\n')
		if _, err := r.ReadByte(); err == nil {
			t.Error("the server sent more after a greeting fault")
		}
		return l
	}
	if l := line(); !strings.HasPrefix(l, "421 4.7.0") {
		t.Errorf("first connection greeted %q", l)
	}
	if l := line(); !strings.HasPrefix(l, "220 ") {
		t.Errorf("second connection greeted %q", l)
	}
	c := dial(t, s)
	if err := send(t, c, "a@sender.test", "b@rcpt.test"); err != nil {
		t.Errorf("third connection: %v", err)
	}
}

func TestServerDropMidData(t *testing.T) {
	t.Parallel()
	s := smtptest.Start(t, smtptest.Options{Data: map[string]smtptest.Fault{"b": smtptest.Drop}})
	c := dial(t, s)
	if err := send(t, c, "a@sender.test", "b@rcpt.test"); err == nil {
		t.Fatal("send succeeded through a dropped connection")
	}
	if n := len(s.Messages()); n != 0 {
		t.Errorf("%d messages recorded", n)
	}
}

func TestServerAuthAndOptions(t *testing.T) {
	t.Parallel()
	s := smtptest.Start(t, smtptest.Options{
		Users: map[string]string{"alice": "secret"}, RequireAuth: true,
		NoSTARTTLS: true, NoPipelining: true, MaxSize: 1000,
	})
	c := dial(t, s)
	if ok, _ := c.Extension("PIPELINING"); ok {
		t.Error("PIPELINING offered with NoPipelining")
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		t.Error("STARTTLS offered with NoSTARTTLS")
	}
	if size, ok := c.MaxMessageSize(); !ok || size != 1000 {
		t.Errorf("SIZE = %d, %v", size, ok)
	}
	if got := code(send(t, c, "a@sender.test", "b@rcpt.test")); got != 530 {
		t.Errorf("MAIL before AUTH: %d, want 530", got)
	}
	if got := code(c.Auth(sasl.NewPlainClient("", "alice", "wrong"))); got != 535 {
		t.Errorf("bad password: %d, want 535", got)
	}
	if err := c.Auth(sasl.NewLoginClient("alice", "secret")); err != nil {
		t.Fatalf("AUTH LOGIN: %v", err)
	}
	if err := send(t, c, "a@sender.test", "b@rcpt.test"); err != nil {
		t.Fatal(err)
	}
	if m := s.Messages(); len(m) != 1 || m[0].User != "alice" || m[0].TLS {
		t.Errorf("messages = %+v", m)
	}
}
