package delivery

import (
	"bufio"
	"context"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// script is a server that plays a fixed SMTP dialogue on one connection,
// to check what go-smtp's server cannot show: which commands arrive
// before any reply, and the exact bytes of the message.
type script struct {
	t *testing.T
	c net.Conn
	r *bufio.Reader
}

// startScript listens on loopback and runs play on the first connection.
func startScript(t *testing.T, play func(s *script)) (host string, port int, done <-chan struct{}) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	ch := make(chan struct{})
	go func() {
		defer close(ch)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		play(&script{t: t, c: c, r: bufio.NewReader(c)})
	}()
	addr := ln.Addr().(*net.TCPAddr)
	return addr.IP.String(), addr.Port, ch
}

func (s *script) send(lines ...string) {
	_, _ = s.c.Write([]byte(strings.Join(lines, "\r\n") + "\r\n"))
}

func (s *script) read() string {
	l, err := s.r.ReadString('\n')
	if err != nil {
		s.t.Errorf("script: reading a command: %v", err)
	}
	return strings.TrimRight(l, "\r\n")
}

// readData reads a message up to its final dot, as sent.
func (s *script) readData() string {
	var b strings.Builder
	for {
		l, err := s.r.ReadString('\n')
		if err != nil {
			s.t.Errorf("script: reading the message: %v", err)
			return b.String()
		}
		if l == ".\r\n" {
			return b.String()
		}
		b.WriteString(l)
	}
}

// hello plays the greeting and EHLO with the given extensions.
func (s *script) hello(ext ...string) {
	s.send("220 script ESMTP")
	if l := s.read(); !strings.HasPrefix(l, "EHLO ") {
		s.t.Errorf("script: got %q, want EHLO", l)
	}
	lines := []string{"250-script"}
	for _, e := range ext {
		lines = append(lines, "250-"+e)
	}
	lines[len(lines)-1] = "250 " + strings.TrimPrefix(lines[len(lines)-1], "250-")
	s.send(lines...)
}

func scriptSite(host string, port int) *Site {
	h := Host{Name: host, Port: port}
	return &Site{Key: siteKey([]Host{h}), Domain: "rcpt.test", Hosts: []Host{h}}
}

func TestDeliverPipelinesAndStuffsDots(t *testing.T) {
	t.Parallel()
	var batch []string
	var data string
	host, port, done := startScript(t, func(s *script) {
		s.hello("PIPELINING", "8BITMIME", "SIZE 1000000")
		// Read the whole transaction before answering anything: a client
		// that waits for replies would stall here.
		for i := 0; i < 4; i++ {
			batch = append(batch, s.read())
		}
		s.send("250 2.1.0 Sender ok", "250 2.1.5 Recipient ok", "550 5.1.1 No such user", "354 Go ahead")
		data = s.readData()
		s.send("250 2.0.0 Queued as 1234")
		if l := s.read(); l != "QUIT" {
			t.Errorf("script: got %q, want QUIT", l)
		}
		s.send("221 2.0.0 Bye")
	})
	p := newPool(t, PoolConfig{})
	env := &Envelope{MailFrom: "a@sender.test", Rcpts: []string{"ok@rcpt.test", "gone@rcpt.test"},
		Data: []byte("Subject: dots\r\n\r\n.leading dot\r\n..two\nbare LF\r\n.\r\nend")}
	rep, err := p.Deliver(context.Background(), scriptSite(host, port), env)
	if err != nil {
		t.Fatal(err)
	}
	_ = p.Close()
	<-done

	size := strconv.Itoa(len(env.Data))
	want := []string{"MAIL FROM:<a@sender.test> SIZE=" + size, "RCPT TO:<ok@rcpt.test>", "RCPT TO:<gone@rcpt.test>", "DATA"}
	if !slices.Equal(batch, want) {
		t.Errorf("pipelined batch %q, want %q", batch, want)
	}
	if wantData := "Subject: dots\r\n\r\n..leading dot\r\n...two\r\nbare LF\r\n..\r\nend\r\n"; data != wantData {
		t.Errorf("message on the wire %q, want %q", data, wantData)
	}
	if rep.Rcpts[0].Result != Delivered || rep.Rcpts[0].Reply.Text != "Queued as 1234" ||
		rep.Rcpts[1].Result != Permanent || rep.Rcpts[1].Reply.Enhanced != "5.1.1" || rep.Rcpts[1].Stage != StageRcpt {
		t.Errorf("results %+v", rep.Rcpts)
	}
}

