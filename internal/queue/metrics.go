package queue

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the scheduler's Prometheus metrics.
type Metrics struct{ m *metrics }

type metrics struct {
	claimed, handedOver, givenBack, delivered, deferred, bounced, throttled, leaseLost prometheus.Counter
	suspensions, heldSuspended                                                         prometheus.Counter
}

// NewMetrics creates the metrics and registers them on reg (if non-nil).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	c := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Name: "hikyaku_queue_" + name, Help: help})
	}
	m := &metrics{
		claimed:    c("claimed_total", "Recipients claimed from the queue for an attempt."),
		handedOver: c("handed_over_total", "Recipients taken straight from intake for their first attempt, already leased, without a claim."),
		givenBack: c("given_back_total",
			"Recipients returned to the store without an attempt because their site already held its share of memory (MaxPerSite)."),
		delivered: c("delivered_total", "Recipients delivered."),
		deferred:  c("deferred_total", "Attempts that ended in a temporary failure."),
		bounced:   c("bounced_total", "Recipients bounced (permanent failure or retries exhausted)."),
		throttled: c("throttle_signals_total", "Replies that asked to slow down (421, rate limited)."),
		leaseLost: c("lease_lost_total", "Attempts whose lease had passed to another node before they were recorded (possible duplicates)."),
		suspensions: c("site_suspensions_total",
			"Times a site was suspended after temporary failures in a row (Postfix's dead destination)."),
		heldSuspended: c("suspended_deferrals_total",
			"Recipients deferred without a connection because their site was suspended (also counted in deferred_total)."),
	}
	if reg != nil {
		reg.MustRegister(m.claimed, m.handedOver, m.givenBack, m.delivered, m.deferred, m.bounced, m.throttled, m.leaseLost,
			m.suspensions, m.heldSuspended)
	}
	return &Metrics{m: m}
}

var (
	siteDepthDesc = prometheus.NewDesc("hikyaku_site_queue_recipients",
		"Recipients this node holds for a destination site: waiting for a connection or being delivered.",
		[]string{"site"}, nil)
	siteOldestDesc = prometheus.NewDesc("hikyaku_site_queue_oldest_seconds",
		"Age of the oldest message among the recipients this node holds for a site.",
		[]string{"site"}, nil)
)

// Describe and Collect make the scheduler a prometheus.Collector of its
// per-site queues, read at scrape time.
func (s *Scheduler) Describe(ch chan<- *prometheus.Desc) {
	ch <- siteDepthDesc
	ch <- siteOldestDesc
}

func (s *Scheduler) Collect(ch chan<- prometheus.Metric) {
	now := s.clock.Now()
	s.mu.Lock()
	queues := make(map[string]*siteQueue, len(s.sites))
	for k, q := range s.sites {
		queues[k] = q
	}
	s.mu.Unlock()
	for key, q := range queues {
		q.mu.Lock()
		depth := len(q.jobs) + q.workers
		var oldest time.Time
		for _, j := range q.jobs {
			if t := j.claim.MessageCreatedAt; oldest.IsZero() || t.Before(oldest) {
				oldest = t
			}
		}
		q.mu.Unlock()
		age := 0.0
		if !oldest.IsZero() {
			age = now.Sub(oldest).Seconds()
		}
		ch <- prometheus.MustNewConstMetric(siteDepthDesc, prometheus.GaugeValue, float64(depth), key)
		ch <- prometheus.MustNewConstMetric(siteOldestDesc, prometheus.GaugeValue, age, key)
	}
}
