package queue_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hikyaku/hikyaku/internal/dnstest"
	"github.com/hikyaku/hikyaku/internal/shaping"
	"github.com/hikyaku/hikyaku/internal/smtptest"
	"github.com/hikyaku/hikyaku/internal/store"
)

// bulkShaping is a shaping file giving the MX hosts under bulk.test two
// connections.
const bulkShaping = `
[provider.bulk]
mx_suffixes = [".bulk.test"]
max_connections = 2
`

// bulkFixture is a fixture whose domains d0.test ... d4.test all have
// their MX at mx1.bulk.test, served by srv: one site, five domains.
func bulkFixture(t *testing.T, srv *smtptest.Server) *fixture {
	f := newFixture(t, options{mxPort: srv.Port, shapingFile: bulkShaping})
	for d := range 5 {
		f.dns.SetMX(fmt.Sprintf("d%d.test", d), dnstest.MX{Host: "mx1.bulk.test", Pref: 10})
	}
	f.dns.SetA("mx1.bulk.test", "127.0.0.1")
	return f
}

// bulkAddr is the address of the i-th bulk recipient.
func bulkAddr(i int) string { return fmt.Sprintf("u%d@d%d.test", i, i%5) }

// The site's connection limit holds across all its domains while a
// backlog of 200 messages goes out, and every message arrives once.
func TestSiteConnectionLimitHoldsUnderLoad(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.Options{})
	f := bulkFixture(t, srv)
	const n = 200
	ids := make([]string, n)
	for i := range ids {
		ids[i] = f.send(bulkAddr(i))
	}
	r := f.start(f.config("node-1"))
	f.waitDelivered(ids)
	r.stop()

	if peak := srv.PeakConcurrent(); peak != 2 {
		t.Errorf("%d connections open at once, want the limit, 2", peak)
	}
	for i := range n {
		if c := srv.Delivered(bulkAddr(i)); c != 1 {
			t.Errorf("%s: %d copies, want 1", bulkAddr(i), c)
		}
	}
	st, ok := f.siteStats(fmt.Sprintf("mx1.bulk.test:%d", srv.Port))
	if !ok || st.Rule != "bulk" || st.Limits.MaxConnections != 2 || st.ThrottleLevel != 0 {
		t.Errorf("site stats %+v (known: %v), want rule bulk with 2 connections, unthrottled", st, ok)
	}
	t.Logf("%d connections carried %v messages", srv.Connections(), srv.MessagesPerConn())
}

// A 421 cuts the site's limits: one connection, and a message a minute
// (DefaultThrottle's floor, as the site had no rate of its own) until the
// cut eases 15 minutes later. The recipients the 421 deferred are
// delivered once, with the rest, as the clock moves on.
func TestA421ThrottlesTheSite(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.Options{Conn: func(n int) smtptest.ConnFaults {
		if n == 1 {
			return smtptest.ConnFaults{Greeting: &smtptest.ServiceUnavailable}
		}
		return smtptest.ConnFaults{}
	}})
	f := bulkFixture(t, srv)
	const n = 40
	ids := make([]string, n)
	for i := range ids {
		ids[i] = f.send(bulkAddr(i))
	}
	cfg := f.config("node-1")
	// The clock runs minutes ahead in milliseconds here, faster than the
	// lease keeper (on a real ticker) extends: a lease longer than the
	// test keeps the waiting recipients this node's.
	cfg.Lease = 2 * time.Hour
	r := f.start(cfg)

	key := fmt.Sprintf("mx1.bulk.test:%d", srv.Port)
	f.waitFor("the 421 to defer a recipient", func() bool { return f.count(ids, store.RcptDeferred) > 0 })
	st, _ := f.siteStats(key)
	if st.ThrottleLevel < 1 || st.Limits.MaxConnections != 1 || st.Limits.MessagesPerSecond != 1.0/60 ||
		!strings.Contains(st.LastReason, "421 4.7.0") {
		t.Errorf("site stats after a 421: %+v, want throttle level ≥ 1, 1 connection, a message a minute, the 421 as the reason", st)
	}
	if got := f.counter("throttle_signals_total"); got < 1 {
		t.Errorf("hikyaku_queue_throttle_signals_total = %v, want ≥ 1", got)
	}

	// Move the clock half a minute at a time until every recipient is
	// delivered, noting how many were by the tenth minute.
	var by10m int
	for f.count(ids, store.RcptDelivered) < n {
		if f.clk.Now().Sub(t0) > 2*time.Hour {
			t.Fatalf("%d of %d delivered two hours on", f.count(ids, store.RcptDelivered), n)
		}
		f.advance(30*time.Second, r)
		time.Sleep(10 * time.Millisecond)
		if f.clk.Now().Sub(t0) == 10*time.Minute {
			by10m = f.count(ids, store.RcptDelivered)
		}
	}
	took := f.clk.Now().Sub(t0)
	r.stop()
	t.Logf("%d of %d delivered in the first 10 minutes; all of them in %v", by10m, n, took)
	if by10m > 15 {
		t.Errorf("%d messages in the 10 minutes after the 421, want about one a minute", by10m)
	}
	for i := range n {
		if c := srv.Delivered(bulkAddr(i)); c != 1 {
			t.Errorf("%s: %d copies, want 1", bulkAddr(i), c)
		}
	}
}

