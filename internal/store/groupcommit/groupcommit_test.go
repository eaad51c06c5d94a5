package groupcommit

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

// recorder is a CommitFunc that records its batches.
type recorder struct {
	mu      sync.Mutex
	batches [][]int
	entered chan struct{} // if set, each commit signals here first
	gate    chan struct{} // if set, each commit then waits for a value
	fail    func(int) error
	failAll error
}

func (r *recorder) commit(_ context.Context, items []int) ([]error, error) {
	if r.entered != nil {
		r.entered <- struct{}{}
	}
	if r.gate != nil {
		<-r.gate
	}
	r.mu.Lock()
	r.batches = append(r.batches, slices.Clone(items))
	r.mu.Unlock()
	if r.failAll != nil {
		return nil, r.failAll
	}
	var errs []error
	if r.fail != nil {
		errs = make([]error, len(items))
		for i, it := range items {
			errs[i] = r.fail(it)
		}
	}
	return errs, nil
}

func (r *recorder) committed() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	var all []int
	for _, b := range r.batches {
		all = append(all, b...)
	}
	slices.Sort(all)
	return all
}

// submitAll submits items 0..n-1 concurrently and returns their errors.
func submitAll(ctx context.Context, c *Committer[int], n int) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = c.Submit(ctx, i, 1) })
	}
	wg.Wait()
	return errs
}

// waitPending waits until n requests are queued.
func waitPending(t *testing.T, c *Committer[int], n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		c.mu.Lock()
		got := len(c.pending)
		c.mu.Unlock()
		if got >= n {
			return
		}
	}
	t.Fatalf("%d requests never queued", n)
}

// held returns a recorder whose commits wait for the test.
func held() *recorder {
	return &recorder{entered: make(chan struct{}, 100), gate: make(chan struct{})}
}

func TestItemsQueuedDuringACommitShareTheNext(t *testing.T) {
	r := held()
	c := New(context.Background(), Config{}, r.commit)
	defer c.Close()

	first := make(chan error)
	go func() { first <- c.Submit(context.Background(), -1, 1) }()
	// While the first commit is held, 50 more arrive.
	<-r.entered
	done := make(chan []error)
	go func() { done <- submitAll(context.Background(), c, 50) }()
	waitPending(t, c, 50)
	r.gate <- struct{}{} // the first commit
	if err := <-first; err != nil {
		t.Fatalf("first Submit: %v", err)
	}
	r.gate <- struct{}{} // everything else, in one commit
	for i, err := range <-done {
		if err != nil {
			t.Errorf("Submit %d: %v", i, err)
		}
	}
	var sizes []int
	for _, b := range r.batches {
		sizes = append(sizes, len(b))
	}
	if !slices.Equal(sizes, []int{1, 50}) {
		t.Errorf("batch sizes %v, want [1 50]", sizes)
	}
}

func TestBatchesRespectTheLimits(t *testing.T) {
	for _, tc := range []struct {
		name   string
		cfg    Config
		size   int
		maxLen int
	}{
		{"by count", Config{MaxItems: 7}, 1, 7},
		{"by bytes", Config{MaxBytes: 10}, 3, 3},
		{"by bytes, an oversized item alone", Config{MaxBytes: 2}, 3, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := held()
			c := New(context.Background(), tc.cfg, r.commit)
			errs := make(chan error, 40)
			for i := range 40 {
				go func() { errs <- c.Submit(context.Background(), i, tc.size) }()
			}
			<-r.entered
			waitPending(t, c, 40-tc.maxLen)
			close(r.gate)
			for range 40 {
				if err := <-errs; err != nil {
					t.Errorf("Submit: %v", err)
				}
			}
			c.Close()
			for _, b := range r.batches {
				if len(b) > tc.maxLen {
					t.Errorf("batch of %d, want at most %d", len(b), tc.maxLen)
				}
			}
			if got := len(r.committed()); got != 40 {
				t.Errorf("%d items committed, want 40", got)
			}
		})
	}
}

