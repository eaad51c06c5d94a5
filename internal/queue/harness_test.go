package queue_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hikyaku/hikyaku/internal/delivery"
	"github.com/hikyaku/hikyaku/internal/dns"
	"github.com/hikyaku/hikyaku/internal/dnstest"
	"github.com/hikyaku/hikyaku/internal/msgid"
	"github.com/hikyaku/hikyaku/internal/queue"
	"github.com/hikyaku/hikyaku/internal/shaping"
	"github.com/hikyaku/hikyaku/internal/smtptest"
	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/store/sqlite"
)

// t0 is when every test's fake clock starts.
var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// testTimeouts are the RFC 5321 timeouts cut a hundredfold: a stalled
// server is given up on after 3s (commands) or 6s (the final dot). The
// connect timeout is not cut: no test stalls a connect, and a loaded
// two-core machine running the race detector has been seen to take more
// than 300ms to complete one on loopback.
var testTimeouts = func() delivery.Timeouts {
	t := delivery.DefaultTimeouts.Scaled(0.01)
	t.Connect = delivery.DefaultTimeouts.Connect
	return t
}()

// Retry timing on the fake clock: the first retry comes after 1m ±20%,
// doubling per attempt up to 8m. Tests move the clock past a retry with
// f.advance(retryAfter) or f.advance(maxRetryAfter).
const (
	testBackoff    = time.Minute
	testMaxBackoff = 8 * time.Minute
	retryAfter     = testBackoff * 6 / 5
	maxRetryAfter  = testMaxBackoff * 6 / 5
)

// options shape a fixture.
type options struct {
	// routes send domains to smtptest servers; other domains go to their
	// MX hosts in the fixture's DNS, dialled on mxPort.
	routes []delivery.Route
	mxPort int
	// rules are the shaping rules; nil means shaping.DefaultRules.
	rules *shaping.Rules
	// shapingFile, when set, is written as the data dir's shaping.toml
	// and the shaper opened from it.
	shapingFile string
	// suppressBounces puts BOUNCE in the account's SuppressedReasons.
	suppressBounces bool
}

// fixture is the outbound path as a node assembles it (a real SQLite
// store, router, connection pool and shaper) on a fake clock, with a fake
// DNS server. Only time is fake: SMTP sessions run on real sockets under
// real timeouts, but retries, leases and message age move only when the
// test moves the clock.
type fixture struct {
	t       *testing.T
	dir     string
	st      store.Store
	clk     *shaping.FakeClock
	dns     *dnstest.Server
	router  *delivery.Router
	pool    *delivery.Pool
	shaper  *shaping.Shaper
	reg     *prometheus.Registry
	metrics *queue.Metrics
	acct    *store.Account
	log     *logBuffer
	res     *dns.Client
	opts    options
	seq     atomic.Int64
}

