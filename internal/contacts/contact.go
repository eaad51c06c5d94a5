package contacts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/hikyaku/hikyaku/internal/fault"
	"github.com/hikyaku/hikyaku/internal/store"
)

// contactName is a contact's ObjectStore name: "LIST/address", the
// address's envelope form lower-cased.
func contactName(list, key string) string { return list + "/" + key }

// CreateContact adds c to the list: NotFound without the list,
// AlreadyExists if the address is on it (in any case), BadRequest for an
// invalid address, a topic the list does not have, or AttributesData that
// is not a JSON object.
func (s *Service) CreateContact(ctx context.Context, accountID, list string, c *Contact) error {
	l, key, err := s.checkContact(ctx, accountID, list, c)
	if err != nil {
		return err
	}
	now := s.now()
	c.CreatedTimestamp, c.LastUpdatedTimestamp = now, now
	err = s.createContact(ctx, accountID, l.Name, key, c)
	if errors.Is(err, store.ErrExists) {
		return contactExists(c.EmailAddress)
	}
	return err
}

// checkContact validates a contact to write and returns its list and name
// key, in the order SES checks: the preferences' form, the address, the
// list, the preferences' topics.
func (s *Service) checkContact(ctx context.Context, accountID, list string, c *Contact) (*List, string, error) {
	for i, p := range c.TopicPreferences {
		if p.SubscriptionStatus != "" && !validStatus(p.SubscriptionStatus) {
			return nil, "", validation(fmt.Sprintf("topicPreferences.%d.member.subscriptionStatus", i+1),
				"Member must satisfy enum value set: [OPT_OUT, OPT_IN]")
		}
	}
	key, err := checkAddress(c.EmailAddress)
	if err != nil {
		return nil, "", err
	}
	l, err := s.GetList(ctx, accountID, list)
	if err != nil {
		return nil, "", err
	}
	if err := checkPreferences(l, c.TopicPreferences); err != nil {
		return nil, "", err
	}
	if err := checkAttributes(c.AttributesData); err != nil {
		return nil, "", err
	}
	return l, key, nil
}

func (s *Service) createContact(ctx context.Context, accountID, list, key string, c *Contact) error {
	body, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return s.store.CreateObject(ctx, &store.Object{AccountID: accountID, Kind: contactKind,
		Name: contactName(list, key), Body: body, CreatedAt: c.CreatedTimestamp, UpdatedAt: c.LastUpdatedTimestamp})
}

func (s *Service) putContact(ctx context.Context, accountID, list, key string, c *Contact) error {
	body, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return s.store.UpdateObject(ctx, &store.Object{AccountID: accountID, Kind: contactKind,
		Name: contactName(list, key), Body: body, UpdatedAt: c.LastUpdatedTimestamp})
}

// GetContact returns the contact and its list.
func (s *Service) GetContact(ctx context.Context, accountID, list, addr string) (*Contact, *List, error) {
	key, err := checkAddress(addr)
	if err != nil {
		return nil, nil, err
	}
	l, err := s.GetList(ctx, accountID, list)
	if err != nil {
		return nil, nil, err
	}
	c, err := s.getContact(ctx, accountID, l.Name, key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, contactNotFound(addr)
	}
	return c, l, err
}

func (s *Service) getContact(ctx context.Context, accountID, list, key string) (*Contact, error) {
	o, err := s.store.GetObject(ctx, accountID, contactKind, contactName(list, key))
	if err != nil {
		return nil, err
	}
	return decodeContact(o)
}

func decodeContact(o *store.Object) (*Contact, error) {
	var c Contact
	if err := json.Unmarshal(o.Body, &c); err != nil {
		return nil, fmt.Errorf("contact %s: %w", o.Name, err)
	}
	return &c, nil
}

// UpdateContact changes a contact. Preferences given replace those for the
// same topics and keep the others; UnsubscribeAll and AttributesData are
// replaced (absent clears them). That is how SES behaves as floci-io/floci
// found by probing it, though the API reference warns that preferences
// left out "will be removed"; merging never turns an opt-out the caller
// forgot to repeat back into a subscription.
func (s *Service) UpdateContact(ctx context.Context, accountID, list string, upd *Contact) error {
	l, key, err := s.checkContact(ctx, accountID, list, upd)
	if err != nil {
		return err
	}
	c, err := s.getContact(ctx, accountID, l.Name, key)
	if errors.Is(err, store.ErrNotFound) {
		return contactNotFound(upd.EmailAddress)
	}
	if err != nil {
		return err
	}
	for _, p := range upd.TopicPreferences {
		c.setPreference(p.TopicName, p.SubscriptionStatus)
	}
	c.UnsubscribeAll, c.AttributesData = upd.UnsubscribeAll, upd.AttributesData
	c.LastUpdatedTimestamp = s.now()
	err = s.putContact(ctx, accountID, l.Name, key, c)
	if errors.Is(err, store.ErrNotFound) {
		return contactNotFound(upd.EmailAddress)
	}
	return err
}

