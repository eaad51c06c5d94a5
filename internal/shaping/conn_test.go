package shaping

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

func TestAcquireConnNeverExceedsTheCap(t *testing.T) {
	t.Parallel()
	for _, limit := range []int{1, 3, 8} {
		t.Run("", func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, rulesWith(Limits{MaxConnections: limit}))
			site := h.sh.Site("s", []string{"mx.example.org"})
			var cur, peak atomic.Int64
			var wg sync.WaitGroup
			for range 64 {
				wg.Go(func() {
					for range 20 {
						release, err := site.AcquireConn(context.Background())
						if err != nil {
							t.Error(err)
							return
						}
						n := cur.Add(1)
						for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
						}
						runtime.Gosched()
						cur.Add(-1)
						release()
					}
				})
			}
			wg.Wait()
			if p := peak.Load(); p > int64(limit) || p < 1 {
				t.Errorf("peak concurrent connections = %d, want 1..%d", p, limit)
			}
			if st := site.Stats(); st.Connections != 0 || st.Waiting != 0 {
				t.Errorf("after all released: %d open, %d waiting; want none", st.Connections, st.Waiting)
			}
		})
	}
}

func TestAcquireConnWaitsForARelease(t *testing.T) {
	t.Parallel()
	h := newHarness(t, rulesWith(Limits{MaxConnections: 1}))
	site := h.sh.Site("s", nil)
	release, err := site.AcquireConn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() {
		r, err := site.AcquireConn(context.Background())
		if err == nil {
			defer r()
		}
		got <- err
	}()
	waitFor(t, func() bool { return site.Stats().Waiting == 1 })
	release()
	release() // a second call is harmless
	if err := <-got; err != nil {
		t.Fatalf("waiter: %v", err)
	}
	if n := site.Stats().Connections; n != 0 {
		t.Errorf("connections = %d after both released, want 0", n)
	}
}

func TestAcquireConnGivesUpWithTheContext(t *testing.T) {
	t.Parallel()
	h := newHarness(t, rulesWith(Limits{MaxConnections: 1}))
	site := h.sh.Site("s", nil)
	if _, err := site.AcquireConn(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan error, 1)
	go func() {
		_, err := site.AcquireConn(ctx)
		got <- err
	}()
	waitFor(t, func() bool { return site.Stats().Waiting == 1 })
	cancel()
	if err := <-got; !errors.Is(err, context.Canceled) {
		t.Fatalf("AcquireConn = %v, want context.Canceled", err)
	}
	if st := site.Stats(); st.Connections != 1 || st.Waiting != 0 {
		t.Errorf("stats = %d open, %d waiting; want 1 open, none waiting", st.Connections, st.Waiting)
	}
}

func TestConnExhausted(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		perConn int
		n       int
		want    bool
	}{
		{"under the limit", 20, 19, false},
		{"at the limit", 20, 20, true},
		{"past the limit", 20, 21, true},
		{"no limit", 0, 100000, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, rulesWith(Limits{MaxConnections: 1, MessagesPerConnection: tt.perConn}))
			if got := h.sh.Site("s", nil).ConnExhausted(tt.n); got != tt.want {
				t.Errorf("ConnExhausted(%d) with %d per connection = %v, want %v", tt.n, tt.perConn, got, tt.want)
			}
		})
	}
}

// waitFor yields until cond holds: for state another goroutine reaches
// without touching the clock (parking in AcquireConn).
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for i := 0; !cond(); i++ {
		if i > 1e7 {
			t.Fatal("condition never held")
		}
		runtime.Gosched()
	}
}
