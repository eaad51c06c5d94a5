// Package trace answers "what happened to this message, this person?" It
// reads a message's recipients, their delivery attempts, their events and
// the suppression list, and tells each recipient's story as a timeline of
// plain sentences, for `hikyaku trace` and the HTTP trace endpoint.
package trace

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hikyaku/hikyaku/internal/eventlog"
	"github.com/hikyaku/hikyaku/internal/store"
)

// Step is one line of a recipient's timeline.
type Step struct {
	At time.Time `json:"at"`
	// Kind is accepted, suppressed, attempt, delivered, deferred, bounced,
	// complained or event.
	Kind string `json:"kind"`
	Text string `json:"text"`
}

// Recipient is one recipient of one message, with its story.
type Recipient struct {
	MessageID        string        `json:"messageId"`
	Address          string        `json:"address"`
	Status           string        `json:"status"`
	Subject          string        `json:"subject"`
	From             string        `json:"from"`
	ConfigurationSet string        `json:"configurationSet,omitempty"`
	AcceptedAt       time.Time     `json:"acceptedAt"`
	Outcome          store.Outcome `json:"outcome"`
	// Summary says in one sentence where the recipient stands.
	Summary  string `json:"summary"`
	Timeline []Step `json:"timeline"`
}

// Address is everything known about mail to one address.
type Address struct {
	Address string `json:"address"`
	// Suppressed describes the address's suppression list entry, if any.
	Suppressed string      `json:"suppressed,omitempty"`
	Messages   []Recipient `json:"messages"`
}

// Store is what tracing reads.
type Store interface {
	GetMessage(ctx context.Context, id string) (*store.Message, error)
	Attempts(ctx context.Context, messageID string, index int) ([]store.Attempt, error)
	SearchEvents(ctx context.Context, f store.EventFilter) ([]*store.Event, string, error)
	FindRecipients(ctx context.Context, accountID, addr string, since time.Time, limit int) ([]store.RecipientKey, error)
	GetSuppressed(ctx context.Context, accountID string, addresses []string) (map[string]*store.Suppressed, error)
}

// ForAddress traces the account's mail to addr accepted since since, newest
// first, at most limit messages.
func ForAddress(ctx context.Context, st Store, accountID, addr string, since time.Time, limit int) (*Address, error) {
	out := &Address{Address: strings.ToLower(addr), Messages: []Recipient{}}
	sup, err := st.GetSuppressed(ctx, accountID, []string{addr})
	if err != nil {
		return nil, err
	}
	if s := sup[strings.ToLower(addr)]; s != nil {
		out.Suppressed = suppressedText(s)
	}
	keys, err := st.FindRecipients(ctx, accountID, addr, since, limit)
	if err != nil {
		return nil, err
	}
	msgs := map[string]*store.Message{}
	for _, k := range keys {
		m := msgs[k.MessageID]
		if m == nil {
			if m, err = st.GetMessage(ctx, k.MessageID); err != nil {
				return nil, err
			}
			msgs[k.MessageID] = m
		}
		r, err := recipient(ctx, st, m, k.Index)
		if err != nil {
			return nil, err
		}
		out.Messages = append(out.Messages, *r)
	}
	return out, nil
}

// ForMessage traces every recipient of one message; store.ErrNotFound if
// there is no such message (or it is another account's, when accountID is
// not empty).
func ForMessage(ctx context.Context, st Store, accountID, messageID string) ([]Recipient, error) {
	m, err := st.GetMessage(ctx, messageID)
	if err != nil {
		return nil, err
	}
	if accountID != "" && m.AccountID != accountID {
		return nil, fmt.Errorf("message %s: %w", messageID, store.ErrNotFound)
	}
	var out []Recipient
	for i := range m.Recipients {
		r, err := recipient(ctx, st, m, i)
		if err != nil {
			return nil, err
		}
		out = append(out, *r)
	}
	return out, nil
}

func suppressedText(s *store.Suppressed) string {
	t := fmt.Sprintf("on the account's suppression list since %s (reason %s", s.LastUpdate.Format(time.RFC3339), s.Reason)
	if s.MessageID != "" {
		t += ", after message " + s.MessageID
	}
	return t + "): mail to it is accepted but not sent until the address is removed"
}

func recipient(ctx context.Context, st Store, m *store.Message, idx int) (*Recipient, error) {
	if idx < 0 || idx >= len(m.Recipients) {
		return nil, fmt.Errorf("message %s has no recipient %d: %w", m.ID, idx, store.ErrNotFound)
	}
	r := m.Recipients[idx]
	out := &Recipient{MessageID: m.ID, Address: r.Address, Status: r.Status, Subject: m.Subject, From: m.FromHeader,
		ConfigurationSet: m.ConfigurationSet, AcceptedAt: m.CreatedAt, Outcome: r.Outcome}
	via := map[string]string{"api-v2": "the SES v2 API", "api-v1": "the SES v1 API", "smtp": "SMTP", "system": "hikyaku itself"}[m.Origin]
	if via == "" {
		via = m.Origin
	}
	accepted := fmt.Sprintf("accepted from %s through %s", m.Source, via)
	if m.ConfigurationSet != "" {
		accepted += ", configuration set " + m.ConfigurationSet
	}
	out.Timeline = append(out.Timeline, Step{At: m.CreatedAt, Kind: "accepted", Text: accepted})

	attempts, err := st.Attempts(ctx, m.ID, idx)
	if err != nil {
		return nil, err
	}
	for i, a := range attempts {
		host := a.Host
		if host == "" {
			host = "no server could be reached"
		}
		out.Timeline = append(out.Timeline, Step{At: a.At, Kind: "attempt",
			Text: fmt.Sprintf("attempt %d (%s, %d ms): %s → %s", i+1, host, a.Duration.Milliseconds(), a.Reply, a.Status)})
	}
	evs, err := eventsOf(ctx, st, m, r.Address)
	if err != nil {
		return nil, err
	}
	bouncedInAttempt := slices.ContainsFunc(attempts, func(a store.Attempt) bool { return a.Status == store.RcptBounced })
	for _, e := range evs {
		if s, ok := eventStep(e); ok && !(s.Kind == "bounced" && bouncedInAttempt) {
			out.Timeline = append(out.Timeline, s)
		}
	}
	slices.SortStableFunc(out.Timeline, func(a, b Step) int { return a.At.Compare(b.At) })
	out.Summary = summary(r)
	return out, nil
}

