package bounce

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hikyaku/hikyaku/internal/eventlog"
	"github.com/hikyaku/hikyaku/internal/feedback"
	"github.com/hikyaku/hikyaku/internal/msgid"
	"github.com/hikyaku/hikyaku/internal/softbounce"
	"github.com/hikyaku/hikyaku/internal/store"
)

// apply records rep's verdict on one matched recipient: its status and
// outcome, the account's statistics, and the suppression list.
func (p *Processor) apply(ctx context.Context, rep *feedback.Report, m match) error {
	r := &m.msg.Recipients[m.idx]
	log := p.log().With("kind", rep.Kind, "message_id", r.MessageID, "index", r.Index, "matched_by", m.via)
	now := p.now().Now().UTC().Truncate(time.Microsecond)
	prev := r.Status
	var (
		delta  store.StatBucket
		reason string // suppression reason, "" for none
	)
	switch rep.Kind {
	case feedback.KindBounce:
		if m.rcpt != nil && m.rcpt.Action == "delayed" {
			// A delay warning is not a bounce: the remote MTA is still
			// trying. SES reports it as a DeliveryDelay.
			log.Info("delay reported", "status", m.rcpt.Status, "diagnostic", m.rcpt.Diagnostic)
			if m.msg.Origin == "system" {
				return nil
			}
			return p.Store.AppendEvents(ctx, []*store.Event{eventlog.Delayed(eventlog.MessageOf(m.msg), r.Address, now,
				delayType(m.rcpt), m.rcpt.Status, m.rcpt.Diagnostic, rep.ReportingMTA)})
		}
		if m.rcpt != nil && m.rcpt.Action != "" && m.rcpt.Action != "failed" {
			// A relay or delivery notice is not a bounce either.
			log.Info("non-failure report ignored", "action", m.rcpt.Action, "status", m.rcpt.Status)
			return nil
		}
		// A bounce after the delivery (the remote MTA accepted, then
		// failed to deliver) is a Bounce in SES too.
		r.Status = store.RcptBounced
		r.Outcome = bounceOutcome(m.rcpt)
		delta.Bounces = 1
		if m.rcpt != nil && m.rcpt.Hard {
			reason = store.ReasonBounce
		} else if prev != store.RcptBounced {
			// Not dead, but failing again and again, on several days?
			due, why, err := softbounce.Default.Due(ctx, p.Store, m.msg.AccountID, r.Address, now, true)
			if err != nil {
				return fmt.Errorf("bounce: count soft bounces of recipient %d of %s: %w", r.Index, r.MessageID, err)
			}
			if due {
				log.Info("soft bounces add up to a suppression", "why", why)
				reason = store.ReasonBounce
			}
		}
	case feedback.KindComplaint:
		r.Status = store.RcptComplained
		r.Outcome.ComplaintFeedbackType = complaintType(rep, m.rcpt)
		delta.Complaints = 1
		reason = store.ReasonComplaint
	default:
		return nil
	}
	r.UpdatedAt = now
	if err := p.Store.UpdateRecipient(ctx, r); err != nil {
		return fmt.Errorf("bounce: record %s of %s recipient %d: %w", rep.Kind, r.MessageID, r.Index, err)
	}
	log.Info("feedback recorded", "status", r.Status, "previous", prev, "enhanced", r.Outcome.Status,
		"bounce_type", r.Outcome.BounceType, "bounce_subtype", r.Outcome.BounceSubType,
		"feedback_type", r.Outcome.ComplaintFeedbackType)
	if m.msg.Origin == "system" {
		// Mail hikyaku sends itself counts toward no account.
		return nil
	}
	// Counted, and published, once per recipient: a second report about
	// it, or this one processed again after a failure, adds nothing.
	if prev != r.Status {
		if err := p.Store.AddStats(ctx, m.msg.AccountID, now, delta); err != nil {
			return fmt.Errorf("bounce: count %s for account %s: %w", rep.Kind, m.msg.AccountID, err)
		}
		if err := p.Store.AppendEvents(ctx, []*store.Event{feedbackEvent(rep, m, r, now)}); err != nil {
			return fmt.Errorf("bounce: log %s event of %s: %w", rep.Kind, r.MessageID, err)
		}
	}
	if reason != "" {
		return p.suppress(ctx, m.msg, r, reason, now)
	}
	return nil
}

