package delivery

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/hikyaku/hikyaku/internal/dns"
	"github.com/hikyaku/hikyaku/internal/smtptest"
)

// testTimeouts are short enough for a stuck test to fail soon and long
// enough for a loaded machine running -race.
// (Greeting and Command 5s, the DATA steps 2s to 10s, connect 0.5s.)
var testTimeouts = DefaultTimeouts.Scaled(1.0 / 60)

const testMessage = "From: a@sender.test\r\nTo: b@rcpt.test\r\nSubject: test\r\n\r\nHello.\r\n"

// noDNS is a resolver for tests that dial IP addresses only.
type noDNS struct{}

func (noDNS) LookupTXT(context.Context, string) ([]string, error) { return nil, errNoDNS }
func (noDNS) LookupMX(context.Context, string) ([]*dns.MX, error) { return nil, errNoDNS }
func (noDNS) LookupHost(context.Context, string) ([]netip.Addr, error) {
	return nil, errNoDNS
}

var errNoDNS = &dns.Error{Kind: dns.ErrTemporary, Name: "x", Type: "ANY", Err: errors.New("no DNS in this test")}

// newPool returns a pool closed when the test ends, with test timeouts
// unless cfg has its own.
func newPool(t *testing.T, cfg PoolConfig) *Pool {
	t.Helper()
	if cfg.Resolver == nil {
		cfg.Resolver = noDNS{}
	}
	if cfg.HelloName == "" {
		cfg.HelloName = "client.test"
	}
	if cfg.Timeouts == (Timeouts{}) {
		cfg.Timeouts = testTimeouts
	}
	p, err := NewPool(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// siteOf is the site of domain rcpt.test routed to srv, with mod applied
// to the route.
func siteOf(t *testing.T, srv *smtptest.Server, mod func(*Route)) *Site {
	t.Helper()
	r := Route{Pattern: "rcpt.test", Host: srv.Host, Port: srv.Port}
	if mod != nil {
		mod(&r)
	}
	router, err := NewRouter(RouterConfig{Resolver: noDNS{}, Routes: []Route{r}})
	if err != nil {
		t.Fatal(err)
	}
	site, err := router.Resolve(context.Background(), "rcpt.test")
	if err != nil {
		t.Fatal(err)
	}
	return site
}

// envelope is a test message from a@sender.test to local parts at
// rcpt.test.
func envelope(locals ...string) *Envelope {
	env := &Envelope{MailFrom: "a@sender.test", Data: []byte(testMessage)}
	for _, l := range locals {
		env.Rcpts = append(env.Rcpts, l+"@rcpt.test")
	}
	return env
}

func faults(kv ...any) map[string]smtptest.Fault {
	m := map[string]smtptest.Fault{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1].(smtptest.Fault)
	}
	return m
}

func connFaults(f smtptest.ConnFaults) func(int) smtptest.ConnFaults {
	return func(int) smtptest.ConnFaults { return f }
}

const (
	D = Delivered
	T = Temporary
	P = Permanent
)

// TestDeliverFaults runs every kind of server misbehaviour, with and
// without pipelining, and checks each recipient's result.
func TestDeliverFaults(t *testing.T) {
	t.Parallel()
	f421, f554 := smtptest.ServiceUnavailable, smtptest.Rejected
	cases := []struct {
		name      string
		opts      smtptest.Options
		rcpts     []string
		want      []Result
		codes     []int // each recipient's reply code (0: made up locally)
		errStage  Stage // of Deliver's error; "" for none
		throttled bool
		recorded  int // messages the server took
	}{
		{name: "all recipients accepted", rcpts: []string{"ok1", "ok2"},
			want: []Result{D, D}, codes: []int{250, 250}, recorded: 1},
		{name: "RCPT 450 is temporary for that recipient",
			opts:  smtptest.Options{Rcpt: faults("busy", smtptest.MailboxBusy)},
			rcpts: []string{"ok", "busy"}, want: []Result{D, T}, codes: []int{250, 450}, recorded: 1},
		{name: "RCPT 451 is temporary", opts: smtptest.Options{Rcpt: faults("x", smtptest.LocalError)},
			rcpts: []string{"ok", "x"}, want: []Result{D, T}, codes: []int{250, 451}, recorded: 1},
		{name: "RCPT 452 is temporary", opts: smtptest.Options{Rcpt: faults("x", smtptest.InsufficientStorage)},
			rcpts: []string{"ok", "x"}, want: []Result{D, T}, codes: []int{250, 452}, recorded: 1},
		{name: "RCPT 550 is permanent", opts: smtptest.Options{Rcpt: faults("gone", smtptest.NoSuchUser)},
			rcpts: []string{"gone", "ok"}, want: []Result{P, D}, codes: []int{550, 250}, recorded: 1},
		{name: "RCPT 552 is temporary (RFC 5321 4.5.3.1.10)",
			opts:  smtptest.Options{Rcpt: faults("x", smtptest.Reply(552, "", "Too many recipients"))},
			rcpts: []string{"ok", "x"}, want: []Result{D, T}, codes: []int{250, 552}, recorded: 1, throttled: true},
		{name: "RCPT 554 is permanent", opts: smtptest.Options{Rcpt: faults("x", f554)},
			rcpts: []string{"ok", "x"}, want: []Result{D, P}, codes: []int{250, 554}, recorded: 1},
		{name: "RCPT 421 ends the session for everyone", opts: smtptest.Options{Rcpt: faults("x", f421)},
			rcpts: []string{"ok", "x", "later"}, want: []Result{T, T, T}, codes: []int{421, 421, 421},
			errStage: StageRcpt, throttled: true},
		{name: "every recipient refused", opts: smtptest.Options{Rcpt: faults("a", smtptest.NoSuchUser, "b", smtptest.MailboxBusy)},
			rcpts: []string{"a", "b"}, want: []Result{P, T}, codes: []int{550, 450}},
		{name: "DATA 451 is temporary for all accepted", opts: smtptest.Options{Data: faults("ok", smtptest.LocalError)},
			rcpts: []string{"ok", "ok2"}, want: []Result{T, T}, codes: []int{451, 451}, errStage: StageMessage},
		{name: "DATA 554 is permanent for all accepted", opts: smtptest.Options{Data: faults("ok2", f554)},
			rcpts: []string{"ok", "ok2"}, want: []Result{P, P}, codes: []int{554, 554}, errStage: StageMessage},
		{name: "DATA 552 is permanent", opts: smtptest.Options{Data: faults("ok", smtptest.MailboxFull)},
			rcpts: []string{"ok"}, want: []Result{P}, codes: []int{552}, errStage: StageMessage},
		{name: "DATA 421 is temporary and throttles", opts: smtptest.Options{Data: faults("ok", f421)},
			rcpts: []string{"ok"}, want: []Result{T}, codes: []int{421}, errStage: StageMessage, throttled: true},
		{name: "a DATA refusal leaves RCPT refusals alone",
			opts:  smtptest.Options{Rcpt: faults("gone", smtptest.NoSuchUser), Data: faults("ok", smtptest.LocalError)},
			rcpts: []string{"ok", "gone"}, want: []Result{T, P}, codes: []int{451, 550}, errStage: StageMessage},
		{name: "a drop mid-DATA is temporary and delivers nothing", opts: smtptest.Options{Data: faults("ok", smtptest.Drop)},
			rcpts: []string{"ok", "gone"}, want: []Result{T, T}, codes: []int{0, 0}, errStage: StageMessage},
		{name: "MAIL 451 is temporary for all", opts: smtptest.Options{Conn: connFaults(smtptest.ConnFaults{Mail: &smtptest.LocalError})},
			rcpts: []string{"a", "b"}, want: []Result{T, T}, codes: []int{451, 451}, errStage: StageMail},
		{name: "MAIL 550 is permanent for all",
			opts:  smtptest.Options{Conn: connFaults(smtptest.ConnFaults{Mail: &smtptest.Fault{Code: 550, Enhanced: "5.7.1", Text: "sender blocked"}})},
			rcpts: []string{"a", "b"}, want: []Result{P, P}, codes: []int{550, 550}, errStage: StageMail},
		{name: "a 421 greeting is temporary", opts: smtptest.Options{Conn: connFaults(smtptest.ConnFaults{Greeting: &f421})},
			rcpts: []string{"a"}, want: []Result{T}, codes: []int{421}, errStage: StageGreeting, throttled: true},
		{name: "a 554 greeting is temporary too", opts: smtptest.Options{Conn: connFaults(smtptest.ConnFaults{Greeting: &f554})},
			rcpts: []string{"a"}, want: []Result{T}, codes: []int{554}, errStage: StageGreeting},
		{name: "a close after the greeting is temporary",
			opts:  smtptest.Options{Conn: connFaults(smtptest.ConnFaults{Greeting: &smtptest.CloseAfterGreeting})},
			rcpts: []string{"a"}, want: []Result{T}, codes: []int{0}, errStage: StageHello},
		{name: "a dropped connection at RCPT is temporary", opts: smtptest.Options{Rcpt: faults("x", smtptest.Drop)},
			rcpts: []string{"ok", "x"}, want: []Result{T, T}, codes: []int{0, 0}, errStage: StageRcpt},
	}
	for _, pipelined := range []bool{true, false} {
		for _, tc := range cases {
			name := tc.name
			if !pipelined {
				name = "no pipelining/" + name
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				opts := tc.opts
				if !pipelined {
					opts.NoSTARTTLS, opts.NoPipelining = true, true
				}
				srv := smtptest.Start(t, opts)
				p := newPool(t, PoolConfig{})
				rep, err := p.Deliver(context.Background(), siteOf(t, srv, nil), envelope(tc.rcpts...))
				if rep == nil {
					t.Fatalf("no report: %v", err)
				}
				for i, rr := range rep.Rcpts {
					if rr.Result != tc.want[i] || rr.Reply.Code != tc.codes[i] {
						t.Errorf("%s: %v %v (%s), want %v %d", rr.Rcpt, rr.Result, rr.Reply, rr.Stage, tc.want[i], tc.codes[i])
					}
				}
				e := AsError(err)
				switch {
				case tc.errStage == "" && err != nil:
					t.Errorf("error %v, want none", err)
				case tc.errStage != "" && (e == nil || e.Stage != tc.errStage):
					t.Errorf("error %v, want one at %s", err, tc.errStage)
				}
				if got := rep.Throttled(); got != tc.throttled {
					t.Errorf("Throttled() = %v, want %v", got, tc.throttled)
				}
				if got := len(srv.Messages()); got != tc.recorded {
					t.Errorf("server took %d messages, want %d", got, tc.recorded)
				}
				if tc.recorded == 1 {
					m := srv.Messages()[0]
					if string(m.Data) != testMessage || m.From != "a@sender.test" || m.TLS == !pipelined {
						t.Errorf("server got %+v", m)
					}
				}
			})
		}
	}
}

