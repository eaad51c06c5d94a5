package queue_test

import (
	"testing"
	"time"

	"github.com/hikyaku/hikyaku/internal/delivery"
	"github.com/hikyaku/hikyaku/internal/shaping"
	"github.com/hikyaku/hikyaku/internal/smtptest"
	"github.com/hikyaku/hikyaku/internal/store"
)

// A site that cannot keep up (here: one connection, each message held
// 300ms, slower than MaxSiteDrain for what it holds) holds at most
// MaxPerSite recipients in memory once its pace is known (before, a new
// site may take what MaxInFlight allows); the rest go back
// to the store without an attempt, due later, so mail to other sites is
// claimed and delivered meanwhile instead of waiting behind a full
// MaxInFlight. Nothing is lost: every turned-away recipient is queued in
// the store, with no attempt counted.
func TestAFullSiteDoesNotStallTheOthers(t *testing.T) {
	t.Parallel()
	slow := smtptest.Start(t, smtptest.Options{Data: fault("slow", smtptest.Stall(300*time.Millisecond))})
	fast := smtptest.Start(t, smtptest.Options{})
	rules := shaping.DefaultRules()
	rules.Domains["slow.test"] = shaping.Rule{Name: "slow.test", Domain: "slow.test", Limits: shaping.Limits{MaxConnections: 1}}
	f := newFixture(t, options{rules: rules,
		routes: []delivery.Route{route("slow.test", slow, ""), route("fast.test", fast, "")}})
	cfg := f.config("node-1")
	cfg.MaxInFlight, cfg.MaxPerSite, cfg.MaxSiteDrain = 8, 3, 100*time.Millisecond

	const nSlow = 20
	slowIDs := make([]string, nSlow)
	for i := range slowIDs {
		slowIDs[i] = f.send("slow@slow.test")
	}
	r := f.start(cfg)
	f.waitFor("recipients to be given back", func() bool { return f.counter("given_back_total") >= float64(nSlow-cfg.MaxInFlight) })

	// Intake is told not to hand over more mail for the full site (it
	// would only go back with a write), but may for others.
	if _, _, ok := r.Reserve(1, 10, "slow.test"); ok {
		t.Error("Reserve took mail for the full site's domain")
	}
	if _, _, ok := r.Reserve(1, 10, "fast.test"); !ok {
		t.Error("Reserve refused mail for another domain")
	} else {
		r.Release(1, 10)
	}

	fastIDs := []string{f.send("a@fast.test"), f.send("b@fast.test"), f.send("c@fast.test")}
	r.Notify()
	for _, id := range fastIDs {
		f.waitStatus(id, 0, store.RcptDelivered)
	}
	if n := len(slow.Messages()); n >= nSlow/2 {
		t.Errorf("the slow site took %d of %d before the other site's mail went through", n, nSlow)
	}
	given := 0
	for _, id := range slowIDs {
		rc := f.recipient(id, 0)
		if rc.Status == store.RcptQueued && rc.Attempts == 0 && rc.NextAttemptAt.After(f.clk.Now()) {
			given++
		}
	}
	if given < nSlow-cfg.MaxInFlight-1 {
		t.Errorf("%d slow recipients wait in the store with no attempt and a later due time; want at least %d", given, nSlow-cfg.MaxInFlight-1)
	}
	// Once due again they are delivered, each once.
	// The fake clock moves only when told: move it past every give-back
	// delay while the slow site works.
	f.waitFor("the slow site's mail to be delivered", func() bool {
		f.advance(time.Hour, r)
		time.Sleep(50 * time.Millisecond)
		return slow.Delivered("slow@slow.test") == nSlow
	})
	f.waitDelivered(slowIDs)
	if n := slow.Delivered("slow@slow.test"); n != nSlow {
		t.Errorf("the slow site got %d copies, want %d", n, nSlow)
	}
}
