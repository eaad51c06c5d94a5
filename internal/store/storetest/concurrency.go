package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hikyaku/hikyaku/internal/store"
)

func testConcurrentInserts(t *testing.T, setup func(*testing.T) *fixture) {
	t.Run("messages inserted by 64 goroutines at once are all stored and counted exactly", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		accounts := []*store.Account{f.account("a"), f.account("b")}
		buckets := []time.Time{t0, t0.Add(store.StatsBucketSize)}
		const goroutines, each = 64, 20

		msgs := make([][]*store.Message, goroutines)
		for g := range msgs {
			for i := range each {
				n := 1 + (g+i)%3 // 1 to 3 recipients
				addrs := make([]string, n)
				for r := range addrs {
					addrs[r] = fmt.Sprintf("g%d-m%d-r%d@example.net", g, i, r)
				}
				msgs[g] = append(msgs[g], f.message(accounts[g%2].ID, buckets[i%2], addrs...))
			}
		}
		var wg sync.WaitGroup
		errs := make(chan error, goroutines*each)
		for g := range goroutines {
			wg.Go(func() {
				for _, m := range msgs[g] {
					if err := f.s.InsertMessage(f.ctx, m); err != nil {
						errs <- fmt.Errorf("InsertMessage(%s): %w", m.ID, err)
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}

		want := map[string]map[time.Time]int64{}
		for _, list := range msgs {
			for _, m := range list {
				got, err := f.s.GetMessage(f.ctx, m.ID)
				if err != nil {
					t.Fatalf("GetMessage(%s): %v", m.ID, err)
				}
				equal(t, "GetMessage("+m.ID+")", got, withoutBody(m))
				if want[m.AccountID] == nil {
					want[m.AccountID] = map[time.Time]int64{}
				}
				want[m.AccountID][m.CreatedAt.Truncate(store.StatsBucketSize)] += int64(len(m.Recipients))
			}
		}
		for _, a := range accounts {
			got, err := f.s.Stats(f.ctx, a.ID, time.Time{})
			if err != nil {
				t.Fatalf("Stats: %v", err)
			}
			var wantStats []store.StatBucket
			for _, b := range buckets {
				wantStats = append(wantStats, store.StatBucket{Start: b.Truncate(store.StatsBucketSize), DeliveryAttempts: want[a.ID][b.Truncate(store.StatsBucketSize)]})
			}
			equal(t, "Stats of "+a.Name, got, wantStats)
		}
	})

	t.Run("a refused message does not fail the messages committed with it", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		a := f.account("a")
		taken := f.message(a.ID, t0, "x@example.net")
		f.insert(taken)

		const n = 48
		var wg sync.WaitGroup
		results := make([]error, n)
		msgs := make([]*store.Message, n)
		for i := range n {
			switch msgs[i] = f.message(a.ID, t0, "y@example.net"); i % 3 {
			case 1:
				msgs[i].ID = taken.ID
			case 2:
				msgs[i].AccountID = "999999999999"
			}
			wg.Go(func() { results[i] = f.s.InsertMessage(f.ctx, msgs[i]) })
		}
		wg.Wait()
		for i, err := range results {
			var want error
			switch i % 3 {
			case 1:
				want = store.ErrExists
			case 2:
				want = store.ErrNotFound
			}
			if !errors.Is(err, want) {
				t.Errorf("message %d: InsertMessage = %v, want %v", i, err, want)
			}
			if want == nil {
				if _, err := f.s.GetMessage(f.ctx, msgs[i].ID); err != nil {
					t.Errorf("message %d: GetMessage: %v", i, err)
				}
			}
		}
	})

	t.Run("an insert whose context ends while it waits is stored entirely or not at all", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		a := f.account("a")
		const goroutines, each = 32, 8
		type result struct {
			m   *store.Message
			err error
		}
		results := make(chan result, goroutines*each)
		var wg sync.WaitGroup
		for g := range goroutines {
			wg.Go(func() {
				for i := range each {
					m := f.message(a.ID, t0, "x@example.net", "y@example.net")
					// Deadlines from already-expired to comfortably long, so
					// that some calls give up before, some during and some
					// after the commit that would hold them.
					timeout := time.Duration((g*each+i)%7) * 500 * time.Microsecond
					ctx, cancel := context.WithTimeout(f.ctx, timeout)
					err := f.s.InsertMessage(ctx, m)
					cancel()
					results <- result{m, err}
				}
			})
		}
		wg.Wait()
		close(results)

		var stored, refused int64
		for r := range results {
			got, err := f.s.GetMessage(f.ctx, r.m.ID)
			switch {
			case r.err == nil && err != nil:
				t.Errorf("InsertMessage(%s) succeeded but GetMessage = %v", r.m.ID, err)
			case r.err == nil:
				stored++
				equal(t, "stored message", got, withoutBody(r.m))
				if body, err := f.s.GetMessageBody(f.ctx, r.m.ID); err != nil || !bytes.Equal(body, r.m.Body) {
					t.Errorf("GetMessageBody(%s) = %q, %v; want the inserted body", r.m.ID, body, err)
				}
			case !errors.Is(r.err, context.DeadlineExceeded):
				t.Errorf("InsertMessage(%s) = %v, want nil or a deadline error", r.m.ID, r.err)
			case !errors.Is(err, store.ErrNotFound):
				t.Errorf("InsertMessage(%s) failed with %v, yet GetMessage = %v, want ErrNotFound", r.m.ID, r.err, err)
			default:
				refused++
			}
		}
		t.Logf("%d stored, %d given up", stored, refused)
		var want []store.StatBucket
		if stored > 0 {
			want = []store.StatBucket{{Start: t0.Truncate(store.StatsBucketSize), DeliveryAttempts: 2 * stored}}
		}
		got, err := f.s.Stats(f.ctx, a.ID, time.Time{})
		if err != nil {
			t.Fatalf("Stats: %v", err)
		}
		equal(t, "statistics count exactly the stored messages", got, want)
	})
}
