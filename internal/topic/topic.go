// Package topic keeps hikyaku's notification topics and their
// subscriptions: the part of Amazon SNS that SES users rely on to receive
// events. A user creates a topic, subscribes an HTTP(S) endpoint (or a NATS
// subject) to it, and points a configuration set's event destination or an
// identity's notifications at the topic's ARN, exactly as with SES and
// SNS; package sesapi serves the SNS API on top of this, and the publisher
// delivers to the subscriptions.
//
// Topics and subscriptions are documents in the store's ObjectStore (kinds
// "sns-topic", named by topic name, and "sns-subscription", named
// "TOPIC/ID").
package topic

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/hikyaku/hikyaku/internal/clock"
	"github.com/hikyaku/hikyaku/internal/fault"
	"github.com/hikyaku/hikyaku/internal/store"
)

const (
	kindTopic        = "sns-topic"
	kindSubscription = "sns-subscription"
)

// Protocols a subscription may use.
const (
	ProtocolHTTP  = "http"
	ProtocolHTTPS = "https"
	// ProtocolNATS delivers to a NATS JetStream subject (the endpoint).
	ProtocolNATS = "nats"
)

// PendingConfirmation is what SNS answers for the ARN of a subscription
// that is not confirmed yet.
const PendingConfirmation = "pending confirmation"

// Topic is one notification topic.
type Topic struct {
	Name        string    `json:"name"`
	ARN         string    `json:"arn"`
	DisplayName string    `json:"displayName,omitempty"`
	CreatedAt   time.Time `json:"createdAt"`
}

// Subscription is one endpoint subscribed to a topic.
type Subscription struct {
	ID        string `json:"id"`
	ARN       string `json:"arn"`
	TopicARN  string `json:"topicArn"`
	AccountID string `json:"accountId"`
	Protocol  string `json:"protocol"`
	Endpoint  string `json:"endpoint"`
	// Token is the confirmation token sent to the endpoint.
	Token     string `json:"token"`
	Confirmed bool   `json:"confirmed"`
	// RawMessageDelivery sends the bare message instead of the JSON
	// envelope.
	RawMessageDelivery bool      `json:"rawMessageDelivery,omitempty"`
	CreatedAt          time.Time `json:"createdAt"`
	ConfirmedAt        time.Time `json:"confirmedAt,omitzero"`
}

// Service manages topics and subscriptions.
type Service struct {
	store  store.Store
	clock  clock.Clock
	region string
	// Confirm, when set, is called after a subscription that needs
	// confirmation is created (or subscribed again while pending): it
	// sends the SubscriptionConfirmation message to the endpoint.
	Confirm func(*Subscription)

	mu    sync.Mutex
	cache map[string]cachedSubs
}

type cachedSubs struct {
	subs []*Subscription
	at   time.Time
}

// CacheTTL bounds how stale the subscriptions used for publishing may be.
const CacheTTL = 2 * time.Second

// New returns a Service for region.
func New(st store.Store, c clock.Clock, region string) *Service {
	return &Service{store: st, clock: c, region: region, cache: map[string]cachedSubs{}}
}

// Errors, as SNS reports them.
func notFound(format string, args ...any) *fault.Error {
	return &fault.Error{Code: "NotFound", HTTPStatus: 404, SMTPCode: 550, Enhanced: "5.1.0", Message: fmt.Sprintf(format, args...)}
}

func invalidParameter(format string, args ...any) *fault.Error {
	return &fault.Error{Code: "InvalidParameter", HTTPStatus: 400, SMTPCode: 501, Enhanced: "5.5.4", Message: fmt.Sprintf(format, args...)}
}

var topicName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// ARN returns the topic ARN of name in account.
func (s *Service) ARN(accountID, name string) string {
	return "arn:aws:sns:" + s.region + ":" + accountID + ":" + name
}

// parseARN splits a topic or subscription ARN of this region.
func (s *Service) parseARN(arn string) (accountID, topic, sub string, err error) {
	parts := strings.Split(arn, ":")
	if len(parts) < 6 || len(parts) > 7 || parts[0] != "arn" || parts[2] != "sns" {
		return "", "", "", invalidParameter("Invalid parameter: TopicArn")
	}
	if parts[3] != s.region {
		return "", "", "", invalidParameter("Invalid parameter: TopicArn or TargetArn Reason: A ARN must have the region %s", s.region)
	}
	accountID, topic = parts[4], parts[5]
	if len(parts) == 7 {
		sub = parts[6]
	}
	return accountID, topic, sub, nil
}