// TestDeliverNeverSendsAnEmptyMessage: a server that (wrongly) accepts a
// pipelined DATA after refusing every recipient gets the connection
// closed, not a lone dot.
func TestDeliverNeverSendsAnEmptyMessage(t *testing.T) {
	t.Parallel()
	var after string
	host, port, done := startScript(t, func(s *script) {
		s.hello("PIPELINING")
		for i := 0; i < 3; i++ {
			s.read()
		}
		s.send("250 ok", "550 5.1.1 No such user", "354 Go ahead")
		l, err := s.r.ReadString('\n')
		if err == nil {
			after = l
		}
	})
	p := newPool(t, PoolConfig{})
	env := &Envelope{MailFrom: "a@sender.test", Rcpts: []string{"gone@rcpt.test"}, Data: []byte(testMessage)}
	rep, err := p.Deliver(context.Background(), scriptSite(host, port), env)
	<-done
	if err != nil || rep.Rcpts[0].Result != Permanent {
		t.Errorf("Deliver = %+v, %v", rep.Rcpts, err)
	}
	if after != "" {
		t.Errorf("the client sent %q after an unwanted 354, want the connection closed", after)
	}
	if p.Idle() != 0 {
		t.Error("the connection went back to the pool")
	}
}

// TestDeliverHELOFallback: a server refusing EHLO gets HELO, and then no
// extension is used.
func TestDeliverHELOFallback(t *testing.T) {
	t.Parallel()
	var cmds []string
	host, port, done := startScript(t, func(s *script) {
		s.send("220 old server")
		cmds = append(cmds, s.read())
		s.send("502 5.5.1 Command not implemented")
		cmds = append(cmds, s.read())
		s.send("250 old server")
		cmds = append(cmds, s.read())
		s.send("250 ok")
		cmds = append(cmds, s.read())
		s.send("250 ok")
		cmds = append(cmds, s.read())
		s.send("354 go")
		s.readData()
		s.send("250 ok")
	})
	p := newPool(t, PoolConfig{MaxIdlePerSite: -1})
	env := &Envelope{MailFrom: "a@sender.test", Rcpts: []string{"b@rcpt.test"}, Data: []byte("x\u00e9\r\n")}
	if _, err := p.Deliver(context.Background(), scriptSite(host, port), env); err != nil {
		t.Fatal(err)
	}
	_ = p.Close()
	<-done
	want := []string{"EHLO client.test", "HELO client.test", "MAIL FROM:<a@sender.test>", "RCPT TO:<b@rcpt.test>", "DATA"}
	if !slices.Equal(cmds, want) {
		t.Errorf("commands %q, want %q (no SIZE or BODY without EHLO)", cmds, want)
	}
}

// TestDeliverRefusesMalformedReplies: garbage from the server is a
// temporary protocol error, not a crash or a hang.
func TestDeliverRefusesMalformedReplies(t *testing.T) {
	t.Parallel()
	for name, greeting := range map[string]string{
		"not a reply":         "hello there",
		"code out of range":   "999 what",
		"inconsistent codes":  "220-first\r\n250 second",
		"overlong reply line": "220 " + strings.Repeat("x", maxReplyLine+10),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			host, port, done := startScript(t, func(s *script) {
				s.send(greeting)
				_, _ = s.r.ReadString('\n')
			})
			p := newPool(t, PoolConfig{})
			_, err := p.Deliver(context.Background(), scriptSite(host, port), envelope("b"))
			if e := AsError(err); e == nil || !e.Temporary || e.Enhanced != "4.5.0" || e.Stage != StageGreeting {
				t.Errorf("error %v, want a temporary 4.5.0 protocol error at the greeting", err)
			}
			<-done
		})
	}
}
