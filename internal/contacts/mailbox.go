package contacts

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"

	"github.com/hikyaku/hikyaku/internal/clock"
	"github.com/hikyaku/hikyaku/internal/store"
)

// Mailbox takes the mail the inbound MX receives for List-Unsubscribe
// mailto addresses (RFC 2369 §3.2): a mail client's "unsubscribe" sends
// one, of any content, and that is the request. It reads the message the
// address was made for, finds its List-Unsubscribe URL, opens the token
// in it and applies the one-click change, as a POST to the URL would.
// It has the method set of the MX's Mailbox.
type Mailbox struct {
	Contacts *Service
	Links    *Links
	// Store reads the original message.
	Store store.MessageStore
	Clock clock.Clock
}

// Accepts reports whether rcpt is a mailto address Links made, with a
// valid tag; the MX asks at RCPT TO, and refuses any other.
func (m *Mailbox) Accepts(rcpt string) bool {
	_, _, ok := m.Links.ParseMailto(rcpt)
	return ok
}

// Process applies the unsubscribe of each of rcptTo that Accepts. Which
// addresses it was sent from, and what it says, do not matter: the
// address itself is the authority, as the link is. An address whose
// message or token no longer works is reported wrapping ErrInvalidToken
// (kept by the MX for the operator); a store failure is retried.
// Applying the same unsubscribe twice changes nothing the second time.
func (m *Mailbox) Process(ctx context.Context, _ []byte, rcptTo []string) error {
	var errs []error
	for _, rcpt := range rcptTo {
		id, index, ok := m.Links.ParseMailto(rcpt)
		if !ok {
			continue
		}
		t, err := m.token(ctx, id, index)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", rcpt, err))
			continue
		}
		if _, err := m.Contacts.Apply(ctx, t, SourceHeader, OneClick(t)); err != nil {
			errs = append(errs, fmt.Errorf("unsubscribe %s from %s (mail to %s): %w", t.Address, t.List, rcpt, err))
		}
	}
	return errors.Join(errs...)
}

// token finds the token of the List-Unsubscribe header of recipient index
// of message id.
func (m *Mailbox) token(ctx context.Context, id string, index int) (*Token, error) {
	msg, err := m.Store.GetMessage(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: message %s is not in the store", ErrInvalidToken, id)
	}
	if err != nil {
		return nil, err
	}
	body, err := m.Store.GetMessageBody(ctx, id)
	if err != nil {
		return nil, err
	}
	parsed, err := mail.ReadMessage(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("%w: message %s: %v", ErrInvalidToken, id, err)
	}
	for _, target := range strings.Split(parsed.Header.Get("List-Unsubscribe"), ",") {
		u := strings.Trim(strings.TrimSpace(target), "<>")
		sealed, ok := TokenFromURL(u)
		if !ok {
			continue
		}
		t, err := m.Links.Open(sealed, m.Clock.Now())
		if err != nil {
			return nil, fmt.Errorf("message %s: %w", id, err)
		}
		if t.MessageID != id || t.AccountID != msg.AccountID || index >= len(msg.Recipients) ||
			!strings.EqualFold(msg.Recipients[index].Address, t.Address) {
			return nil, fmt.Errorf("%w: the link of message %s is not for recipient %d", ErrInvalidToken, id, index)
		}
		return t, nil
	}
	return nil, fmt.Errorf("%w: message %s has no List-Unsubscribe link", ErrInvalidToken, id)
}
