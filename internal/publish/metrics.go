package publish

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	fannedOut, delivered, retried, dead prometheus.Counter
	attempts                            *prometheus.CounterVec
	latency                             prometheus.Histogram
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		fannedOut: prometheus.NewCounter(prometheus.CounterOpts{Name: "hikyaku_event_deliveries_created_total",
			Help: "Event deliveries created: one per event and subscribed endpoint."}),
		delivered: prometheus.NewCounter(prometheus.CounterOpts{Name: "hikyaku_event_deliveries_delivered_total",
			Help: "Event deliveries an endpoint accepted."}),
		retried: prometheus.NewCounter(prometheus.CounterOpts{Name: "hikyaku_event_delivery_failures_total",
			Help: "Event delivery attempts that failed and will be retried."}),
		dead: prometheus.NewCounter(prometheus.CounterOpts{Name: "hikyaku_event_deliveries_dead_total",
			Help: "Event deliveries given up: refused by the endpoint or too old."}),
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hikyaku_event_delivery_attempts_total",
			Help: "Event delivery attempts by result."}, []string{"result"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "hikyaku_event_delivery_latency_seconds",
			Help:    "Time from an event to its delivery to an endpoint.",
			Buckets: prometheus.ExponentialBuckets(0.01, 4, 10)}),
	}
	if reg != nil {
		reg.MustRegister(m.fannedOut, m.delivered, m.retried, m.dead, m.attempts, m.latency)
	}
	return m
}
