package topic

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hikyaku/hikyaku/internal/clock"
	"github.com/hikyaku/hikyaku/internal/fault"
	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/store/sqlite"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

const (
	acct   = "123456789012"
	other  = "210987654321"
	region = "eu-west-1"
)

// env is one test's store, clock and Service, with the subscriptions its
// Confirm hook was called for.
type env struct {
	ctx context.Context
	st  store.Store
	clk *clock.Fake
	s   *Service

	mu        sync.Mutex
	confirmed []string // ARNs of subscriptions Confirm was called for
}

func setup(t *testing.T) *env {
	t.Helper()
	ctx := t.Context()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	for i, id := range []string{acct, other} {
		if err := st.CreateAccount(ctx, &store.Account{ID: id, Name: fmt.Sprintf("a%d", i), SendingEnabled: true,
			EnforcementStatus: "HEALTHY", Max24HourSend: -1, MaxSendRate: -1, CreatedAt: t0, UpdatedAt: t0}); err != nil {
			t.Fatalf("create account: %v", err)
		}
	}
	e := &env{ctx: ctx, st: st, clk: clock.NewFake(t0)}
	e.s = New(st, e.clk, region)
	e.s.Confirm = func(sub *Subscription) {
		e.mu.Lock()
		e.confirmed = append(e.confirmed, sub.ARN)
		e.mu.Unlock()
	}
	return e
}

func (e *env) confirmCalls() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.confirmed)
}

func (e *env) topic(t *testing.T, account, name string) *Topic {
	t.Helper()
	tp, err := e.s.CreateTopic(e.ctx, account, name, nil)
	if err != nil {
		t.Fatalf("CreateTopic(%s): %v", name, err)
	}
	return tp
}

func (e *env) subscribe(t *testing.T, topicARN, protocol, endpoint string) *Subscription {
	t.Helper()
	sub, err := e.s.Subscribe(e.ctx, acct, topicARN, protocol, endpoint, nil)
	if err != nil {
		t.Fatalf("Subscribe(%s %s): %v", protocol, endpoint, err)
	}
	return sub
}

// wantFault fails unless err is a fault with code and status.
func wantFault(t *testing.T, err error, code string, status int) {
	t.Helper()
	f := fault.As(err)
	if f == nil {
		t.Fatalf("got error %v, want fault %s", err, code)
	}
	if f.Code != code || f.HTTPStatus != status {
		t.Errorf("got fault %s/%d (%s), want %s/%d", f.Code, f.HTTPStatus, f.Message, code, status)
	}
}

func TestCreateTopic(t *testing.T) {
	t.Parallel()

	t.Run("creating a topic again returns the first one", func(t *testing.T) {
		t.Parallel()
		e := setup(t)
		first, err := e.s.CreateTopic(e.ctx, acct, "events", map[string]string{"DisplayName": "Events"})
		if err != nil {
			t.Fatal(err)
		}
		if want := "arn:aws:sns:eu-west-1:123456789012:events"; first.ARN != want {
			t.Errorf("ARN = %q, want %q", first.ARN, want)
		}
		e.clk.Advance(time.Hour)
		again, err := e.s.CreateTopic(e.ctx, acct, "events", nil)
		if err != nil {
			t.Fatalf("second CreateTopic: %v", err)
		}
		if again.ARN != first.ARN || !again.CreatedAt.Equal(t0) || again.DisplayName != "Events" {
			t.Errorf("second CreateTopic = %+v, want the first %+v", again, first)
		}
		list, next, err := e.s.ListTopics(e.ctx, acct, "")
		if err != nil || len(list) != 1 || next != "" {
			t.Errorf("ListTopics = %d topics, next %q, %v; want 1", len(list), next, err)
		}
		// The same name in another account is another topic.
		theirs, err := e.s.CreateTopic(e.ctx, other, "events", nil)
		if err != nil || theirs.ARN != "arn:aws:sns:eu-west-1:210987654321:events" {
			t.Errorf("other account's topic = %+v, %v", theirs, err)
		}
	})

	for _, tc := range []struct {
		name, topic string
		attrs       map[string]string
	}{
		{"an empty name is refused", "", nil},
		{"a FIFO topic is refused", "events.fifo", nil},
		{"a name with a dot is refused", "a.b", nil},
		{"a name with a colon is refused", "a:b", nil},
		{"a 257 character name is refused", strings.Repeat("t", 257), nil},
		{"an unknown attribute is refused", "events", map[string]string{"FifoTopic": "true"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			_, err := e.s.CreateTopic(e.ctx, acct, tc.topic, tc.attrs)
			wantFault(t, err, "InvalidParameter", 400)
		})
	}
	t.Run("a 256 character name is accepted", func(t *testing.T) {
		t.Parallel()
		e := setup(t)
		if _, err := e.s.CreateTopic(e.ctx, acct, strings.Repeat("t", 256), nil); err != nil {
			t.Error(err)
		}
	})
}

