package storetest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hikyaku/hikyaku/internal/store"
)

// RunShared runs the part of the suite that needs two Stores on one
// database, as several nodes sharing a PostgreSQL database have, or the
// server and an admin command on one SQLite file. open must return two
// Stores, each with connections of its own, on one new, empty database,
// and register with t.Cleanup whatever else it needs released; the suite
// closes both stores.
func RunShared(t *testing.T, open func(t *testing.T) (store.Store, store.Store)) {
	t.Run("two stores on one database", func(t *testing.T) {
		t.Parallel()
		testSharedQueue(t, func(t *testing.T) (*fixture, store.Store) {
			s, peer := open(t)
			t.Cleanup(func() {
				if err := peer.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			return newFixture(t, func(*testing.T) store.Store { return s }), peer
		})
	})
}

func testSharedQueue(t *testing.T, setup func(*testing.T) (*fixture, store.Store)) {
	t.Run("nodes claiming at once never claim the same recipient twice while leases hold", func(t *testing.T) {
		t.Parallel()
		f, peer := setup(t)
		a := f.account("a")
		var total int
		for attempts := range 2 { // first attempts and retries
			for range 3 {
				f.waiting(a.ID, attempts, 100, t0)
				total += 100
			}
		}
		stores := []store.Store{f.s, peer}
		const lease = time.Hour

		// Round one claims everything; round two, when round one's leases
		// have ended, claims everything round one did not finish.
		left := total
		for round, now := range []time.Time{t0, t0.Add(lease)} {
			claimed, delivered := claimAll(t, f.ctx, stores, now, lease, left)
			seen := map[store.RecipientKey]string{}
			for owner, list := range claimed {
				for _, k := range list {
					if other, dup := seen[k]; dup {
						t.Errorf("round %d: recipient %d of %s claimed by both %s and %s", round+1, k.Index, k.MessageID, other, owner)
					}
					seen[k] = owner
				}
			}
			if len(seen) != left {
				t.Errorf("round %d: %d recipients claimed, want %d", round+1, len(seen), left)
			}
			for i, s := range stores {
				if got := f.claim(s, "late", now, lease, 1000); len(got) != 0 {
					t.Errorf("round %d: store %d still claimed %d recipients afterwards", round+1, i, len(got))
				}
			}
			left -= delivered
			t.Logf("round %d: %d claims by %d claimers, %d delivered", round+1, len(seen), len(claimed), delivered)
		}
	})
}

// claimAll runs four claimers on each store, each claiming a few due
// recipients at a time at now until want have been claimed in all, and
// finishing every third as delivered. It returns the keys each claimer
// claimed and how many were delivered.
func claimAll(t *testing.T, ctx context.Context, stores []store.Store, now time.Time, lease time.Duration, want int) (map[string][]store.RecipientKey, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	var (
		mu        sync.Mutex
		claimed   = map[string][]store.RecipientKey{}
		total     atomic.Int64
		delivered atomic.Int64
		wg        sync.WaitGroup
	)
	for i, s := range stores {
		for c := range 4 {
			owner := fmt.Sprintf("store%d-claimer%d", i, c)
			wg.Go(func() {
				var mine []store.RecipientKey
				defer func() {
					mu.Lock()
					claimed[owner] = mine
					mu.Unlock()
				}()
				for total.Load() < int64(want) {
					if ctx.Err() != nil {
						t.Errorf("%s: gave up after %d of %d claims: %v", owner, total.Load(), want, ctx.Err())
						return
					}
					claims, err := s.ClaimDue(ctx, owner, now, lease, 7)
					if err != nil {
						t.Errorf("%s: ClaimDue: %v", owner, err)
						return
					}
					total.Add(int64(len(claims)))
					for _, c := range claims {
						r := c.Recipient
						mine = append(mine, store.RecipientKey{MessageID: r.MessageID, Index: r.Index})
						if len(mine)%3 != 0 {
							continue
						}
						r.Status, r.Attempts = store.RcptDelivered, r.Attempts+1
						if err := s.FinishAttempt(ctx, owner, &r, &store.Attempt{At: now, Status: r.Status}); err != nil {
							t.Errorf("%s: FinishAttempt: %v", owner, err)
							return
						}
						delivered.Add(1)
					}
					if len(claims) == 0 {
						time.Sleep(time.Millisecond) // the rest are being claimed
					}
				}
			})
		}
	}
	wg.Wait()
	return claimed, int(delivered.Load())
}
