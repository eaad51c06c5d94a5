package eventlog

import (
	"net"
	"strings"
	"time"

	"github.com/hikyaku/hikyaku/internal/events"
	"github.com/hikyaku/hikyaku/internal/msgid"
	"github.com/hikyaku/hikyaku/internal/store"
)

// Options add what the recipient's state does not hold.
type Options struct {
	// ReportingMTA is this node's host name, as SES names its sending MTA.
	ReportingMTA string
	// RemoteAddr is the receiving server's IP or IP:port, when reached.
	RemoteAddr string
	// Expiration is when retries of a deferred recipient stop.
	Expiration time.Time
}

// Outcome returns the events that r's state (just set at intake or by a
// delivery attempt) reports, at at: Delivery, Bounce (also for a
// suppressed recipient), Complaint (the simulator's, after its Delivery)
// or DeliveryDelay; a recipient of a list send who unsubscribed, the
// Bounce SES reports for it. A queued recipient has none.
func Outcome(m Message, r *store.Recipient, at time.Time, o Options) []*store.Event {
	evs := outcome(m, r, at, o)
	if r.Outcome.Simulated {
		// The mailbox simulator's outcomes count toward no reputation.
		for _, e := range evs {
			e.Subtype = strings.TrimSpace("simulated " + e.Subtype)
		}
	}
	return evs
}

func outcome(m Message, r *store.Recipient, at time.Time, o Options) []*store.Event {
	out := r.Outcome
	at = at.UTC()
	ip := o.RemoteAddr
	if h, _, err := net.SplitHostPort(ip); err == nil {
		ip = h
	}
	reporting := o.ReportingMTA
	if out.Simulated {
		reporting, ip = out.RemoteMTA, ""
	}
	delivered := func() *store.Event {
		return New(m, r.Address, at, &events.Event{Type: events.TypeDelivery, Delivery: &events.Delivery{
			Timestamp: at, ProcessingTime: time.Duration(out.ProcessingTimeMillis) * time.Millisecond,
			Recipients: []string{r.Address}, SMTPResponse: out.SMTPReply, ReportingMTA: reporting, RemoteMtaIP: ip}})
	}
	bounce := func() *store.Event {
		b := &events.Bounce{BounceType: out.BounceType, BounceSubType: out.BounceSubType, Timestamp: at,
			FeedbackID: msgid.New(at) + "-000000", RemoteMtaIP: ip,
			BouncedRecipients: []events.BouncedRecipient{{EmailAddress: r.Address, Action: "failed",
				Status: out.Status, DiagnosticCode: out.Diagnostic}}}
		if out.BounceSubType == "OnAccountSuppressionList" || r.Status == store.RcptUnsubscribed {
			// SES reports no DSN fields for mail it never tried.
			b.BouncedRecipients[0] = events.BouncedRecipient{EmailAddress: r.Address}
			b.RemoteMtaIP = ""
		} else if reporting != "" {
			b.ReportingMTA = "dns; " + reporting
		}
		if out.BounceType == "Transient" {
			b.BouncedRecipients[0].Action = ""
		}
		return New(m, r.Address, at, &events.Event{Type: events.TypeBounce, Bounce: b})
	}
	switch r.Status {
	case store.RcptDelivered:
		evs := []*store.Event{delivered()}
		if out.BounceType == "Transient" { // an auto-reply after delivery
			evs = append(evs, bounce())
		}
		return evs
	case store.RcptBounced, store.RcptSuppressed, store.RcptUnsubscribed:
		return []*store.Event{bounce()}
	case store.RcptComplained:
		c := &events.Complaint{ComplainedRecipients: []string{r.Address}, Timestamp: at,
			FeedbackID: msgid.New(at) + "-000000", FeedbackType: out.ComplaintFeedbackType}
		if out.Simulated {
			c.UserAgent, c.ArrivalDate = "Amazon SES Mailbox Simulator", at
		}
		return []*store.Event{delivered(), New(m, r.Address, at, &events.Event{Type: events.TypeComplaint, Complaint: c})}
	case store.RcptDeferred:
		d := &events.DeliveryDelay{Timestamp: at, DelayType: orUndetermined(out.DelayType), ExpirationTime: o.Expiration.UTC(),
			DelayedRecipients: []events.DelayedRecipient{{EmailAddress: r.Address, Status: out.Status,
				DiagnosticCode: strings.TrimSpace(out.SMTPReply)}}}
		if reporting != "" {
			d.ReportingMTA = reporting
		}
		return []*store.Event{New(m, r.Address, at, &events.Event{Type: events.TypeDeliveryDelay, DeliveryDelay: d})}
	}
	return nil
}

func orUndetermined(s string) string {
	if s == "" {
		return "Undetermined"
	}
	return s
}

// Send returns the Send event of an accepted message.
func Send(m Message, at time.Time) *store.Event {
	return New(m, "", at.UTC(), &events.Event{Type: events.TypeSend})
}

// Complaint returns the Complaint event of a feedback-loop report about
// addr, received at at.
func Complaint(m Message, addr string, at time.Time, feedbackType, userAgent string, arrival time.Time) *store.Event {
	return New(m, addr, at, &events.Event{Type: events.TypeComplaint, Complaint: &events.Complaint{
		ComplainedRecipients: []string{addr}, Timestamp: at.UTC(), FeedbackID: msgid.New(at) + "-000000",
		FeedbackType: feedbackType, UserAgent: userAgent, ArrivalDate: arrival}})
}

// Delayed returns the DeliveryDelay event of a delay report ("Action:
// delayed") about addr from a remote MTA.
func Delayed(m Message, addr string, at time.Time, delayType, status, diagnostic, reportingMTA string) *store.Event {
	return New(m, addr, at, &events.Event{Type: events.TypeDeliveryDelay, DeliveryDelay: &events.DeliveryDelay{
		Timestamp: at.UTC(), DelayType: delayType, ReportingMTA: reportingMTA,
		DelayedRecipients: []events.DelayedRecipient{{EmailAddress: addr, Status: status, DiagnosticCode: diagnostic}}}})
}
