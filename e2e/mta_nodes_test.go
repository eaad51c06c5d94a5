package e2e

import (
	"crypto/rand"
	"encoding/base64"
	"testing"
	"time"

	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/store/pgtest"
	"github.com/hikyaku/hikyaku/internal/store/postgres"
)

// TestMTANodesShareOnePostgreSQLQueue runs two delivering servers on one
// PostgreSQL store, each with its own data dir and the same master key,
// sends 500 messages through both, and kills one with SIGKILL while both
// deliver. The survivor takes over the dead node's recipients when their
// leases run out: every message arrives, and duplicates (the dead node's
// deliveries in flight at the kill, and any attempt recorded after its
// lease had passed to the other node) stay rare.
func TestMTANodesShareOnePostgreSQLQueue(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	const total = 500
	dsn := pgtest.DSN(t)
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	// Both nodes, and the admin commands, read each other's sealed
	// secrets (access keys) with the one key.
	t.Setenv("HIKYAKU_MASTER_KEY", base64.StdEncoding.EncodeToString(key))
	dns := newDNS(t)
	sink := mtaSink(t)
	args := append(mtaArgs(dns.Addr(), sink, 3*time.Second), "--store", dsn)
	a := startNode(t, mtaDataDir(t), args...)
	b := startNode(t, mtaDataDir(t), args...)
	verifySender(t, a)

	acked := submit(t, total, a.sesv2(bootKeyID, bootSecret), b.sesv2(bootKeyID, bootSecret))
	deadline := time.Now().Add(time.Minute)
	for b.delivered() < 30 {
		if time.Now().After(deadline) {
			t.Fatalf("node b delivered %d messages in a minute; a delivered %d", b.delivered(), a.delivered())
		}
		time.Sleep(20 * time.Millisecond)
	}
	fromB := b.delivered()
	b.kill()
	atKill := copies(t, sink)
	if len(atKill) == total {
		t.Fatal("every message was delivered before the kill; slow the sink down")
	}
	t.Logf("SIGKILL of node b after it delivered %d (node a %d); %d of %d messages at the sink",
		fromB, a.delivered(), len(atKill), total)

	final := waitSink(t, sink, total, 2*time.Minute)
	dups := duplicates(final)
	leaseLost := a.counter("hikyaku_queue_lease_lost_total")
	t.Logf("all %d messages delivered; %d duplicates (%.1f%%); lease_lost_total %v on node a",
		total, dups, 100*float64(dups)/total, leaseLost)
	if dups*20 >= total {
		t.Errorf("%d duplicates of %d messages, want fewer than 5%%", dups, total)
	}

	// The store agrees: every recipient delivered, once node a has
	// recorded its last attempts.
	st, err := postgres.Open(ctx(t), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	deadline = time.Now().Add(30 * time.Second)
	for {
		queued, deferred, err := st.QueueCounts(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		if queued+deferred == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d recipients queued and %d deferred after every message arrived", queued, deferred)
		}
		time.Sleep(50 * time.Millisecond)
	}
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