// eventsOf returns the message's events about addr or about the whole
// message (a rendering failure), oldest first.
func eventsOf(ctx context.Context, st Store, m *store.Message, addr string) ([]*store.Event, error) {
	f := store.EventFilter{AccountID: m.AccountID, MessageID: m.ID, Limit: 500}
	var all []*store.Event
	for {
		page, next, err := st.SearchEvents(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, e := range page {
			if e.Recipient == "" || e.Recipient == strings.ToLower(addr) {
				all = append(all, e)
			}
		}
		if next == "" {
			break
		}
		f.Cursor = next
	}
	slices.Reverse(all)
	return all, nil
}

// eventStep tells the events that attempts do not already tell: outcomes
// decided without an attempt (simulator, suppression) and feedback that
// came later (bounce messages, complaints).
func eventStep(se *store.Event) (Step, bool) {
	e, err := eventlog.Decode(se)
	if err != nil {
		return Step{}, false
	}
	switch {
	case e.Bounce != nil && e.Bounce.BounceSubType == "UnsubscribedRecipient":
		return Step{At: se.At, Kind: "unsubscribed", Text: "not sent: the recipient unsubscribed from this list or topic"}, true
	case e.Subscription != nil:
		return Step{At: se.At, Kind: "subscription", Text: fmt.Sprintf("the recipient changed their subscriptions to list %s (%s)",
			e.Subscription.ContactList, e.Subscription.Source)}, true
	case e.Bounce != nil && e.Bounce.BounceSubType == "OnAccountSuppressionList":
		return Step{At: se.At, Kind: "suppressed", Text: "not sent: the address is on the account's suppression list (Bounce event, OnAccountSuppressionList)"}, true
	case e.Bounce != nil:
		b := e.Bounce
		text := fmt.Sprintf("bounced (%s/%s)", b.BounceType, b.BounceSubType)
		if len(b.BouncedRecipients) > 0 && b.BouncedRecipients[0].DiagnosticCode != "" {
			text += ": " + b.BouncedRecipients[0].DiagnosticCode
		}
		if b.ReportingMTA != "" {
			text += ", reported by " + strings.TrimPrefix(b.ReportingMTA, "dns; ")
		}
		return Step{At: se.At, Kind: "bounced", Text: text}, true
	case e.Complaint != nil:
		text := "the recipient reported the message as spam"
		if e.Complaint.FeedbackType != "" {
			text += " (feedback type " + e.Complaint.FeedbackType + ")"
		}
		if e.Complaint.UserAgent != "" {
			text += " through " + e.Complaint.UserAgent
		}
		return Step{At: se.At, Kind: "complained", Text: text}, true
	case e.Failure != nil:
		return Step{At: se.At, Kind: "failed", Text: fmt.Sprintf("not sent: template %s could not be rendered: %s",
			e.Failure.TemplateName, e.Failure.ErrorMessage)}, true
	case e.Delivery != nil && strings.Contains(e.Delivery.ReportingMTA, "simulator"):
		return Step{At: se.At, Kind: "delivered", Text: "delivered by the mailbox simulator: " + e.Delivery.SMTPResponse}, true
	}
	return Step{}, false
}

// summary says where the recipient stands.
func summary(r store.Recipient) string {
	o := r.Outcome
	switch r.Status {
	case store.RcptQueued:
		return "waiting for its first delivery attempt"
	case store.RcptDeferred:
		s := fmt.Sprintf("not delivered yet: %d attempts failed temporarily", r.Attempts)
		if o.SMTPReply != "" {
			s += " (last reply: " + o.SMTPReply + ")"
		}
		return s + "; next attempt at " + r.NextAttemptAt.Format(time.RFC3339)
	case store.RcptDelivered:
		s := "delivered"
		if o.RemoteMTA != "" && !o.Simulated {
			s += " to " + o.RemoteMTA
		}
		if o.SMTPReply != "" {
			s += ": " + o.SMTPReply
		}
		return s
	case store.RcptBounced:
		s := fmt.Sprintf("bounced (%s/%s)", o.BounceType, o.BounceSubType)
		if o.Diagnostic != "" {
			s += ": " + o.Diagnostic
		}
		return s
	case store.RcptComplained:
		return "delivered, then reported as spam by the recipient"
	case store.RcptFailed:
		return "not sent: " + o.Diagnostic
	case store.RcptUnsubscribed:
		return "not sent: the recipient unsubscribed (" + o.Diagnostic + ")"
	case store.RcptSuppressed:
		s := "not sent: the address is on the account's suppression list"
		if i := strings.Index(o.Diagnostic, "(reason: "); i >= 0 {
			s += " " + o.Diagnostic[i:]
		}
		return s
	}
	return r.Status
}

// IsNotFound reports whether err says the message does not exist.
func IsNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

// ParseSince reads a "since" setting: a duration back from now ("24h",
// "30m") or an RFC 3339 time. "" is the zero time.
func ParseSince(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		return now.Add(-d), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("since %q: give a duration (24h, 30m) or an RFC 3339 time", s)
	}
	return t, nil
}
