package queue_test

import (
	"testing"
	"time"

	"github.com/hikyaku/hikyaku/internal/delivery"
	"github.com/hikyaku/hikyaku/internal/shaping"
	"github.com/hikyaku/hikyaku/internal/smtptest"
	"github.com/hikyaku/hikyaku/internal/store"
)

// A recipient whose lease lapses while it waits in memory (here: paced
// behind another message, with the clock running ahead of the lease
// keeper) is claimed again by the same node. The node must not deliver
// it twice: the claim renews the lease of the copy it already holds.
func TestALapsedLeaseIsNotTakenTwiceByTheSameNode(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.Options{})
	rules := shaping.DefaultRules()
	// One message every ten minutes.
	rules.Domains["paced.test"] = shaping.Rule{Name: "paced.test", Domain: "paced.test",
		Limits: shaping.Limits{MaxConnections: 1, MessagesPerSecond: 1.0 / 600}}
	f := newFixture(t, options{routes: []delivery.Route{route("paced.test", srv, "")}, rules: rules})
	cfg := f.config("node-1")
	cfg.Lease = time.Minute
	// The keeper runs on real time; on a slow machine it could extend the
	// lease the test lets lapse on the fake clock. Keep it out of the way.
	cfg.KeepEvery = time.Hour
	r := f.start(cfg)
	ids := []string{f.send("a@paced.test"), f.send("b@paced.test")}
	// Either goes first; the other waits its turn.
	f.waitFor("the first message", func() bool { return f.count(ids, store.RcptDelivered) == 1 })
	second, addr := ids[1], "b@paced.test"
	if f.recipient(second, 0).Status == store.RcptDelivered {
		second, addr = ids[0], "a@paced.test"
	}

	// Both must be claimed before the clock moves: the fixture's sends do
	// not wake the scheduler, so the second may wait for the next poll
	// (this wait was missing, and the test failed whenever that poll came
	// after the clock had moved: the late first claim looked like none).
	f.waitFor("both messages to be claimed", func() bool { return f.counter("claimed_total") >= 2 })
	// The second waits ten minutes for its turn; its lease lapses after
	// one, and the next poll claims it again.
	f.advance(2*time.Minute, r)
	f.waitFor("the lapsed recipient to be claimed again", func() bool { return f.counter("claimed_total") >= 3 })
	// Its turn, and the turn a second copy would have.
	for range 3 {
		f.advance(10*time.Minute, r)
		time.Sleep(50 * time.Millisecond)
	}
	f.waitStatus(second, 0, store.RcptDelivered)
	r.stop()
	if n := srv.Delivered(addr); n != 1 {
		t.Errorf("the paced message arrived %d times, want once", n)
	}
	if got := f.recipient(second, 0); got.Attempts != 1 {
		t.Errorf("the paced message made %d attempts, want 1", got.Attempts)
	}
	if n := f.counter("lease_lost_total"); n != 0 {
		t.Errorf("hikyaku_queue_lease_lost_total = %v, want 0", n)
	}
}
