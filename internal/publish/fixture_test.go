package publish

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hikyaku/hikyaku/internal/clock"
	"github.com/hikyaku/hikyaku/internal/configset"
	"github.com/hikyaku/hikyaku/internal/eventlog"
	"github.com/hikyaku/hikyaku/internal/sns"
	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/store/sqlite"
	"github.com/hikyaku/hikyaku/internal/topic"
)

// t0 is when every test's clock starts.
var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

const (
	acct   = "123456789012"
	region = "eu-west-1"
	owner  = "test-node"
)

// testSigner is one signing key for all tests: making an RSA key is slow.
var testSigner = sync.OnceValues(func() (*sns.Signer, error) {
	key, cert, err := sns.GenerateSigner("sns.eu-west-1.hikyaku.test")
	if err != nil {
		return nil, err
	}
	return sns.NewSigner(key, cert)
})

// env is one test's store, clock, services and publisher.
type env struct {
	ctx    context.Context
	st     store.Store
	clk    *clock.Fake
	sets   *configset.Service
	topics *topic.Service
	signer *sns.Signer
	p      *Publisher
	seq    atomic.Int64
}

// setup makes an env with one account; change, if not nil, adjusts the
// publisher's Config.
func setup(t *testing.T, change func(*Config)) *env {
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
	if err := st.CreateAccount(ctx, &store.Account{ID: acct, Name: "a", SendingEnabled: true,
		EnforcementStatus: "HEALTHY", Max24HourSend: -1, MaxSendRate: -1, CreatedAt: t0, UpdatedAt: t0}); err != nil {
		t.Fatalf("create account: %v", err)
	}
	signer, err := testSigner()
	if err != nil {
		t.Fatalf("signer: %v", err)
	}
	e := &env{ctx: ctx, st: st, clk: clock.NewFake(t0), signer: signer}
	e.sets = configset.New(st, e.clk)
	e.topics = topic.New(st, e.clk, region)
	cfg := Config{
		Owner:     owner,
		Region:    region,
		Endpoints: sns.Endpoints{API: "https://sns.hikyaku.test/", SigningCert: "https://sns.hikyaku.test/sns/" + signer.CertFileName()},
		HTTP:      &http.Client{Timeout: 5 * time.Second},
	}
	if change != nil {
		change(&cfg)
	}
	e.p = New(st, e.sets, e.topics, signer, e.clk, slog.New(slog.DiscardHandler), nil, cfg)
	return e
}

// topic creates a topic of the account.
func (e *env) topic(t *testing.T, name string) *topic.Topic {
	t.Helper()
	tp, err := e.topics.CreateTopic(e.ctx, acct, name, nil)
	if err != nil {
		t.Fatalf("CreateTopic(%s): %v", name, err)
	}
	return tp
}

// subscribe subscribes ep to topicARN and confirms the subscription.
func (e *env) subscribe(t *testing.T, topicARN string, ep *endpoint) *topic.Subscription {
	t.Helper()
	sub, err := e.topics.Subscribe(e.ctx, acct, topicARN, topic.ProtocolHTTP, ep.URL, nil)
	if err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	sub, err = e.topics.ConfirmSubscription(e.ctx, topicARN, sub.Token)
	if err != nil {
		t.Fatalf("ConfirmSubscription: %v", err)
	}
	return sub
}

// configSet creates a configuration set with destinations.
func (e *env) configSet(t *testing.T, name string, dests ...*configset.Destination) {
	t.Helper()
	if err := e.sets.Create(e.ctx, acct, &configset.Set{Name: name, SendingEnabled: true}); err != nil {
		t.Fatalf("create configuration set %s: %v", name, err)
	}
	for _, d := range dests {
		if err := e.sets.CreateDestination(e.ctx, acct, name, d); err != nil {
			t.Fatalf("create destination %s: %v", d.Name, err)
		}
	}
}

// message inserts a message from source to rcpt@example.net, sent with the
// configuration set set ("" for none).
func (e *env) message(t *testing.T, source, set string) *store.Message {
	t.Helper()
	now := e.clk.Now()
	id := fmt.Sprintf("0102019%09x-6d2f1c8e-0000-4000-8000-%012x-000000", e.seq.Add(1), e.seq.Load())
	body := []byte("From: " + source + "\r\nTo: rcpt@example.net\r\nSubject: Hello\r\n" +
		"Message-ID: <" + id + "@eu-west-1.hikyaku.test>\r\nDate: Sat, 01 Mar 2025 12:00:00 +0000\r\n\r\nhello\r\n")
	m := &store.Message{
		ID: id, AccountID: acct, Source: source, FromHeader: source, Subject: "Hello",
		ConfigurationSet: set, Origin: "api-v2", CreatedAt: now, Size: len(body), Body: body,
		Tags: []store.Tag{{Name: "ses:operation", Value: "SendEmail"}, {Name: "campaign", Value: "spring"}},
		Recipients: []store.Recipient{{MessageID: id, Address: "rcpt@example.net", Domain: "example.net",
			Status: store.RcptQueued, NextAttemptAt: now, UpdatedAt: now}},
	}
	if err := e.st.InsertMessage(e.ctx, m); err != nil {
		t.Fatalf("InsertMessage: %v", err)
	}
	return m
}

