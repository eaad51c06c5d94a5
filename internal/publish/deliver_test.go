package publish

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/hikyaku/hikyaku/internal/configset"
	"github.com/hikyaku/hikyaku/internal/eventlog"
	"github.com/hikyaku/hikyaku/internal/sns"
	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/topic"
)

// oneDelivery sets up a configuration set whose one destination's topic
// has ep subscribed, and appends a Send event that happened age ago.
func oneDelivery(t *testing.T, e *env, ep *endpoint, age time.Duration) (*topic.Subscription, *store.Event) {
	t.Helper()
	tp := e.topic(t, "events")
	sub := e.subscribe(t, tp.ARN, ep)
	e.configSet(t, "cs", snsDestination("d", tp.ARN, true, configset.EventTypes...))
	se := event(t, e.message(t, "sender@example.com", "cs"), "Send", e.clk.Now().Add(-age))
	e.appendEvents(t, se)
	return sub, se
}

func TestDeliveryOutcomes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		status int
		age    time.Duration
		state  string
		reason string // in LastError
	}{
		{"a 200 delivers", http.StatusOK, 0, store.DeliveryDelivered, ""},
		{"a 204 delivers", http.StatusNoContent, 0, store.DeliveryDelivered, ""},
		{"a 500 is retried", http.StatusInternalServerError, 0, store.DeliveryPending, "500"},
		{"a 503 is retried", http.StatusServiceUnavailable, 0, store.DeliveryPending, "503"},
		{"a 408 is retried", http.StatusRequestTimeout, 0, store.DeliveryPending, "408"},
		{"a 429 is retried", http.StatusTooManyRequests, 0, store.DeliveryPending, "429"},
		{"a 404 is dead", http.StatusNotFound, 0, store.DeliveryDead, "404"},
		{"a 403 is dead", http.StatusForbidden, 0, store.DeliveryDead, "403"},
		{"a redirect is dead", http.StatusMovedPermanently, 0, store.DeliveryDead, "redirect"},
		{"a 500 an hour before MaxAge is retried", http.StatusInternalServerError, sns.MaxAge - time.Hour, store.DeliveryPending, "500"},
		{"a 500 for an event of MaxAge is dead", http.StatusInternalServerError, sns.MaxAge, store.DeliveryDead, "gave up after 24h0m0s: HTTP 500"},
		{"a 404 for an old event is dead for the 404", http.StatusNotFound, 2 * sns.MaxAge, store.DeliveryDead, "HTTP 404"},
		{"a 200 for an old event still delivers", http.StatusOK, 2 * sns.MaxAge, store.DeliveryDelivered, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, nil)
			ep := newEndpoint(t)
			ep.status.Store(int32(tc.status))
			if tc.status == http.StatusMovedPermanently {
				ep.header.Set("Location", "https://elsewhere.example.com/")
			}
			oneDelivery(t, e, ep, tc.age)
			list := e.deliverDue(t)
			if len(list) != 1 {
				t.Fatalf("%d deliveries, want 1", len(list))
			}
			d := list[0]
			if d.State != tc.state || d.Attempts != 1 || !strings.Contains(d.LastError, tc.reason) ||
				(tc.reason == "") != (d.LastError == "") {
				t.Errorf("delivery: state %s, attempts %d, error %q; want %s, 1, containing %q",
					d.State, d.Attempts, d.LastError, tc.state, tc.reason)
			}
			if len(ep.received()) != 1 {
				t.Errorf("endpoint got %d attempts, want 1", len(ep.received()))
			}
			// What was recorded: a pending delivery is due again (the first
			// retries are immediate), a finished one never.
			h := e.health(t)[d.Target]
			want := map[string]int64{store.DeliveryPending: 0, store.DeliveryDelivered: 0, store.DeliveryDead: 0}
			want[tc.state] = 1
			if h.Pending != want[store.DeliveryPending] || h.Delivered != want[store.DeliveryDelivered] || h.Dead != want[store.DeliveryDead] {
				t.Errorf("recorded %+v, want one %s", h, tc.state)
			}
			e.clk.Advance(sns.MaxDelay)
			if again := e.claim(t); (len(again) == 1) != (tc.state == store.DeliveryPending) {
				t.Errorf("claimed %d deliveries afterwards, want 1 only if pending", len(again))
			}
		})
	}
}

