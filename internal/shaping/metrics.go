package shaping

import "github.com/prometheus/client_golang/prometheus"

// metrics are labelled by site key and the rule that gave its limits. A
// site's series go when the site is collected after idling, so their number
// follows the sites in use, not every site ever seen.
type metrics struct {
	throttled  *prometheus.GaugeVec
	events     *prometheus.CounterVec
	conns      *prometheus.GaugeVec
	connLimit  *prometheus.GaugeVec
	rateLimit  *prometheus.GaugeVec
	reloads    *prometheus.CounterVec
	collectors []prometheus.Collector
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	site := []string{"site", "rule"}
	m := &metrics{
		throttled: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "hikyaku_shaping_site_throttled",
			Help: "Throttle depth of a site: 0 when it has its configured limits, n after n stacked cuts.",
		}, site),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hikyaku_shaping_throttle_events_total",
			Help: "Throttle signals (421, too many connections, rate limited) received from sites, by rule.",
		}, []string{"rule"}),
		conns: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "hikyaku_shaping_site_connections",
			Help: "SMTP connections open to a site.",
		}, site),
		connLimit: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "hikyaku_shaping_site_connection_limit",
			Help: "Connection limit in force for a site, after throttling.",
		}, site),
		rateLimit: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "hikyaku_shaping_site_rate_limit",
			Help: "Messages per second allowed to a site, after throttling; 0 when unlimited.",
		}, site),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hikyaku_shaping_file_reloads_total",
			Help: "Shaping file loads, by result (ok, error).",
		}, []string{"result"}),
	}
	m.collectors = []prometheus.Collector{m.throttled, m.events, m.conns, m.connLimit, m.rateLimit, m.reloads}
	if reg != nil {
		for _, c := range m.collectors {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

// siteGauges updates every per-site gauge from a snapshot.
func (m *metrics) siteGauges(key, rule string, conns, level int, l Limits) {
	m.conns.WithLabelValues(key, rule).Set(float64(conns))
	m.connLimit.WithLabelValues(key, rule).Set(float64(l.MaxConnections))
	m.rateLimit.WithLabelValues(key, rule).Set(l.MessagesPerSecond)
	m.throttled.WithLabelValues(key, rule).Set(float64(level))
}

func (m *metrics) forget(key, rule string) {
	for _, g := range []*prometheus.GaugeVec{m.conns, m.connLimit, m.rateLimit, m.throttled} {
		g.DeleteLabelValues(key, rule)
	}
}
