package contacts

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/hikyaku/hikyaku/internal/fault"
	"github.com/hikyaku/hikyaku/internal/store"
)

// Consent: double opt-in, the sunset policy and re-permission. SES has
// none of them; they are hikyaku's, kept in the contact document beside
// SES's fields (Contact.Consent and its times) and invisible to the SES
// API, so that an SES client sees the contacts it made as it made them.
//
//   - Double opt-in: RequestConsent makes a contact pending (hikyaku
//     contacts invite) and the caller mails it a confirmation link
//     (ConfirmURL). A pending contact is skipped by list sends (Admits)
//     until Confirm, which records when and adds a Subscription event.
//   - Sunset: a contact with no engagement signal for a period (default
//     DefaultSunsetAfter) becomes inactive and is skipped by list sends
//     until it confirms again. The signals are a confirmation (double
//     opt-in or re-permission) and, until tracking of opens and clicks
//     exists, nothing else; a contact that never confirmed is measured
//     from its creation.
//   - Re-permission: RequestConsent on stale contacts mails them the same
//     confirmation link; Expire unsubscribes those who did not confirm
//     within a window.

// Consent states of a contact.
const (
	ConsentPending   = "PENDING"
	ConsentConfirmed = "CONFIRMED"
	ConsentInactive  = "INACTIVE"
)

// Sources of the Subscription events consent changes add (hikyaku's; SES
// has no such changes).
const (
	SourceConfirm      = "ConfirmLink"
	SourceRepermission = "RepermissionExpired"
)

// DefaultSunsetAfter is the sunset policy's default period without
// engagement: six months, as mailbox providers advise.
const DefaultSunsetAfter = 180 * 24 * time.Hour

// ConfirmTTL is how long a confirmation link works.
const ConfirmTTL = 30 * 24 * time.Hour

// confirmContext starts the MAC of a confirmation token, so that it can
// never stand in for an unsubscribe token or the other way round.
const confirmContext = "hikyaku confirm v1\x00"

// ConfirmPath is where confirmation links are served.
const ConfirmPath = "/confirm"

// ConfirmURL returns the confirmation link of addr on list, made at now.
func (l *Links) ConfirmURL(accountID, list, addr string, now time.Time) string {
	t := Token{AccountID: accountID, List: list, Address: addr, Expires: now.Add(ConfirmTTL).Truncate(time.Second)}
	return *l.baseURL.Load() + ConfirmPath + "?t=" + url.QueryEscape(l.seal(confirmContext, t))
}

// OpenConfirm reads the token of a confirmation link (ErrInvalidToken,
// ErrExpiredToken as Open).
func (l *Links) OpenConfirm(s string, now time.Time) (*Token, error) {
	return l.open(confirmContext, s, now)
}

// LastSignal is when the contact last showed engagement: its last
// confirmation, else its creation.
func (c *Contact) LastSignal() time.Time {
	if !c.ConfirmedAt.IsZero() {
		return c.ConfirmedAt
	}
	return c.CreatedTimestamp
}

// RequestConsent records that a confirmation request is about to be
// mailed to addr: a contact that is not on the list is added pending; one
// that is and has never confirmed becomes pending; a confirmed or
// inactive one keeps its state (a re-permission request). A contact that
// unsubscribed from the whole list is refused: asking again is what
// unsubscribing is meant to stop.
func (s *Service) RequestConsent(ctx context.Context, accountID, list, addr string) (*Contact, error) {
	key, err := checkAddress(addr)
	if err != nil {
		return nil, err
	}
	l, err := s.GetList(ctx, accountID, list)
	if err != nil {
		return nil, err
	}
	now := s.now()
	c, err := s.getContact(ctx, accountID, l.Name, key)
	if errors.Is(err, store.ErrNotFound) {
		c = &Contact{EmailAddress: addr, CreatedTimestamp: now, LastUpdatedTimestamp: now,
			Consent: ConsentPending, ConsentRequestedAt: now}
		err = s.createContact(ctx, accountID, l.Name, key, c)
		if errors.Is(err, store.ErrExists) {
			return s.RequestConsent(ctx, accountID, list, addr)
		}
		return c, err
	}
	if err != nil {
		return nil, err
	}
	if c.UnsubscribeAll {
		return nil, fault.BadRequest("Contact %s unsubscribed from contact list %s; it is not asked again.", addr, l.Name)
	}
	if c.Consent == "" || c.Consent == ConsentPending {
		c.Consent = ConsentPending
	}
	c.ConsentRequestedAt, c.LastUpdatedTimestamp = now, now
	return c, s.putContact(ctx, accountID, l.Name, key, c)
}

