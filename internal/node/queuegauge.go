package node

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// queueGaugeInterval is how often the queue is counted for /metrics:
// counting reads every waiting recipient's index entry (about 0.1-0.4 s
// per million), too much for every scrape.
const queueGaugeInterval = 15 * time.Second

// reportQueue keeps hikyaku_queue_recipients{status} up to date.
func (n *Node) reportQueue(ctx context.Context, reg prometheus.Registerer) {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "hikyaku_queue_recipients",
		Help: "Recipients waiting in the queue, by status (queued: no attempt yet; deferred: retrying).",
	}, []string{"status"})
	reg.MustRegister(g)
	t := time.NewTicker(queueGaugeInterval)
	defer t.Stop()
	for {
		queued, deferred, err := n.Store.QueueCounts(ctx)
		if err == nil {
			g.WithLabelValues("queued").Set(float64(queued))
			g.WithLabelValues("deferred").Set(float64(deferred))
		} else if ctx.Err() == nil {
			n.Log.Warn("count queue", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
