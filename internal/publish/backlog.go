package publish

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// backlogInterval is how often the outbox is counted for /metrics.
const backlogInterval = 15 * time.Second

// ReportBacklog keeps hikyaku_event_backlog and
// hikyaku_event_backlog_oldest_seconds up to date until ctx ends: the
// event deliveries still pending (retrying or not yet tried), across all
// accounts, and the age of the oldest one's event.
func (p *Publisher) ReportBacklog(ctx context.Context, reg prometheus.Registerer) {
	pending := prometheus.NewGauge(prometheus.GaugeOpts{Name: "hikyaku_event_backlog",
		Help: "Event deliveries to subscribers not yet done (waiting for a first attempt or a retry)."})
	oldest := prometheus.NewGauge(prometheus.GaugeOpts{Name: "hikyaku_event_backlog_oldest_seconds",
		Help: "Age of the oldest event whose delivery to a subscriber is still pending."})
	reg.MustRegister(pending, oldest)
	t := time.NewTicker(backlogInterval)
	defer t.Stop()
	for {
		n, first, err := p.store.EventBacklog(ctx)
		if err == nil {
			pending.Set(float64(n))
			if first.IsZero() {
				oldest.Set(0)
			} else {
				oldest.Set(p.clock.Now().Sub(first).Seconds())
			}
		} else if ctx.Err() == nil {
			p.log.Warn("count event backlog", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