// TestDeliverTimeouts stalls the server past each timeout: every stall is
// temporary, and nothing is delivered, except in the one case SMTP cannot
// tell (RFC 1047): the server took the message but its reply came too
// late, so the message will be sent again.
func TestDeliverTimeouts(t *testing.T) {
	t.Parallel()
	short := 300 * time.Millisecond
	stall := 3 * time.Second
	for _, tc := range []struct {
		name     string
		opts     smtptest.Options
		timeouts Timeouts
		stage    Stage
		recorded int
	}{
		{name: "stalled greeting", stage: StageGreeting,
			opts:     smtptest.Options{Conn: connFaults(smtptest.ConnFaults{Greeting: &smtptest.Fault{Stall: stall}})},
			timeouts: Timeouts{Greeting: short}},
		{name: "stalled MAIL", stage: StageMail,
			opts:     smtptest.Options{Conn: connFaults(smtptest.ConnFaults{Mail: &smtptest.Fault{Stall: stall}})},
			timeouts: Timeouts{Command: short}},
		{name: "stalled RCPT", stage: StageRcpt,
			opts:     smtptest.Options{Rcpt: faults("ok", smtptest.Fault{Stall: stall})},
			timeouts: Timeouts{Command: short}},
		{name: "stalled end of DATA, then refused", stage: StageMessage,
			opts:     smtptest.Options{Data: faults("ok", smtptest.Fault{Stall: stall, Code: 451, Text: "too late"})},
			timeouts: Timeouts{DataDone: short}},
		{name: "stalled end of DATA, then accepted", stage: StageMessage, recorded: 1,
			opts:     smtptest.Options{Data: faults("ok", smtptest.Fault{Stall: 2 * short})},
			timeouts: Timeouts{DataDone: short}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := smtptest.Start(t, tc.opts)
			to := testTimeouts
			if tc.timeouts.Greeting != 0 {
				to.Greeting = tc.timeouts.Greeting
			}
			if tc.timeouts.Command != 0 {
				to.Command = tc.timeouts.Command
			}
			if tc.timeouts.DataDone != 0 {
				to.DataDone = tc.timeouts.DataDone
			}
			p := newPool(t, PoolConfig{Timeouts: to})
			start := time.Now()
			rep, err := p.Deliver(context.Background(), siteOf(t, srv, nil), envelope("ok"))
			e := AsError(err)
			if e == nil || !e.Temporary || e.Stage != tc.stage || e.Enhanced != "4.4.2" {
				t.Fatalf("error %v, want a temporary 4.4.2 timeout at %s", err, tc.stage)
			}
			if rep.Rcpts[0].Result != Temporary {
				t.Errorf("recipient %v", rep.Rcpts[0])
			}
			if d := time.Since(start); d > stall-time.Second {
				t.Errorf("took %v: the timeout did not cut the stall short", d)
			}
			deadline := time.Now().Add(5 * time.Second)
			for len(srv.Messages()) < tc.recorded && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			if got := len(srv.Messages()); got != tc.recorded {
				t.Errorf("server took %d messages, want %d", got, tc.recorded)
			}
		})
	}
}

