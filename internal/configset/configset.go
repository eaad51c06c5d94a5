// Package configset keeps SES configuration sets and their event
// destinations: named groups of sending rules that a message selects with
// ConfigurationSetName (API) or an X-SES-CONFIGURATION-SET header (SMTP),
// or gets from its sender identity's default. A set can pause its own
// sending, override the account's suppression reasons, require TLS, and
// publish the events of its messages to destinations.
//
// Sets and destinations are stored as JSON documents in the store's
// ObjectStore (kinds "configuration-set" and "event-destination", the
// latter named "SET/DESTINATION"). Lookups on the sending and publishing
// paths go through a short-lived cache, so a change takes effect within
// CacheTTL everywhere, also on other nodes.
package configset

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/hikyaku/hikyaku/internal/clock"
	"github.com/hikyaku/hikyaku/internal/fault"
	"github.com/hikyaku/hikyaku/internal/store"
)

// Object kinds in the store.
const (
	kindSet         = "configuration-set"
	kindDestination = "event-destination"
)

// CacheTTL bounds how long a lookup may return a stale set.
const CacheTTL = 2 * time.Second

// Set is one configuration set, with SES's options.
type Set struct {
	Name string `json:"name"`
	// SendingEnabled is SendingOptions.SendingEnabled (true by default).
	SendingEnabled bool `json:"sendingEnabled"`
	// ReputationMetricsEnabled and LastFreshStart are ReputationOptions.
	ReputationMetricsEnabled bool      `json:"reputationMetricsEnabled"`
	LastFreshStart           time.Time `json:"lastFreshStart,omitzero"`
	// Suppression is SuppressionOptions: when set, its reasons replace the
	// account's for mail sent with this set (an empty list suppresses
	// nothing).
	Suppression *Suppression `json:"suppression,omitempty"`
	// DeliveryOptions.
	TLSPolicy          string `json:"tlsPolicy,omitempty"` // REQUIRE or OPTIONAL
	SendingPoolName    string `json:"sendingPoolName,omitempty"`
	MaxDeliverySeconds int64  `json:"maxDeliverySeconds,omitempty"`
	// TrackingOptions.
	CustomRedirectDomain string      `json:"customRedirectDomain,omitempty"`
	HTTPSPolicy          string      `json:"httpsPolicy,omitempty"`
	Tags                 []store.Tag `json:"tags,omitempty"`
	CreatedAt            time.Time   `json:"createdAt"`
}

// Suppression is a set's SuppressionOptions.
type Suppression struct {
	SuppressedReasons []string `json:"suppressedReasons"`
}

// TLS policies.
const (
	TLSRequire  = "REQUIRE"
	TLSOptional = "OPTIONAL"
)

// Destination is one event destination of a set.
type Destination struct {
	Name    string `json:"name"`
	Enabled bool   `json:"enabled"`
	// MatchingEventTypes are SES's EventType values (SEND, BOUNCE, ...).
	MatchingEventTypes []string `json:"matchingEventTypes"`
	// SNSTopicARN is SnsDestination.TopicArn: events go to the topic's
	// subscriptions.
	SNSTopicARN string `json:"snsTopicArn,omitempty"`
	// EventBusARN is EventBridgeDestination.EventBusArn, kept as given;
	// hikyaku has no event bus to deliver to, so such a destination
	// publishes nothing (GetConfigurationSetEventDestinations shows it).
	EventBusARN string `json:"eventBusArn,omitempty"`
	// Other holds destinations of kinds hikyaku keeps but does not
	// deliver to (CloudWatch, Kinesis Firehose, Pinpoint), as sent.
	Other map[string]json.RawMessage `json:"other,omitempty"`
}

// EventTypes lists SES's EventType enum in its order.
var EventTypes = []string{"SEND", "REJECT", "BOUNCE", "COMPLAINT", "DELIVERY", "OPEN", "CLICK",
	"RENDERING_FAILURE", "DELIVERY_DELAY", "SUBSCRIPTION"}