func TestErrorsReachTheRightCallers(t *testing.T) {
	t.Run("an item's own error reaches only its caller", func(t *testing.T) {
		errOdd := errors.New("odd")
		r := &recorder{fail: func(i int) error {
			if i%2 == 1 {
				return errOdd
			}
			return nil
		}}
		c := New(context.Background(), Config{}, r.commit)
		defer c.Close()
		for i, err := range submitAll(context.Background(), c, 20) {
			if want := r.fail(i); !errors.Is(err, want) || (want == nil && err != nil) {
				t.Errorf("Submit %d = %v, want %v", i, err, want)
			}
		}
	})
	t.Run("a failed transaction fails every caller in it", func(t *testing.T) {
		errDisk := errors.New("disk full")
		c := New(context.Background(), Config{}, (&recorder{failAll: errDisk}).commit)
		defer c.Close()
		for i, err := range submitAll(context.Background(), c, 20) {
			if !errors.Is(err, errDisk) {
				t.Errorf("Submit %d = %v, want the transaction's error", i, err)
			}
		}
	})
}

func TestACallerThatGivesUpBeforeItsCommitIsNeverCommitted(t *testing.T) {
	r := held()
	c := New(context.Background(), Config{}, r.commit)
	defer c.Close()

	first := make(chan error)
	go func() { first <- c.Submit(context.Background(), 1, 1) }()
	<-r.entered // the committer holds item 1
	ctx, cancel := context.WithCancel(context.Background())
	gaveUp := make(chan error)
	go func() { gaveUp <- c.Submit(ctx, 2, 1) }()
	waitPending(t, c, 1)
	cancel()
	if err := <-gaveUp; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Submit = %v, want context.Canceled", err)
	}
	close(r.gate)
	if err := <-first; err != nil {
		t.Fatalf("Submit: %v", err)
	}
	if err := c.Submit(context.Background(), 3, 1); err != nil {
		t.Fatalf("Submit: %v", err)
	}
	if got := r.committed(); !slices.Equal(got, []int{1, 3}) {
		t.Errorf("committed %v, want [1 3]: the abandoned item must be skipped", got)
	}
}

func TestACallerThatGivesUpDuringItsCommitGetsTheOutcome(t *testing.T) {
	r := held()
	c := New(context.Background(), Config{}, r.commit)
	defer c.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- c.Submit(ctx, 1, 1) }()
	<-r.entered
	cancel()
	select {
	case err := <-done:
		t.Fatalf("Submit returned %v before its commit finished", err)
	case <-time.After(10 * time.Millisecond):
	}
	close(r.gate)
	if err := <-done; err != nil {
		t.Errorf("Submit = %v, want nil: the item was committed", err)
	}
}

func TestCloseCommitsWhatIsQueuedAndRefusesMore(t *testing.T) {
	for _, workers := range []int{1, 3} {
		r := held()
		c := New(context.Background(), Config{Workers: workers, MaxItems: 4}, r.commit)
		done := make(chan []error)
		go func() { done <- submitAll(context.Background(), c, 30) }()
		for range workers {
			<-r.entered
		}
		waitPending(t, c, 30-4*workers)
		closed := make(chan struct{})
		go func() { c.Close(); close(closed) }()
		close(r.gate)
		<-closed
		for i, err := range <-done {
			if err != nil {
				t.Errorf("workers %d: Submit %d: %v", workers, i, err)
			}
		}
		if got := len(r.committed()); got != 30 {
			t.Errorf("workers %d: %d committed, want 30", workers, got)
		}
		if err := c.Submit(context.Background(), 99, 1); !errors.Is(err, ErrClosed) {
			t.Errorf("workers %d: Submit after Close = %v, want ErrClosed", workers, err)
		}
		c.Close() // a second Close is harmless
	}
}
