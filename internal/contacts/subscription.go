package contacts

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/hikyaku/hikyaku/internal/eventlog"
	"github.com/hikyaku/hikyaku/internal/events"
	"github.com/hikyaku/hikyaku/internal/store"
)

// Sources of a Subscription event: how the recipient made the change.
const (
	// SourceHeader is a change through the List-Unsubscribe header: the
	// one-click POST (RFC 8058) or mail to its mailto address. It is the
	// value SES's own example event shows (Developer Guide,
	// event-publishing-retrieving-sns-examples).
	SourceHeader = "UnsubscribeHeader"
	// SourceLink is a change on the preference page the
	// {{amazonSESUnsubscribeUrl}} link leads to. SES documents no value
	// for it; this one is hikyaku's.
	SourceLink = "UnsubscribeLink"
)

// Change is a contact's own change to its subscription.
type Change struct {
	// UnsubscribeAll, when set, becomes the contact's UnsubscribeAll.
	UnsubscribeAll *bool
	// Topics set the contact's status for each topic named.
	Topics map[string]string
}

// OneClick is the change a List-Unsubscribe header stands for: "If a
// contact clicks the List-Unsubscribe header link in an email which has
// both the contact list and topic specified, then the contact will be
// unsubscribed only from that specific topic. If the topic is not
// specified, then the contact will be unsubscribed from all the topics in
// the list" (Developer Guide, sending-email-subscription-management).
func OneClick(t *Token) Change {
	if t.Topic != "" {
		return Change{Topics: map[string]string{t.Topic: OptOut}}
	}
	all := true
	return Change{UnsubscribeAll: &all}
}

// Apply makes the change a token's recipient asked for, from source. A
// recipient who is not (or no longer) a contact of the list becomes one,
// as a send to them would have made them. A change that changes nothing
// records nothing; otherwise the contact is updated and a Subscription
// event about the token's message is added to the event log. The event is
// written first: should the contact's update then fail, a retry records
// the change again rather than losing it. changed reports whether
// anything changed.
func (s *Service) Apply(ctx context.Context, t *Token, source string, ch Change) (changed bool, err error) {
	l, err := s.GetList(ctx, t.AccountID, t.List)
	if err != nil {
		return false, err
	}
	key, err := checkAddress(t.Address)
	if err != nil {
		return false, err
	}
	c, err := s.getContact(ctx, t.AccountID, l.Name, key)
	isNew := errors.Is(err, store.ErrNotFound)
	switch {
	case isNew:
		now := s.now()
		c = &Contact{EmailAddress: t.Address, CreatedTimestamp: now, LastUpdatedTimestamp: now}
	case err != nil:
		return false, err
	}
	old := preferences(l, c)
	upd := *c
	upd.TopicPreferences = slices.Clone(c.TopicPreferences)
	if ch.UnsubscribeAll != nil {
		upd.UnsubscribeAll = *ch.UnsubscribeAll
	}
	for _, topic := range sortedKeys(ch.Topics) {
		if l.Topic(topic) == nil {
			return false, unknownTopic(l.Name, topic)
		}
		if status := ch.Topics[topic]; l.Status(&upd, topic) != status || upd.Preference(topic) == "" {
			upd.setPreference(topic, status)
		}
	}
	now := s.now()
	next := preferences(l, &upd)
	if !isNew && equalPreferences(old, next) {
		return false, nil
	}
	if err := s.record(ctx, t, l, source, old, next); err != nil {
		return false, err
	}
	upd.LastUpdatedTimestamp = now
	if isNew {
		err = s.createContact(ctx, t.AccountID, l.Name, key, &upd)
		if errors.Is(err, store.ErrExists) { // made by a send meanwhile
			return s.Apply(ctx, t, source, ch)
		}
	} else {
		err = s.putContact(ctx, t.AccountID, l.Name, key, &upd)
	}
	if err != nil {
		return false, fmt.Errorf("update contact %s of list %s: %w", t.Address, l.Name, err)
	}
	return true, nil
}

// record appends the Subscription event of a change.
func (s *Service) record(ctx context.Context, t *Token, l *List, source string, old, next events.TopicPreferences) error {
	m := eventlog.Message{AccountID: t.AccountID, ID: t.MessageID}
	if msg, err := s.store.GetMessage(ctx, t.MessageID); err == nil && msg.AccountID == t.AccountID {
		m = eventlog.MessageOf(msg)
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	now := s.clock.Now().UTC()
	ev := eventlog.New(m, t.Address, now, &events.Event{Type: events.TypeSubscription, Subscription: &events.Subscription{
		ContactList: l.Name, Timestamp: now, Source: source, New: next, Old: old}})
	return s.store.AppendEvents(ctx, []*store.Event{ev})
}

// preferences is a contact's state as a Subscription event shows it:
// explicit preferences and the defaults of the other topics, in SES's
// spelling (OptIn, OptOut).
func preferences(l *List, c *Contact) events.TopicPreferences {
	p := events.TopicPreferences{UnsubscribeAll: c.UnsubscribeAll, Topics: []events.TopicStatus{}}
	for _, t := range l.Topics {
		if s := c.Preference(t.Name); s != "" {
			p.Topics = append(p.Topics, events.TopicStatus{TopicName: t.Name, Status: eventStatus(s)})
		} else {
			p.Defaults = append(p.Defaults, events.TopicStatus{TopicName: t.Name, Status: eventStatus(t.DefaultSubscriptionStatus)})
		}
	}
	return p
}

func eventStatus(s string) string {
	if s == OptIn {
		return "OptIn"
	}
	return "OptOut"
}

func equalPreferences(a, b events.TopicPreferences) bool {
	return a.UnsubscribeAll == b.UnsubscribeAll && slices.Equal(a.Topics, b.Topics) && slices.Equal(a.Defaults, b.Defaults)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