// EventTypeOf maps an event's eventType ("Rendering Failure") to the
// EventType enum value that selects it (RENDERING_FAILURE).
func EventTypeOf(eventType string) string {
	switch eventType {
	case "Rendering Failure":
		return "RENDERING_FAILURE"
	case "DeliveryDelay":
		return "DELIVERY_DELAY"
	}
	b := []byte(eventType)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// Matches reports whether d publishes events of eventType.
func (d *Destination) Matches(eventType string) bool {
	return d.Enabled && slices.Contains(d.MatchingEventTypes, EventTypeOf(eventType))
}

// namePattern is SES's rule for configuration set and event destination
// names: ASCII letters, digits, underscores and dashes, at most 64.
var namePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// ValidName checks a configuration set or event destination name.
func ValidName(what, name string) error {
	if !namePattern.MatchString(name) {
		return fault.BadRequest("Invalid %s name <%s>: the name can contain only ASCII letters (a-z, A-Z), numbers (0-9), underscores (_), and dashes (-), and be at most 64 characters long.", what, name)
	}
	return nil
}

// Service reads and changes configuration sets.
type Service struct {
	store store.Store
	clock clock.Clock

	mu    sync.Mutex
	cache map[cacheKey]cached
}

type cacheKey struct{ account, name string }

type cached struct {
	set   *Set
	dests []*Destination
	at    time.Time
}

// New returns a Service on st.
func New(st store.Store, c clock.Clock) *Service {
	return &Service{store: st, clock: c, cache: map[cacheKey]cached{}}
}

// NotFound is SES's answer for a configuration set that does not exist.
func NotFound(name string) *fault.Error {
	f := fault.NotFound("Configuration set <%s> does not exist.", name)
	f.V1Code = "ConfigurationSetDoesNotExist"
	return f
}

// Create stores a new set; AlreadyExists if the name is taken.
func (s *Service) Create(ctx context.Context, accountID string, set *Set) error {
	if err := ValidName("configuration set", set.Name); err != nil {
		return err
	}
	if err := set.validate(); err != nil {
		return err
	}
	now := s.clock.Now().UTC()
	set.CreatedAt = now
	body, err := json.Marshal(set)
	if err != nil {
		return err
	}
	err = s.store.CreateObject(ctx, &store.Object{AccountID: accountID, Kind: kindSet, Name: set.Name,
		Body: body, CreatedAt: now, UpdatedAt: now})
	if errors.Is(err, store.ErrExists) {
		f := fault.AlreadyExists("Configuration set <%s> already exists.", set.Name)
		f.V1Code = "ConfigurationSetAlreadyExists"
		return f
	}
	s.forget(accountID, set.Name)
	return err
}

func (set *Set) validate() error {
	if set.TLSPolicy != "" && set.TLSPolicy != TLSRequire && set.TLSPolicy != TLSOptional {
		return fault.BadRequest("1 validation error detected: Value '%s' at 'deliveryOptions.tlsPolicy' failed to satisfy constraint: Member must satisfy enum value set: [REQUIRE, OPTIONAL]", set.TLSPolicy)
	}
	if d := set.MaxDeliverySeconds; d != 0 && (d < 300 || d > 50400) {
		return fault.BadRequest("MaxDeliverySeconds must be between 300 and 50400 seconds, got %d.", d)
	}
	if set.Suppression != nil {
		for _, r := range set.Suppression.SuppressedReasons {
			if r != store.ReasonBounce && r != store.ReasonComplaint {
				return fault.BadRequest("1 validation error detected: Value '%s' at 'suppressionOptions.suppressedReasons' failed to satisfy constraint: Member must satisfy enum value set: [BOUNCE, COMPLAINT]", r)
			}
		}
	}
	return nil
}

// Get returns a set, or NotFound.
func (s *Service) Get(ctx context.Context, accountID, name string) (*Set, error) {
	o, err := s.store.GetObject(ctx, accountID, kindSet, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, NotFound(name)
	}
	if err != nil {
		return nil, err
	}
	var set Set
	if err := json.Unmarshal(o.Body, &set); err != nil {
		return nil, fmt.Errorf("configuration set %s: %w", name, err)
	}
	return &set, nil
}

// List returns up to limit names after after, in order, and whether more
// follow.
func (s *Service) List(ctx context.Context, accountID, after string, limit int) ([]string, bool, error) {
	objs, err := s.store.ListObjects(ctx, accountID, kindSet, "", after, limit+1)
	if err != nil {
		return nil, false, err
	}
	var names []string
	for _, o := range objs {
		names = append(names, o.Name)
	}
	if len(names) > limit {
		return names[:limit], true, nil
	}
	return names, false, nil
}

// Update applies change to a stored set.
func (s *Service) Update(ctx context.Context, accountID, name string, change func(*Set) error) error {
	set, err := s.Get(ctx, accountID, name)
	if err != nil {
		return err
	}
	if err := change(set); err != nil {
		return err
	}
	set.Name = name // a change cannot rename the set
	if err := set.validate(); err != nil {
		return err
	}
	body, err := json.Marshal(set)
	if err != nil {
		return err
	}
	err = s.store.UpdateObject(ctx, &store.Object{AccountID: accountID, Kind: kindSet, Name: name,
		Body: body, UpdatedAt: s.clock.Now()})
	if errors.Is(err, store.ErrNotFound) {
		return NotFound(name)
	}
	s.forget(accountID, name)
	return err
}

// Delete removes a set and its event destinations.
func (s *Service) Delete(ctx context.Context, accountID, name string) error {
	err := s.store.DeleteObject(ctx, accountID, kindSet, name)
	if errors.Is(err, store.ErrNotFound) {
		return NotFound(name)
	}
	if err != nil {
		return err
	}
	s.forget(accountID, name)
	_, err = s.store.DeleteObjects(ctx, accountID, kindDestination, name+"/")
	return err
}

func (s *Service) forget(accountID, name string) {
	s.mu.Lock()
	delete(s.cache, cacheKey{accountID, name})
	s.mu.Unlock()
}

// Lookup returns a set and its destinations through the cache: what the
// sending and publishing paths use. A missing set yields NotFound.
func (s *Service) Lookup(ctx context.Context, accountID, name string) (*Set, []*Destination, error) {
	k := cacheKey{accountID, name}
	now := s.clock.Now()
	s.mu.Lock()
	c, ok := s.cache[k]
	s.mu.Unlock()
	if ok && now.Sub(c.at) < CacheTTL && now.Sub(c.at) >= 0 {
		if c.set == nil {
			return nil, nil, NotFound(name)
		}
		return c.set, c.dests, nil
	}
	set, err := s.Get(ctx, accountID, name)
	var dests []*Destination
	if f := fault.As(err); f != nil && f.HTTPStatus == 404 {
		set, err = nil, nil
	} else if err != nil {
		return nil, nil, err
	} else if dests, err = s.Destinations(ctx, accountID, name); err != nil {
		return nil, nil, err
	}
	s.mu.Lock()
	if len(s.cache) > 10000 {
		clear(s.cache)
	}
	s.cache[k] = cached{set: set, dests: dests, at: now}
	s.mu.Unlock()
	if set == nil {
		return nil, nil, NotFound(name)
	}
	return set, dests, nil
}

// SuppressedReasons returns the reasons for which addresses are added to
// the suppression list automatically for mail of acct sent with the set
// name: the set's SuppressionOptions when it has them, else the account's.
// A set that cannot be read falls back to the account's.
func (s *Service) SuppressedReasons(ctx context.Context, acct *store.Account, name string) []string {
	if name != "" {
		if set, _, err := s.Lookup(ctx, acct.ID, name); err == nil && set.Suppression != nil {
			return set.Suppression.SuppressedReasons
		}
	}
	return acct.SuppressedReasons
}