func newFixture(t *testing.T, o options) *fixture {
	t.Helper()
	f := &fixture{t: t, dir: t.TempDir(), clk: shaping.NewFakeClock(t0), dns: dnstest.Start(t), log: &logBuffer{}}
	f.dns.SetTTL(0)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("scheduler log:\n%s", f.log.String())
		}
	})
	f.openStore()

	f.acct = &store.Account{ID: "123456789012", Name: "queue-test", Production: true, SendingEnabled: true,
		EnforcementStatus: "HEALTHY", Max24HourSend: -1, MaxSendRate: -1, CreatedAt: t0, UpdatedAt: t0}
	if o.suppressBounces {
		f.acct.SuppressedReasons = []string{store.ReasonBounce}
	}
	if err := f.st.CreateAccount(t.Context(), f.acct); err != nil {
		t.Fatal(err)
	}

	res, err := dns.New(dns.Config{Server: f.dns.Addr(), CacheSize: -1, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if f.router, err = delivery.NewRouter(delivery.RouterConfig{Resolver: res, Routes: o.routes, MXPort: o.mxPort}); err != nil {
		t.Fatal(err)
	}
	f.res = res
	if o.shapingFile != "" {
		if err := os.WriteFile(filepath.Join(f.dir, shaping.FileName), []byte(o.shapingFile), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	f.opts = o
	f.openProcess()
	return f
}

// openProcess makes what a node process holds in memory: the connection
// pool, the shaper and the metrics.
func (f *fixture) openProcess() {
	t := f.t
	t.Helper()
	var err error
	if f.pool, err = delivery.NewPool(delivery.PoolConfig{Resolver: f.res, HelloName: "hikyaku.test", Timeouts: testTimeouts}); err != nil {
		t.Fatal(err)
	}
	pool := f.pool
	t.Cleanup(func() { _ = pool.Close() })
	if f.opts.shapingFile != "" {
		f.shaper, err = shaping.Open(f.dir, f.clk, f.logger(), nil)
	} else {
		f.shaper, err = shaping.New(f.opts.rules, f.clk, f.logger(), nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	f.reg = prometheus.NewRegistry()
	f.metrics = queue.NewMetrics(f.reg)
}

// restart plays a new process on the same data: the store is opened
// again, and the pool, shaper and metrics are new. Stop the schedulers
// first.
func (f *fixture) restart() {
	f.t.Helper()
	_ = f.pool.Close()
	if err := f.st.Close(); err != nil {
		f.t.Fatal(err)
	}
	f.openStore()
	f.openProcess()
}

// openStore opens the fixture's SQLite file, as a node does on start.
func (f *fixture) openStore() {
	f.t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(f.dir, "hikyaku.db"))
	if err != nil {
		f.t.Fatal(err)
	}
	f.st = st
	f.t.Cleanup(func() { _ = st.Close() })
}

func (f *fixture) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(f.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// config is the scheduler configuration of the tests: short polls, and
// leases and backoff on the fake clock.
func (f *fixture) config(owner string) queue.Config {
	return queue.Config{
		Owner:            owner,
		Lease:            5 * time.Minute,
		Poll:             20 * time.Millisecond,
		MaxAge:           time.Hour,
		Backoff:          testBackoff,
		MaxBackoff:       testMaxBackoff,
		ReturnPathDomain: "bounces.hikyaku.test",
		VERPKey:          []byte("0123456789abcdef0123456789abcdef"),
	}
}

// runner is a running scheduler.
type runner struct {
	*queue.Scheduler
	cancel context.CancelFunc
	done   chan struct{}
}

// start runs a scheduler with cfg until stop (or the end of the test).
func (f *fixture) start(cfg queue.Config) *runner {
	f.t.Helper()
	return f.startOn(cfg, f.st, f.pool)
}

// startOn is start with the store and transport given, e.g. wrapped to
// play a crash.
func (f *fixture) startOn(cfg queue.Config, st store.Store, tr queue.Transport) *runner {
	f.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &runner{Scheduler: queue.New(st, f.router, tr, f.shaper, f.clk, f.logger(), f.metrics, cfg),
		cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		if err := r.Run(ctx); err != nil {
			f.t.Errorf("Run: %v", err)
		}
	}()
	f.t.Cleanup(r.stop)
	return r
}

// stop cancels the scheduler and waits for Run to return: deliveries under
// way finish and are recorded first.
func (r *runner) stop() {
	r.cancel()
	<-r.done
}

// advance moves the fake clock, making retries (and expired leases) due,
// and wakes the scheduler so it does not wait for its next poll.
func (f *fixture) advance(d time.Duration, r *runner) {
	f.clk.Advance(d)
	if r != nil {
		r.Notify()
	}
}

// send queues a message to the given addresses, due now, as intake does,
// and returns its ID. Its body names the ID and the recipients.
func (f *fixture) send(to ...string) string {
	f.t.Helper()
	m := f.message(to...)
	if err := f.st.InsertMessage(context.Background(), m); err != nil {
		f.t.Fatalf("InsertMessage: %v", err)
	}
	return m.ID
}

// message is the message send queues.
func (f *fixture) message(to ...string) *store.Message {
	now := f.clk.Now().UTC().Truncate(time.Microsecond)
	id := msgid.New(now)
	subject := fmt.Sprintf("message %d", f.seq.Add(1))
	body := fmt.Sprintf("From: sender@example.com\r\nTo: %s\r\nSubject: %s\r\nX-Test-ID: %s\r\n\r\nhello\r\n",
		strings.Join(to, ", "), subject, id)
	m := &store.Message{ID: id, AccountID: f.acct.ID, Source: "sender@example.com", FromHeader: "sender@example.com",
		Subject: subject, Origin: "api-v2", CreatedAt: now, Size: len(body), Body: []byte(body)}
	for i, a := range to {
		_, domain, _ := strings.Cut(a, "@")
		m.Recipients = append(m.Recipients, store.Recipient{MessageID: id, Index: i, Address: a, Domain: strings.ToLower(domain),
			Status: store.RcptQueued, NextAttemptAt: now, UpdatedAt: now})
	}
	return m
}

// recipient reads one recipient's state from the store.
func (f *fixture) recipient(id string, idx int) store.Recipient {
	f.t.Helper()
	m, err := f.st.GetMessage(context.Background(), id)
	if err != nil {
		f.t.Fatalf("GetMessage(%s): %v", id, err)
	}
	if idx >= len(m.Recipients) {
		f.t.Fatalf("message %s has %d recipients, not %d", id, len(m.Recipients), idx+1)
	}
	return m.Recipients[idx]
}

// attempts reads a recipient's attempt log.
func (f *fixture) attempts(id string, idx int) []store.Attempt {
	f.t.Helper()
	log, err := f.st.Attempts(context.Background(), id, idx)
	if err != nil {
		f.t.Fatalf("Attempts(%s, %d): %v", id, idx, err)
	}
	return log
}

// waitDeadline bounds every wait: generous, as the machine is shared and
// the race detector slows everything down; a passing test never waits
// for it.
const waitDeadline = 60 * time.Second

// waitFor polls cond until it holds, failing the test at the deadline.
func (f *fixture) waitFor(what string, cond func() bool) {
	f.t.Helper()
	deadline := time.Now().Add(waitDeadline)
	for !cond() {
		if time.Now().After(deadline) {
			f.t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitAttempts waits until a recipient's n-th attempt is recorded, and
// returns the recipient.
func (f *fixture) waitAttempts(id string, idx, n int) store.Recipient {
	f.t.Helper()
	var r store.Recipient
	f.waitFor(fmt.Sprintf("recipient %d of %s to make %d attempts", idx, id, n), func() bool {
		r = f.recipient(id, idx)
		return r.Attempts >= n
	})
	if r.Attempts != n {
		f.t.Fatalf("recipient %d of %s made %d attempts, want %d", idx, id, r.Attempts, n)
	}
	return r
}

// waitStatus waits until a recipient is in status.
func (f *fixture) waitStatus(id string, idx int, status string) store.Recipient {
	f.t.Helper()
	var r store.Recipient
	f.waitFor(fmt.Sprintf("recipient %d of %s to be %s", idx, id, status), func() bool {
		r = f.recipient(id, idx)
		return r.Status == status
	})
	return r
}

// waitDelivered waits until the queue is empty and checks that the
// messages' first recipients were all delivered. One count a poll, rather
// than a read per message, keeps SQLite under the race detector quick.
func (f *fixture) waitDelivered(ids []string) {
	f.t.Helper()
	f.waitFor("the queue to empty", func() bool {
		queued, deferred, err := f.st.QueueCounts(context.Background())
		if err != nil {
			f.t.Fatal(err)
		}
		return queued+deferred == 0
	})
	for _, id := range ids {
		if r := f.recipient(id, 0); r.Status != store.RcptDelivered {
			f.t.Errorf("message %s: recipient %s %+v, want delivered", id, r.Status, r.Outcome)
		}
	}
}

// counter reads one of the scheduler's counters, e.g. "lease_lost_total".
func (f *fixture) counter(name string) float64 {
	f.t.Helper()
	fams, err := f.reg.Gather()
	if err != nil {
		f.t.Fatal(err)
	}
	for _, fam := range fams {
		if fam.GetName() == "hikyaku_queue_"+name {
			return fam.GetMetric()[0].GetCounter().GetValue()
		}
	}
	f.t.Fatalf("no metric hikyaku_queue_%s", name)
	return 0
}

// siteStats returns the shaper's snapshot of the site with this key.
func (f *fixture) siteStats(key string) (shaping.Stats, bool) {
	for _, s := range f.shaper.Sites() {
		if s.Key == key {
			return s, true
		}
	}
	return shaping.Stats{}, false
}

// route sends domain to srv with the given TLS mode ("" for the default,
// opportunistic STARTTLS).
func route(domain string, srv *smtptest.Server, tls delivery.TLSMode) delivery.Route {
	return delivery.Route{Pattern: domain, Host: srv.Host, Port: srv.Port, TLS: tls}
}

// logBuffer collects the scheduler's log, shown when a test fails.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
