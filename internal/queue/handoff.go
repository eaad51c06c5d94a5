package queue

import (
	"context"
	"time"

	"github.com/hikyaku/hikyaku/internal/store"
)

// Handing over fresh mail. The node that accepts a message would
// otherwise commit it, wake the scheduler, claim it back from the store
// (a write transaction) and read its body again (a read) before the first
// attempt. Instead intake asks the scheduler for room (Reserve), inserts
// the queued recipients already leased to this node (store.Message.
// LeaseOwner), and after the commit hands the message over in memory,
// body and all (Take). Nothing is lost if the node dies in between: the
// recipients are in the store under a lease that expires, as any claim's.
// When the scheduler is full or not running, Reserve says no and the
// message is queued unclaimed, for ClaimDue, as before.

// DefaultHandoffBytes bounds the bodies held in memory for handed-over
// recipients (Config.HandoffBytes).
const DefaultHandoffBytes = 64 << 20

// Reserve asks for room for n recipients of a message of size bytes. ok
// false means: queue the message unclaimed. Otherwise insert its queued
// recipients leased to owner until until (with their next attempt at
// until, as a claim sets it), then call Take, or Release if the message
// was not committed.
//
// domains are the recipients' domains: a message for a domain whose site
// is known to hold its share already (MaxPerSite) is not taken either,
// as it would only be given back to the store with a write of its own;
// inserted unclaimed, it waits for a claim once the site has room.
func (s *Scheduler) Reserve(n, size int, domains ...string) (owner string, until time.Time, ok bool) {
	if n <= 0 {
		return "", time.Time{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.runCtx == nil || s.runCtx.Err() != nil ||
		len(s.inflight)+s.reserved+n > s.cfg.MaxInFlight ||
		s.heldBytes+n*size > s.cfg.HandoffBytes {
		return "", time.Time{}, false
	}
	for _, d := range domains {
		if q := s.domainSites[d]; q != nil && q.full() {
			return "", time.Time{}, false
		}
	}
	s.reserved += n
	s.heldBytes += n * size
	return s.cfg.Owner, s.clock.Now().Add(s.cfg.Lease).UTC().Truncate(time.Microsecond), true
}

// Release gives back a reservation whose message was not committed.
func (s *Scheduler) Release(n, size int) {
	s.mu.Lock()
	s.reserved -= n
	s.heldBytes -= n * size
	s.mu.Unlock()
}

// Take hands over the queued recipients of m, committed leased to this
// node under a reservation for n recipients (n must be what Reserve was
// given: the number of m's queued recipients). If the scheduler stopped
// meanwhile, the recipients stay in the store and are claimed once their
// lease ends.
func (s *Scheduler) Take(m *store.Message, n int) {
	claims := make([]*store.Claim, 0, n)
	for _, r := range m.Recipients {
		if r.Status != store.RcptQueued {
			continue
		}
		claims = append(claims, &store.Claim{
			Recipient: r, AccountID: m.AccountID, Source: m.Source, ReturnPath: m.ReturnPath,
			MailFromDomain: m.MailFromDomain, ConfigurationSet: m.ConfigurationSet, Origin: m.Origin,
			MessageCreatedAt: m.CreatedAt, Size: m.Size, LeaseUntil: m.LeaseUntil, Body: m.Body,
		})
	}
	s.mu.Lock()
	s.reserved -= n
	s.heldBytes -= (n - len(claims)) * len(m.Body)
	ctx := s.runCtx
	if ctx == nil || ctx.Err() != nil {
		s.heldBytes -= len(claims) * len(m.Body)
		s.mu.Unlock()
		return
	}
	for _, c := range claims {
		s.inflight[key(c)] = struct{}{}
	}
	s.wg.Add(len(claims))
	s.mu.Unlock()
	s.metrics.handedOver.Add(float64(len(claims)))
	for _, c := range claims {
		go s.route(ctx, c)
	}
}

// running records the context of Run, so that Take can start deliveries
// under it; nil once Run stops taking work.
func (s *Scheduler) running(ctx context.Context) {
	s.mu.Lock()
	s.runCtx = ctx
	s.mu.Unlock()
}
