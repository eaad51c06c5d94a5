package publish

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hikyaku/hikyaku/internal/eventlog"
	"github.com/hikyaku/hikyaku/internal/events"
	"github.com/hikyaku/hikyaku/internal/sns"
	"github.com/hikyaku/hikyaku/internal/store"
)

// dialectForward is the target of feedback forwarded by email: SES mails
// bounce and complaint notifications to the sender unless the identity
// turned forwarding off (SetIdentityFeedbackForwardingEnabled).
const dialectForward = "forward"

// Forwarder queues a notice mail (intake.SystemSender's SendNotice).
type Forwarder func(ctx context.Context, accountID, to, subject, text string) (string, error)

// SetForwarder turns feedback forwarding by email on.
func (p *Publisher) SetForwarder(f Forwarder) { p.forward = f }

// forwardTo is where feedback about msg is mailed, as SES chooses: the
// message's feedback address (FeedbackForwardingEmailAddress, ReturnPath),
// else its source (the MAIL FROM of an SMTP submission).
func forwardTo(msg *store.Message) string {
	to := msg.ReturnPath
	if to == "" {
		to = msg.Source
	}
	if i := strings.LastIndexByte(to, '<'); i >= 0 {
		to = strings.TrimSuffix(to[i+1:], ">")
	}
	return to
}

// forwardFeedback mails a Bounce or Complaint to the sender.
func (p *Publisher) forwardFeedback(ctx context.Context, se *store.Event) (sns.Outcome, string) {
	if p.forward == nil {
		return sns.Permanent, "feedback forwarding is not set up on this node"
	}
	msg, err := p.store.GetMessage(ctx, se.MessageID)
	if err != nil {
		return sns.Permanent, "the event's message no longer exists"
	}
	e, err := eventlog.Decode(se)
	if err != nil {
		return sns.Permanent, err.Error()
	}
	to := forwardTo(msg)
	subject, text := feedbackNotice(msg, e)
	if _, err := p.forward(ctx, msg.AccountID, to, subject, text); err != nil {
		return sns.Retry, "queue the forwarded feedback: " + err.Error()
	}
	return sns.Delivered, ""
}

// feedbackNotice is the forwarded mail: in the spirit of SES's "Delivery
// Status Notification (Failure)" and complaint notices.
func feedbackNotice(msg *store.Message, e *events.Event) (subject, text string) {
	var b strings.Builder
	about := fmt.Sprintf("\nThe message:\n  Message ID: %s\n  From: %s\n  Subject: %s\n  Accepted: %s\n",
		msg.ID, msg.FromHeader, msg.Subject, msg.CreatedAt.Format(time.RFC1123Z))
	if c := e.Complaint; c != nil {
		subject = "Complaint about a message from " + msg.Source
		b.WriteString("A recipient reported your message as unwanted (a complaint through a mailbox provider's feedback loop).\n\n")
		for _, r := range c.ComplainedRecipients {
			b.WriteString("  " + r + "\n")
		}
		if c.FeedbackType != "" {
			fmt.Fprintf(&b, "\nFeedback type: %s\n", c.FeedbackType)
		}
		if c.UserAgent != "" {
			fmt.Fprintf(&b, "Reported by: %s\n", c.UserAgent)
		}
		b.WriteString(about)
		b.WriteString("\nStop sending to this recipient: the address is on your suppression list if your account suppresses complaints.\n")
		return subject, b.String()
	}
	bn := e.Bounce
	subject = "Delivery Status Notification (Failure)"
	b.WriteString("An error occurred while trying to deliver the mail to the following recipients:\n\n")
	for _, r := range bn.BouncedRecipients {
		b.WriteString("  " + r.EmailAddress)
		if r.Status != "" {
			b.WriteString(" (" + r.Status + ")")
		}
		if r.DiagnosticCode != "" {
			b.WriteString(": " + r.DiagnosticCode)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "\nBounce type: %s/%s\n", bn.BounceType, bn.BounceSubType)
	if bn.ReportingMTA != "" {
		fmt.Fprintf(&b, "Reporting MTA: %s\n", bn.ReportingMTA)
	}
	b.WriteString(about)
	return subject, b.String()
}
