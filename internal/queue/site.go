package queue

import (
	"context"
	"sync"

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
	q.mu.Lock()
	if q.workers == 0 {
		q.shaped = shaped
	}
	q.mu.Unlock()
	return q
}

// push adds a job and starts a worker if the site may have one more.
func (q *siteQueue) push(ctx context.Context, j *job) {
	q.mu.Lock()
	q.jobs = append(q.jobs, j)
	start := q.workers < max(1, q.shaped.Stats().Limits.MaxConnections)
	if start {
		q.workers++
	}
	q.mu.Unlock()
	if start {
		go q.work(ctx)
	}
}

// pop takes the next job, or ends the worker when there is none.
func (q *siteQueue) pop() *job {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.jobs) == 0 {
		q.workers--
		return nil
	}
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
		j := q.pop()
		if j == nil {
			return
		}
		if err := q.shaped.Wait(ctx); err != nil {
			q.s.finish(j.claim, j.site, nil, errStopped, q.s.clock.Now())
			q.s.wg.Done()
			continue
		}
		q.s.deliver(ctx, q.shaped, j)
		q.s.wg.Done()
	}
}

// drain gives up the jobs of a worker that could not start (shutdown):
// their leases are released so they are retried at once elsewhere.
func (q *siteQueue) drain(err error) {
	for {
		j := q.pop()
		if j == nil {
			return
		}
		q.s.finish(j.claim, j.site, nil, errStopped, q.s.clock.Now())
		q.s.wg.Done()
	}
}
