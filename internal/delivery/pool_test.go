package delivery

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hikyaku/hikyaku/internal/dnstest"
	"github.com/hikyaku/hikyaku/internal/smtptest"
)

// syncBuffer collects the server's session transcript.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestPoolReusesConnections(t *testing.T) {
	t.Parallel()
	for _, pipelined := range []bool{true, false} {
		t.Run(fmt.Sprintf("pipelined=%v", pipelined), func(t *testing.T) {
			t.Parallel()
			var transcript syncBuffer
			srv := smtptest.Start(t, smtptest.Options{Debug: &transcript, NoPipelining: !pipelined, NoSTARTTLS: !pipelined,
				Rcpt: faults("gone", smtptest.NoSuchUser)})
			p := newPool(t, PoolConfig{})
			site := siteOf(t, srv, nil)
			const n = 5
			for i := 0; i < n; i++ {
				// A refused recipient in the middle must not upset the
				// next transaction on the same connection.
				rcpts := []string{fmt.Sprintf("r%d", i)}
				if i == 2 {
					rcpts = append(rcpts, "gone")
				}
				rep, err := p.Deliver(context.Background(), site, envelope(rcpts...))
				if err != nil || rep.Rcpts[0].Result != Delivered {
					t.Fatalf("message %d: %v %+v", i, err, rep.Rcpts)
				}
				if rep.Reused != (i > 0) {
					t.Errorf("message %d: reused = %v", i, rep.Reused)
				}
			}
			if got := srv.MessagesPerConn(); !slices.Equal(got, []int{n}) {
				t.Errorf("messages per connection %v, want [%d]", got, n)
			}
			if p.Idle() != 1 {
				t.Errorf("%d idle connections, want 1", p.Idle())
			}
			if got := strings.Count(transcript.String(), "RSET\r\n"); got != n-1 {
				t.Errorf("%d RSETs, want one per reuse (%d)", got, n-1)
			}
			if got := strings.Count(transcript.String(), "EHLO client.test"); got != 1+btoi(pipelined) {
				t.Errorf("%d EHLOs: a reused session must not greet again", got)
			}
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
			if !srv.WaitActive(0, 5*time.Second) || !strings.Contains(transcript.String(), "QUIT\r\n") {
				t.Error("Close did not QUIT the idle connection")
			}
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestPoolLimits(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cfg  PoolConfig
		want []int // messages per connection for 5 messages
	}{
		{"messages per connection", PoolConfig{MaxMessagesPerConn: 2}, []int{2, 2, 1}},
		{"no reuse", PoolConfig{MaxIdlePerSite: -1}, []int{1, 1, 1, 1, 1}},
		{"connection age", PoolConfig{MaxConnAge: time.Nanosecond}, []int{1, 1, 1, 1, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := smtptest.Start(t, smtptest.Options{})
			p := newPool(t, tc.cfg)
			site := siteOf(t, srv, nil)
			for i := 0; i < 5; i++ {
				if _, err := p.Deliver(context.Background(), site, envelope("ok")); err != nil {
					t.Fatal(err)
				}
			}
			if got := srv.MessagesPerConn(); !slices.Equal(got, tc.want) {
				t.Errorf("messages per connection %v, want %v", got, tc.want)
			}
			if !srv.WaitActive(btoi(tc.name == "messages per connection"), 5*time.Second) {
				t.Errorf("%d connections still open", srv.Active())
			}
		})
	}
}

func TestPoolClosesIdleConnections(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.Options{})
	p := newPool(t, PoolConfig{IdleTimeout: 100 * time.Millisecond})
	site := siteOf(t, srv, nil)
	if _, err := p.Deliver(context.Background(), site, envelope("ok")); err != nil {
		t.Fatal(err)
	}
	if !srv.WaitActive(0, 5*time.Second) || p.Idle() != 0 {
		t.Fatalf("the idle connection was not closed: %d open, %d idle", srv.Active(), p.Idle())
	}
	rep, err := p.Deliver(context.Background(), site, envelope("ok"))
	if err != nil || rep.Reused || srv.Connections() != 2 {
		t.Errorf("after expiry: %v, reused %v, %d connections", err, rep.Reused, srv.Connections())
	}
}

// TestPoolSurvivesADeadIdleConnection has the server drop the pooled
// connection, as servers do to idle clients: the next message must go
// through a new connection, once.
func TestPoolSurvivesADeadIdleConnection(t *testing.T) {
	t.Parallel()
	for _, pipelined := range []bool{true, false} {
		t.Run(fmt.Sprintf("pipelined=%v", pipelined), func(t *testing.T) {
			t.Parallel()
			srv := smtptest.Start(t, smtptest.Options{NoPipelining: !pipelined, NoSTARTTLS: !pipelined})
			p := newPool(t, PoolConfig{})
			site := siteOf(t, srv, nil)
			if _, err := p.Deliver(context.Background(), site, envelope("first")); err != nil {
				t.Fatal(err)
			}
			srv.DropConnections()
			if !srv.WaitActive(0, 5*time.Second) {
				t.Fatal("connections not dropped")
			}
			rep, err := p.Deliver(context.Background(), site, envelope("second"))
			if err != nil || rep.Reused || rep.Rcpts[0].Result != Delivered {
				t.Fatalf("after the drop: %v, reused %v, %+v", err, rep.Reused, rep.Rcpts)
			}
			if srv.Delivered("second@rcpt.test") != 1 || srv.Connections() != 2 {
				t.Errorf("delivered %d times over %d connections", srv.Delivered("second@rcpt.test"), srv.Connections())
			}
		})
	}
}

// TestPoolErredConnectionsAreNotReused: after a 421 or a dropped
// connection, the next message needs a new connection.
func TestPoolErredConnectionsAreNotReused(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.Options{Rcpt: faults("x", smtptest.Fault{Code: 421, Text: "bye", Times: 1})})
	p := newPool(t, PoolConfig{})
	site := siteOf(t, srv, nil)
	if _, err := p.Deliver(context.Background(), site, envelope("x")); err == nil {
		t.Fatal("no error after a 421")
	}
	if p.Idle() != 0 {
		t.Error("a connection closed by a 421 went back to the pool")
	}
	rep, err := p.Deliver(context.Background(), site, envelope("x"))
	if err != nil || rep.Reused {
		t.Errorf("retry: %v, reused %v", err, rep.Reused)
	}
}

