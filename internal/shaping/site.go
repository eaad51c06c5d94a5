package shaping

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Site enforces the limits for one destination site. Its methods are safe
// for concurrent use. Get it from Shaper.Site for each delivery attempt
// rather than keeping it: sites idle for long are dropped and a later
// Site call makes a fresh one.
type Site struct {
	sh     *Shaper
	key    string
	mx     []string
	domain string // set for a per-domain override site

	mu       sync.Mutex
	rule     string
	base     Limits   // from the rules
	throttle Throttle // from the rules
	eff      Limits   // in force: base after throttling
	active   int      // open connections
	waiting  int      // callers blocked in AcquireConn
	changed  chan struct{}
	sec      pacer
	hour     pacer
	sent     meter
	lastUsed time.Time

	// Throttle state (throttle.go).
	level    int       // stacked cuts in force
	observed float64   // sending rate when first cut, for sites with no rate limit
	lastCut  time.Time // when level last went up
	nextStep time.Time // when the next cut is undone
	reason   string    // last signal
}

// Stats is a snapshot of a site.
type Stats struct {
	Key     string
	Rule    string
	MXHosts []string
	// Connections is the number of connections open now; Waiting the
	// callers blocked for one.
	Connections int
	Waiting     int
	// Limits are in force now; Configured are the rule's, which Limits
	// equal unless the site is throttled.
	Limits     Limits
	Configured Limits
	// ThrottleLevel is the number of stacked cuts, 0 when not throttled.
	ThrottleLevel int
	// NextRecovery is when the next cut is undone and ThrottledUntil when
	// the site is back to its configured limits (zero when not throttled).
	NextRecovery   time.Time
	ThrottledUntil time.Time
	// LastReason is the last throttle signal's text.
	LastReason string
}

func newSite(sh *Shaper, key string, mx []string, domain string, rule Rule, t Throttle, now time.Time) *Site {
	s := &Site{sh: sh, key: key, mx: mx, domain: domain, changed: make(chan struct{}), lastUsed: now}
	s.rule, s.base, s.throttle = rule.Name, rule.Limits, t
	s.apply(rule.Limits)
	return s
}

// Key returns the site's key.
func (s *Site) Key() string { return s.key }

// AcquireConn waits until the site has fewer open connections than its
// limit, then counts one more until release is called. release may be
// called more than once. It fails only when ctx ends first.
func (s *Site) AcquireConn(ctx context.Context) (release func(), err error) {
	for {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("shaping: waiting for a connection to %s: %w", s.key, err)
		}
		s.mu.Lock()
		now := s.sh.clk.Now()
		s.refresh(now)
		s.lastUsed = now
		if s.active < s.eff.MaxConnections {
			s.active++
			s.gauges()
			s.mu.Unlock()
			var once sync.Once
			return func() { once.Do(s.release) }, nil
		}
		ch := s.changed
		s.waiting++
		s.mu.Unlock()

		select {
		case <-ch:
		case <-ctx.Done():
		}
		s.mu.Lock()
		s.waiting--
		s.mu.Unlock()
	}
}

func (s *Site) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.active--
	s.lastUsed = s.sh.clk.Now()
	s.notify()
	s.gauges()
}

// Reserve books one message against the site's rate limits and returns
// how long the caller must wait before sending it, and a cancel that gives
// the booking back if the message is not sent after all. Wait is Reserve
// plus the waiting; Reserve is for callers (and tests) that schedule
// themselves.
func (s *Site) Reserve() (delay time.Duration, cancel func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.sh.clk.Now()
	s.refresh(now)
	s.lastUsed = now
	at := s.sec.reserve(s.hour.reserve(now))
	s.sent.add(now)
	var once sync.Once
	return at.Sub(now), func() {
		once.Do(func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.sec.cancel()
			s.hour.cancel()
		})
	}
}

// Wait blocks until one message may be sent to the site under its
// per-second and per-hour limits. If ctx ends first the booking is given
// back and ctx's error returned.
func (s *Site) Wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("shaping: waiting to send to %s: %w", s.key, err)
	}
	d, cancel := s.Reserve()
	if d <= 0 {
		return nil
	}
	select {
	case <-s.sh.clk.After(d):
		return nil
	case <-ctx.Done():
		cancel()
		return fmt.Errorf("shaping: waiting to send to %s: %w", s.key, ctx.Err())
	}
}

// ConnExhausted reports whether a connection that has carried n messages
// has reached the site's messages-per-connection limit and should be
// closed (the next message then goes on a fresh connection).
func (s *Site) ConnExhausted(n int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.eff.MessagesPerConnection > 0 && n >= s.eff.MessagesPerConnection
}

// Stats returns a snapshot of the site.
func (s *Site) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refresh(s.sh.clk.Now())
	st := Stats{
		Key:           s.key,
		Rule:          s.rule,
		MXHosts:       append([]string(nil), s.mx...),
		Connections:   s.active,
		Waiting:       s.waiting,
		Limits:        s.eff,
		Configured:    s.base,
		ThrottleLevel: s.level,
		LastReason:    s.reason,
	}
	if s.level > 0 {
		st.NextRecovery = s.nextStep
		st.ThrottledUntil = s.recoveredBy()
	}
	return st
}

// setRule applies reloaded rules, keeping connections and throttle state.
func (s *Site) setRule(rule Rule, t Throttle) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rule.Name != s.rule {
		s.sh.m.forget(s.key, s.rule)
	}
	s.rule, s.base, s.throttle = rule.Name, rule.Limits, t
	s.apply(t.limitsAt(s.base, s.observed, s.level))
}

// apply puts limits in force. Called with s.mu held.
func (s *Site) apply(l Limits) {
	s.eff = l
	s.sec.perSecond(l.MessagesPerSecond)
	s.hour.perHour(l.MessagesPerHour)
	s.notify()
	s.gauges()
}

// notify wakes the callers waiting in AcquireConn to look again. Called
// with s.mu held.
func (s *Site) notify() {
	if s.waiting > 0 {
		close(s.changed)
		s.changed = make(chan struct{})
	}
}

func (s *Site) gauges() {
	s.sh.m.siteGauges(s.key, s.rule, s.active, s.level, s.eff)
}

// idle reports whether the site can be dropped: nothing open, waiting,
// booked ahead or throttled, and unused for idleAfter. Called with s.mu
// held.
func (s *Site) idle(now time.Time, idleAfter time.Duration) bool {
	return s.active == 0 && s.waiting == 0 && s.level == 0 &&
		now.Sub(s.lastUsed) >= idleAfter &&
		!s.sec.tat.After(now) && !s.hour.tat.After(now)
}