// feedbackEvent is the Bounce or Complaint event a report produces.
func feedbackEvent(rep *feedback.Report, m match, r *store.Recipient, now time.Time) *store.Event {
	em := eventlog.MessageOf(m.msg)
	if rep.Kind == feedback.KindComplaint {
		var agent string
		var arrival time.Time
		if c := rep.Complaint; c != nil {
			agent, arrival = c.UserAgent, c.ArrivalDate
		}
		return eventlog.Complaint(em, r.Address, now, r.Outcome.ComplaintFeedbackType, agent, arrival)
	}
	return eventlog.Outcome(em, r, now, eventlog.Options{ReportingMTA: rep.ReportingMTA})[0]
}

// suppress puts r's address on the account's suppression list, when the
// account's SuppressedReasons include reason.
func (p *Processor) suppress(ctx context.Context, msg *store.Message, r *store.Recipient, reason string, now time.Time) error {
	accountID := msg.AccountID
	acct, err := p.Store.GetAccount(ctx, accountID)
	if err != nil {
		return fmt.Errorf("bounce: look up account %s for suppression: %w", accountID, err)
	}
	reasons := acct.SuppressedReasons
	if p.SuppressedReasons != nil {
		reasons = p.SuppressedReasons(ctx, acct, msg.ConfigurationSet)
	}
	if !slices.Contains(reasons, reason) {
		return nil
	}
	err = p.Store.PutSuppressed(ctx, &store.Suppressed{AccountID: accountID, Address: strings.ToLower(r.Address),
		Reason: reason, MessageID: r.MessageID, FeedbackID: msgid.New(now), LastUpdate: now})
	if err != nil {
		return fmt.Errorf("bounce: suppress recipient %d of %s: %w", r.Index, r.MessageID, err)
	}
	p.log().Info("address suppressed", "account", accountID, "reason", reason, "message_id", r.MessageID)
	return nil
}

// bounceOutcome is SES's view of a bounce; a report without a usable
// entry is Undetermined, as SES says when it cannot tell.
func bounceOutcome(fr *feedback.Recipient) store.Outcome {
	if fr == nil {
		return store.Outcome{BounceType: "Undetermined", BounceSubType: "Undetermined"}
	}
	o := store.Outcome{BounceType: fr.SESBounceType, BounceSubType: fr.SESBounceSubType, Status: fr.Status,
		Diagnostic: fr.Diagnostic, RemoteMTA: fr.RemoteMTA}
	if fr.ReplyCode != "" && fr.DiagnosticType == "SMTP" {
		o.SMTPReply = fr.Diagnostic
	}
	if o.BounceType == "" {
		o.BounceType = "Undetermined"
	}
	if o.BounceSubType == "" {
		o.BounceSubType = "Undetermined"
	}
	return o
}

// complaintType is the ARF Feedback-Type, from the report or the entry.
func complaintType(rep *feedback.Report, fr *feedback.Recipient) string {
	if rep.Complaint != nil && rep.Complaint.FeedbackType != "" {
		return rep.Complaint.FeedbackType
	}
	if fr != nil {
		return fr.FeedbackType
	}
	return ""
}

// delayType is SES's DeliveryDelay delayType for a delay report.
func delayType(fr *feedback.Recipient) string {
	switch {
	case fr.Reason == feedback.ReasonMailboxFull:
		return "MailboxFull"
	case fr.Reason == feedback.ReasonSpamDetected:
		return "SpamDetected"
	case strings.HasPrefix(fr.Status, "4.4."):
		return "TransientCommunicationFailure"
	case strings.HasPrefix(fr.Status, "4.3."):
		return "RecipientServerError"
	}
	return "General"
}
