package node

import (
	"bytes"
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hikyaku/hikyaku/internal/store"
)

// countingStore counts, for /metrics, what happens to mail as it is
// committed: it wraps the store calls that carry events (InsertMessage,
// FinishAttempt, AppendEvents) and the reject counter (AddStats), so the
// counts are of committed facts, whichever package produced them.
type countingStore struct {
	store.Store
	mail    *prometheus.CounterVec
	latency prometheus.Histogram
}

func newCountingStore(st store.Store, reg prometheus.Registerer) *countingStore {
	c := &countingStore{
		Store: st,
		mail: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hikyaku_mail_total",
			Help: "What happened to mail, by account ID and configuration set: accepted and rejected count messages; " +
				"delivered, deferred (each temporary failure), bounced, complained, suppressed, unsubscribed and rendering_failed count recipients.",
		}, []string{"event", "account", "configuration_set"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "hikyaku_delivery_latency_seconds",
			Help:    "Time from acceptance to delivery, per delivered recipient (mailbox simulator excluded).",
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 4 * 3600, 14 * 3600},
		}),
	}
	reg.MustRegister(c.mail, c.latency)
	return c
}

// eventName maps an event type to its hikyaku_mail_total event label.
var eventName = map[string]string{
	"Send": "accepted", "Delivery": "delivered", "DeliveryDelay": "deferred", "Bounce": "bounced",
	"Complaint": "complained", "Rendering Failure": "rendering_failed", "Reject": "rejected",
}

func (c *countingStore) count(evs []*store.Event) {
	for _, e := range evs {
		name := eventName[e.Type]
		if name == "bounced" && isSuppressedBounce(e) {
			name = "suppressed"
		}
		if name == "bounced" && e.Subtype == "Permanent/UnsubscribedRecipient" {
			name = "unsubscribed"
		}
		if name != "" {
			c.mail.WithLabelValues(name, e.AccountID, e.ConfigurationSet).Inc()
		}
	}
}

// isSuppressedBounce tells the Bounce SES reports for a recipient it did
// not send to because of the suppression list.
func isSuppressedBounce(e *store.Event) bool {
	return bytes.Contains(e.Detail, []byte(`"OnAccountSuppressionList"`))
}

func (c *countingStore) InsertMessage(ctx context.Context, m *store.Message) error {
	err := c.Store.InsertMessage(ctx, m)
	if err == nil {
		c.count(m.Events)
	}
	return err
}

func (c *countingStore) FinishAttempt(ctx context.Context, owner string, r *store.Recipient, a *store.Attempt, evs ...*store.Event) error {
	err := c.Store.FinishAttempt(ctx, owner, r, a, evs...)
	if err == nil {
		c.count(evs)
		if r.Status == store.RcptDelivered && !r.Outcome.Simulated {
			c.latency.Observe(float64(r.Outcome.ProcessingTimeMillis) / 1000)
		}
	}
	return err
}

func (c *countingStore) AppendEvents(ctx context.Context, evs []*store.Event) error {
	err := c.Store.AppendEvents(ctx, evs)
	if err == nil {
		c.count(evs)
	}
	return err
}

func (c *countingStore) AddStats(ctx context.Context, accountID string, t time.Time, delta store.StatBucket) error {
	err := c.Store.AddStats(ctx, accountID, t, delta)
	if err == nil && delta.Rejects > 0 {
		c.mail.WithLabelValues("rejected", accountID, "").Add(float64(delta.Rejects))
	}
	return err
}
