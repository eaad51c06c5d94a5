package intake

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/hikyaku/hikyaku/internal/store"
)

// fakeQueue records what intake asks of the delivery queue.
type fakeQueue struct {
	mu       sync.Mutex
	room     bool
	reserved [][2]int // n, size
	released int
	taken    []*store.Message
	notified int
}

func (q *fakeQueue) Reserve(n, size int, _ ...string) (string, time.Time, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.reserved = append(q.reserved, [2]int{n, size})
	if !q.room {
		return "", time.Time{}, false
	}
	return "node-1", time.Date(2026, 11, 22, 10, 5, 0, 0, time.UTC), true
}

func (q *fakeQueue) Release(n, size int) { q.mu.Lock(); q.released += n; q.mu.Unlock() }

func (q *fakeQueue) Take(m *store.Message, n int) {
	q.mu.Lock()
	q.taken = append(q.taken, m)
	q.mu.Unlock()
}

func (q *fakeQueue) Notify() { q.mu.Lock(); q.notified++; q.mu.Unlock() }

// With room in the queue, intake inserts the queued recipients leased to
// this node (not the suppressed one) and hands the message over after the
// commit; without, it queues them unclaimed and wakes the queue.
func TestCommittedMailIsHandedToTheQueue(t *testing.T) {
	t.Parallel()
	for _, room := range []bool{true, false} {
		f := newFixture(t, true, -1, -1)
		ctx := context.Background()
		if err := f.st.PutSuppressed(ctx, &store.Suppressed{AccountID: f.acct.ID, Address: "gone@x.test",
			Reason: store.ReasonBounce, LastUpdate: f.clock.Now()}); err != nil {
			t.Fatal(err)
		}
		q := &fakeQueue{room: room}
		f.in.SetQueue(q)
		id, err := f.send("a@x.test", "gone@x.test", "b@x.test")
		if err != nil {
			t.Fatal(err)
		}
		if len(q.reserved) != 1 || q.reserved[0][0] != 2 {
			t.Fatalf("room %v: Reserve calls %v, want one for the 2 queued recipients", room, q.reserved)
		}
		// Only a claim finds recipients that are due and not leased.
		claims, err := f.st.ClaimDue(ctx, "node-2", f.clock.Now(), time.Minute, 10)
		if err != nil {
			t.Fatal(err)
		}
		if room {
			if len(q.taken) != 1 || q.taken[0].ID != id || q.taken[0].Size != q.reserved[0][1] || q.notified != 0 {
				t.Errorf("room: taken %d, notified %d; want the message taken, no notification", len(q.taken), q.notified)
			}
			if len(claims) != 0 {
				t.Errorf("room: another node claimed %d recipients leased to node-1", len(claims))
			}
			continue
		}
		if len(q.taken) != 0 || q.notified != 1 || len(claims) != 2 {
			t.Errorf("no room: taken %d, notified %d, claimable %d; want 0, 1, 2", len(q.taken), q.notified, len(claims))
		}
	}
}