func TestPoolConcurrentDeliveries(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.Options{})
	p := newPool(t, PoolConfig{})
	site := siteOf(t, srv, nil)
	const workers, each = 6, 5
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Go(func() {
			for i := 0; i < each; i++ {
				rcpt := fmt.Sprintf("w%di%d", w, i)
				if rep, err := p.Deliver(context.Background(), site, envelope(rcpt)); err != nil || rep.Rcpts[0].Result != Delivered {
					t.Errorf("%s: %v", rcpt, err)
				}
			}
		})
	}
	wg.Wait()
	for w := 0; w < workers; w++ {
		for i := 0; i < each; i++ {
			if n := srv.Delivered(fmt.Sprintf("w%di%d@rcpt.test", w, i)); n != 1 {
				t.Errorf("w%di%d delivered %d times", w, i, n)
			}
		}
	}
	if srv.PeakConcurrent() > workers {
		t.Errorf("%d connections at once for %d workers", srv.PeakConcurrent(), workers)
	}
	if p.Idle() > 4 {
		t.Errorf("%d idle connections kept, more than MaxIdlePerSite", p.Idle())
	}
	_ = p.Close()
	if !srv.WaitActive(0, 5*time.Second) {
		t.Errorf("%d connections open after Close", srv.Active())
	}
}

// TestPoolKeepsTheSiteIdleLimit: workers that all finish a message before
// any takes the next (their outcomes being recorded) find their own
// connections again when the site's MaxIdle covers them, as the scheduler
// sets it to the site's connection limit; with the pool's default of 4,
// the rest are closed and opened again every round.
func TestPoolKeepsTheSiteIdleLimit(t *testing.T) {
	t.Parallel()
	const workers, rounds = 8, 4
	for _, tc := range []struct {
		name    string
		maxIdle int
		conns   func(n int) bool
	}{
		{"site limit", workers, func(n int) bool { return n == workers }},
		// Up to 4 per round are reused (more when a worker finishes before
		// another of its round starts).
		{"pool default", 0, func(n int) bool { return n > workers }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := smtptest.Start(t, smtptest.Options{})
			p := newPool(t, PoolConfig{})
			site := siteOf(t, srv, nil)
			site.MaxIdle = tc.maxIdle
			for r := 0; r < rounds; r++ {
				var wg sync.WaitGroup
				for w := 0; w < workers; w++ {
					wg.Go(func() {
						if _, err := p.Deliver(context.Background(), site, envelope(fmt.Sprintf("r%dw%d", r, w))); err != nil {
							t.Error(err)
						}
					})
				}
				wg.Wait()
			}
			if n := srv.Connections(); !tc.conns(n) {
				t.Errorf("%d connections for %d workers over %d rounds", n, workers, rounds)
			}
		})
	}
}

