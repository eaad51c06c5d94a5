package e2e

import (
	"testing"
	"time"

	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/store/sqlite"
)

// TestMTASIGKILLMidDelivery accepts 300 messages through the API, kills
// the delivering server with SIGKILL halfway through delivering them, and
// restarts it on the same data dir: every acknowledged message must reach
// the receiving server. The recipients the dead process had claimed come
// back when their lease (2s here) runs out. A message the server took in
// the moment before the dead process recorded it is sent again: such
// duplicates are at most one per connection open at the kill.
func TestMTASIGKILLMidDelivery(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	const total = 300
	dns := newDNS(t)
	sink := mtaSink(t)
	args := mtaArgs(dns.Addr(), sink, 2*time.Second)
	n := startNode(t, mtaDataDir(t), args...)
	verifySender(t, n)

	acked := submit(t, total, n.sesv2(bootKeyID, bootSecret))
	before := waitSink(t, sink, total/2, time.Minute)
	if len(before) == total {
		t.Fatal("every message was delivered before the kill; slow the sink down")
	}
	n.kill()
	// Messages the server was holding at the kill are taken when their
	// stall ends: count them in, once the server has closed every session.
	if !sink.WaitActive(0, 30*time.Second) {
		t.Fatal("the sink kept sessions of the dead process open")
	}
	atKill := copies(t, sink)
	t.Logf("SIGKILL with %d of %d messages at the sink", len(atKill), total)

	n2 := startNode(t, n.data, args...)
	final := waitSink(t, sink, total, 2*time.Minute)
	dups := duplicates(final)
	leaseLost := n2.counter("hikyaku_queue_lease_lost_total")
	t.Logf("all %d messages delivered after the restart; %d duplicates (at most %d expected, one per connection at the kill); lease_lost_total %v on the new process",
		total, dups, mtaConns, leaseLost)
	if dups > mtaConns {
		t.Errorf("%d duplicates, want at most %d (the deliveries in flight at the kill)", dups, mtaConns)
	}
	for subject, c := range final {
		if c > 1 && atKill[subject] == 0 {
			t.Errorf("%s: %d copies, but none had arrived by the kill: a duplicate not explained by the crash", subject, c)
		}
	}

	// The store agrees: every recipient delivered.
	n2.stop()
	st, err := sqlite.Open(ctx(t), n.data+"/hikyaku.db")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for subject, id := range acked {
		m, err := st.GetMessage(ctx(t), id)
		if err != nil {
			t.Fatalf("%s (%s): %v", subject, id, err)
		}
		if r := m.Recipients[0]; r.Status != store.RcptDelivered {
			t.Errorf("%s (%s): recipient %s after %d attempts, want delivered", subject, id, r.Status, r.Attempts)
		}
	}
}
