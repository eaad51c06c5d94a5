// Package queue is hikyaku's scheduler: it takes due recipients from the
// store through leases, finds each one's destination site, delivers within
// the site's shaping limits, and records every attempt and its outcome.
//
// The loop reads top to bottom: claim (ClaimDue moves the next attempt
// forward before anything is dialled, so a crash cannot cause a retry
// storm), dispatch to the site's queue, deliver on up to the site's
// connection limit, finish (FinishAttempt under the lease). While a
// recipient waits in memory its lease is extended; if this node dies, the
// lease expires and any node takes the recipient again. Delivery is at
// least once. A node that dies between the remote server's reply and
// FinishAttempt has delivered a message it never recorded, and the next
// node sends it again; being dead, it counts nothing (at most one such
// duplicate per connection open at the crash). A live node whose lease
// passed to another before it recorded the attempt counts the possible
// duplicate in hikyaku_queue_lease_lost_total.
package queue

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hikyaku/hikyaku/internal/clock"
	"github.com/hikyaku/hikyaku/internal/delivery"
	"github.com/hikyaku/hikyaku/internal/shaping"
	"github.com/hikyaku/hikyaku/internal/store"
)

// Config tunes the scheduler. Zero values take the defaults.
type Config struct {
	// Owner names this node in leases; default host name + random suffix.
	Owner string
	// Lease is how long a claimed recipient is reserved (default 5m).
	Lease time.Duration
	// Poll is how often the store is asked for due work when nothing
	// woke the scheduler (default 1s).
	Poll time.Duration
	// Batch is how many recipients one claim takes at most (default 256).
	Batch int
	// KeepEvery is how often leases of recipients held in memory are
	// extended (default Lease/3).
	KeepEvery time.Duration
	// Gather is how long new mail is gathered after a wake-up before it
	// is claimed (default 5ms): one claim per few commits, not per commit.
	Gather time.Duration
	// MaxInFlight bounds recipients held in memory (default 10,000).
	MaxInFlight int
	// MaxPerSite bounds the recipients one site holds waiting in memory
	// when it is not keeping pace (default MaxInFlight/4): failing,
	// throttled, or slower than MaxSiteDrain for what it holds. More are
	// given back to the store, due again when the site should have caught
	// up.
	MaxPerSite int
	// MaxSiteDrain is how long a site may take to work through the jobs
	// it holds before it counts as not keeping pace (default 30s).
	MaxSiteDrain time.Duration
	// HandoffBytes bounds the message bodies held in memory for
	// recipients handed over by intake (default DefaultHandoffBytes).
	HandoffBytes int
	// MaxAge is how long temporary failures are retried before the
	// recipient bounces (default 14h, the longest delivery window SES
	// allows, MaxDeliverySeconds 50400).
	MaxAge time.Duration
	// Backoff is the first retry delay, doubling per attempt up to
	// MaxBackoff (defaults 1m and 1h; jittered by ±20%).
	Backoff, MaxBackoff time.Duration
	// ReturnPathDomain is the domain of the VERP MAIL FROM addresses.
	ReturnPathDomain string
	// VERPKey authenticates VERP addresses.
	VERPKey []byte
	// Hostname names this node as the reporting MTA in events.
	Hostname string
	// SuppressedReasons returns the reasons for which addresses are
	// suppressed automatically for mail of an account sent with a
	// configuration set ("" for none): the set's override or the
	// account's own. Nil uses the account's.
	SuppressedReasons func(ctx context.Context, acct *store.Account, configSet string) []string
}

