package sesapi

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	requests     *prometheus.CounterVec
	authFailures *prometheus.CounterVec
	accepted     *prometheus.CounterVec
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hikyaku_api_requests_total", Help: "SES API requests by operation and result code.",
		}, []string{"operation", "code"}),
		authFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hikyaku_api_auth_failures_total", Help: "Requests refused before reaching a handler, by error code.",
		}, []string{"code"}),
		accepted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hikyaku_messages_accepted_total", Help: "Messages durably accepted, by origin.",
		}, []string{"origin"}),
	}
	reg.MustRegister(m.requests, m.authFailures, m.accepted)
	return m
}
