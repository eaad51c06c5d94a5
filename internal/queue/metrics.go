package queue

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the scheduler's Prometheus metrics.
type Metrics struct{ m *metrics }

type metrics struct {
	claimed, delivered, deferred, bounced, throttled, leaseLost prometheus.Counter
}

// NewMetrics creates the metrics and registers them on reg (if non-nil).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	c := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Name: "hikyaku_queue_" + name, Help: help})
	}
	m := &metrics{
		claimed:   c("claimed_total", "Recipients claimed from the queue for an attempt."),
		delivered: c("delivered_total", "Recipients delivered."),
		deferred:  c("deferred_total", "Attempts that ended in a temporary failure."),
		bounced:   c("bounced_total", "Recipients bounced (permanent failure or retries exhausted)."),
		throttled: c("throttle_signals_total", "Replies that asked to slow down (421, rate limited)."),
		leaseLost: c("lease_lost_total", "Attempts whose lease had passed to another node before they were recorded (possible duplicates)."),
	}
	if reg != nil {
		reg.MustRegister(m.claimed, m.delivered, m.deferred, m.bounced, m.throttled, m.leaseLost)
	}
	return &Metrics{m: m}
}
