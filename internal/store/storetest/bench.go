package storetest

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/store/groupcommit"
)

// Benched is a store under benchmark and a view of its group committer.
type Benched struct {
	Store   store.Store
	Commits func() groupcommit.Stats
}

// BenchmarkInsertMessage measures durable intake: 10 KB messages with one
// recipient, each InsertMessage returning only once its transaction is
// committed, from one sender (the commit latency) and from 32 concurrent
// senders (what group commit makes of it). open returns a new, empty store;
// the benchmark closes it. It reports msgs/s and the mean msgs/commit.
func BenchmarkInsertMessage(b *testing.B, open func(b *testing.B) Benched) {
	for _, senders := range []int{1, 32} {
		b.Run(fmt.Sprintf("senders=%d", senders), func(b *testing.B) {
			benchInsert(b, open(b), senders)
		})
	}
}

func benchInsert(b *testing.B, bs Benched, senders int) {
	s := bs.Store
	defer s.Close()
	a := &store.Account{ID: "333333333333", Name: "bench", EnforcementStatus: "HEALTHY"}
	if err := s.CreateAccount(b.Context(), a); err != nil {
		b.Fatalf("CreateAccount: %v", err)
	}
	body := bytes.Repeat([]byte("0123456789abcdef"), 10*1024/16)
	var seq atomic.Int64
	before := bs.Commits()

	insert := func() {
		m := &store.Message{
			ID: fmt.Sprintf("bench-%d", seq.Add(1)), AccountID: a.ID, Origin: "api-v2",
			Source: "a@example.com", CreatedAt: time.Now(), Size: len(body), Body: body,
			Recipients: []store.Recipient{{Address: "x@example.net", Domain: "example.net", Status: store.RcptQueued}},
		}
		if err := s.InsertMessage(b.Context(), m); err != nil {
			b.Errorf("InsertMessage: %v", err)
		}
	}
	b.ResetTimer()
	if senders == 1 {
		for range b.N {
			insert()
		}
	} else {
		// RunParallel starts parallelism×GOMAXPROCS goroutines.
		b.SetParallelism((senders + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				insert()
			}
		})
	}
	b.StopTimer()
	after := bs.Commits()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	if n := after.Batches - before.Batches; n > 0 {
		b.ReportMetric(float64(after.Items-before.Items)/float64(n), "msgs/commit")
	}
}

// BenchmarkClaimDue measures ClaimDue on a big queue: 100,000 due
// recipients (HIKYAKU_BENCH_QUEUED overrides the number), half waiting for
// their first attempt and half for a retry, in messages of 100. Each call
// claims the oldest and leases them only until the next call's now, which
// puts them at the back of the queue: the queue stays full however long
// the benchmark runs. open returns a new, empty store; the benchmark
// closes it. It reports claims/s.
func BenchmarkClaimDue(b *testing.B, open func(b *testing.B) store.Store) {
	queued := 100_000
	if v := os.Getenv("HIKYAKU_BENCH_QUEUED"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 200 {
			b.Fatalf("HIKYAKU_BENCH_QUEUED=%q: want a number of recipients, at least 200", v)
		}
		queued = n
	}
	s := open(b)
	defer s.Close()
	start := time.Now()
	fillQueue(b, s, queued)
	b.Logf("queued %d recipients in %v", queued, time.Since(start).Round(time.Millisecond))

	// Every recipient was due before base; each call's now is a
	// microsecond after the previous one's.
	var tick atomic.Int64
	for _, limit := range []int{10, 100} {
		b.Run(fmt.Sprintf("queued=%d/limit=%d", queued, limit), func(b *testing.B) {
			claimed := 0
			for b.Loop() {
				now := benchBase.Add(time.Duration(tick.Add(1)) * time.Microsecond)
				claims, err := s.ClaimDue(b.Context(), "bench", now, time.Microsecond, limit)
				if err != nil {
					b.Fatalf("ClaimDue: %v", err)
				}
				if len(claims) != limit {
					b.Fatalf("ClaimDue claimed %d, want %d", len(claims), limit)
				}
				claimed += len(claims)
			}
			b.ReportMetric(float64(claimed)/b.Elapsed().Seconds(), "claims/s")
		})
	}
}

var benchBase = time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)

// fillQueue inserts n due recipients, half first attempts and half
// retries, in messages of 100 from 16 goroutines.
func fillQueue(b *testing.B, s store.Store, n int) {
	a := &store.Account{ID: "333333333333", Name: "bench", EnforcementStatus: "HEALTHY"}
	if err := s.CreateAccount(b.Context(), a); err != nil {
		b.Fatalf("CreateAccount: %v", err)
	}
	const perMessage = 100
	body := []byte("Subject: bench\r\n\r\nhello\r\n")
	var (
		next atomic.Int64
		wg   sync.WaitGroup
	)
	for range 16 {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i*perMessage >= n {
					return
				}
				m := &store.Message{
					ID: fmt.Sprintf("bench-%d", i), AccountID: a.ID, Origin: "api-v2",
					Source: "a@example.com", CreatedAt: benchBase, Size: len(body), Body: body,
				}
				for r := range min(perMessage, n-i*perMessage) {
					rcpt := store.Recipient{
						Address: fmt.Sprintf("r%d@example.net", r), Domain: "example.net", Status: store.RcptQueued,
						// Spread over the hour before base, first
						// attempts and retries interleaved.
						NextAttemptAt: benchBase.Add(-time.Hour + time.Duration(i*perMessage+r)*(time.Hour/time.Duration(n))),
					}
					if r%2 == 1 {
						rcpt.Status, rcpt.Attempts = store.RcptDeferred, 1+r%5
					}
					m.Recipients = append(m.Recipients, rcpt)
				}
				if err := s.InsertMessage(b.Context(), m); err != nil {
					b.Errorf("InsertMessage: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
}
