package contacts

import (
	"context"
	"errors"
	"time"

	"github.com/hikyaku/hikyaku/internal/fault"
	"github.com/hikyaku/hikyaku/internal/store"
)

// Sending is list management on the sending path (intake's ListSource).
type Sending struct {
	Contacts *Service
	Links    *Links
}

// Send is one send's ListManagementOptions, resolved.
type Send struct {
	s         *Sending
	accountID string
	list      *List
	topic     string
}

// PrepareSend resolves a send's ListManagementOptions: NotFound for a list
// that does not exist, BadRequest for a topic it does not have. SES's
// answer to an unknown topic is not public; floci-io/floci, which emulates
// SES, refuses it the same way rather than let a typo mail everyone.
func (s *Sending) PrepareSend(ctx context.Context, accountID, list, topic string) (*Send, error) {
	if list == "" {
		return nil, NotNull("listManagementOptions.contactListName")
	}
	l, err := s.Contacts.GetList(ctx, accountID, list)
	if err != nil {
		return nil, err
	}
	if topic != "" && l.Topic(topic) == nil {
		return nil, fault.BadRequest("Topic %s does not exist in contact list %s.", topic, l.Name)
	}
	return &Send{s: s, accountID: accountID, list: l, topic: topic}, nil
}

// List is the send's contact list.
func (p *Send) List() *List { return p.list }

// Topic is the send's topic, "" for none.
func (p *Send) Topic() string { return p.topic }

// Admits reports whether the send may go to addr (see List.Admits); why
// says why not. An address that is not a contact of the list becomes one,
// with no preferences: "If you include ListManagementOptions in your
// SendEmail request to a recipient email address that is not on your
// contact list, then a contact will be created on your list
// automatically" (Developer Guide, sending-email-list-management).
func (p *Send) Admits(ctx context.Context, addr string) (ok bool, why string, err error) {
	key, err := checkAddress(addr)
	if err != nil {
		return false, "", err
	}
	c, err := p.s.Contacts.getContact(ctx, p.accountID, p.list.Name, key)
	if errors.Is(err, store.ErrNotFound) {
		now := p.s.Contacts.now()
		c = &Contact{EmailAddress: addr, CreatedTimestamp: now, LastUpdatedTimestamp: now}
		err = p.s.Contacts.createContact(ctx, p.accountID, p.list.Name, key, c)
		if errors.Is(err, store.ErrExists) { // another send made it meanwhile
			c, err = p.s.Contacts.getContact(ctx, p.accountID, p.list.Name, key)
		}
	}
	if err != nil {
		return false, "", err
	}
	ok, why = p.list.Admits(c, p.topic)
	return ok, why, nil
}

// Links returns the List-Unsubscribe targets of the one recipient addr,
// at position index, of message messageID, accepted at now: the URL of
// the one-click endpoint and preference page, and the mailto address
// ("" if messageID is not hikyaku's).
func (p *Send) Links(addr, messageID string, index int, now time.Time) (url, mailto string) {
	l := p.s.Links
	t := l.NewToken(p.accountID, p.list.Name, p.topic, addr, messageID, now)
	return l.URL(l.Seal(t)), l.Mailto(messageID, index)
}