func TestARNs(t *testing.T) {
	t.Parallel()
	e := setup(t)
	tp := e.topic(t, acct, "events")
	e.topic(t, other, "theirs")
	sub := e.subscribe(t, tp.ARN, ProtocolNATS, "hikyaku.events")
	for _, tc := range []struct {
		name, arn string
		code      string
		status    int
	}{
		{"a topic of another region is refused", "arn:aws:sns:us-east-1:123456789012:events", "InvalidParameter", 400},
		{"a topic of another account is not found", "arn:aws:sns:eu-west-1:210987654321:theirs", "NotFound", 404},
		{"a topic of another service is refused", "arn:aws:sqs:eu-west-1:123456789012:events", "InvalidParameter", 400},
		{"a name without ARN parts is refused", "events", "InvalidParameter", 400},
		{"an ARN with too many parts is refused", "arn:aws:sns:eu-west-1:123456789012:events:a:b", "InvalidParameter", 400},
		{"a missing topic is not found", "arn:aws:sns:eu-west-1:123456789012:missing", "NotFound", 404},
		{"a subscription ARN is not a topic", sub.ARN, "NotFound", 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := e.s.GetByARN(e.ctx, acct, tc.arn)
			wantFault(t, err, tc.code, tc.status)
			_, err = e.s.ListSubscriptions(e.ctx, acct, tc.arn)
			wantFault(t, err, tc.code, tc.status)
			_, err = e.s.Subscribe(e.ctx, acct, tc.arn, ProtocolNATS, "x", nil)
			wantFault(t, err, tc.code, tc.status)
		})
	}
	t.Run("the account's own topic is found", func(t *testing.T) {
		t.Parallel()
		got, err := e.s.GetByARN(e.ctx, acct, tp.ARN)
		if err != nil || got.Name != "events" {
			t.Errorf("GetByARN = %+v, %v", got, err)
		}
	})
}

