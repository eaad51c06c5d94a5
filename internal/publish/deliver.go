package publish

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/hikyaku/hikyaku/internal/eventlog"
	"github.com/hikyaku/hikyaku/internal/events"
	"github.com/hikyaku/hikyaku/internal/natsdest"
	"github.com/hikyaku/hikyaku/internal/sns"
	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/topic"
)

// deliver makes one attempt at one delivery and records its result.
func (p *Publisher) deliver(ctx context.Context, d *store.EventDelivery) {
	start := p.clock.Now()
	res := p.attempt(ctx, d)
	outcome, reason := res.Outcome, res.Reason
	now := p.clock.Now()
	d.Attempts++
	d.UpdatedAt = now.UTC()
	d.LastError = reason
	switch {
	case outcome == sns.Delivered:
		d.State, d.LastError = store.DeliveryDelivered, ""
		p.metrics.delivered.Inc()
		p.metrics.latency.Observe(now.Sub(d.Event.At).Seconds())
	case outcome == sns.Permanent:
		d.State = store.DeliveryDead
		p.metrics.dead.Inc()
		p.log.Warn("event delivery refused for good", "target", d.Target, "event", d.EventID, "reason", reason)
	case sns.Expired(d.Event.At, now):
		d.State = store.DeliveryDead
		d.LastError = "gave up after " + sns.MaxAge.String() + ": " + reason
		p.metrics.dead.Inc()
		p.log.Warn("event delivery expired", "target", d.Target, "event", d.EventID, "reason", reason)
	default:
		d.State = store.DeliveryPending
		// The endpoint's Retry-After (429, 503) wins over a shorter backoff.
		d.NextAttemptAt = now.Add(max(sns.Backoff(d.Attempts, nil), min(res.RetryAfter, sns.MaxDelay))).UTC()
		p.metrics.retried.Inc()
		p.log.Debug("event delivery failed; will retry", "target", d.Target, "event", d.EventID,
			"attempts", d.Attempts, "next", d.NextAttemptAt, "reason", reason)
	}
	p.metrics.attempts.WithLabelValues(outcome.String()).Inc()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := p.store.FinishEventDelivery(ctx, p.cfg.Owner, d); err != nil {
		p.log.Error("record event delivery", "target", d.Target, "event", d.EventID, "err", err,
			"took", p.clock.Now().Sub(start))
	}
}

// attempt sends the delivery's event to its subscription.
func (p *Publisher) attempt(ctx context.Context, d *store.EventDelivery) sns.Result {
	dialect, subARN := parseTarget(d.Target)
	if dialect == dialectForward {
		outcome, reason := p.forwardFeedback(ctx, d.Event)
		return sns.Result{Outcome: outcome, Reason: reason}
	}
	sub, err := p.topics.Lookup(ctx, subARN)
	if err != nil {
		return sns.Result{Outcome: sns.Retry, Reason: "look up subscription: " + err.Error()}
	}
	if sub == nil {
		return sns.Result{Outcome: sns.Permanent, Reason: "the subscription no longer exists"}
	}
	payload, err := p.payload(ctx, dialect, d.Event)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return sns.Result{Outcome: sns.Permanent, Reason: "the event's message no longer exists"}
		}
		return sns.Result{Outcome: sns.Retry, Reason: "build event: " + err.Error()}
	}
	id := messageID(d)
	switch sub.Protocol {
	case topic.ProtocolNATS:
		if err := p.publishNATS(ctx, sub.Endpoint, id, payload); err != nil {
			return sns.Result{Outcome: sns.Retry, Reason: err.Error()}
		}
		return sns.Result{Outcome: sns.Delivered, Reason: ""}
	case topic.ProtocolHTTP, topic.ProtocolHTTPS:
		pub := sns.Publication{MessageID: id, TopicARN: sub.TopicARN, Message: string(payload), Time: d.Event.At}
		if dialect == dialectEvent {
			pub.Subject = Subject
		}
		env := sns.NewNotification(p.cfg.Endpoints, sub.ARN, pub)
		if err := p.signer.Sign(env, p.cfg.SignatureVersion); err != nil {
			return sns.Result{Outcome: sns.Retry, Reason: "sign: " + err.Error()}
		}
		res := sns.Deliver(ctx, p.cfg.HTTP, sub.Endpoint, sns.SubscriptionInfo{ARN: sub.ARN}, env, sub.RawMessageDelivery)
		return res
	}
	return sns.Result{Outcome: sns.Permanent, Reason: "unsupported protocol " + sub.Protocol}
}

// payload is the event's SES JSON in the target's dialect.
func (p *Publisher) payload(ctx context.Context, dialect string, se *store.Event) ([]byte, error) {
	e, err := eventlog.Decode(se)
	if err != nil {
		return nil, err
	}
	mail, err := p.mail.get(ctx, se)
	if err != nil {
		return nil, err
	}
	e.Mail = *mail
	switch dialect {
	case dialectEvent:
		return events.MarshalEvent(e)
	case dialectNotification:
		return events.MarshalNotification(e, false)
	case dialectNotificationHeaders:
		return events.MarshalNotification(e, true)
	}
	return nil, fmt.Errorf("unknown dialect %q", dialect)
}

// publishNATS publishes to a JetStream subject, creating a stream for it
// when none captures it yet.
func (p *Publisher) publishNATS(ctx context.Context, subject, id string, data []byte) error {
	if p.cfg.NATSURL == "" {
		return errors.New("no NATS server is configured (start hikyaku with --nats nats://HOST:4222)")
	}
	p.natsMu.Lock()
	if p.nats == nil {
		nc, err := natsdest.Connect(p.cfg.NATSURL)
		if err != nil {
			p.natsMu.Unlock()
			return fmt.Errorf("connect to NATS %s: %w", p.cfg.NATSURL, err)
		}
		p.nats = nc
	}
	nc, known := p.nats, p.streams[subject]
	p.natsMu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	err := nc.Publish(ctx, subject, id, data)
	if err != nil && !known && errors.Is(err, jetstream.ErrNoStreamResponse) {
		// No stream captures the subject: make one of its own. (JetStream
		// turns the request's "no responders" into ErrNoStreamResponse.)
		name := "HIKYAKU_" + strings.NewReplacer(".", "_", "-", "_").Replace(subject)
		if serr := nc.EnsureStream(ctx, name, []string{subject}); serr != nil {
			return fmt.Errorf("%w; and creating stream %s failed: %v", err, name, serr)
		}
		err = nc.Publish(ctx, subject, id, data)
	}
	if err == nil {
		p.natsMu.Lock()
		p.streams[subject] = true
		p.natsMu.Unlock()
	}
	return err
}