// event returns the log entry of an event of type typ about m's recipient
// at at, as the delivery code makes it.
func event(t *testing.T, m *store.Message, typ string, at time.Time) *store.Event {
	t.Helper()
	msg := eventlog.MessageOf(m)
	if typ == "Send" {
		return eventlog.Send(msg, at)
	}
	r := m.Recipients[0]
	switch typ {
	case "Delivery":
		r.Status, r.Outcome = store.RcptDelivered, store.Outcome{SMTPReply: "250 2.0.0 OK", ProcessingTimeMillis: 1200}
	case "Bounce":
		r.Status, r.Outcome = store.RcptBounced, store.Outcome{BounceType: "Permanent", BounceSubType: "General",
			Status: "5.1.1", SMTPReply: "550 5.1.1 user unknown", Diagnostic: "smtp; 550 5.1.1 user unknown"}
	case "Complaint":
		r.Status, r.Outcome = store.RcptComplained, store.Outcome{ComplaintFeedbackType: "abuse"}
	case "DeliveryDelay":
		r.Status, r.Outcome = store.RcptDeferred, store.Outcome{Status: "4.2.2", SMTPReply: "452 4.2.2 mailbox full", DelayType: "MailboxFull"}
	default:
		t.Fatalf("no event of type %s", typ)
	}
	for _, se := range eventlog.Outcome(msg, &r, at, eventlog.Options{ReportingMTA: "mta.hikyaku.test",
		RemoteAddr: "192.0.2.25:25", Expiration: at.Add(12 * time.Hour)}) {
		if se.Type == typ {
			return se
		}
	}
	t.Fatalf("eventlog.Outcome made no %s event", typ)
	return nil
}

// appendEvents adds evs to the event log.
func (e *env) appendEvents(t *testing.T, evs ...*store.Event) {
	t.Helper()
	if err := e.st.AppendEvents(e.ctx, evs); err != nil {
		t.Fatalf("AppendEvents: %v", err)
	}
}

// fanOut routes every event not yet fanned out.
func (e *env) fanOut(t *testing.T) {
	t.Helper()
	if _, err := e.st.FanOutEvents(e.ctx, e.clk.Now(), 1000, e.p.route); err != nil {
		t.Fatalf("FanOutEvents: %v", err)
	}
}

// claim leases the deliveries due now.
func (e *env) claim(t *testing.T) []*store.EventDelivery {
	t.Helper()
	list, err := e.st.ClaimEventDeliveries(e.ctx, owner, e.clk.Now(), time.Minute, 1000)
	if err != nil {
		t.Fatalf("ClaimEventDeliveries: %v", err)
	}
	return list
}

// deliverDue fans out, then makes one attempt at every delivery due now,
// one after the other, and returns them with their new state.
func (e *env) deliverDue(t *testing.T) []*store.EventDelivery {
	t.Helper()
	e.fanOut(t)
	list := e.claim(t)
	for _, d := range list {
		e.p.deliver(e.ctx, d)
	}
	return list
}

// health returns the account's delivery summary by target.
func (e *env) health(t *testing.T) map[string]store.TargetHealth {
	t.Helper()
	list, err := e.st.EventTargetHealth(e.ctx, acct)
	if err != nil {
		t.Fatalf("EventTargetHealth: %v", err)
	}
	m := map[string]store.TargetHealth{}
	for _, h := range list {
		m[h.Target] = h
	}
	return m
}

// endpoint is an HTTP subscriber on 127.0.0.1 that records what it is
// sent and answers with a status the test sets.
type endpoint struct {
	URL    string
	status atomic.Int32
	header http.Header // extra response headers, set before use

	mu      sync.Mutex
	got     []received
	arrived chan struct{}
}

// received is one POST to an endpoint.
type received struct {
	Header http.Header
	Body   []byte
	// Envelope is the body parsed, unless it was a raw delivery.
	Envelope sns.Envelope
}

func newEndpoint(t *testing.T) *endpoint {
	t.Helper()
	ep := &endpoint{header: http.Header{}, arrived: make(chan struct{}, 1000)}
	ep.status.Store(http.StatusOK)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		rec := received{Header: r.Header.Clone(), Body: body}
		if r.Header.Get("x-amz-sns-rawdelivery") != "true" {
			if err := json.Unmarshal(body, &rec.Envelope); err != nil {
				t.Errorf("endpoint got a body that is not an envelope: %v\n%s", err, body)
			}
		}
		ep.mu.Lock()
		ep.got = append(ep.got, rec)
		ep.mu.Unlock()
		for k, v := range ep.header {
			w.Header()[k] = v
		}
		w.WriteHeader(int(ep.status.Load()))
		select {
		case ep.arrived <- struct{}{}:
		default:
		}
	}))
	t.Cleanup(srv.Close)
	ep.URL = srv.URL + "/ses"
	return ep
}

// received returns what the endpoint has been sent so far.
func (ep *endpoint) received() []received {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	return append([]received(nil), ep.got...)
}

// wait waits until the endpoint has been sent n messages in all.
func (ep *endpoint) wait(t *testing.T, n int) []received {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		if got := ep.received(); len(got) >= n {
			return got
		}
		select {
		case <-ep.arrived:
		case <-deadline:
			t.Fatalf("endpoint got %d messages in 10s, want %d", len(ep.received()), n)
		}
	}
}

// payload is the SES JSON an endpoint was sent, decoded.
func payload(t *testing.T, r received) map[string]any {
	t.Helper()
	msg := r.Envelope.Message
	if r.Header.Get("x-amz-sns-rawdelivery") == "true" {
		msg = string(r.Body)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(msg), &m); err != nil {
		t.Fatalf("message is not JSON: %v\n%s", err, msg)
	}
	return m
}

// kind returns the "eventType" or "notificationType" of a payload and
// which of the two it was.
func kind(p map[string]any) (dialect, typ string) {
	if v, ok := p["eventType"].(string); ok {
		return dialectEvent, v
	}
	if v, ok := p["notificationType"].(string); ok {
		return dialectNotification, v
	}
	return "", ""
}
