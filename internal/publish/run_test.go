package publish

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hikyaku/hikyaku/internal/sns"
	"github.com/hikyaku/hikyaku/internal/topic"
)

func TestRunDeliversAppendedEvents(t *testing.T) {
	t.Parallel()
	e := setup(t, func(c *Config) { c.Poll = 10 * time.Millisecond; c.Workers = 2 })
	events, bounces := newEndpoint(t), newEndpoint(t)
	eventsTopic, bouncesTopic := e.topic(t, "events"), e.topic(t, "bounces")
	e.subscribe(t, eventsTopic.ARN, events)
	e.subscribe(t, bouncesTopic.ARN, bounces)
	e.configSet(t, "cs", snsDestination("d", eventsTopic.ARN, true, "SEND", "DELIVERY", "BOUNCE"))
	if err := e.topics.SetIdentityNotifications(e.ctx, acct, "example.com", func(n *topic.Notifications) error {
		n.BounceTopic = bouncesTopic.ARN
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan error, 1)
	go func() { done <- e.p.Run(ctx) }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Run did not return within 10s of its context ending")
		}
	}
	defer stop()

	// Events appended while Run runs, without Notify: the poll finds them.
	var want []string
	for range 3 {
		m := e.message(t, "sender@example.com", "cs")
		want = append(want, m.ID)
		e.appendEvents(t, event(t, m, "Send", t0), event(t, m, "Delivery", t0))
	}
	m := e.message(t, "sender@example.com", "cs")
	e.appendEvents(t, event(t, m, "Bounce", t0))

	got := events.wait(t, 7)
	bounces.wait(t, 1)
	var ids []string
	for _, r := range got {
		env := r.Envelope
		if err := sns.Verify(&env, e.signer.CertificatePEM()); err != nil {
			t.Errorf("signature: %v", err)
		}
		p := payload(t, r)
		if _, typ := kind(p); typ == "Send" {
			mail, _ := p["mail"].(map[string]any)
			id, _ := mail["messageId"].(string)
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Errorf("Send events of %q, want %q", ids, want)
	}

	// The results are recorded once the endpoints have answered.
	deadline := time.Now().Add(10 * time.Second)
	for {
		var delivered, other int64
		for _, h := range e.health(t) {
			delivered += h.Delivered
			other += h.Pending + h.Dead
		}
		if delivered == 8 && other == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 10s: %d delivered, %d pending or dead; want 8 delivered", delivered, other)
		}
		time.Sleep(10 * time.Millisecond)
	}

	// Notify wakes the loop at once for an event appended later.
	m = e.message(t, "sender@example.com", "cs")
	e.appendEvents(t, event(t, m, "Send", t0))
	e.p.Notify()
	events.wait(t, 8)

	stop()
	if n := len(events.received()); n != 8 {
		t.Errorf("events endpoint got %d messages, want 8 (each once)", n)
	}
}

func TestConfirm(t *testing.T) {
	t.Parallel()
	e := setup(t, func(c *Config) { c.SignatureVersion = sns.SignatureVersion2 })
	e.topics.Confirm = e.p.Confirm
	ep := newEndpoint(t)
	tp := e.topic(t, "events")

	sub, err := e.topics.Subscribe(e.ctx, acct, tp.ARN, topic.ProtocolHTTP, ep.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := ep.wait(t, 1)[0]
	env := r.Envelope
	if err := sns.Verify(&env, e.signer.CertificatePEM()); err != nil {
		t.Errorf("signature: %v", err)
	}
	if env.Type != sns.TypeSubscriptionConfirmation || env.TopicArn != tp.ARN || env.Token != sub.Token || env.SignatureVersion != "2" {
		t.Errorf("confirmation envelope %+v", env)
	}
	if h := r.Header; h.Get("x-amz-sns-message-type") != "SubscriptionConfirmation" || h.Get("x-amz-sns-subscription-arn") != "" {
		t.Errorf("headers %v", h)
	}
	u, err := url.Parse(env.SubscribeURL)
	if q := u.Query(); err != nil || q.Get("Action") != "ConfirmSubscription" || q.Get("TopicArn") != tp.ARN || q.Get("Token") != sub.Token {
		t.Errorf("SubscribeURL %q", env.SubscribeURL)
	}

	// What the subscriber does with it: confirm with the token.
	confirmed, err := e.topics.ConfirmSubscription(e.ctx, env.TopicArn, env.Token)
	if err != nil || !confirmed.Confirmed || confirmed.ARN != sub.ARN {
		t.Fatalf("ConfirmSubscription = %+v, %v", confirmed, err)
	}

	// A confirmed subscription is not asked again, and a NATS one never.
	if _, err := e.topics.Subscribe(e.ctx, acct, tp.ARN, topic.ProtocolHTTP, ep.URL, nil); err != nil {
		t.Fatal(err)
	}
	e.p.Confirm(&topic.Subscription{ARN: tp.ARN + ":x", TopicARN: tp.ARN, Protocol: topic.ProtocolNATS, Endpoint: ep.URL, Token: "t"})
	time.Sleep(100 * time.Millisecond)
	if n := len(ep.received()); n != 1 {
		t.Errorf("endpoint got %d messages, want the one confirmation", n)
	}
}

func TestConfirmRetries(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		first  int
		copies int // confirmations the endpoint gets within 3s
	}{
		{"a 500 is tried again after 2s", http.StatusInternalServerError, 2},
		{"a 404 is not tried again", http.StatusNotFound, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, nil)
			ep := newEndpoint(t)
			ep.status.Store(int32(tc.first))
			sub := &topic.Subscription{ARN: "arn:aws:sns:eu-west-1:123456789012:events:1", TopicARN: "arn:aws:sns:eu-west-1:123456789012:events",
				Protocol: topic.ProtocolHTTP, Endpoint: ep.URL, Token: strings.Repeat("ab", 64)}
			e.p.Confirm(sub)
			first := ep.wait(t, 1)[0]
			ep.status.Store(http.StatusOK)
			time.Sleep(3 * time.Second)
			got := ep.received()
			if len(got) != tc.copies {
				t.Fatalf("endpoint got %d confirmations, want %d", len(got), tc.copies)
			}
			if last := got[len(got)-1]; last.Envelope.MessageId != first.Envelope.MessageId || last.Envelope.Token != sub.Token {
				t.Errorf("the retry is not the same message: %+v", last.Envelope)
			}
		})
	}
}