// CreateTopic creates name, or returns the existing topic of that name, as
// SNS does.
func (s *Service) CreateTopic(ctx context.Context, accountID, name string, attrs map[string]string) (*Topic, error) {
	if strings.HasSuffix(name, ".fifo") {
		return nil, invalidParameter("Invalid parameter: Topic Name: FIFO topics are not supported by hikyaku (event destinations need standard topics).")
	}
	if !topicName.MatchString(name) {
		return nil, invalidParameter("Invalid parameter: Topic Name")
	}
	for k := range attrs {
		if k != "DisplayName" && k != "Policy" && k != "DeliveryPolicy" {
			return nil, invalidParameter("Invalid parameter: Attributes Reason: Unknown attribute %s", k)
		}
	}
	now := s.clock.Now().UTC()
	t := &Topic{Name: name, ARN: s.ARN(accountID, name), DisplayName: attrs["DisplayName"], CreatedAt: now}
	body, _ := json.Marshal(t)
	err := s.store.CreateObject(ctx, &store.Object{AccountID: accountID, Kind: kindTopic, Name: name, Body: body,
		CreatedAt: now, UpdatedAt: now})
	if errors.Is(err, store.ErrExists) {
		return s.getTopic(ctx, accountID, name)
	}
	return t, err
}

func (s *Service) getTopic(ctx context.Context, accountID, name string) (*Topic, error) {
	o, err := s.store.GetObject(ctx, accountID, kindTopic, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("Topic does not exist")
	}
	if err != nil {
		return nil, err
	}
	var t Topic
	return &t, json.Unmarshal(o.Body, &t)
}

// GetByARN returns the account's topic with that ARN; NotFound for a
// topic of another account too.
func (s *Service) GetByARN(ctx context.Context, accountID, arn string) (*Topic, error) {
	acct, name, sub, err := s.parseARN(arn)
	if err != nil {
		return nil, err
	}
	if sub != "" || acct != accountID {
		return nil, notFound("Topic does not exist")
	}
	return s.getTopic(ctx, accountID, name)
}

// ListTopics pages through the account's topics by name; next is "" at
// the end.
func (s *Service) ListTopics(ctx context.Context, accountID, after string) ([]*Topic, string, error) {
	const page = 100 // SNS's page size
	objs, err := s.store.ListObjects(ctx, accountID, kindTopic, "", after, page+1)
	if err != nil {
		return nil, "", err
	}
	var list []*Topic
	for _, o := range objs {
		var t Topic
		if err := json.Unmarshal(o.Body, &t); err != nil {
			return nil, "", err
		}
		list = append(list, &t)
	}
	if len(list) > page {
		return list[:page], list[page-1].Name, nil
	}
	return list, "", nil
}

