// Package groupcommit turns many concurrent small writes into few shared
// transactions. Callers submit items and wait; one committer goroutine takes
// everything queued (up to a cap), writes it in a single transaction, commits
// once and wakes every caller with the outcome. With a synced commit (SQLite
// WAL with synchronous=FULL, PostgreSQL with synchronous_commit=on) one
// transaction costs one fsync, so throughput grows with concurrency instead
// of being capped by the disk's sync rate.
//
// There is no timer: while one commit is in flight the next batch gathers,
// so a lone caller pays one commit's latency and a busy system batches
// naturally.
package groupcommit

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
)

// ErrClosed is returned by Submit once Close has been called.
var ErrClosed = errors.New("groupcommit: committer is closed")

// CommitFunc writes items in one transaction and commits it. It returns
// one error per item (nil for items that are stored; a nil slice means all
// were) for refusals that concern a single item, such as a duplicate key,
// and err != nil when the transaction as a whole failed, in which case no
// item is stored and every caller gets err.
type CommitFunc[T any] func(ctx context.Context, items []T) (itemErrs []error, err error)

// Config sizes the batches and sets how many may be in flight.
type Config struct {
	// MaxItems is the most items per transaction (default 256).
	MaxItems int
	// MaxBytes is the most item bytes, as Submit's size, per transaction
	// (default 8 MiB). A batch always takes at least one item, however
	// large.
	MaxBytes int
	// Workers is how many transactions may be in flight at once (default
	// 1). One suits a database with a single writer (SQLite); a server
	// that overlaps commits (PostgreSQL) gains from a few, since one batch
	// can be sent while another waits for its WAL flush.
	Workers int
}

// Committer gathers submitted items into batches and commits them.
type Committer[T any] struct {
	commit CommitFunc[T]
	cfg    Config
	ctx    context.Context // for commits: never a caller's, so a cancelled caller cannot abort others

	mu      sync.Mutex
	pending []*request[T]
	closed  bool
	wake    chan struct{} // capacity 1: "pending may be non-empty or closed changed"
	workers sync.WaitGroup

	inFlight atomic.Int64
	batches  atomic.Int64
	items    atomic.Int64
}

// Request states. A request moves from waiting to either taken (the
// committer owns it and the caller must wait for the result) or abandoned
// (the caller gave up first and the committer skips it), never both.
const (
	stateWaiting int32 = iota
	stateTaken
	stateAbandoned
)

type request[T any] struct {
	item  T
	size  int
	state atomic.Int32
	err   error
	done  chan struct{}
}

// New starts a committer. ctx is passed to commit and should live as long
// as the committer (it is not a request context); zero fields of cfg take
// the defaults. Call Close to stop it.
func New[T any](ctx context.Context, cfg Config, commit CommitFunc[T]) *Committer[T] {
	if cfg.MaxItems <= 0 {
		cfg.MaxItems = 256
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = 8 << 20
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 1
	}
	c := &Committer[T]{
		commit: commit,
		cfg:    cfg,
		ctx:    ctx,
		wake:   make(chan struct{}, 1),
	}
	for range cfg.Workers {
		c.workers.Go(c.run)
	}
	return c
}

// Submit queues item (whose weight against Config.MaxBytes is size) and
// waits until the transaction holding it has committed or failed.
//
// If ctx ends before the committer has taken the item, Submit returns
// ctx.Err() and the item is never written. Once the item is taken, Submit
// waits for that commit (one transaction's latency) and reports its
// outcome instead, so a caller that gives up is never told "not stored"
// about an item that was stored.
func (c *Committer[T]) Submit(ctx context.Context, item T, size int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r := &request[T]{item: item, size: size, done: make(chan struct{})}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return ErrClosed
	}
	c.pending = append(c.pending, r)
	c.mu.Unlock()
	c.signal()

	select {
	case <-r.done:
		return r.err
	case <-ctx.Done():
		if r.state.CompareAndSwap(stateWaiting, stateAbandoned) {
			return ctx.Err()
		}
		<-r.done
		return r.err
	}
}

// Close stops accepting items, commits everything already queued and
// returns once the last commit has finished. It is safe to call more than
// once.
func (c *Committer[T]) Close() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.signal()
	c.workers.Wait()
}

// Stats is a snapshot of a committer's work, for metrics and tests.
type Stats struct {
	Pending  int   // items queued and not yet taken
	InFlight int   // items in transactions under way
	Batches  int64 // transactions finished (committed or failed)
	Items    int64 // items in those; Items/Batches is the mean batch size
}

// Stats reports the committer's current state and totals.
func (c *Committer[T]) Stats() Stats {
	c.mu.Lock()
	pending := len(c.pending)
	c.mu.Unlock()
	return Stats{
		Pending:  pending,
		InFlight: int(c.inFlight.Load()),
		Batches:  c.batches.Load(),
		Items:    c.items.Load(),
	}
}

func (c *Committer[T]) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *Committer[T]) run() {
	for {
		batch, more, closed := c.take()
		if more || closed {
			// Pass the baton: another worker may start on the rest, and
			// every worker must see Close.
			c.signal()
		}
		if len(batch) > 0 {
			c.commitBatch(batch)
			continue
		}
		if closed {
			return
		}
		<-c.wake
	}
}

// take removes the next batch from the queue, skipping abandoned requests,
// and reports whether requests remain.
func (c *Committer[T]) take() (batch []*request[T], more, closed bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, bytes := 0, 0
	for n < len(c.pending) && len(batch) < c.cfg.MaxItems {
		r := c.pending[n]
		if len(batch) > 0 && bytes+r.size > c.cfg.MaxBytes {
			break
		}
		n++
		if !r.state.CompareAndSwap(stateWaiting, stateTaken) {
			continue // abandoned by its caller
		}
		batch = append(batch, r)
		bytes += r.size
	}
	// Shift rather than reslice so the backing array does not pin
	// finished requests (and their message bodies) in memory.
	rest := copy(c.pending, c.pending[n:])
	clear(c.pending[rest:])
	c.pending = c.pending[:rest]
	c.inFlight.Add(int64(len(batch)))
	return batch, rest > 0, c.closed
}

func (c *Committer[T]) commitBatch(batch []*request[T]) {
	items := make([]T, len(batch))
	for i, r := range batch {
		items[i] = r.item
	}
	itemErrs, err := c.commit(c.ctx, items)
	c.batches.Add(1)
	c.items.Add(int64(len(batch)))
	c.inFlight.Add(-int64(len(batch)))
	for i, r := range batch {
		switch {
		case err != nil:
			r.err = err
		case i < len(itemErrs):
			r.err = itemErrs[i]
		}
		close(r.done)
	}
}
