package queue

import (
	"context"
	"math/bits"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/hikyaku/hikyaku/internal/delivery"
	"github.com/hikyaku/hikyaku/internal/shaping"
	"github.com/hikyaku/hikyaku/internal/store"
)

// job is one recipient on its way to its site.
type job struct {
	claim *store.Claim
	site  *delivery.Site
}

// siteQueue holds the jobs for one destination site and runs up to the
// site's connection limit of workers on them.
type siteQueue struct {
	s      *Scheduler
	shaped *shaping.Site
	mu     sync.Mutex
	jobs   []*job
	// workers running now.
	workers int
	// pace counts the site's finished attempts, for how long its queue
	// in memory takes to go down (giveBackDelay); busySince is when its
	// workers last started from none.
	pace      pace
	busySince time.Time
	// dead suspends the site after a run of temporary failures.
	dead suspension
}

// siteQueue returns the queue of the shaping site a delivery falls under:
// the MX site, or the domain's own site when a [domain."…"] rule takes the
// domain out of it. The shaping site is asked for on every call, as the
// shaper drops sites idle for an hour and makes them anew (with the rules
// then in force); an idle queue takes the new one.
func (s *Scheduler) siteQueue(site *delivery.Site) *siteQueue {
	hosts := make([]string, len(site.Hosts))
	for i, h := range site.Hosts {
		hosts[i] = h.Name
	}
	shaped := s.shaper.DomainSite(site.Domain, site.Key, hosts)
	s.mu.Lock()
	defer s.mu.Unlock()
	q, ok := s.sites[shaped.Key()]
	if !ok {
		q = &siteQueue{s: s, shaped: shaped}
		s.sites[shaped.Key()] = q
	}
	s.domainSites[site.Domain] = q
	q.mu.Lock()
	if q.workers == 0 {
		q.shaped = shaped
	}
	q.mu.Unlock()
	return q
}

// full reports whether the site holds all the jobs it should (fullLocked).
func (q *siteQueue) full() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.fullLocked(q.s.clock.Now())
}

// fullLocked reports whether the site should take no more jobs into
// memory: it holds MaxPerSite waiting, and is not about to work through
// them: most of its recent attempts failed, it is throttled, or at its
// pace they would take longer than MaxSiteDrain (or it has finished
// nothing lately). A healthy site that keeps pace may hold more, up to
// MaxInFlight in all: a burst to one provider waits in memory, not in the
// store. Call with q.mu held.
func (q *siteQueue) fullLocked(now time.Time) bool {
	if len(q.jobs) < q.s.cfg.MaxPerSite {
		return false
	}
	if q.pace.failing() || q.shaped.Stats().ThrottleLevel > 0 {
		return true
	}
	rate := q.pace.rate(now)
	if rate <= 0 {
		return now.Sub(q.busySince) >= paceWindow
	}
	return time.Duration(float64(len(q.jobs))/rate*float64(time.Second)) > q.s.cfg.MaxSiteDrain
}

// push adds a job and starts a worker if the site may have one more. A
// site already holding MaxPerSite waiting jobs takes no more: the job goes
// back to the store, due again when the site should have worked through
// what it holds, so that one slow or throttled site cannot fill the
// memory every site shares (MaxInFlight) and stall mail to the others.
// A suspended site's job is deferred at once, unless a probe is out or
// due (suspension).
func (q *siteQueue) push(ctx context.Context, j *job) {
	q.mu.Lock()
	if now := q.s.clock.Now(); q.dead.holds(now) {
		err := q.dead.hold(now, key(j.claim))
		q.mu.Unlock()
		q.s.suspended(j, err)
		return
	} else if q.fullLocked(now) {
		delay := q.giveBackDelay(now)
		q.mu.Unlock()
		q.s.giveBack(j, delay)
		return
	}
	q.jobs = append(q.jobs, j)
	start := q.startLocked()
	q.mu.Unlock()
	if start {
		go q.work(ctx)
	}
}