func TestDeliverContextEndsAStall(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.Options{Rcpt: faults("ok", smtptest.Fault{Stall: 10 * time.Second})})
	p := newPool(t, PoolConfig{})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := p.Deliver(ctx, siteOf(t, srv, nil), envelope("ok"))
	if e := AsError(err); e == nil || !e.Temporary || e.Enhanced != "4.4.7" || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v, want a temporary 4.4.7 wrapping the deadline", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %v after the context ended", d)
	}
}

func TestDeliverSize(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.Options{MaxSize: 200})
	p := newPool(t, PoolConfig{})
	site := siteOf(t, srv, nil)

	env := envelope("ok")
	_, err := p.Deliver(context.Background(), site, env)
	if err != nil || srv.Messages()[0].Size != int64(len(testMessage)) {
		t.Fatalf("small message: %v; server saw SIZE=%d", err, srv.Messages()[0].Size)
	}

	env.Data = []byte(testMessage + strings.Repeat("x", 300) + "\r\n")
	rep, err := p.Deliver(context.Background(), site, env)
	e := AsError(err)
	if e == nil || e.Temporary || e.Enhanced != "5.3.4" || e.Stage != StageLocal || rep.Rcpts[0].Result != Permanent {
		t.Fatalf("big message: %v %+v, want a permanent 5.3.4 refused locally", err, rep.Rcpts)
	}
	if len(srv.Messages()) != 1 || srv.Connections() != 1 {
		t.Errorf("server took %d messages over %d connections; the big one must not be sent", len(srv.Messages()), srv.Connections())
	}
}