// PutContact creates c, or replaces the contact with its address
// (keeping its creation time): a bulk import's row, as SES's import
// action PUT treats it. created says which.
func (s *Service) PutContact(ctx context.Context, accountID string, l *List, c *Contact) (created bool, err error) {
	key, err := checkAddress(c.EmailAddress)
	if err != nil {
		return false, err
	}
	if err := checkPreferences(l, c.TopicPreferences); err != nil {
		return false, err
	}
	if err := checkAttributes(c.AttributesData); err != nil {
		return false, err
	}
	now := s.now()
	c.CreatedTimestamp, c.LastUpdatedTimestamp = now, now
	err = s.createContact(ctx, accountID, l.Name, key, c)
	if !errors.Is(err, store.ErrExists) {
		return err == nil, err
	}
	old, err := s.getContact(ctx, accountID, l.Name, key)
	if err != nil {
		return false, err
	}
	c.EmailAddress, c.CreatedTimestamp = old.EmailAddress, old.CreatedTimestamp
	return false, s.putContact(ctx, accountID, l.Name, key, c)
}

// DeleteContact removes a contact from a list.
func (s *Service) DeleteContact(ctx context.Context, accountID, list, addr string) error {
	key, err := checkAddress(addr)
	if err != nil {
		return err
	}
	l, err := s.GetList(ctx, accountID, list)
	if err != nil {
		return err
	}
	err = s.store.DeleteObject(ctx, accountID, contactKind, contactName(l.Name, key))
	if errors.Is(err, store.ErrNotFound) {
		return contactNotFound(addr)
	}
	return err
}

// Filter is ListContacts' ListContactsFilter.
type Filter struct {
	// Status is FilteredStatus: OPT_IN or OPT_OUT, "" for any.
	Status string
	// Topic is TopicFilter.TopicName, "" for the list as a whole.
	Topic string
	// UseDefault is TopicFilter.UseDefaultIfPreferenceUnavailable: a
	// contact without a preference for Topic counts with the topic's
	// default; otherwise it is left out.
	UseDefault bool
}

// matches reports whether c passes f. Without a topic, OPT_OUT selects the
// contacts unsubscribed from the whole list and OPT_IN the others ("You
// can get a list of ... contacts unsubscribed from all topics in the
// list", Developer Guide, sending-email-list-management). With one, a
// contact unsubscribed from everything counts as OPT_OUT for it.
func (f *Filter) matches(l *List, c *Contact) bool {
	if f.Topic == "" {
		switch f.Status {
		case OptOut:
			return c.UnsubscribeAll
		case OptIn:
			return !c.UnsubscribeAll
		}
		return true
	}
	status := c.Preference(f.Topic)
	if status == "" && f.UseDefault {
		status = l.Status(c, f.Topic)
	}
	if status == "" {
		return false
	}
	if c.UnsubscribeAll {
		status = OptOut
	}
	return f.Status == "" || f.Status == status
}

// scanBatch is how many contacts ListContacts reads from the store at a
// time while filtering.
const scanBatch = 500

// ListContacts returns up to limit contacts of the list that pass f, in
// address order after the contact named after ("" from the start), the
// list, and the name to continue after ("" at the end).
func (s *Service) ListContacts(ctx context.Context, accountID, list string, f Filter, after string, limit int) ([]*Contact, *List, string, error) {
	l, err := s.GetList(ctx, accountID, list)
	if err != nil {
		return nil, nil, "", err
	}
	if f.Status != "" && !validStatus(f.Status) {
		return nil, nil, "", validation("filter.filteredStatus", "Member must satisfy enum value set: [OPT_OUT, OPT_IN]")
	}
	if f.Topic != "" && l.Topic(f.Topic) == nil {
		return nil, nil, "", unknownTopic(l.Name, f.Topic)
	}
	prefix := l.Name + "/"
	if after != "" && !strings.HasPrefix(after, prefix) {
		return nil, nil, "", fault.BadRequest("The NextToken is invalid.")
	}
	var out []*Contact
	last := after
	for {
		objs, err := s.store.ListObjects(ctx, accountID, contactKind, prefix, last, scanBatch)
		if err != nil {
			return nil, nil, "", err
		}
		for _, o := range objs {
			c, err := decodeContact(o)
			if err != nil {
				return nil, nil, "", err
			}
			if !f.matches(l, c) {
				last = o.Name
				continue
			}
			if len(out) == limit {
				return out, l, last, nil
			}
			out = append(out, c)
			last = o.Name
		}
		if len(objs) < scanBatch {
			return out, l, "", nil
		}
	}
}

// Each calls fn for every contact of the list, in address order.
func (s *Service) Each(ctx context.Context, accountID string, l *List, fn func(*Contact) error) error {
	last := ""
	for {
		objs, err := s.store.ListObjects(ctx, accountID, contactKind, l.Name+"/", last, scanBatch)
		if err != nil {
			return err
		}
		for _, o := range objs {
			c, err := decodeContact(o)
			if err != nil {
				return err
			}
			if err := fn(c); err != nil {
				return err
			}
			last = o.Name
		}
		if len(objs) < scanBatch {
			return nil
		}
	}
}