func TestSubscribe(t *testing.T) {
	t.Parallel()

	t.Run("an HTTP endpoint starts pending and is asked to confirm", func(t *testing.T) {
		t.Parallel()
		e := setup(t)
		tp := e.topic(t, acct, "events")
		sub := e.subscribe(t, tp.ARN, "HTTPS", "https://hooks.example.com/ses")
		if sub.Confirmed || sub.Protocol != ProtocolHTTPS || len(sub.Token) != 128 {
			t.Errorf("new subscription %+v, want pending, https, with a 128-digit token", sub)
		}
		if !strings.HasPrefix(sub.ARN, tp.ARN+":") || sub.TopicARN != tp.ARN || sub.AccountID != acct {
			t.Errorf("subscription ARN %q / topic %q / account %q", sub.ARN, sub.TopicARN, sub.AccountID)
		}
		if got := e.confirmCalls(); !slices.Equal(got, []string{sub.ARN}) {
			t.Errorf("Confirm called for %q, want once for %s", got, sub.ARN)
		}
		again := e.subscribe(t, tp.ARN, ProtocolHTTPS, "https://hooks.example.com/ses")
		if again.ARN != sub.ARN || again.Token != sub.Token {
			t.Errorf("subscribing again made %s, want the existing %s", again.ARN, sub.ARN)
		}
		if got := e.confirmCalls(); len(got) != 2 {
			t.Errorf("Confirm called %d times, want again for a pending subscription", len(got))
		}
		list, err := e.s.ListSubscriptions(e.ctx, acct, tp.ARN)
		if err != nil || len(list) != 1 {
			t.Errorf("ListSubscriptions = %d, %v; want 1", len(list), err)
		}
		if subs, _ := e.s.Confirmed(e.ctx, tp.ARN); len(subs) != 0 {
			t.Errorf("a pending subscription is among the confirmed: %v", subs)
		}
	})

	t.Run("a NATS subject is confirmed at once", func(t *testing.T) {
		t.Parallel()
		e := setup(t)
		tp := e.topic(t, acct, "events")
		sub := e.subscribe(t, tp.ARN, ProtocolNATS, "hikyaku.events")
		if !sub.Confirmed || !sub.ConfirmedAt.Equal(t0) {
			t.Errorf("NATS subscription %+v, want confirmed at %v", sub, t0)
		}
		again := e.subscribe(t, tp.ARN, ProtocolNATS, "hikyaku.events")
		if again.ARN != sub.ARN {
			t.Errorf("subscribing again made %s, want %s", again.ARN, sub.ARN)
		}
		if got := e.confirmCalls(); len(got) != 0 {
			t.Errorf("Confirm called for %q, want never", got)
		}
		subs, err := e.s.Confirmed(e.ctx, tp.ARN)
		if err != nil || len(subs) != 1 || subs[0].ARN != sub.ARN {
			t.Errorf("Confirmed = %v, %v", subs, err)
		}
	})

	t.Run("the same endpoint on two protocols is two subscriptions", func(t *testing.T) {
		t.Parallel()
		e := setup(t)
		tp := e.topic(t, acct, "events")
		a := e.subscribe(t, tp.ARN, ProtocolHTTP, "http://hooks.example.com/ses")
		b := e.subscribe(t, tp.ARN, ProtocolHTTP, "http://hooks.example.com/ses2")
		if a.ARN == b.ARN {
			t.Error("two endpoints got one subscription")
		}
	})

	t.Run("RawMessageDelivery is kept and can be changed", func(t *testing.T) {
		t.Parallel()
		e := setup(t)
		tp := e.topic(t, acct, "events")
		sub, err := e.s.Subscribe(e.ctx, acct, tp.ARN, ProtocolNATS, "s", map[string]string{"RawMessageDelivery": "TRUE"})
		if err != nil || !sub.RawMessageDelivery {
			t.Fatalf("Subscribe = %+v, %v", sub, err)
		}
		if err := e.s.SetRawMessageDelivery(e.ctx, acct, sub.ARN, false); err != nil {
			t.Fatal(err)
		}
		got, err := e.s.GetSubscription(e.ctx, acct, sub.ARN)
		if err != nil || got.RawMessageDelivery {
			t.Errorf("after SetRawMessageDelivery(false): %+v, %v", got, err)
		}
	})

	for _, tc := range []struct {
		name, protocol, endpoint string
		attrs                    map[string]string
	}{
		{"an http protocol with an https URL is refused", ProtocolHTTP, "https://hooks.example.com/", nil},
		{"an https protocol with an http URL is refused", ProtocolHTTPS, "http://hooks.example.com/", nil},
		{"a URL without a host is refused", ProtocolHTTPS, "https:///ses", nil},
		{"an empty protocol is refused", "", "https://hooks.example.com/", nil},
		{"the email protocol is refused", "email", "a@example.com", nil},
		{"an SQS queue is refused", "sqs", "arn:aws:sqs:eu-west-1:123456789012:q", nil},
		{"a NATS wildcard is refused", ProtocolNATS, "hikyaku.*", nil},
		{"a NATS full wildcard is refused", ProtocolNATS, "hikyaku.>", nil},
		{"a NATS subject with a space is refused", ProtocolNATS, "hikyaku events", nil},
		{"an empty NATS subject is refused", ProtocolNATS, "", nil},
		{"a filter policy is refused", ProtocolNATS, "s", map[string]string{"FilterPolicy": "{}"}},
		{"an unknown attribute is refused", ProtocolNATS, "s", map[string]string{"Colour": "blue"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			tp := e.topic(t, acct, "events")
			_, err := e.s.Subscribe(e.ctx, acct, tp.ARN, tc.protocol, tc.endpoint, tc.attrs)
			wantFault(t, err, "InvalidParameter", 400)
			if list, _ := e.s.ListSubscriptions(e.ctx, acct, tp.ARN); len(list) != 0 {
				t.Errorf("a refused subscription was stored: %v", list)
			}
		})
	}
}

