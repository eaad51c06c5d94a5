package queue_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hikyaku/hikyaku/internal/delivery"
	"github.com/hikyaku/hikyaku/internal/dnstest"
	"github.com/hikyaku/hikyaku/internal/shaping"
	"github.com/hikyaku/hikyaku/internal/smtptest"
	"github.com/hikyaku/hikyaku/internal/store"
)

// A recipient deferred again and again is retried with a doubling
// backoff, and delivered once the server's trouble passes.
func TestRetryDeliversOnceTheFaultClears(t *testing.T) {
	t.Parallel()
	const busy = 3
	srv := smtptest.Start(t, smtptest.Options{Rcpt: fault("rcpt", times(smtptest.MailboxBusy, busy))})
	f := newFixture(t, options{routes: []delivery.Route{route("dest.test", srv, "")}})
	r := f.start(f.config("node-1"))
	id := f.send("rcpt@dest.test")

	for n := 1; n <= busy; n++ {
		got := f.waitAttempts(id, 0, n)
		if got.Status != store.RcptDeferred {
			t.Fatalf("attempt %d: recipient %s, want deferred", n, got.Status)
		}
		// Backoff doubles: 1m, 2m, 4m, each ±20%.
		base := testBackoff << (n - 1)
		wait := got.NextAttemptAt.Sub(f.clk.Now())
		if wait < base*4/5 || wait > base*6/5 {
			t.Errorf("attempt %d: next attempt in %v, want %v ±20%%", n, wait, base)
		}
		f.advance(wait, r)
	}
	got := f.waitAttempts(id, 0, busy+1)
	if got.Status != store.RcptDelivered {
		t.Fatalf("after the fault cleared: recipient %s %+v, want delivered", got.Status, got.Outcome)
	}
	log := f.attempts(id, 0)
	if len(log) != busy+1 {
		t.Fatalf("%d attempts logged, want %d", len(log), busy+1)
	}
	for i, a := range log {
		want := store.RcptDeferred
		if i == busy {
			want = store.RcptDelivered
		}
		if a.Status != want || a.Host != "127.0.0.1" {
			t.Errorf("attempt %d: %+v, want %s at 127.0.0.1", i+1, a, want)
		}
	}
	r.stop()
	if n := srv.Delivered("rcpt@dest.test"); n != 1 {
		t.Errorf("the server kept %d copies, want 1", n)
	}
}

// A recipient still failing temporarily when MaxAge has passed since the
// message was accepted bounces with 5.4.7 (delivery time expired), and is
// not suppressed: the address may well exist.
func TestRetriesPastMaxAgeBounce(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.Options{Rcpt: fault("rcpt", smtptest.MailboxBusy)})
	f := newFixture(t, options{routes: []delivery.Route{route("dest.test", srv, "")}, suppressBounces: true})
	r := f.start(f.config("node-1")) // MaxAge 1h
	id := f.send("rcpt@dest.test")

	// Each step makes exactly one retry due (the longest backoff is 8m
	// +20%), so attempts land at 0, 9.6m, ... 57.6m, and the eighth, at
	// 67.2m, is past the hour.
	const want = 8
	for n := 1; n < want; n++ {
		if got := f.waitAttempts(id, 0, n); got.Status != store.RcptDeferred {
			t.Fatalf("attempt %d at %v: recipient %s, want deferred", n, f.clk.Now().Sub(t0), got.Status)
		}
		f.advance(maxRetryAfter, r)
	}
	got := f.waitAttempts(id, 0, want)
	checkOutcome(t, got, outcome{status: store.RcptBounced, enhanced: "5.4.7", bounceType: "Permanent", subType: "General"})
	if d := got.Outcome.Diagnostic; !strings.Contains(d, "retries exhausted after 1h0m0s") || !strings.Contains(d, "450 4.2.1 Mailbox busy") {
		t.Errorf("diagnostic %q does not say retries ran out and what the server last said", d)
	}
	log := f.attempts(id, 0)
	if len(log) != want || log[want-1].Status != store.RcptBounced || log[want-2].Status != store.RcptDeferred {
		t.Errorf("attempt log %+v, want %d attempts, the last a bounce", log, want)
	}
	sup, err := f.st.GetSuppressed(context.Background(), f.acct.ID, []string{"rcpt@dest.test"})
	if err != nil || len(sup) != 0 {
		t.Errorf("suppressed %v (err %v) after an expiry, want nothing", sup, err)
	}
	stats, err := f.st.Stats(context.Background(), f.acct.ID, t0)
	if err != nil {
		t.Fatal(err)
	}
	bounces := int64(0)
	for _, b := range stats {
		bounces += b.Bounces
	}
	if bounces != 1 {
		t.Errorf("%d bounces in the sending statistics, want 1", bounces)
	}
	if srv.Delivered("rcpt@dest.test") != 0 {
		t.Error("the server kept a copy it refused")
	}
}