// startLocked counts one more worker if the site may have one: it has
// jobs, fewer workers than its connection limit, and no probe out (its
// prober is its only worker). Call with q.mu held.
func (q *siteQueue) startLocked() bool {
	if len(q.jobs) == 0 || q.dead.probing || q.workers >= max(1, q.shaped.Stats().Limits.MaxConnections) {
		return false
	}
	if q.workers == 0 {
		q.busySince = q.s.clock.Now()
	}
	q.workers++
	return true
}

// next takes the next job and what to do with it, or ends the worker
// when there is none, or when a probe is out (the prober goes on with
// the jobs when it has its answer).
func (q *siteQueue) next() (*job, verdict) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.jobs) == 0 || q.dead.probing {
		q.workers--
		return nil, attempt
	}
	return q.popLocked(), q.dead.judge(q.s.clock.Now())
}

func (q *siteQueue) popLocked() *job {
	j := q.jobs[0]
	q.jobs[0] = nil
	q.jobs = q.jobs[1:]
	return j
}

// work delivers the site's jobs on one connection slot until none is left.
func (q *siteQueue) work(ctx context.Context) {
	release, err := q.shaped.AcquireConn(ctx)
	if err != nil {
		q.drain(err)
		return
	}
	defer release()
	for {
		j, v := q.next()
		if j == nil {
			return
		}
		if v == hold {
			q.mu.Lock()
			err := q.dead.hold(q.s.clock.Now(), key(j.claim))
			q.mu.Unlock()
			q.s.suspended(j, err)
			continue
		}
		o := outcome{}
		if err := q.shaped.Wait(ctx); err != nil {
			q.s.finish(j.claim, j.site, nil, errStopped, q.s.clock.Now())
		} else {
			o = q.s.deliver(ctx, q.shaped, j)
		}
		// The job is done after its outcome is counted: attempted may
		// add to the wait group (flush) while it is still above zero.
		q.attempted(ctx, v, o)
		q.s.wg.Done()
	}
}

// attempted counts an attempt's outcome for the site's pace and health;
// a probe's answer ends the probe, and when the site answered, lifts the
// suspension and starts workers for the jobs that waited for it.
func (q *siteQueue) attempted(ctx context.Context, v verdict, o outcome) {
	now := q.s.clock.Now()
	q.mu.Lock()
	if v == probe {
		q.dead.probing = false
	}
	var began, ended, flush bool
	if o.res != 0 {
		began, ended, flush = q.recordLocked(now, o)
	}
	more := 0
	for ended && q.startLocked() {
		more++
	}
	q.mu.Unlock()
	for range more {
		go q.work(ctx)
	}
	switch {
	case began:
		q.s.metrics.suspensions.Inc()
		q.s.log.Warn("site suspended: temporary failures in a row; deferring its mail without connecting, probing every "+probeEvery.String(),
			"site", q.shaped.Key(), "failures", suspendAfter, "last_reply", replyText(o.reply, o.stage))
	case ended:
		q.s.log.Info("site resumed: an attempt did not fail temporarily", "site", q.shaped.Key(), "reply", replyText(o.reply, o.stage))
	}
	if flush {
		q.s.wg.Add(1)
		go q.flush(ctx, q.shaped.Key())
	}
}

// flush makes the mail this site held back while it was suspended due
// now, as `hikyaku queue retry --domain` would, for every domain routed
// to it. Shutdown cuts it short: what it moved stays moved.
func (q *siteQueue) flush(ctx context.Context, site string) {
	defer q.s.wg.Done()
	s := q.s
	s.mu.Lock()
	var domains []string
	for d, dq := range s.domainSites {
		if dq == q {
			domains = append(domains, d)
		}
	}
	s.mu.Unlock()
	for _, d := range domains {
		n, err := s.store.RetryNow(ctx, d, s.clock.Now())
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			s.log.Error("make held mail due after the site resumed", "site", site, "domain", d, "err", err)
			continue
		}
		s.log.Info("site resumed: held mail due now", "site", site, "domain", d, "recipients", n)
		s.Notify()
	}
}