func TestConfirmSubscription(t *testing.T) {
	t.Parallel()
	e := setup(t)
	tp := e.topic(t, acct, "events")
	sub := e.subscribe(t, tp.ARN, ProtocolHTTPS, "https://hooks.example.com/ses")
	// Fill the cache of confirmed subscriptions: confirming must clear it.
	if subs, _ := e.s.Confirmed(e.ctx, tp.ARN); len(subs) != 0 {
		t.Fatalf("confirmed before confirmation: %v", subs)
	}

	for _, tc := range []struct {
		name, topicARN, token string
		code                  string
	}{
		{"a wrong token is refused", tp.ARN, strings.Repeat("0", 128), "InvalidParameter"},
		{"an empty token is refused", tp.ARN, "", "InvalidParameter"},
		{"a subscription ARN as topic is refused", sub.ARN, sub.Token, "InvalidParameter"},
		{"a topic of another region is refused", "arn:aws:sns:us-east-1:123456789012:events", sub.Token, "InvalidParameter"},
		{"another topic's token is refused", "arn:aws:sns:eu-west-1:123456789012:other", sub.Token, "InvalidParameter"},
	} {
		_, err := e.s.ConfirmSubscription(e.ctx, tc.topicARN, tc.token)
		t.Run(tc.name, func(t *testing.T) { wantFault(t, err, tc.code, 400) })
	}

	e.clk.Advance(time.Minute)
	got, err := e.s.ConfirmSubscription(e.ctx, tp.ARN, sub.Token)
	if err != nil {
		t.Fatalf("ConfirmSubscription: %v", err)
	}
	if !got.Confirmed || !got.ConfirmedAt.Equal(t0.Add(time.Minute)) || got.ARN != sub.ARN {
		t.Errorf("confirmed subscription %+v", got)
	}
	subs, err := e.s.Confirmed(e.ctx, tp.ARN)
	if err != nil || len(subs) != 1 || subs[0].ARN != sub.ARN {
		t.Errorf("Confirmed right after confirmation = %v, %v", subs, err)
	}

	// Confirming again is harmless and keeps the first time.
	e.clk.Advance(time.Minute)
	again, err := e.s.ConfirmSubscription(e.ctx, tp.ARN, sub.Token)
	if err != nil || !again.ConfirmedAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("second ConfirmSubscription = %+v, %v", again, err)
	}
	// A confirmed subscription is not asked to confirm when subscribed again.
	calls := len(e.confirmCalls())
	e.subscribe(t, tp.ARN, ProtocolHTTPS, "https://hooks.example.com/ses")
	if n := len(e.confirmCalls()); n != calls {
		t.Errorf("Confirm called for a confirmed subscription")
	}
}