func TestDeliver8BitMIME(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.Options{})
	p := newPool(t, PoolConfig{})
	site := siteOf(t, srv, nil)
	for _, data := range []string{testMessage, "Subject: caf\xc3\xa9\r\n\r\n\xe3\x81\x93\xe3\x82\x93\xe3\x81\xab\xe3\x81\xa1\xe3\x81\xaf\r\n"} {
		env := envelope("ok")
		env.Data = []byte(data)
		if _, err := p.Deliver(context.Background(), site, env); err != nil {
			t.Fatal(err)
		}
	}
	m := srv.Messages()
	if m[0].Body != "" || m[1].Body != "8BITMIME" {
		t.Errorf("BODY= %q for 7-bit, %q for 8-bit; want \"\" and 8BITMIME", m[0].Body, m[1].Body)
	}
}

func TestDeliverStreamsBody(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.Options{})
	p := newPool(t, PoolConfig{})
	body := strings.Repeat("a line of the message\r\n", 20000) // ~460 KB, many writes
	env := &Envelope{MailFrom: "", Rcpts: []string{"ok@rcpt.test"}, Body: strings.NewReader(body), Size: int64(len(body))}
	if _, err := p.Deliver(context.Background(), siteOf(t, srv, nil), env); err != nil {
		t.Fatal(err)
	}
	if m := srv.Messages(); len(m) != 1 || string(m[0].Data) != body || m[0].From != "" {
		t.Errorf("server got a different message (%d bytes, from %q)", len(m[0].Data), m[0].From)
	}
}

