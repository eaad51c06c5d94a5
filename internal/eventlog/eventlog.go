// Package eventlog turns SES events (package events) into entries of the
// store's event log and back. An entry keeps the event's own object (the
// bounce, the delivery, ...) as JSON in Detail; the mail object is made
// again from the stored message when the event is published or shown, so
// the log does not repeat every message's headers for each of its events.
package eventlog

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/hikyaku/hikyaku/internal/events"
	"github.com/hikyaku/hikyaku/internal/store"
)

// detail is the stored form of an event's own object.
type detail struct {
	Bounce        *events.Bounce           `json:"bounce,omitempty"`
	Complaint     *events.Complaint        `json:"complaint,omitempty"`
	Delivery      *events.Delivery         `json:"delivery,omitempty"`
	Reject        *events.Reject           `json:"reject,omitempty"`
	DeliveryDelay *events.DeliveryDelay    `json:"deliveryDelay,omitempty"`
	Failure       *events.RenderingFailure `json:"failure,omitempty"`
	Open          *events.Open             `json:"open,omitempty"`
	Click         *events.Click            `json:"click,omitempty"`
	Subscription  *events.Subscription     `json:"subscription,omitempty"`
}

// Message is what an entry needs to know of its message.
type Message struct {
	AccountID, ID, Source, ConfigurationSet string
}

// MessageOf returns m's part of an entry.
func MessageOf(m *store.Message) Message {
	return Message{AccountID: m.AccountID, ID: m.ID, Source: m.Source, ConfigurationSet: m.ConfigurationSet}
}

// ClaimMessage returns the message part of an entry for a queue claim.
func ClaimMessage(c *store.Claim) Message {
	return Message{AccountID: c.AccountID, ID: c.Recipient.MessageID, Source: c.Source, ConfigurationSet: c.ConfigurationSet}
}

// New returns the log entry of e, which happened at at to recipient ("" for
// the whole message) of m.
func New(m Message, recipient string, at time.Time, e *events.Event) *store.Event {
	b, err := json.Marshal(detail{Bounce: e.Bounce, Complaint: e.Complaint, Delivery: e.Delivery, Reject: e.Reject,
		DeliveryDelay: e.DeliveryDelay, Failure: e.Failure, Open: e.Open, Click: e.Click, Subscription: e.Subscription})
	if err != nil {
		// Only plain data goes in; a failure here is a programming error.
		panic(fmt.Sprintf("eventlog: encode %s event: %v", e.Type, err))
	}
	return &store.Event{AccountID: m.AccountID, Type: e.Type, Subtype: Subtype(e), MessageID: m.ID,
		Recipient: strings.ToLower(recipient), Source: m.Source, ConfigurationSet: m.ConfigurationSet, At: at, Detail: b}
}

// Subtype is the store's refinement of an event's type, by which
// reputation counts: "BounceType/BounceSubType" of a bounce, the feedback
// type of a complaint, the delay type of a delay.
func Subtype(e *events.Event) string {
	switch {
	case e.Bounce != nil:
		return e.Bounce.BounceType + "/" + e.Bounce.BounceSubType
	case e.Complaint != nil:
		return e.Complaint.FeedbackType
	case e.DeliveryDelay != nil:
		return e.DeliveryDelay.DelayType
	}
	return ""
}

// Decode returns the event of an entry, without its mail object.
func Decode(se *store.Event) (*events.Event, error) {
	var d detail
	if len(se.Detail) > 0 {
		if err := json.Unmarshal(se.Detail, &d); err != nil {
			return nil, fmt.Errorf("event %d: %w", se.ID, err)
		}
	}
	return &events.Event{Type: se.Type, Bounce: d.Bounce, Complaint: d.Complaint, Delivery: d.Delivery, Reject: d.Reject,
		DeliveryDelay: d.DeliveryDelay, Failure: d.Failure, Open: d.Open, Click: d.Click, Subscription: d.Subscription}, nil
}