func TestConfirmedCache(t *testing.T) {
	t.Parallel()
	e := setup(t)
	node2 := New(e.st, e.clk, region) // another node on the same store
	tp := e.topic(t, acct, "events")
	a := e.subscribe(t, tp.ARN, ProtocolNATS, "a")
	if subs, _ := e.s.Confirmed(e.ctx, tp.ARN); len(subs) != 1 {
		t.Fatalf("Confirmed = %v, want a", subs)
	}

	b, err := node2.Subscribe(e.ctx, acct, tp.ARN, ProtocolNATS, "b", nil)
	if err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(CacheTTL - time.Millisecond)
	if subs, _ := e.s.Confirmed(e.ctx, tp.ARN); len(subs) != 1 {
		t.Errorf("within CacheTTL: %d confirmed, want the cached 1", len(subs))
	}
	e.clk.Advance(time.Millisecond)
	if subs, _ := e.s.Confirmed(e.ctx, tp.ARN); len(subs) != 2 {
		t.Errorf("after CacheTTL: %d confirmed, want 2", len(subs))
	}

	// Changes through the same Service show at once.
	if err := e.s.Unsubscribe(e.ctx, acct, a.ARN); err != nil {
		t.Fatal(err)
	}
	if subs, _ := e.s.Confirmed(e.ctx, tp.ARN); len(subs) != 1 || subs[0].ARN != b.ARN {
		t.Errorf("right after Unsubscribe: %v, want b alone", subs)
	}
	if err := e.s.DeleteTopic(e.ctx, acct, tp.ARN); err != nil {
		t.Fatal(err)
	}
	if subs, _ := e.s.Confirmed(e.ctx, tp.ARN); len(subs) != 0 {
		t.Errorf("right after DeleteTopic: %v, want none", subs)
	}

	for _, arn := range []string{"arn:aws:sns:us-east-1:123456789012:events", "nonsense", a.ARN} {
		if subs, err := e.s.Confirmed(e.ctx, arn); err != nil || len(subs) != 0 {
			t.Errorf("Confirmed(%q) = %v, %v; want none", arn, subs, err)
		}
	}
}

func TestUnsubscribe(t *testing.T) {
	t.Parallel()
	e := setup(t)
	tp := e.topic(t, acct, "events")
	sub := e.subscribe(t, tp.ARN, ProtocolNATS, "a")

	wantFault(t, e.s.Unsubscribe(e.ctx, other, sub.ARN), "NotFound", 404)
	wantFault(t, e.s.Unsubscribe(e.ctx, acct, tp.ARN), "InvalidParameter", 400)
	wantFault(t, e.s.Unsubscribe(e.ctx, acct, "arn:aws:sns:us-east-1:123456789012:events:x"), "InvalidParameter", 400)
	if _, err := e.s.GetSubscription(e.ctx, other, sub.ARN); fault.As(err) == nil {
		t.Errorf("another account read the subscription: %v", err)
	}

	if got, err := e.s.Lookup(e.ctx, sub.ARN); err != nil || got == nil || got.ARN != sub.ARN {
		t.Errorf("Lookup before Unsubscribe = %+v, %v", got, err)
	}
	if err := e.s.Unsubscribe(e.ctx, acct, sub.ARN); err != nil {
		t.Fatalf("Unsubscribe: %v", err)
	}
	wantFault(t, e.s.Unsubscribe(e.ctx, acct, sub.ARN), "NotFound", 404)
	_, err := e.s.GetSubscription(e.ctx, acct, sub.ARN)
	wantFault(t, err, "NotFound", 404)
	if got, err := e.s.Lookup(e.ctx, sub.ARN); err != nil || got != nil {
		t.Errorf("Lookup after Unsubscribe = %+v, %v; want nil, nil", got, err)
	}
	for _, arn := range []string{"nonsense", tp.ARN, "arn:aws:sns:us-east-1:123456789012:events:x"} {
		if got, err := e.s.Lookup(e.ctx, arn); err != nil || got != nil {
			t.Errorf("Lookup(%q) = %+v, %v; want nil, nil", arn, got, err)
		}
	}
}

