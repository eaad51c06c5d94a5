// Package publish delivers the event log to its destinations, the SES
// way: events of a message sent with a configuration set go to the SNS
// topics of the set's matching event destinations (the eventType dialect),
// and Bounce, Complaint and Delivery events also go to the topics an
// identity's v1 notification settings name (the notificationType
// dialect). Each topic's confirmed subscriptions receive them: HTTP(S)
// endpoints in SNS's signed JSON envelope, NATS subjects through
// JetStream.
//
// The work is durable and shared between nodes through the store: events
// are fanned out once into deliveries (one per event and subscription), and
// deliveries are leased, attempted, and retried with backoff for
// sns.MaxAge; an endpoint's refusal (4xx other than 408/429) or age makes a
// delivery dead, visible in `hikyaku events health`.
package publish

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hikyaku/hikyaku/internal/clock"
	"github.com/hikyaku/hikyaku/internal/configset"
	"github.com/hikyaku/hikyaku/internal/fault"
	"github.com/hikyaku/hikyaku/internal/natsdest"
	"github.com/hikyaku/hikyaku/internal/sns"
	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/topic"
)

// Dialects of a target.
const (
	dialectEvent        = "event"
	dialectNotification = "notification"
	// dialectNotificationHeaders is a notification with the original
	// headers.
	dialectNotificationHeaders = "notification+headers"
)

// Subject is the SNS Subject of SES's event publishing notifications.
const Subject = "Amazon SES Email Event Notification"

// Config tunes a Publisher.
type Config struct {
	// Owner names this node in leases.
	Owner string
	// Region and Hostname as SES reports them (sourceArn, reportingMTA).
	Region string
	// Endpoints are hikyaku's public URLs for SubscribeURL and
	// SigningCertURL.
	Endpoints sns.Endpoints
	// SignatureVersion is "1" (SNS's default) or "2".
	SignatureVersion string
	// NATSURL is the NATS server for subscriptions of protocol nats;
	// empty refuses them (their deliveries fail with that reason).
	NATSURL string
	// Poll is how often the store is asked for work (default 500ms).
	Poll time.Duration
	// Workers bounds concurrent deliveries (default 16).
	Workers int
	// Lease is how long a claimed delivery is reserved (default 2m).
	Lease time.Duration
	// Retention is how long events are kept (default 30 days); PruneEvery
	// how often old ones are deleted (default 1h).
	Retention, PruneEvery time.Duration
	// HTTP is the client for HTTP(S) endpoints (default: 15 s timeout).
	HTTP *http.Client
}

func (c *Config) defaults() {
	if c.Owner == "" {
		host, _ := os.Hostname()
		var b [4]byte
		_, _ = rand.Read(b[:])
		c.Owner = host + "-events-" + hex.EncodeToString(b[:])
	}
	if c.Poll <= 0 {
		c.Poll = 500 * time.Millisecond
	}
	if c.Workers <= 0 {
		c.Workers = 16
	}
	if c.Lease <= 0 {
		c.Lease = 2 * time.Minute
	}
	if c.Retention <= 0 {
		c.Retention = 30 * 24 * time.Hour
	}
	if c.PruneEvery <= 0 {
		c.PruneEvery = time.Hour
	}
	if c.HTTP == nil {
		c.HTTP = &http.Client{Timeout: sns.DefaultTimeout}
	}
	if c.SignatureVersion == "" {
		c.SignatureVersion = sns.SignatureVersion1
	}
}

// Publisher runs the fan-out and delivery loops.
type Publisher struct {
	store      store.Store
	configSets *configset.Service
	topics     *topic.Service
	signer     *sns.Signer
	clock      clock.Clock
	log        *slog.Logger
	cfg        Config
	metrics    *metrics
	mail       *mailCache

	wake chan struct{}

	natsMu sync.Mutex
	nats   *natsdest.Publisher
	// forward mails feedback to senders; nil turns forwarding off.
	forward Forwarder

	notifMu    sync.Mutex
	notifCache map[string]cachedNotifications
	// streams are the NATS subjects whose stream is known to exist.
	streams map[string]bool
}

// New returns a Publisher. reg may be nil.
func New(st store.Store, cs *configset.Service, tp *topic.Service, signer *sns.Signer, c clock.Clock, log *slog.Logger, reg prometheus.Registerer, cfg Config) *Publisher {
	cfg.defaults()
	return &Publisher{store: st, configSets: cs, topics: tp, signer: signer, clock: c, log: log, cfg: cfg,
		metrics: newMetrics(reg), mail: newMailCache(st, cfg.Region), wake: make(chan struct{}, 1), streams: map[string]bool{},
		notifCache: map[string]cachedNotifications{}}
}

// Notify wakes the loops: an event was appended.
func (p *Publisher) Notify() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Run fans out and delivers until ctx ends.
func (p *Publisher) Run(ctx context.Context) error {
	tick := time.NewTicker(p.cfg.Poll)
	defer tick.Stop()
	lastPrune := time.Time{}
	sem := make(chan struct{}, p.cfg.Workers)
	var wg sync.WaitGroup
	defer func() {
		wg.Wait()
		p.natsMu.Lock()
		if p.nats != nil {
			p.nats.Close()
		}
		p.natsMu.Unlock()
	}()
	for {
		for {
			n, err := p.store.FanOutEvents(ctx, p.clock.Now(), 500, p.route)
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				p.log.Error("fan out events", "err", err)
				break
			}
			if n < 500 {
				break
			}
		}
		free := p.cfg.Workers - len(sem)
		if free > 0 {
			claimed, err := p.store.ClaimEventDeliveries(ctx, p.cfg.Owner, p.clock.Now(), p.cfg.Lease, free)
			if err != nil && ctx.Err() == nil {
				p.log.Error("claim event deliveries", "err", err)
			}
			for _, d := range claimed {
				sem <- struct{}{}
				wg.Add(1)
				go func() {
					defer func() { <-sem; wg.Done() }()
					p.deliver(context.WithoutCancel(ctx), d)
				}()
			}
			if len(claimed) == free {
				continue // more may be due
			}
		}
		if now := p.clock.Now(); now.Sub(lastPrune) >= p.cfg.PruneEvery {
			lastPrune = now
			if n, err := p.store.PruneEvents(ctx, now.Add(-p.cfg.Retention)); err != nil && ctx.Err() == nil {
				p.log.Warn("prune events", "err", err)
			} else if n > 0 {
				p.log.Info("pruned old events", "events", n, "retention", p.cfg.Retention)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-p.wake:
		case <-tick.C:
		}
	}
}

