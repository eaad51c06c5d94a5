package bounce

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hikyaku/hikyaku/internal/feedback"
	"github.com/hikyaku/hikyaku/internal/msgid"
	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/verp"
)

// match is one recipient of one message that a report is about.
type match struct {
	msg *store.Message
	idx int // into msg.Recipients
	// rcpt is the report's entry for it; nil when the report names no
	// recipient (a redacted complaint).
	rcpt *feedback.Recipient
	// via says how it was found: "verp" or "message-id".
	via string
}

// match finds what rep is about: through a VERP address (an envelope
// recipient, the address the report was returned to, the original's
// return path, or an ARF report's Original-Mail-From), else through the original's Message-ID and the
// recipients' addresses. No match is not an error; a store failure is.
func (p *Processor) match(ctx context.Context, rep *feedback.Report, rcptTo []string) ([]match, error) {
	candidates := append(append([]string{}, rcptTo...), rep.ReturnedTo, rep.Original.ReturnPath)
	if rep.Complaint != nil {
		candidates = append(candidates, rep.Complaint.OriginalMailFrom)
	}
	for _, addr := range candidates {
		id, idx, ok := verp.Decode(strings.Trim(strings.TrimSpace(addr), "<>"), p.VERPKey)
		if !ok {
			continue
		}
		msg, err := p.message(ctx, id)
		if err != nil || msg == nil {
			return nil, err
		}
		if idx >= len(msg.Recipients) {
			return nil, nil
		}
		return []match{{msg: msg, idx: idx, rcpt: entryFor(rep, msg.Recipients[idx].Address), via: "verp"}}, nil
	}
	return p.matchMessageID(ctx, rep)
}

// matchMessageID matches through the Message-ID hikyaku wrote,
// <ID@REGION.HOSTNAME> (msgid.Header), and the report's recipients.
func (p *Processor) matchMessageID(ctx context.Context, rep *feedback.Report) ([]match, error) {
	id, _, _ := strings.Cut(strings.Trim(rep.Original.MessageID, "<> "), "@")
	if !msgid.Valid(id) {
		return nil, nil
	}
	msg, err := p.message(ctx, id)
	if err != nil || msg == nil {
		return nil, err
	}
	var out []match
	seen := map[int]bool{}
	add := func(addr string, r *feedback.Recipient) {
		for i, mr := range msg.Recipients {
			if !seen[i] && addr != "" && strings.EqualFold(mr.Address, addr) {
				seen[i] = true
				out = append(out, match{msg: msg, idx: i, rcpt: r, via: "message-id"})
			}
		}
	}
	for i := range rep.Recipients {
		r := &rep.Recipients[i]
		add(r.Address, r)
		add(r.OriginalAddress, r)
	}
	if rep.Complaint != nil {
		for _, a := range rep.Complaint.OriginalRcptTo {
			add(a, nil)
		}
	}
	// Feedback loops often redact the complainant; a message with one
	// recipient can still only be about that one.
	if len(out) == 0 && rep.Kind == feedback.KindComplaint && len(msg.Recipients) == 1 {
		out = append(out, match{msg: msg, idx: 0, rcpt: entryFor(rep, msg.Recipients[0].Address), via: "message-id"})
	}
	return out, nil
}

// message returns the message, or nil when the store does not have it
// (anymore: old messages are collected).
func (p *Processor) message(ctx context.Context, id string) (*store.Message, error) {
	msg, err := p.Store.GetMessage(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("bounce: get message %s: %w", id, err)
	}
	return msg, nil
}

// entryFor picks the report's entry for address: the one naming it, else
// the only or first one, else nil.
func entryFor(rep *feedback.Report, address string) *feedback.Recipient {
	for i := range rep.Recipients {
		r := &rep.Recipients[i]
		if strings.EqualFold(r.Address, address) || strings.EqualFold(r.OriginalAddress, address) {
			return r
		}
	}
	if len(rep.Recipients) > 0 {
		return &rep.Recipients[0]
	}
	return nil
}