// Confirm records that the contact of a confirmation token followed it:
// it becomes confirmed (again sendable if it was pending or inactive), at
// now, and a Subscription event with source SourceConfirm is added.
func (s *Service) Confirm(ctx context.Context, t *Token) (*Contact, error) {
	key, err := checkAddress(t.Address)
	if err != nil {
		return nil, err
	}
	l, err := s.GetList(ctx, t.AccountID, t.List)
	if err != nil {
		return nil, err
	}
	c, err := s.getContact(ctx, t.AccountID, l.Name, key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, contactNotFound(t.Address)
	}
	if err != nil {
		return nil, err
	}
	if c.UnsubscribeAll {
		return nil, fault.BadRequest("Contact %s unsubscribed from contact list %s.", t.Address, l.Name)
	}
	p := preferences(l, c)
	if err := s.record(ctx, t, l, SourceConfirm, p, p); err != nil {
		return nil, err
	}
	now := s.now()
	c.Consent, c.ConfirmedAt, c.InactiveSince, c.LastUpdatedTimestamp = ConsentConfirmed, now, time.Time{}, now
	if err := s.putContact(ctx, t.AccountID, l.Name, key, c); err != nil {
		return nil, fmt.Errorf("confirm contact %s of list %s: %w", t.Address, l.Name, err)
	}
	return c, nil
}

// SunsetResult counts what a sunset pass found.
type SunsetResult struct {
	Contacts        int // contacts on the list
	Inactivated     int // made inactive by this pass (or, dry, that would be)
	AlreadyInactive int
	Skipped         int // unsubscribed from the list: not concerned
}

// Sunset applies the sunset policy to a list at now: every subscribed
// contact whose last engagement signal is after or more ago becomes
// inactive. dryRun counts without changing anything.
func (s *Service) Sunset(ctx context.Context, accountID, list string, after time.Duration, dryRun bool) (*SunsetResult, error) {
	l, err := s.GetList(ctx, accountID, list)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var res SunsetResult
	err = s.Each(ctx, accountID, l, func(c *Contact) error {
		res.Contacts++
		switch {
		case c.UnsubscribeAll:
			res.Skipped++
			return nil
		case c.Consent == ConsentInactive:
			res.AlreadyInactive++
			return nil
		case now.Sub(c.LastSignal()) < after:
			return nil
		}
		res.Inactivated++
		if dryRun {
			return nil
		}
		key, err := checkAddress(c.EmailAddress)
		if err != nil {
			return err
		}
		c.Consent, c.InactiveSince, c.LastUpdatedTimestamp = ConsentInactive, now, now
		return s.putContact(ctx, accountID, l.Name, key, c)
	})
	return &res, err
}

// Stale calls fn for each contact of the list a re-permission pass asks:
// subscribed, and inactive or without an engagement signal for
// inactiveFor.
func (s *Service) Stale(ctx context.Context, accountID, list string, inactiveFor time.Duration, fn func(*Contact) error) error {
	l, err := s.GetList(ctx, accountID, list)
	if err != nil {
		return err
	}
	now := s.now()
	return s.Each(ctx, accountID, l, func(c *Contact) error {
		if c.UnsubscribeAll || (c.Consent != ConsentInactive && now.Sub(c.LastSignal()) < inactiveFor) {
			return nil
		}
		return fn(c)
	})
}

// Expire ends a re-permission pass: each subscribed contact asked to
// confirm window or more ago, that has not confirmed since, is
// unsubscribed from the whole list, with a Subscription event (source
// SourceRepermission). It returns how many; dryRun only counts.
func (s *Service) Expire(ctx context.Context, accountID, list string, window time.Duration, dryRun bool) (int, error) {
	l, err := s.GetList(ctx, accountID, list)
	if err != nil {
		return 0, err
	}
	now := s.now()
	n := 0
	err = s.Each(ctx, accountID, l, func(c *Contact) error {
		if c.UnsubscribeAll || c.ConsentRequestedAt.IsZero() || !c.ConfirmedAt.Before(c.ConsentRequestedAt) ||
			now.Sub(c.ConsentRequestedAt) < window {
			return nil
		}
		n++
		if dryRun {
			return nil
		}
		all := true
		_, err := s.Apply(ctx, &Token{AccountID: accountID, List: l.Name, Address: c.EmailAddress},
			SourceRepermission, Change{UnsubscribeAll: &all})
		return err
	})
	return n, err
}