// One message to recipients at several sites ends differently at each:
// delivered where the server takes it, deferred where it is busy (and
// delivered later, without sending the others again), bounced where the
// domain does not exist.
func TestOneMessageToSeveralSites(t *testing.T) {
	t.Parallel()
	good := smtptest.Start(t, smtptest.Options{})
	var overloaded atomic.Bool
	overloaded.Store(true)
	busy := smtptest.Start(t, smtptest.Options{Conn: func(int) smtptest.ConnFaults {
		if overloaded.Load() {
			return smtptest.ConnFaults{Greeting: &smtptest.ServiceUnavailable}
		}
		return smtptest.ConnFaults{}
	}})
	mx := smtptest.Start(t, smtptest.Options{})
	f := newFixture(t, options{
		routes: []delivery.Route{route("good.test", good, ""), route("busy.test", busy, "")},
		mxPort: mx.Port,
	})
	f.dns.SetMX("mx.test", dnstest.MX{Host: "mail.mx.test", Pref: 10})
	f.dns.SetA("mail.mx.test", "127.0.0.1")
	r := f.start(f.config("node-1"))

	to := []string{"a@good.test", "b@good.test", "c@busy.test", "d@mx.test", "e@nowhere.test"}
	id := f.send(to...)
	want := []outcome{
		{status: store.RcptDelivered, enhanced: "2.0.0"},
		{status: store.RcptDelivered, enhanced: "2.0.0"},
		{status: store.RcptDeferred, enhanced: "4.7.0", delayType: "SendingDeferral"},
		{status: store.RcptDelivered, enhanced: "2.0.0"},
		{status: store.RcptBounced, enhanced: "5.1.2", bounceType: "Permanent", subType: "NoEmail"},
	}
	for i := range to {
		checkOutcome(t, f.waitAttempts(id, i, 1), want[i])
	}
	if got := f.attempts(id, 3); len(got) != 1 || got[0].Host != "mail.mx.test" {
		t.Errorf("attempt log of the MX delivery %+v, want one attempt at mail.mx.test", got)
	}

	overloaded.Store(false)
	f.advance(retryAfter, r)
	checkOutcome(t, f.waitAttempts(id, 2, 2), outcome{status: store.RcptDelivered, enhanced: "2.0.0"})
	r.stop()
	for i, addr := range to {
		want := 1
		if addr == "c@busy.test" {
			want = 2
		}
		if got := f.recipient(id, i); got.Attempts != want {
			t.Errorf("%s: %d attempts, want %d", addr, got.Attempts, want)
		}
	}
	for _, c := range []struct {
		srv  *smtptest.Server
		addr string
	}{{good, "a@good.test"}, {good, "b@good.test"}, {busy, "c@busy.test"}, {mx, "d@mx.test"}} {
		if n := c.srv.Delivered(c.addr); n != 1 {
			t.Errorf("%s: %d copies, want 1", c.addr, n)
		}
	}
}

// New mail is claimed alongside a backlog of due retries, not behind it:
// with room for 4 recipients in memory and 30 retries due at a site that
// takes one message at a time, a message queued after the retries became
// due is delivered while the backlog is still being worked through.
func TestNewMailIsNotStarvedByRetries(t *testing.T) {
	t.Parallel()
	slow := smtptest.Start(t, smtptest.Options{Rcpt: fault("r", smtptest.LocalError)})
	fresh := smtptest.Start(t, smtptest.Options{})
	rules := shaping.DefaultRules()
	rules.Domains["slow.test"] = shaping.Rule{Name: "slow.test", Domain: "slow.test", Limits: shaping.Limits{MaxConnections: 1}}
	f := newFixture(t, options{routes: []delivery.Route{route("slow.test", slow, ""), route("fresh.test", fresh, "")}, rules: rules})
	cfg := f.config("node-1")
	cfg.Batch, cfg.MaxInFlight = 4, 4
	cfg.MaxPerSite = cfg.MaxInFlight // one site may fill memory here: this is about claims
	r := f.start(cfg)

	const backlog = 30 // fewer than suspendAfter: the site is not suspended
	ids := make([]string, backlog)
	for i := range ids {
		ids[i] = f.send("r@slow.test")
	}
	for _, id := range ids {
		f.waitAttempts(id, 0, 1)
	}
	// The site now answers, slowly, and every retry is due.
	slow.SetRcptFault("r", smtptest.Stall(20*time.Millisecond))
	f.clk.Advance(retryAfter)
	id := f.send("n@fresh.test")
	r.Notify()

	f.waitStatus(id, 0, store.RcptDelivered)
	done := slow.Delivered("r@slow.test")
	t.Logf("the new message was delivered after %d of %d retries", done, backlog)
	if done >= backlog/4 {
		t.Errorf("the new message waited for %d of %d retries", done, backlog)
	}
	f.waitFor("the backlog to be delivered", func() bool { return slow.Delivered("r@slow.test") == backlog })
}