func TestRetrySchedule(t *testing.T) {
	t.Parallel()
	e := setup(t, nil)
	ep := newEndpoint(t)
	ep.status.Store(http.StatusInternalServerError)
	_, se := oneDelivery(t, e, ep, 0)
	e.fanOut(t)

	var (
		ids  []string
		last *store.EventDelivery
	)
	for attempt := 1; attempt <= 8; attempt++ {
		list := e.claim(t)
		if len(list) != 1 {
			t.Fatalf("attempt %d: claimed %d, want the one delivery", attempt, len(list))
		}
		d := list[0]
		now := e.clk.Now()
		e.p.deliver(e.ctx, d)
		if d.State != store.DeliveryPending || d.Attempts != attempt {
			t.Fatalf("attempt %d: state %s, attempts %d", attempt, d.State, d.Attempts)
		}
		// The first three retries are immediate; then the wait doubles
		// from 10s, jittered down by up to 20%.
		wait := d.NextAttemptAt.Sub(now)
		if attempt <= 3 {
			if wait != 0 {
				t.Errorf("attempt %d: next attempt in %v, want at once", attempt, wait)
			}
		} else {
			nominal := 10 * time.Second << (attempt - 4)
			if wait <= 0 || wait > nominal || wait < nominal*8/10 {
				t.Errorf("attempt %d: next attempt in %v, want in (%v, %v]", attempt, wait, nominal*8/10, nominal)
			}
			// Not due before its time.
			e.clk.Set(d.NextAttemptAt.Add(-time.Millisecond))
			if early := e.claim(t); len(early) != 0 {
				t.Errorf("attempt %d: claimed %v before it was due", attempt, d.NextAttemptAt)
			}
		}
		e.clk.Set(d.NextAttemptAt)
		last = d
	}
	for _, r := range ep.received() {
		ids = append(ids, r.Header.Get("x-amz-sns-message-id"))
		if r.Envelope.MessageId != ids[0] {
			t.Errorf("envelope MessageId %s differs from the first attempt's %s", r.Envelope.MessageId, ids[0])
		}
	}
	if len(ids) != 8 || ids[0] != messageID(last) {
		t.Errorf("endpoint got %d attempts with ids %q, want 8 with %s", len(ids), ids, messageID(last))
	}

	// When the event is MaxAge old the next failure is the last.
	e.clk.Set(se.At.Add(sns.MaxAge))
	list := e.claim(t)
	if len(list) != 1 {
		t.Fatalf("claimed %d at MaxAge, want 1", len(list))
	}
	e.p.deliver(e.ctx, list[0])
	if d := list[0]; d.State != store.DeliveryDead || !strings.HasPrefix(d.LastError, "gave up after 24h0m0s") {
		t.Errorf("at MaxAge: state %s, error %q; want dead, gave up", d.State, d.LastError)
	}
	e.clk.Advance(time.Hour)
	if more := e.claim(t); len(more) != 0 {
		t.Errorf("a dead delivery was claimed again")
	}
}

func TestGoneBeforeDelivery(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		remove func(*env, *topic.Subscription) error
		reason string
	}{
		{"a deleted subscription", func(e *env, sub *topic.Subscription) error {
			return e.topics.Unsubscribe(e.ctx, acct, sub.ARN)
		}, "the subscription no longer exists"},
		{"a deleted topic", func(e *env, sub *topic.Subscription) error {
			return e.topics.DeleteTopic(e.ctx, acct, sub.TopicARN)
		}, "the subscription no longer exists"},
	} {
		t.Run(tc.name+" makes its delivery dead", func(t *testing.T) {
			t.Parallel()
			e := setup(t, nil)
			ep := newEndpoint(t)
			sub, _ := oneDelivery(t, e, ep, 0)
			e.fanOut(t)
			if err := tc.remove(e, sub); err != nil {
				t.Fatal(err)
			}
			list := e.deliverDue(t)
			if len(list) != 1 || list[0].State != store.DeliveryDead || list[0].LastError != tc.reason {
				t.Fatalf("deliveries %+v, want one dead: %s", list, tc.reason)
			}
			if n := len(ep.received()); n != 0 {
				t.Errorf("endpoint got %d messages", n)
			}
		})
	}

	t.Run("an event whose message is gone is dead", func(t *testing.T) {
		t.Parallel()
		e := setup(t, nil)
		ep := newEndpoint(t)
		tp := e.topic(t, "events")
		e.subscribe(t, tp.ARN, ep)
		e.configSet(t, "cs", snsDestination("d", tp.ARN, true, "SEND"))
		e.appendEvents(t, eventlog.Send(eventlog.Message{AccountID: acct, ID: "0102019000000000-missing-000000",
			Source: "sender@example.com", ConfigurationSet: "cs"}, t0))
		list := e.deliverDue(t)
		if len(list) != 1 || list[0].State != store.DeliveryDead || list[0].LastError != "the event's message no longer exists" {
			t.Fatalf("deliveries %+v, want one dead", list)
		}
	})
}