// count is how many of the messages' first recipients are in status.
func (f *fixture) count(ids []string, status string) int {
	n := 0
	for _, id := range ids {
		if f.recipient(id, 0).Status == status {
			n++
		}
	}
	return n
}

// A [domain."…"] rule takes its domain out of its MX site: the domain gets
// its own limits, and the other domains of the site keep the site's,
// whichever domain's mail comes first.
func TestDomainRuleGetsASiteOfItsOwn(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.Options{Data: fault("slow", smtptest.Stall(200*time.Millisecond))})
	rules := shaping.DefaultRules()
	rules.Domains["solo.test"] = shaping.Rule{Name: "solo.test", Domain: "solo.test", Limits: shaping.Limits{MaxConnections: 1}}
	f := newFixture(t, options{mxPort: srv.Port, rules: rules})
	for _, d := range []string{"solo.test", "shared.test"} {
		f.dns.SetMX(d, dnstest.MX{Host: "mx.common.test", Pref: 10})
	}
	f.dns.SetA("mx.common.test", "127.0.0.1")
	r := f.start(f.config("node-1"))

	// The domain with the rule first, then a burst to the other domain of
	// the same MX, each message held 200ms by the server.
	f.waitStatus(f.send("first@solo.test"), 0, store.RcptDelivered)
	const n = 6
	ids := make([]string, n)
	for i := range ids {
		ids[i] = f.send("slow@shared.test")
	}
	r.Notify()
	f.waitDelivered(ids)
	r.stop()

	siteKey := fmt.Sprintf("mx.common.test:%d", srv.Port)
	solo, okSolo := f.siteStats("domain:solo.test")
	shared, okShared := f.siteStats(siteKey)
	if !okSolo || !okShared || solo.Limits.MaxConnections != 1 || shared.Limits.MaxConnections != shaping.DefaultLimits().MaxConnections {
		t.Errorf("sites %+v, want domain:solo.test with 1 connection and %s with the default limits", f.shaper.Sites(), siteKey)
	}
	if peak := srv.PeakConcurrent(); peak < 2 {
		t.Errorf("at most %d connection open for %d slow messages to shared.test: the solo.test rule held them back", peak, n)
	}
}

// The shaper drops a site idle for an hour and makes it anew, with the
// rules then in force, when mail comes again. The scheduler must take the
// new site, not keep the one it had: edits to the shaping file would
// otherwise never reach a site once it had been idle.
func TestRulesReachASiteAfterItWasIdle(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.Options{Data: fault("slow", smtptest.Stall(200*time.Millisecond))})
	rules := func(conns int) *shaping.Rules {
		r := shaping.DefaultRules()
		r.Providers = []shaping.Rule{{Name: "common", MXSuffixes: []string{".common.test"}, Limits: shaping.Limits{MaxConnections: conns}}}
		return r
	}
	f := newFixture(t, options{mxPort: srv.Port, rules: rules(1)})
	f.dns.SetMX("dest.test", dnstest.MX{Host: "mx.common.test", Pref: 10})
	f.dns.SetA("mx.common.test", "127.0.0.1")
	cfg := f.config("node-1")
	cfg.Lease = 3 * time.Hour
	r := f.start(cfg)
	f.waitStatus(f.send("first@dest.test"), 0, store.RcptDelivered)
	key := fmt.Sprintf("mx.common.test:%d", srv.Port)
	f.waitFor("the worker to let its connection slot go", func() bool {
		st, _ := f.siteStats(key)
		return st.Connections == 0
	})

	// An hour idle; the shaper forgets the site, then the rules change.
	f.clk.Advance(shaping.IdleAfter + time.Minute)
	f.shaper.Sweep()
	if len(f.shaper.Sites()) != 0 {
		t.Fatalf("sites %+v after an idle hour, want none", f.shaper.Sites())
	}
	f.shaper.SetRules(rules(3))

	const n = 6
	ids := make([]string, n)
	for i := range ids {
		ids[i] = f.send("slow@dest.test")
	}
	r.Notify()
	f.waitDelivered(ids)
	r.stop()
	if peak := srv.PeakConcurrent(); peak < 2 {
		t.Errorf("at most %d connection open for %d slow messages: the site kept its old limit of 1", peak, n)
	}
}

// The shaping file's messages_per_connection retires a connection after
// that many messages (Yahoo asks for 20), below the pool's own limit.
func TestMessagesPerConnectionFollowsTheShapingFile(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.Options{})
	f := newFixture(t, options{mxPort: srv.Port, shapingFile: `
[provider.bulk]
mx_suffixes = [".bulk.test"]
max_connections = 1
messages_per_connection = 5
`})
	for d := range 5 {
		f.dns.SetMX(fmt.Sprintf("d%d.test", d), dnstest.MX{Host: "mx1.bulk.test", Pref: 10})
	}
	f.dns.SetA("mx1.bulk.test", "127.0.0.1")
	const n = 23
	ids := make([]string, n)
	for i := range ids {
		ids[i] = f.send(bulkAddr(i))
	}
	r := f.start(f.config("node-1"))
	f.waitDelivered(ids)
	r.stop()
	total := 0
	for _, m := range srv.MessagesPerConn() {
		if m > 5 {
			t.Errorf("a connection carried %d messages, want at most 5 (all: %v)", m, srv.MessagesPerConn())
		}
		total += m
	}
	if total != n {
		t.Errorf("%d messages arrived, want %d", total, n)
	}
}