// TestDeliverThroughMX resolves a domain through DNS and tries its MX
// hosts in order, as it would on the Internet.
func TestDeliverThroughMX(t *testing.T) {
	t.Parallel()
	f421 := smtptest.ServiceUnavailable
	for _, tc := range []struct {
		name     string
		setup    func(d *dnstest.Server)
		opts     smtptest.Options
		maxAddrs int
		host     string // that took the message; "" when none did
		failures []Stage
	}{
		{name: "the preferred host takes it", host: "mx1.example.test",
			setup: func(d *dnstest.Server) {}},
		{name: "a 421 greeting moves on to the next host", host: "mx2.example.test",
			opts: smtptest.Options{Conn: func(n int) smtptest.ConnFaults {
				if n == 1 {
					return smtptest.ConnFaults{Greeting: &f421}
				}
				return smtptest.ConnFaults{}
			}},
			failures: []Stage{StageGreeting}},
		{name: "a refused connection moves on", host: "mx2.example.test",
			setup:    func(d *dnstest.Server) { d.SetA("mx1.example.test", "127.0.0.2") },
			failures: []Stage{StageConnect}},
		{name: "a host without address moves on", host: "mx2.example.test",
			setup:    func(d *dnstest.Server) { d.Remove("mx1.example.test") },
			failures: []Stage{StageResolve}},
		{name: "the next address of a host is tried", host: "mx1.example.test",
			setup:    func(d *dnstest.Server) { d.SetA("mx1.example.test", "127.0.0.2", "127.0.0.1") },
			failures: []Stage{StageConnect}},
		{name: "MaxAddrs stops the search", maxAddrs: 2,
			setup: func(d *dnstest.Server) {
				d.SetA("mx1.example.test", "127.0.0.2", "127.0.0.3")
			},
			failures: []Stage{StageConnect, StageConnect}},
		{name: "every host failing is temporary",
			setup: func(d *dnstest.Server) {
				d.SetA("mx1.example.test", "127.0.0.2")
				d.SetA("mx2.example.test", "127.0.0.3")
			},
			failures: []Stage{StageConnect, StageConnect}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := smtptest.Start(t, tc.opts)
			d, res := newResolver(t)
			d.SetMX("example.test", dnstest.MX{Host: "mx1.example.test", Pref: 10}, dnstest.MX{Host: "mx2.example.test", Pref: 20})
			d.SetA("mx1.example.test", "127.0.0.1")
			d.SetA("mx2.example.test", "127.0.0.1")
			if tc.setup != nil {
				tc.setup(d)
			}
			router, err := NewRouter(RouterConfig{Resolver: res, MXPort: srv.Port})
			if err != nil {
				t.Fatal(err)
			}
			site, err := router.Resolve(context.Background(), "example.test")
			if err != nil {
				t.Fatal(err)
			}
			p := newPool(t, PoolConfig{Resolver: res, MaxAddrs: tc.maxAddrs})
			env := &Envelope{MailFrom: "a@sender.test", Rcpts: []string{"b@example.test"}, Data: []byte(testMessage)}
			rep, err := p.Deliver(context.Background(), site, env)
			var stages []Stage
			for _, e := range rep.HostErrors {
				stages = append(stages, e.Stage)
			}
			if !slices.Equal(stages, tc.failures) {
				t.Errorf("host failures %v, want %v", rep.HostErrors, tc.failures)
			}
			if tc.host == "" {
				e := AsError(err)
				if e == nil || !e.Temporary || rep.Rcpts[0].Result != Temporary {
					t.Fatalf("error %v, want a temporary one", err)
				}
				return
			}
			if err != nil || rep.Host != tc.host || srv.Delivered("b@example.test") != 1 {
				t.Errorf("delivered by %q (%v), want %q", rep.Host, err, tc.host)
			}
		})
	}
}