// recordLocked counts an attempt's result in the site's pace and
// suspension. A site that answers again after a suspension is no longer
// failing either: the failures behind it are forgotten, or the backlog
// that comes back with it would be given back to the store for
// MaxBackoff (giveBackDelay) until deliveries outnumbered them. Call
// with q.mu held.
func (q *siteQueue) recordLocked(now time.Time, o outcome) (began, ended, flush bool) {
	began, ended, flush = q.dead.record(now, o)
	if ended {
		q.pace.ok, q.pace.n = 0, 0
	}
	q.pace.add(now, o.res == delivery.Delivered)
	return began, ended, flush
}

// giveBackDelay is how long a job turned away by a full queue should stay
// in the store: about the time the site needs for the jobs it holds, at
// the pace of its recent attempts, at least minGiveBack and at most
// MaxBackoff; Backoff when the site has finished nothing lately (stalled
// or throttled to a crawl). Jittered by ±20%, as retries are. Call with
// q.mu held.
func (q *siteQueue) giveBackDelay(now time.Time) time.Duration {
	d := q.s.cfg.Backoff
	switch rate := q.pace.rate(now); {
	case q.pace.failing():
		// The site refuses most of what it is offered (an outage, a
		// block): what waits for it waits as long as retries would at
		// most, rather than come back every few seconds to be turned
		// away again and crowd out first attempts to other sites.
		// `hikyaku queue retry` brings them back once it recovers.
		d = q.s.cfg.MaxBackoff
	case rate > 0:
		d = time.Duration(float64(len(q.jobs)) / rate * float64(time.Second))
	case now.Sub(q.busySince) < paceWindow:
		// Its first attempts are under way: no pace yet, not stalled.
		d = minGiveBack
	}
	d = min(max(d, minGiveBack), q.s.cfg.MaxBackoff)
	return d + time.Duration((rand.Float64()*0.4-0.2)*float64(d))
}

// minGiveBack is the shortest time a turned-away job waits in the store.
const minGiveBack = 5 * time.Second

// minJudged is how many recent attempts it takes to call a site failing.
const minJudged = 20

// pace counts attempts in two consecutive windows of paceWindow, for a
// rate over the last window or so, and keeps the outcomes of the last 64
// (a bit each), so that a site that recovers is seen to at once.
type pace struct {
	start     time.Time // of the current window
	cur, prev int
	ok        uint64 // bit i: the i-th latest attempt delivered
	n         int    // attempts in ok, up to 64
}

// failing reports whether most of the site's recent attempts (at least
// minJudged) did not deliver.
func (p *pace) failing() bool {
	return p.n >= minJudged && 2*bits.OnesCount64(p.ok) < p.n
}

const paceWindow = 10 * time.Second

func (p *pace) roll(now time.Time) {
	switch {
	case now.Sub(p.start) >= 2*paceWindow:
		p.start, p.cur, p.prev = now, 0, 0
	case now.Sub(p.start) >= paceWindow:
		p.start, p.prev, p.cur = p.start.Add(paceWindow), p.cur, 0
	}
}

func (p *pace) add(now time.Time, delivered bool) {
	p.roll(now)
	p.cur++
	p.ok <<= 1
	if delivered {
		p.ok |= 1
	}
	p.n = min(p.n+1, 64)
}

// rate is events per second over the previous window and the part of
// the current one that has passed; 0 if none.
func (p *pace) rate(now time.Time) float64 {
	p.roll(now)
	elapsed := paceWindow + now.Sub(p.start)
	return float64(p.prev+p.cur) / elapsed.Seconds()
}

// drain gives up the jobs of a worker that could not start (shutdown):
// their leases are released so they are retried at once elsewhere.
func (q *siteQueue) drain(err error) {
	for {
		q.mu.Lock()
		if len(q.jobs) == 0 {
			q.workers--
			q.mu.Unlock()
			return
		}
		j := q.popLocked()
		q.mu.Unlock()
		q.s.finish(j.claim, j.site, nil, errStopped, q.s.clock.Now())
		q.s.wg.Done()
	}
}
