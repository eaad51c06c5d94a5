package storetest

import (
	"bytes"
	"fmt"
	"runtime"
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