// target is the stored name of one delivery's destination.
func target(dialect, subARN string) string { return dialect + "|" + subARN }

func parseTarget(t string) (dialect, subARN string) {
	dialect, subARN, _ = strings.Cut(t, "|")
	return dialect, subARN
}

// route finds the targets of an event: the confirmed subscriptions of the
// topics its configuration set's matching destinations and its sender
// identity's notification settings name.
func (p *Publisher) route(e *store.Event) ([]string, error) {
	ctx := context.Background()
	var targets []string
	seen := map[string]bool{}
	add := func(dialect, topicARN string) error {
		subs, err := p.topics.Confirmed(ctx, topicARN)
		if err != nil {
			return err
		}
		for _, s := range subs {
			if t := target(dialect, s.ARN); !seen[t] {
				seen[t] = true
				targets = append(targets, t)
			}
		}
		return nil
	}
	if e.ConfigurationSet != "" {
		_, dests, err := p.configSets.Lookup(ctx, e.AccountID, e.ConfigurationSet)
		if err != nil && !isNotFound(err) {
			return nil, err
		}
		for _, d := range dests {
			if d.SNSTopicARN != "" && d.Matches(e.Type) {
				if err := add(dialectEvent, d.SNSTopicARN); err != nil {
					return nil, err
				}
			}
		}
	}
	switch e.Type {
	case "Bounce", "Complaint", "Delivery":
		n, err := p.notificationsFor(ctx, e.AccountID, e.Source)
		if err != nil {
			return nil, err
		}
		if e.Type != "Delivery" && p.forward != nil && !n.ForwardingDisabled && forwardable(e) {
			targets = append(targets, target(dialectForward, ""))
		}
		if arn, headers := n.Topic(e.Type); arn != "" {
			dialect := dialectNotification
			if headers {
				dialect = dialectNotificationHeaders
			}
			if err := add(dialect, arn); err != nil {
				return nil, err
			}
		}
	}
	if len(targets) > 0 {
		p.metrics.fannedOut.Add(float64(len(targets)))
	}
	return targets, nil
}

// notificationsFor returns the notification settings that apply to mail
// from source: the address identity's, else its domain's, as SES does.
func (p *Publisher) notificationsFor(ctx context.Context, accountID, source string) (*topic.Notifications, error) {
	key := accountID + "\x00" + source
	now := p.clock.Now()
	p.notifMu.Lock()
	c, ok := p.notifCache[key]
	p.notifMu.Unlock()
	if ok && now.Sub(c.at) >= 0 && now.Sub(c.at) < topic.CacheTTL {
		return c.n, nil
	}
	n, err := p.lookupNotifications(ctx, accountID, source)
	if err != nil {
		return nil, err
	}
	p.notifMu.Lock()
	if len(p.notifCache) > 10000 {
		clear(p.notifCache)
	}
	p.notifCache[key] = cachedNotifications{n: n, at: now}
	p.notifMu.Unlock()
	return n, nil
}

// cachedNotifications is a notificationsFor answer: every event of a
// message asks, so a few seconds of caching saves two reads per event.
type cachedNotifications struct {
	n  *topic.Notifications
	at time.Time
}

func (p *Publisher) lookupNotifications(ctx context.Context, accountID, source string) (*topic.Notifications, error) {
	addr := source
	if i := strings.LastIndexByte(addr, '<'); i >= 0 {
		addr = strings.TrimSuffix(addr[i+1:], ">")
	}
	n, err := p.topics.IdentityNotifications(ctx, accountID, addr)
	if err != nil {
		return nil, err
	}
	if *n != (topic.Notifications{}) {
		return n, nil
	}
	if at := strings.LastIndexByte(addr, '@'); at >= 0 {
		return p.topics.IdentityNotifications(ctx, accountID, addr[at+1:])
	}
	return n, nil
}

func isNotFound(err error) bool {
	f := fault.As(err)
	return f != nil && f.HTTPStatus == http.StatusNotFound
}

// messageID is the SNS MessageId of one delivery: the same on every retry,
// so subscribers can drop duplicates, and different per target.
func messageID(d *store.EventDelivery) string {
	h := sha256.Sum256(fmt.Appendf(nil, "%d|%s", d.EventID, d.Target))
	h[6] = h[6]&0x0f | 0x50 // a name-based UUID, version 5's layout
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// forwardable tells the feedback SES mails to the sender: bounces (but
// not the notice of a recipient skipped for the suppression list, nor an
// auto-reply) and complaints.
func forwardable(e *store.Event) bool {
	switch {
	case e.Type == "Complaint":
		return true
	case e.Type == "Bounce":
		return !strings.HasSuffix(e.Subtype, "OnAccountSuppressionList") && !strings.Contains(e.Subtype, "Transient/")
	}
	return false
}
