package queue_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hikyaku/hikyaku/internal/delivery"
	"github.com/hikyaku/hikyaku/internal/smtptest"
	"github.com/hikyaku/hikyaku/internal/store"
)

// hand queues a message as intake does when the scheduler has room:
// Reserve, insert leased to the scheduler, Take. It returns the message
// and whether the scheduler took it (false: it was queued unclaimed).
func (f *fixture) hand(r *runner, to ...string) (*store.Message, bool) {
	f.t.Helper()
	m := f.message(to...)
	owner, until, ok := r.Reserve(len(m.Recipients), len(m.Body))
	if ok {
		m.LeaseOwner, m.LeaseUntil = owner, until
		for i := range m.Recipients {
			m.Recipients[i].NextAttemptAt = until
		}
	}
	if err := f.st.InsertMessage(context.Background(), m); err != nil {
		f.t.Fatalf("InsertMessage: %v", err)
	}
	if ok {
		r.Take(m, len(m.Recipients))
	} else {
		r.Notify()
	}
	return m, ok
}

// bodyReads counts GetMessageBody calls.
type bodyReads struct {
	store.Store
	n atomic.Int64
}

func (s *bodyReads) GetMessageBody(ctx context.Context, id string) ([]byte, error) {
	s.n.Add(1)
	return s.Store.GetMessageBody(ctx, id)
}

// Mail handed over by intake is delivered from memory: no claim, no read
// of its body, and the recipient recorded under the lease it was
// inserted with.
func TestHandedOverMailIsDeliveredWithoutAClaim(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.Options{})
	f := newFixture(t, options{routes: []delivery.Route{route("dest.test", srv, "")}})
	reads := &bodyReads{Store: f.st}
	r := f.startOn(f.config("node-1"), reads, f.pool)
	f.waitFor("the scheduler to run", func() bool {
		_, _, ok := r.Reserve(1, 1)
		if ok {
			r.Release(1, 1)
		}
		return ok
	})

	m, ok := f.hand(r, "a@dest.test", "b@dest.test")
	if !ok {
		t.Fatal("Reserve refused an idle scheduler")
	}
	f.waitStatus(m.ID, 0, store.RcptDelivered)
	f.waitStatus(m.ID, 1, store.RcptDelivered)
	if n := srv.Delivered("a@dest.test") + srv.Delivered("b@dest.test"); n != 2 {
		t.Errorf("the server got %d copies, want 2", n)
	}
	if got := string(srv.Messages()[0].Data); got != string(m.Body) {
		t.Errorf("delivered body %q, want %q", got, m.Body)
	}
	if n := reads.n.Load(); n != 0 {
		t.Errorf("GetMessageBody called %d times, want 0 (the body was handed over)", n)
	}
	if c, h := f.counter("claimed_total"), f.counter("handed_over_total"); c != 0 || h != 2 {
		t.Errorf("claimed %v, handed over %v; want 0 and 2", c, h)
	}
}

// Reserve says no (so intake queues the message unclaimed) when the
// scheduler is not running, or the room asked for would pass MaxInFlight
// or the byte budget of bodies in memory; Release gives room back.
func TestReserveRespectsTheLimits(t *testing.T) {
	t.Parallel()
	f := newFixture(t, options{})
	cfg := f.config("node-1")
	cfg.MaxInFlight, cfg.HandoffBytes = 3, 1000
	idle := f.start(cfg)
	idle.stop()
	if _, _, ok := idle.Reserve(1, 10); ok {
		t.Error("a stopped scheduler reserved room")
	}

	r := f.start(cfg)
	f.waitFor("the scheduler to run", func() bool {
		_, _, ok := r.Reserve(2, 10)
		return ok
	})
	for _, tc := range []struct {
		name    string
		n, size int
		want    bool
	}{
		{"past MaxInFlight (2 reserved + 2 > 3)", 2, 10, false},
		{"the last room", 1, 10, true},
		{"full", 1, 10, false},
	} {
		if _, _, ok := r.Reserve(tc.n, tc.size); ok != tc.want {
			t.Errorf("%s: Reserve(%d, %d) = %v, want %v", tc.name, tc.n, tc.size, ok, tc.want)
		}
	}
	r.Release(3, 10)
	owner, until, ok := r.Reserve(1, 1000)
	if !ok || owner != "node-1" || !until.Equal(f.clk.Now().Add(cfg.Lease)) {
		t.Errorf("after Release: Reserve(1, 1000) = %q, %v, %v; want node-1, now+lease, true", owner, until, ok)
	}
	if _, _, ok := r.Reserve(1, 1); ok {
		t.Error("Reserve passed the byte budget of bodies in memory")
	}
}

// A node that stops between the commit and the handover (or dies) leaves
// the recipients in the store under its lease: another node delivers them
// once the lease ends, exactly once.
func TestHandedOverMailOfAStoppedNodeIsClaimedAfterItsLease(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.Options{})
	f := newFixture(t, options{routes: []delivery.Route{route("dest.test", srv, "")}})
	cfg := f.config("node-1")
	r1 := f.start(cfg)
	f.waitFor("the scheduler to run", func() bool {
		_, _, ok := r1.Reserve(1, 1)
		if ok {
			r1.Release(1, 1)
		}
		return ok
	})
	m := f.message("late@dest.test")
	owner, until, ok := r1.Reserve(1, len(m.Body))
	if !ok {
		t.Fatal("Reserve refused an idle scheduler")
	}
	m.LeaseOwner, m.LeaseUntil, m.Recipients[0].NextAttemptAt = owner, until, until
	if err := f.st.InsertMessage(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	r1.stop()
	r1.Take(m, 1) // too late: the scheduler stopped

	r2 := f.start(f.config("node-2"))
	time.Sleep(50 * time.Millisecond) // a few polls: the lease holds
	if n := srv.Delivered("late@dest.test"); n != 0 {
		t.Fatalf("delivered %d times while node 1's lease held", n)
	}
	f.advance(cfg.Lease, r2)
	f.waitStatus(m.ID, 0, store.RcptDelivered)
	if n := srv.Delivered("late@dest.test"); n != 1 {
		t.Errorf("delivered %d times, want 1", n)
	}
}