func (c *Config) defaults() {
	if c.Owner == "" {
		host, _ := os.Hostname()
		var b [4]byte
		_, _ = rand.Read(b[:])
		c.Owner = host + "-" + hex.EncodeToString(b[:])
	}
	if c.Lease <= 0 {
		c.Lease = 5 * time.Minute
	}
	if c.Poll <= 0 {
		c.Poll = time.Second
	}
	if c.Batch <= 0 {
		c.Batch = 256
	}
	if c.KeepEvery <= 0 {
		c.KeepEvery = c.Lease / 3
	}
	if c.Gather <= 0 {
		c.Gather = 5 * time.Millisecond
	}
	if c.MaxInFlight <= 0 {
		c.MaxInFlight = 10000
	}
	if c.MaxSiteDrain <= 0 {
		c.MaxSiteDrain = 30 * time.Second
	}
	if c.MaxPerSite <= 0 {
		c.MaxPerSite = max(1, c.MaxInFlight/4)
	}
	if c.HandoffBytes <= 0 {
		c.HandoffBytes = DefaultHandoffBytes
	}
	if c.MaxAge <= 0 {
		c.MaxAge = 14 * time.Hour
	}
	if c.Backoff <= 0 {
		c.Backoff = time.Minute
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = time.Hour
	}
}

// Router finds a recipient domain's site (delivery.Router).
type Router interface {
	Resolve(ctx context.Context, domain string) (*delivery.Site, error)
}

// Transport offers one message to one site (delivery.Pool).
type Transport interface {
	Deliver(ctx context.Context, site *delivery.Site, env *delivery.Envelope) (*delivery.Report, error)
}

// Scheduler moves recipients from the queue to their servers.
type Scheduler struct {
	store     store.Store
	router    Router
	transport Transport
	shaper    *shaping.Shaper
	clock     clock.Clock
	log       *slog.Logger
	cfg       Config
	metrics   *metrics

	wake chan struct{}

	mu       sync.Mutex
	inflight map[store.RecipientKey]struct{}
	sites    map[string]*siteQueue
	// domainSites is the site queue each domain was last routed to, for
	// Reserve to see a full one.
	domainSites map[string]*siteQueue
	wg          sync.WaitGroup
	// runCtx is Run's context while it takes work (see Take); reserved
	// counts recipients intake has room for but has not handed over yet,
	// heldBytes the bodies of reserved and handed-over recipients.
	runCtx    context.Context
	reserved  int
	heldBytes int
	// gaveBack counts recipients turned away by full sites (giveBack).
	gaveBack atomic.Int64
}

// New returns a scheduler; call Run to start it.
func New(st store.Store, r Router, t Transport, sh *shaping.Shaper, c clock.Clock, log *slog.Logger, m *Metrics, cfg Config) *Scheduler {
	cfg.defaults()
	if m == nil {
		m = NewMetrics(nil)
	}
	return &Scheduler{store: st, router: r, transport: t, shaper: sh, clock: c, log: log, cfg: cfg,
		metrics: m.m, wake: make(chan struct{}, 1),
		inflight: map[store.RecipientKey]struct{}{}, sites: map[string]*siteQueue{},
		domainSites: map[string]*siteQueue{}}
}

// Owner is the name this node's leases carry.
func (s *Scheduler) Owner() string { return s.cfg.Owner }

// Notify tells the scheduler new mail was committed, so it claims now
// rather than at the next poll. It never blocks.
func (s *Scheduler) Notify() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run claims and delivers until ctx ends, then waits for deliveries under
// way to finish (their recipients are recorded; queued ones keep their
// leases, which expire).
func (s *Scheduler) Run(ctx context.Context) error {
	s.log.Info("queue running", "owner", s.cfg.Owner, "lease", s.cfg.Lease, "max_age", s.cfg.MaxAge)
	kctx, stopKeeper := context.WithCancel(context.Background())
	keeperDone := make(chan struct{})
	go func() { defer close(keeperDone); s.keepLeases(kctx) }()
	s.running(ctx)
	defer func() {
		s.running(nil) // under s.mu: no Take adds to wg after this
		s.wg.Wait()
		stopKeeper()
		<-keeperDone
	}()

	t := time.NewTicker(s.cfg.Poll)
	defer t.Stop()
	var given int64
	for {
		n, err := s.claim(ctx)
		if err != nil && ctx.Err() == nil {
			s.log.Warn("claim due recipients", "err", err)
		}
		// A full batch: there may be more due now. Unless half as many
		// as a batch went back to the store since the last claim: their
		// sites are full, and claiming on would only churn the store
		// (a flushed backlog of a million for one site); the next claim
		// waits for the poll or a wake-up.
		prev := given
		given = s.gaveBack.Load()
		wasted := n > 0 && given-prev >= int64(n)/2
		if n >= s.cfg.Batch && err == nil && !wasted {
			continue
		}
		if wasted {
			// Wake-ups (every commit of unclaimed mail) would claim for
			// the full sites again at once: wait for the poll instead.
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
			}
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-s.wake:
			// Every commit wakes the scheduler; gathering the commits of
			// a few milliseconds into one claim saves a write transaction
			// (and its sync) per commit under load.
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(s.cfg.Gather):
			}
		case <-t.C:
		}
	}
}