func TestNATSWithoutServer(t *testing.T) {
	t.Parallel()
	e := setup(t, nil) // no NATSURL
	tp := e.topic(t, "events")
	if _, err := e.topics.Subscribe(e.ctx, acct, tp.ARN, topic.ProtocolNATS, "hikyaku.events", nil); err != nil {
		t.Fatal(err)
	}
	e.configSet(t, "cs", snsDestination("d", tp.ARN, true, "SEND"))
	e.appendEvents(t, event(t, e.message(t, "sender@example.com", "cs"), "Send", t0))
	list := e.deliverDue(t)
	if len(list) != 1 || list[0].State != store.DeliveryPending || !strings.Contains(list[0].LastError, "no NATS server is configured") {
		t.Fatalf("deliveries %+v, want one pending for want of a NATS server", list)
	}
}

// natsURL is the NATS server (with JetStream) the NATS tests use.
const natsURL = "nats://127.0.0.1:4222"

// jetStream connects to the local NATS server, or skips the test.
func jetStream(t *testing.T) jetstream.JetStream {
	t.Helper()
	conn, err := net.DialTimeout("tcp", "127.0.0.1:4222", time.Second)
	if err != nil {
		t.Skipf("no NATS server at %s (%v): start nats-server -js to run this test", natsURL, err)
	}
	conn.Close()
	nc, err := nats.Connect(natsURL)
	if err != nil {
		t.Fatalf("connect to %s: %v", natsURL, err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

func TestNATS(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		// operatorStream is whether a stream made beforehand captures the
		// subject; else the publisher makes one of its own.
		operatorStream bool
	}{
		{"a subject no stream captures gets a stream of its own", false},
		{"a subject an existing stream captures is published there", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			js := jetStream(t)
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			var b [6]byte
			_, _ = rand.Read(b[:])
			id := hex.EncodeToString(b[:])
			subject := "hikyaku.test." + id + ".events"
			own := "HIKYAKU_hikyaku_test_" + id + "_events" // the name the publisher gives it
			stream := own
			if tc.operatorStream {
				stream = "OPERATOR_TEST_" + strings.ToUpper(id)
				if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: stream, Subjects: []string{"hikyaku.test." + id + ".>"},
					Duplicates: time.Hour}); err != nil {
					t.Fatalf("create operator's stream: %v", err)
				}
			}
			t.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				for _, s := range []string{stream, own} {
					if err := js.DeleteStream(ctx, s); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
						t.Errorf("delete stream %s: %v", s, err)
					}
				}
			})

			e := setup(t, func(c *Config) { c.NATSURL = natsURL })
			t.Cleanup(func() {
				if e.p.nats != nil {
					e.p.nats.Close()
				}
			})
			tp := e.topic(t, "events")
			if _, err := e.topics.Subscribe(e.ctx, acct, tp.ARN, topic.ProtocolNATS, subject, nil); err != nil {
				t.Fatal(err)
			}
			e.configSet(t, "cs", snsDestination("d", tp.ARN, true, "SEND"))
			m := e.message(t, "sender@example.com", "cs")
			e.appendEvents(t, event(t, m, "Send", t0))

			list := e.deliverDue(t)
			if len(list) != 1 || list[0].State != store.DeliveryDelivered {
				for _, d := range list {
					t.Logf("delivery to %s: %s (%s)", d.Target, d.State, d.LastError)
				}
				t.Fatalf("%d deliveries, want one delivered", len(list))
			}
			d := list[0]
			// Publishing the same delivery again (a retry after a crash)
			// is dropped by JetStream's duplicate window.
			if res := e.p.attempt(e.ctx, d); res.Outcome != sns.Delivered {
				t.Fatalf("second attempt: %v %s", res.Outcome, res.Reason)
			}

			s, err := js.Stream(ctx, stream)
			if err != nil {
				t.Fatalf("stream %s: %v", stream, err)
			}
			if tc.operatorStream {
				if _, err := js.Stream(ctx, own); !errors.Is(err, jetstream.ErrStreamNotFound) {
					t.Errorf("publisher made stream %s although %s captures the subject (%v)", own, stream, err)
				}
			}
			c, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{FilterSubjects: []string{subject}})
			if err != nil {
				t.Fatal(err)
			}
			batch, err := c.Fetch(10, jetstream.FetchMaxWait(2*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			var msgs []jetstream.Msg
			for msg := range batch.Messages() {
				msgs = append(msgs, msg)
			}
			if err := batch.Error(); err != nil {
				t.Fatalf("fetch: %v", err)
			}
			if len(msgs) != 1 {
				t.Fatalf("stream has %d messages on %s, want 1", len(msgs), subject)
			}
			msg := msgs[0]
			if got := msg.Headers().Get(jetstream.MsgIDHeader); got != messageID(d) {
				t.Errorf("Nats-Msg-Id = %q, want %q", got, messageID(d))
			}
			var p map[string]any
			if err := json.Unmarshal(msg.Data(), &p); err != nil {
				t.Fatalf("message is not JSON: %v", err)
			}
			mail, _ := p["mail"].(map[string]any)
			if p["eventType"] != "Send" || mail["messageId"] != m.ID {
				t.Errorf("published %s", msg.Data())
			}
		})
	}
}