func TestDeliverRefusesBadInput(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.Options{})
	p := newPool(t, PoolConfig{})
	site := siteOf(t, srv, nil)
	for _, env := range []*Envelope{
		{MailFrom: "a@sender.test", Data: []byte(testMessage)},
		{MailFrom: "a@sender.test", Rcpts: []string{"b@rcpt.test"}},
		{MailFrom: "a@sender.test>\r\nRSET", Rcpts: []string{"b@rcpt.test"}, Data: []byte(testMessage)},
	} {
		if rep, err := p.Deliver(context.Background(), site, env); err == nil || rep != nil {
			t.Errorf("Deliver(%+v) = %v, %v; want an error and no report", env, rep, err)
		}
	}
	// A recipient that would smuggle a command is refused alone.
	env := envelope("ok")
	env.Rcpts = append(env.Rcpts, "x@rcpt.test>\r\nDATA")
	rep, err := p.Deliver(context.Background(), site, env)
	if err != nil || rep.Rcpts[0].Result != Delivered || rep.Rcpts[1].Result != Permanent || rep.Rcpts[1].Reply.Enhanced != "5.1.3" {
		t.Errorf("Deliver = %+v, %v", rep, err)
	}
}

func TestDeliverRcptMax(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.Options{MaxRecipients: 2})
	p := newPool(t, PoolConfig{})
	rep, err := p.Deliver(context.Background(), siteOf(t, srv, nil), envelope("a", "b", "c"))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Count(Delivered) != 2 || rep.Rcpts[2].Result != Temporary || rep.Rcpts[2].Reply.Enhanced != "4.5.3" {
		t.Errorf("results %+v: want two delivered and the third left for another transaction", rep.Rcpts)
	}
}

func TestDeliverSMTPUTF8(t *testing.T) {
	t.Parallel()
	env := &Envelope{MailFrom: "a@sender.test", Rcpts: []string{"\u7528\u6237@rcpt.test"}, Data: []byte(testMessage)}

	srv := smtptest.Start(t, smtptest.Options{})
	p := newPool(t, PoolConfig{})
	if _, err := p.Deliver(context.Background(), siteOf(t, srv, nil), env); err != nil {
		t.Fatal(err)
	}
	if m := srv.Messages(); len(m) != 1 || !m[0].UTF8 {
		t.Errorf("messages %+v: want one sent with SMTPUTF8", m)
	}

	old := smtptest.Start(t, smtptest.Options{NoSMTPUTF8: true})
	_, err := p.Deliver(context.Background(), siteOf(t, old, nil), env)
	if e := AsError(err); e == nil || e.Temporary || e.Enhanced != "5.6.7" {
		t.Errorf("error %v, want a permanent 5.6.7", err)
	}
}

func TestDeliverWithEndedContext(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.Options{})
	p := newPool(t, PoolConfig{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rep, err := p.Deliver(ctx, siteOf(t, srv, nil), envelope("ok"))
	if e := AsError(err); e == nil || !e.Temporary || e.Enhanced != "4.4.7" || rep.Rcpts[0].Result != Temporary {
		t.Errorf("Deliver = %v, want a temporary 4.4.7", err)
	}
}