// DeleteTopic removes a topic and its subscriptions. Deleting a topic that
// does not exist succeeds, as on SNS.
func (s *Service) DeleteTopic(ctx context.Context, accountID, arn string) error {
	acct, name, sub, err := s.parseARN(arn)
	if err != nil {
		return err
	}
	if sub != "" {
		// A subscription ARN names its topic too; deleting the topic for
		// it would take every other subscription with it.
		return invalidParameter("Invalid parameter: TopicArn")
	}
	if acct != accountID {
		return notFound("Topic does not exist")
	}
	if err := s.store.DeleteObject(ctx, accountID, kindTopic, name); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	_, err = s.store.DeleteObjects(ctx, accountID, kindSubscription, name+"/")
	s.forget(arn)
	return err
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func newToken() string {
	var b [64]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// checkEndpoint validates an endpoint for its protocol.
func checkEndpoint(protocol, endpoint string) error {
	switch protocol {
	case ProtocolHTTP, ProtocolHTTPS:
		u, err := url.Parse(endpoint)
		if err != nil || u.Scheme != protocol || u.Host == "" {
			return invalidParameter("Invalid parameter: Endpoint must match the specified protocol")
		}
	case ProtocolNATS:
		if endpoint == "" || strings.ContainsAny(endpoint, " \t\r\n*>") {
			return invalidParameter("Invalid parameter: Endpoint must be a NATS subject without wildcards")
		}
	case "":
		return invalidParameter("Invalid parameter: Protocol")
	default:
		return invalidParameter("Invalid parameter: Amazon SNS does not support this protocol string: %s (hikyaku delivers to http, https and nats)", protocol)
	}
	return nil
}

// Subscribe subscribes endpoint to the topic. HTTP(S) subscriptions start
// unconfirmed and get a confirmation request; a NATS subscription is
// confirmed at once (the subject cannot answer). Subscribing an endpoint
// that is already subscribed returns that subscription, and sends the
// confirmation again while it is pending, as SNS does.
func (s *Service) Subscribe(ctx context.Context, accountID, topicARN, protocol, endpoint string, attrs map[string]string) (*Subscription, error) {
	t, err := s.GetByARN(ctx, accountID, topicARN)
	if err != nil {
		return nil, err
	}
	protocol = strings.ToLower(protocol)
	if err := checkEndpoint(protocol, endpoint); err != nil {
		return nil, err
	}
	raw := false
	for k, v := range attrs {
		switch k {
		case "RawMessageDelivery":
			raw = strings.EqualFold(v, "true")
		case "FilterPolicy", "FilterPolicyScope", "DeliveryPolicy", "RedrivePolicy":
			return nil, invalidParameter("Invalid parameter: Attributes Reason: %s is not supported by hikyaku", k)
		default:
			return nil, invalidParameter("Invalid parameter: Attributes Reason: Unknown attribute %s", k)
		}
	}
	subs, err := s.subscriptions(ctx, accountID, t.Name)
	if err != nil {
		return nil, err
	}
	for _, sub := range subs {
		if sub.Protocol == protocol && sub.Endpoint == endpoint {
			if !sub.Confirmed && s.Confirm != nil {
				s.Confirm(sub)
			}
			return sub, nil
		}
	}
	now := s.clock.Now().UTC()
	id := newID()
	sub := &Subscription{ID: id, ARN: t.ARN + ":" + id, TopicARN: t.ARN, AccountID: accountID, Protocol: protocol,
		Endpoint: endpoint, Token: newToken(), RawMessageDelivery: raw, CreatedAt: now}
	if protocol == ProtocolNATS {
		sub.Confirmed, sub.ConfirmedAt = true, now
	}
	body, _ := json.Marshal(sub)
	if err := s.store.CreateObject(ctx, &store.Object{AccountID: accountID, Kind: kindSubscription,
		Name: t.Name + "/" + id, Body: body, CreatedAt: now, UpdatedAt: now}); err != nil {
		return nil, err
	}
	s.forget(t.ARN)
	if !sub.Confirmed && s.Confirm != nil {
		s.Confirm(sub)
	}
	return sub, nil
}

// ConfirmSubscription confirms the subscription of topicARN whose token is
// token. It needs no credentials: the token is the proof, as with SNS's
// SubscribeURL.
func (s *Service) ConfirmSubscription(ctx context.Context, topicARN, token string) (*Subscription, error) {
	acct, name, sub, err := s.parseARN(topicARN)
	if err != nil || sub != "" {
		return nil, invalidParameter("Invalid parameter: Topic")
	}
	subs, err := s.subscriptions(ctx, acct, name)
	if err != nil {
		return nil, err
	}
	for _, sub := range subs {
		if sub.Token != token || token == "" {
			continue
		}
		if !sub.Confirmed {
			sub.Confirmed, sub.ConfirmedAt = true, s.clock.Now().UTC()
			if err := s.saveSubscription(ctx, name, sub); err != nil {
				return nil, err
			}
		}
		return sub, nil
	}
	return nil, invalidParameter("Invalid token")
}

func (s *Service) saveSubscription(ctx context.Context, topic string, sub *Subscription) error {
	body, _ := json.Marshal(sub)
	err := s.store.UpdateObject(ctx, &store.Object{AccountID: sub.AccountID, Kind: kindSubscription,
		Name: topic + "/" + sub.ID, Body: body, UpdatedAt: s.clock.Now()})
	s.forget(sub.TopicARN)
	return err
}

// Unsubscribe deletes a subscription by ARN.
func (s *Service) Unsubscribe(ctx context.Context, accountID, subARN string) error {
	acct, name, id, err := s.parseARN(subARN)
	if err != nil || id == "" {
		return invalidParameter("Invalid parameter: SubscriptionArn")
	}
	if acct != accountID {
		return notFound("Subscription does not exist")
	}
	err = s.store.DeleteObject(ctx, accountID, kindSubscription, name+"/"+id)
	if errors.Is(err, store.ErrNotFound) {
		return notFound("Subscription does not exist")
	}
	s.forget(s.ARN(acct, name))
	return err
}

// GetSubscription returns a subscription by ARN.
func (s *Service) GetSubscription(ctx context.Context, accountID, subARN string) (*Subscription, error) {
	acct, name, id, err := s.parseARN(subARN)
	if err != nil || id == "" {
		return nil, invalidParameter("Invalid parameter: SubscriptionArn")
	}
	if acct != accountID {
		return nil, notFound("Subscription does not exist")
	}
	o, err := s.store.GetObject(ctx, accountID, kindSubscription, name+"/"+id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("Subscription does not exist")
	}
	if err != nil {
		return nil, err
	}
	var sub Subscription
	return &sub, json.Unmarshal(o.Body, &sub)
}

// SetRawMessageDelivery changes a subscription's RawMessageDelivery.
func (s *Service) SetRawMessageDelivery(ctx context.Context, accountID, subARN string, raw bool) error {
	sub, err := s.GetSubscription(ctx, accountID, subARN)
	if err != nil {
		return err
	}
	_, name, _, _ := s.parseARN(sub.TopicARN)
	sub.RawMessageDelivery = raw
	return s.saveSubscription(ctx, name, sub)
}

// ListSubscriptions lists a topic's subscriptions (NotFound if no topic).
func (s *Service) ListSubscriptions(ctx context.Context, accountID, topicARN string) ([]*Subscription, error) {
	t, err := s.GetByARN(ctx, accountID, topicARN)
	if err != nil {
		return nil, err
	}
	return s.subscriptions(ctx, accountID, t.Name)
}

func (s *Service) subscriptions(ctx context.Context, accountID, topic string) ([]*Subscription, error) {
	objs, err := s.store.ListObjects(ctx, accountID, kindSubscription, topic+"/", "", 0)
	if err != nil {
		return nil, err
	}
	list := make([]*Subscription, 0, len(objs))
	for _, o := range objs {
		var sub Subscription
		if err := json.Unmarshal(o.Body, &sub); err != nil {
			return nil, fmt.Errorf("subscription %s: %w", o.Name, err)
		}
		list = append(list, &sub)
	}
	return list, nil
}

// Confirmed returns the confirmed subscriptions of a topic ARN through a
// short cache: what publishing uses. A topic that does not exist, or of
// another region, has none.
func (s *Service) Confirmed(ctx context.Context, topicARN string) ([]*Subscription, error) {
	now := s.clock.Now()
	s.mu.Lock()
	c, ok := s.cache[topicARN]
	s.mu.Unlock()
	if ok && now.Sub(c.at) >= 0 && now.Sub(c.at) < CacheTTL {
		return c.subs, nil
	}
	acct, name, sub, err := s.parseARN(topicARN)
	if err != nil || sub != "" {
		return nil, nil
	}
	all, err := s.subscriptions(ctx, acct, name)
	if err != nil {
		return nil, err
	}
	var confirmed []*Subscription
	for _, sub := range all {
		if sub.Confirmed {
			confirmed = append(confirmed, sub)
		}
	}
	s.mu.Lock()
	if len(s.cache) > 10000 {
		clear(s.cache)
	}
	s.cache[topicARN] = cachedSubs{subs: confirmed, at: now}
	s.mu.Unlock()
	return confirmed, nil
}

// Lookup returns a subscription by ARN for publishing (any account), or
// nil if it no longer exists.
func (s *Service) Lookup(ctx context.Context, subARN string) (*Subscription, error) {
	acct, _, _, err := s.parseARN(subARN)
	if err != nil {
		return nil, nil
	}
	sub, err := s.GetSubscription(ctx, acct, subARN)
	if f := fault.As(err); f != nil {
		return nil, nil
	}
	return sub, err
}

func (s *Service) forget(topicARN string) {
	s.mu.Lock()
	delete(s.cache, topicARN)
	s.mu.Unlock()
}
