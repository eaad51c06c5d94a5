// Package simulator is SES's mailbox simulator: mail to
// success@, bounce@, ooto@, complaint@ and suppressionlist@
// simulator.amazonses.com (with optional +labels) gets the outcome SES would
// give it, locally and at once, without touching the network. It works in
// the sandbox and its outcomes never count toward reputation.
package simulator

import (
	"strings"

	"github.com/hikyaku/hikyaku/internal/store"
)

// Domain is the simulator's domain.
const Domain = "simulator.amazonses.com"

// reportingMTA is what SES's simulator names as the reporting MTA.
const reportingMTA = "dsn; simulator.amazonses.com"

// Is reports whether addr (local@domain) is a simulator address.
func Is(addr string) bool {
	_, ok := Outcome(addr)
	return ok
}

// IsDomain reports whether domain is the simulator's.
func IsDomain(domain string) bool { return strings.EqualFold(domain, Domain) }

// Outcome returns the recipient status and outcome the simulator gives to
// addr, and false when addr is not a simulator address.
func Outcome(addr string) (status string, ok bool) {
	st, _, ok := Result(addr)
	return st, ok
}

// Result returns the status and outcome details for addr.
func Result(addr string) (string, store.Outcome, bool) {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 || !IsDomain(addr[at+1:]) {
		return "", store.Outcome{}, false
	}
	local := strings.ToLower(addr[:at])
	if i := strings.IndexByte(local, '+'); i >= 0 {
		local = local[:i]
	}
	o := store.Outcome{Simulated: true, RemoteMTA: reportingMTA}
	switch local {
	case "success":
		o.Status, o.SMTPReply = "2.0.0", "250 2.0.0 OK"
		return store.RcptDelivered, o, true
	case "bounce":
		o.BounceType, o.BounceSubType = "Permanent", "General"
		o.Status, o.SMTPReply = "5.1.1", "550 5.1.1 user unknown"
		o.Diagnostic = "smtp; 550 5.1.1 user unknown"
		return store.RcptBounced, o, true
	case "ooto":
		// Delivered, then answered by an RFC 3834 auto-reply, which SES
		// reports as a Transient bounce notification.
		o.Status, o.SMTPReply = "2.0.0", "250 2.0.0 OK"
		o.BounceType, o.BounceSubType = "Transient", "General"
		o.Diagnostic = "auto-reply: out of the office"
		return store.RcptDelivered, o, true
	case "complaint":
		o.Status, o.SMTPReply = "2.0.0", "250 2.0.0 OK"
		o.ComplaintFeedbackType = "abuse"
		return store.RcptComplained, o, true
	case "suppressionlist":
		o.BounceType, o.BounceSubType = "Permanent", "OnAccountSuppressionList"
		o.Status = "5.1.1"
		o.Diagnostic = "Amazon SES has suppressed sending to this address because it is on the account-level suppression list."
		return store.RcptSuppressed, o, true
	}
	return "", store.Outcome{}, false
}