func TestDeleteTopic(t *testing.T) {
	t.Parallel()
	e := setup(t)
	// "events-2" shares a prefix with "events": its subscriptions stay.
	tp := e.topic(t, acct, "events")
	tp2 := e.topic(t, acct, "events-2")
	sub := e.subscribe(t, tp.ARN, ProtocolNATS, "a")
	sub2 := e.subscribe(t, tp2.ARN, ProtocolNATS, "b")

	wantFault(t, e.s.DeleteTopic(e.ctx, other, tp.ARN), "NotFound", 404)
	wantFault(t, e.s.DeleteTopic(e.ctx, acct, "arn:aws:sns:us-east-1:123456789012:events"), "InvalidParameter", 400)
	wantFault(t, e.s.DeleteTopic(e.ctx, acct, sub.ARN), "InvalidParameter", 400)
	if _, err := e.s.GetByARN(e.ctx, acct, tp.ARN); err != nil {
		t.Fatalf("a refused DeleteTopic deleted the topic: %v", err)
	}

	if err := e.s.DeleteTopic(e.ctx, acct, tp.ARN); err != nil {
		t.Fatalf("DeleteTopic: %v", err)
	}
	_, err := e.s.GetByARN(e.ctx, acct, tp.ARN)
	wantFault(t, err, "NotFound", 404)
	if got, _ := e.s.Lookup(e.ctx, sub.ARN); got != nil {
		t.Errorf("the deleted topic's subscription is still there: %+v", got)
	}
	if got, _ := e.s.Lookup(e.ctx, sub2.ARN); got == nil {
		t.Error("the other topic's subscription went with it")
	}
	if err := e.s.DeleteTopic(e.ctx, acct, tp.ARN); err != nil {
		t.Errorf("deleting a missing topic: %v, want success as on SNS", err)
	}
	// A topic made again under the old name starts without subscriptions.
	e.topic(t, acct, "events")
	if list, err := e.s.ListSubscriptions(e.ctx, acct, tp.ARN); err != nil || len(list) != 0 {
		t.Errorf("recreated topic has subscriptions %v, %v", list, err)
	}
}

func TestListTopics(t *testing.T) {
	t.Parallel()
	e := setup(t)
	for i := range 101 {
		e.topic(t, acct, fmt.Sprintf("t%03d", i))
	}
	e.topic(t, other, "theirs")
	first, next, err := e.s.ListTopics(e.ctx, acct, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != 100 || first[0].Name != "t000" || next != "t099" {
		t.Errorf("first page: %d topics from %s, next %q; want 100 from t000, next t099", len(first), first[0].Name, next)
	}
	second, next, err := e.s.ListTopics(e.ctx, acct, next)
	if err != nil {
		t.Fatal(err)
	}
	if len(second) != 1 || second[0].Name != "t100" || next != "" {
		t.Errorf("second page: %v, next %q; want t100 alone", second, next)
	}
}

func TestIdentityNotifications(t *testing.T) {
	t.Parallel()
	e := setup(t)
	n, err := e.s.IdentityNotifications(e.ctx, acct, "example.com")
	if err != nil || *n != (Notifications{}) {
		t.Fatalf("settings of an identity never set = %+v, %v; want zero", n, err)
	}
	bounces := "arn:aws:sns:eu-west-1:123456789012:bounces"
	for _, change := range []func(*Notifications) error{
		func(n *Notifications) error { n.BounceTopic, n.HeadersInBounce = bounces, true; return nil },
		func(n *Notifications) error { n.DeliveryTopic = bounces; return nil }, // keeps the first change
	} {
		if err := e.s.SetIdentityNotifications(e.ctx, acct, "Example.COM", change); err != nil {
			t.Fatal(err)
		}
	}
	n, err = e.s.IdentityNotifications(e.ctx, acct, "example.com")
	if err != nil {
		t.Fatal(err)
	}
	want := Notifications{BounceTopic: bounces, HeadersInBounce: true, DeliveryTopic: bounces}
	if *n != want {
		t.Errorf("settings = %+v, want %+v", *n, want)
	}
	for _, tc := range []struct {
		typ     string
		arn     string
		headers bool
	}{
		{"Bounce", bounces, true},
		{"Delivery", bounces, false},
		{"Complaint", "", false},
		{"Send", "", false},
	} {
		if arn, headers := n.Topic(tc.typ); arn != tc.arn || headers != tc.headers {
			t.Errorf("Topic(%s) = %q, %v; want %q, %v", tc.typ, arn, headers, tc.arn, tc.headers)
		}
	}
	if n, _ := e.s.IdentityNotifications(e.ctx, other, "example.com"); *n != (Notifications{}) {
		t.Errorf("another account sees the settings: %+v", n)
	}
}
