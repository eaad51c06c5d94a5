// Package contacts is SES's list management: an account's contact list,
// its topics, and the contacts on it with their subscription preferences
// (CreateContactList, CreateContact and their siblings in the v2 API), and
// the subscription side of sending: whether a send with
// ListManagementOptions may go to a recipient, the signed links of its
// List-Unsubscribe header (RFC 2369, RFC 8058), and the changes a
// recipient makes through them, each recorded as a Subscription event.
//
// Lists and contacts are JSON documents in the store's ObjectStore: a list
// is kind "contact-list" named by its name, a contact kind "contact" named
// "LIST/address", the address lower-cased, so that a contact is found
// whatever the case of the address a send names (SES keeps the address as
// given and so does Contact.EmailAddress). A send looks up one contact per
// recipient by name; ListContacts reads the list's contacts in name order.
// That is fast enough for lists of 100,000 and more without a table of
// their own: on a two-core VM with SQLite, an import writes about 4,000
// contacts a second (one synced write each, BenchmarkImport) and a
// filtered ListContacts reads 20,000 contacts in 75 ms
// (BenchmarkListContactsFiltered).
package contacts

import (
	"time"

	"github.com/hikyaku/hikyaku/internal/clock"
	"github.com/hikyaku/hikyaku/internal/store"
)

// Object kinds.
const (
	listKind    = "contact-list"
	contactKind = "contact"
)

// Subscription statuses, SES's SubscriptionStatus.
const (
	OptIn  = "OPT_IN"
	OptOut = "OPT_OUT"
)

// Limits SES documents: "Only one contact list is allowed per AWS account"
// and "A list can have a maximum of 20 topics" (Developer Guide,
// sending-email-list-management). The name, display name and description
// lengths are those SES enforces, as floci-io/floci records them from
// probes of the real service (SesContactService.java).
const (
	MaxLists              = 1
	MaxTopics             = 20
	MaxNameLength         = 64
	MaxDisplayNameLength  = 128
	MaxDescriptionLength  = 500
	maxAttributesDataSize = 65536
)

// List is a contact list.
type List struct {
	Name        string      `json:"name"`
	Description string      `json:"description,omitempty"`
	Topics      []Topic     `json:"topics,omitempty"`
	Tags        []store.Tag `json:"tags,omitempty"`
	// CreatedTimestamp and LastUpdatedTimestamp are GetContactList's.
	CreatedTimestamp     time.Time `json:"createdTimestamp"`
	LastUpdatedTimestamp time.Time `json:"lastUpdatedTimestamp"`
}

// Topic is an interest group within a list. Contacts who have not said
// otherwise have its DefaultSubscriptionStatus.
type Topic struct {
	Name                      string `json:"name"`
	DisplayName               string `json:"displayName"`
	Description               string `json:"description,omitempty"`
	DefaultSubscriptionStatus string `json:"defaultSubscriptionStatus"`
}

// Topic returns the list's topic name, or nil.
func (l *List) Topic(name string) *Topic {
	for i := range l.Topics {
		if l.Topics[i].Name == name {
			return &l.Topics[i]
		}
	}
	return nil
}

// Contact is one address on a list.
type Contact struct {
	// EmailAddress is the address as it was first given.
	EmailAddress string `json:"emailAddress"`
	// TopicPreferences are the contact's explicit choices; a topic without
	// one has its default.
	TopicPreferences []Preference `json:"topicPreferences,omitempty"`
	// UnsubscribeAll means no mail of the list at all, whatever the
	// topic preferences say.
	UnsubscribeAll bool `json:"unsubscribeAll,omitempty"`
	// AttributesData is the caller's JSON object about the contact.
	AttributesData       string    `json:"attributesData,omitempty"`
	CreatedTimestamp     time.Time `json:"createdTimestamp"`
	LastUpdatedTimestamp time.Time `json:"lastUpdatedTimestamp"`
	// Consent is hikyaku's double opt-in and sunset state, which SES's
	// API does not have (see consent.go): "" (none recorded: mailed as
	// SES would), ConsentPending, ConsentConfirmed or ConsentInactive.
	Consent string `json:"consent,omitempty"`
	// ConsentRequestedAt is when the last confirmation request (a double
	// opt-in invitation or a re-permission mail) was made.
	ConsentRequestedAt time.Time `json:"consentRequestedAt,omitzero"`
	// ConfirmedAt is when the contact last followed a confirmation link.
	ConfirmedAt time.Time `json:"confirmedAt,omitzero"`
	// InactiveSince is when the sunset policy made the contact inactive.
	InactiveSince time.Time `json:"inactiveSince,omitzero"`
}

