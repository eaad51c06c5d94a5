package store

import (
	"context"
	"time"
)

// ObjectStore keeps an account's small configuration documents: its
// configuration sets and their event destinations, its notification
// topics and their subscriptions. The store treats Body as opaque bytes
// (the packages that own each kind encode it, as JSON); what it keeps is
// the naming, the ordering and the atomicity of each change. Kinds and
// names are compared byte for byte, and must be valid UTF-8 without NUL
// (PostgreSQL text); "/" is the customary separator of hierarchical names.
type ObjectStore interface {
	// CreateObject inserts o; ErrExists if (AccountID, Kind, Name) is
	// taken, ErrNotFound if the account does not exist.
	CreateObject(ctx context.Context, o *Object) error
	// UpdateObject replaces Body and UpdatedAt of an existing object;
	// ErrNotFound if absent.
	UpdateObject(ctx context.Context, o *Object) error
	GetObject(ctx context.Context, accountID, kind, name string) (*Object, error)
	// ListObjects pages through an account's objects of kind whose Name
	// starts with prefix, ordered by Name: up to limit (no limit when
	// limit <= 0) with Name > after.
	ListObjects(ctx context.Context, accountID, kind, prefix, after string, limit int) ([]*Object, error)
	// CountObjects returns how many of an account's objects of kind have
	// a Name starting with prefix, without reading their bodies (for
	// SES's per-account limits, such as the number of templates).
	CountObjects(ctx context.Context, accountID, kind, prefix string) (int, error)
	// DeleteObject removes one; ErrNotFound if absent.
	DeleteObject(ctx context.Context, accountID, kind, name string) error
	// DeleteObjects removes all of kind whose Name starts with prefix and
	// returns how many.
	DeleteObjects(ctx context.Context, accountID, kind, prefix string) (int, error)
}

// Object is one configuration document.
type Object struct {
	AccountID string
	Kind      string
	Name      string
	Body      []byte
	CreatedAt time.Time
	UpdatedAt time.Time
}

// EventStore is the event log and its outbox. Every event that happens to
// a message or recipient is appended to the log (with the state change it
// reports, in the same transaction: see Message.Events and
// QueueStore.FinishAttempt), kept for search until pruned, and fanned out
// once to the destinations that want it; each (event, target) pair is then
// delivered at least once through leases, like the delivery queue.
type EventStore interface {
	// AppendEvents durably appends evs, setting their IDs.
	AppendEvents(ctx context.Context, evs []*Event) error
	// SearchEvents pages through events matching f, newest first (by At,
	// then by ID); the string is the cursor of the next page, "" at the
	// end.
	SearchEvents(ctx context.Context, f EventFilter) ([]*Event, string, error)
	// FanOutEvents takes up to limit events that have not been fanned out,
	// oldest first, asks route for each one's targets (the events it is
	// given carry no Detail: routing reads only the other fields), and in one
	// transaction adds a pending EventDelivery due at now for every target
	// and marks the events fanned out. Concurrent callers, also on other
	// nodes, never fan out one event twice. If route fails, nothing is
	// recorded and its error is returned. It returns how many events it
	// took.
	FanOutEvents(ctx context.Context, now time.Time, limit int, route func(*Event) ([]string, error)) (int, error)
	// ClaimEventDeliveries leases up to limit pending deliveries due at
	// now (NextAttemptAt <= now, lease free or expired), oldest due first,
	// with their events, moving NextAttemptAt to now+lease as ClaimDue
	// does.
	ClaimEventDeliveries(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]*EventDelivery, error)
	// FinishEventDelivery records the result of one: it replaces State,
	// Attempts, NextAttemptAt, LastError and UpdatedAt with d's and clears
	// the lease, if owner still holds it (ErrLeaseLost otherwise).
	FinishEventDelivery(ctx context.Context, owner string, d *EventDelivery) error
	// EventTargetHealth summarises the deliveries of each target of the
	// account's events, ordered by target.
	EventTargetHealth(ctx context.Context, accountID string) ([]TargetHealth, error)
	// EventBacklog returns how many deliveries are pending, across all
	// accounts, and the time of the oldest one's event (zero if none).
	EventBacklog(ctx context.Context) (pending int64, oldest time.Time, err error)
	// CountEvents counts events at or after since, across accounts, by
	// account, configuration set, type and subtype.
	CountEvents(ctx context.Context, since time.Time) ([]EventCount, error)
	// PruneEvents deletes events whose At is before before, with their
	// deliveries, and returns how many events went.
	PruneEvents(ctx context.Context, before time.Time) (int64, error)
}

// Event is one entry of the event log.
type Event struct {
	ID        int64 // set by the store, increasing
	AccountID string
	// Type is SES's eventType: Send, Reject, Bounce, Complaint, Delivery,
	// DeliveryDelay, "Rendering Failure", Open, Click, Subscription.
	Type string
	// Subtype refines Type: "BounceType/BounceSubType" of a Bounce, the
	// feedback type of a Complaint, the delay type of a DeliveryDelay.
	Subtype   string
	MessageID string
	// Recipient is the lower-cased address the event is about, "" for an
	// event about the whole message (Send).
	Recipient        string
	Source           string
	ConfigurationSet string
	At               time.Time
	// Detail is the JSON of the event's own object (the value of
	// "delivery", "bounce", ... in SES's event JSON); the mail object is
	// made from the message when the event is published.
	Detail []byte
}

// EventFilter selects events. AccountID is required; empty fields match
// everything.
type EventFilter struct {
	AccountID        string
	MessageID        string
	Recipient        string // matched lower-cased
	Source           string
	ConfigurationSet string
	Types            []string
	Since            time.Time // At >= Since
	Until            time.Time // At < Until
	// Limit defaults to 100 when zero.
	Limit  int
	Cursor string
}

// Event delivery states.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	// DeliveryDead means retries were given up: the endpoint refused the
	// event for good, or the event grew too old.
	DeliveryDead = "dead"
)

// EventDelivery is one event on its way to one target.
type EventDelivery struct {
	EventID int64
	// Target names where it goes, in a form the publisher defines (a
	// subscription ARN with the event's dialect).
	Target        string
	State         string
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
	UpdatedAt     time.Time
	// Event is filled by ClaimEventDeliveries.
	Event *Event
}

// TargetHealth is what the outbox knows of one target.
type TargetHealth struct {
	Target                     string
	Pending, Delivered, Dead   int64
	LastError                  string
	LastDelivered, LastFailure time.Time
}

// EventCount is one group of CountEvents.
type EventCount struct {
	AccountID, ConfigurationSet, Type, Subtype string
	N                                          int64
}