// claim takes a batch of due recipients and dispatches them.
func (s *Scheduler) claim(ctx context.Context) (int, error) {
	s.mu.Lock()
	room := s.cfg.MaxInFlight - len(s.inflight) - s.reserved
	s.mu.Unlock()
	if room <= 0 {
		return 0, nil
	}
	claims, err := s.store.ClaimDue(ctx, s.cfg.Owner, s.clock.Now(), s.cfg.Lease, min(room, s.cfg.Batch))
	if err != nil {
		return 0, err
	}
	s.metrics.claimed.Add(float64(len(claims)))
	for _, c := range claims {
		s.mu.Lock()
		_, held := s.inflight[key(c)]
		s.inflight[key(c)] = struct{}{}
		s.mu.Unlock()
		if held {
			// Its lease lapsed while it waited here (the keeper could not
			// extend it in time) and this claim renewed it: the copy in
			// memory goes on, a second would deliver it twice.
			continue
		}
		s.wg.Add(1)
		go s.route(ctx, c)
	}
	return len(claims), nil
}

func key(c *store.Claim) store.RecipientKey {
	return store.RecipientKey{MessageID: c.Recipient.MessageID, Index: c.Recipient.Index}
}

// route resolves the recipient's site and hands it to the site's queue.
func (s *Scheduler) route(ctx context.Context, c *store.Claim) {
	site, err := s.router.Resolve(ctx, c.Recipient.Domain)
	if err != nil {
		defer s.wg.Done()
		if ctx.Err() != nil {
			// Shutdown cut the lookup short: that is no attempt, so give
			// the recipient back as it was rather than defer it.
			err = errStopped
		}
		s.finish(c, nil, nil, err, s.clock.Now())
		return
	}
	s.siteQueue(site).push(ctx, &job{claim: c, site: site})
}

// keepLeases extends the leases of recipients held in memory, so a slow
// site's backlog is not taken over by another node while it waits.
func (s *Scheduler) keepLeases(ctx context.Context) {
	t := time.NewTicker(s.cfg.KeepEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		s.mu.Lock()
		keys := make([]store.RecipientKey, 0, len(s.inflight))
		for k := range s.inflight {
			keys = append(keys, k)
		}
		s.mu.Unlock()
		if len(keys) == 0 {
			continue
		}
		n, err := s.store.ExtendLease(ctx, s.cfg.Owner, keys, s.clock.Now().Add(s.cfg.Lease))
		if err != nil {
			s.log.Warn("extend leases", "err", err)
			continue
		}
		// Recipients finished since the keys were read had their leases
		// released, and are not extended: only those still held and not
		// extended were lost (at least; one extended and then finished
		// counts as extended).
		if lost := s.held(keys) - n; lost > 0 {
			s.log.Warn("leases lost while waiting", "count", lost)
		}
	}
}

// held counts the keys still in flight.
func (s *Scheduler) held(keys []store.RecipientKey) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, k := range keys {
		if _, ok := s.inflight[k]; ok {
			n++
		}
	}
	return n
}

// done forgets an in-flight recipient.
func (s *Scheduler) done(c *store.Claim) {
	s.mu.Lock()
	delete(s.inflight, key(c))
	s.heldBytes -= len(c.Body)
	s.mu.Unlock()
}

var errStopped = errors.New("queue stopped")