// Preference is a TopicPreference: a topic and OptIn or OptOut.
type Preference struct {
	TopicName          string `json:"topicName"`
	SubscriptionStatus string `json:"subscriptionStatus"`
}

// Preference returns the contact's explicit status for topic, or "".
func (c *Contact) Preference(topic string) string {
	for _, p := range c.TopicPreferences {
		if p.TopicName == topic {
			return p.SubscriptionStatus
		}
	}
	return ""
}

// setPreference sets the contact's explicit status for topic.
func (c *Contact) setPreference(topic, status string) {
	for i := range c.TopicPreferences {
		if c.TopicPreferences[i].TopicName == topic {
			c.TopicPreferences[i].SubscriptionStatus = status
			return
		}
	}
	c.TopicPreferences = append(c.TopicPreferences, Preference{TopicName: topic, SubscriptionStatus: status})
}

// Status is the contact's effective status for a topic of l: its explicit
// preference, else the topic's default; "" for a topic l does not have.
// UnsubscribeAll is not applied here (see Admits).
func (l *List) Status(c *Contact, topic string) string {
	if s := c.Preference(topic); s != "" && l.Topic(topic) != nil {
		return s
	}
	if t := l.Topic(topic); t != nil {
		return t.DefaultSubscriptionStatus
	}
	return ""
}

// Defaults are the TopicDefaultPreferences GetContact shows: the list's
// topics for which the contact has no explicit preference, with their
// defaults.
func (l *List) Defaults(c *Contact) []Preference {
	var out []Preference
	for _, t := range l.Topics {
		if c.Preference(t.Name) == "" {
			out = append(out, Preference{TopicName: t.Name, SubscriptionStatus: t.DefaultSubscriptionStatus})
		}
	}
	return out
}

// Explicit are the contact's preferences for topics the list still has
// (UpdateContactList replaces the topics; preferences for a topic that
// is gone are kept, in case it comes back, but not shown).
func (l *List) Explicit(c *Contact) []Preference {
	var out []Preference
	for _, p := range c.TopicPreferences {
		if l.Topic(p.TopicName) != nil {
			out = append(out, p)
		}
	}
	return out
}

// Admits reports whether mail of the list about topic ("" for none) may go
// to c, as SES decides it for a send with ListManagementOptions: not to a
// contact that unsubscribed from everything, not to one whose status for
// the topic is OPT_OUT, explicitly or by the topic's default (Developer
// Guide, sending-email-subscription-management: "If a contact unsubscribes
// from a particular topic or list, Amazon SES does not allow email sending
// to the contact for that topic or list in the future"). why says what
// stopped it.
func (l *List) Admits(c *Contact, topic string) (ok bool, why string) {
	if c.UnsubscribeAll {
		return false, "the contact unsubscribed from all topics of contact list " + l.Name
	}
	switch c.Consent {
	case ConsentPending:
		return false, "the contact has not confirmed its subscription to contact list " + l.Name + " (double opt-in pending)"
	case ConsentInactive:
		return false, "the contact is inactive under the sunset policy of contact list " + l.Name +
			" (no engagement; inactive since " + c.InactiveSince.Format(time.DateOnly) + ") and has not re-confirmed"
	}
	if topic == "" {
		return true, ""
	}
	switch {
	case c.Preference(topic) == OptOut:
		return false, "the contact opted out of topic " + topic + " of contact list " + l.Name
	case c.Preference(topic) == "" && l.Status(c, topic) == OptOut:
		return false, "topic " + topic + " of contact list " + l.Name + " is opt-in (its default is OPT_OUT) and the contact has not opted in"
	}
	return true, ""
}

// Service reads and changes an account's contact lists and contacts.
type Service struct {
	store store.Store
	clock clock.Clock
}

// New returns a Service on st.
func New(st store.Store, c clock.Clock) *Service {
	return &Service{store: st, clock: c}
}

func (s *Service) now() time.Time { return s.clock.Now().UTC().Truncate(time.Millisecond) }
