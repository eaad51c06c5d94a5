package feedback

import (
	"slices"
	"strconv"
	"strings"
)

// Reason says why a message was not delivered, in Sisimai's vocabulary (see
// https://libsisimai.org/en/reason/). Complaints have ReasonFeedback,
// auto-replies ReasonVacation, successful deliveries ReasonDelivered.
type Reason string

// The reasons. Only UserUnknown, HostUnknown, HasMoved and (with a permanent
// code) NotAccept make a bounce hard.
const (
	ReasonAuthFailure     Reason = "authfailure"     // SPF, DKIM or DMARC failed
	ReasonBadReputation   Reason = "badreputation"   // the sending IP's reputation
	ReasonBlocked         Reason = "blocked"         // the sending IP or host is refused
	ReasonContentError    Reason = "contenterror"    // malformed headers or MIME
	ReasonDelivered       Reason = "delivered"       // not a failure: a success report
	ReasonExceedLimit     Reason = "exceedlimit"     // a per-mailbox size limit
	ReasonExpired         Reason = "expired"         // gave up retrying
	ReasonFailedSTARTTLS  Reason = "failedstarttls"  // TLS was required and failed
	ReasonFeedback        Reason = "feedback"        // a complaint (ARF)
	ReasonFiltered        Reason = "filtered"        // refused by the recipient's filter
	ReasonHasMoved        Reason = "hasmoved"        // the mailbox moved, no forwarding
	ReasonHostUnknown     Reason = "hostunknown"     // the domain does not exist
	ReasonMailboxFull     Reason = "mailboxfull"     // over quota
	ReasonMailerError     Reason = "mailererror"     // a local delivery program failed
	ReasonMesgTooBig      Reason = "mesgtoobig"      // larger than the server accepts
	ReasonNetworkError    Reason = "networkerror"    // DNS or routing trouble, loops
	ReasonNoRelaying      Reason = "norelaying"      // the server does not relay for us
	ReasonNotAccept       Reason = "notaccept"       // the host accepts no mail (null MX)
	ReasonNotCompliantRFC Reason = "notcompliantrfc" // the message breaks RFC 5322
	ReasonOnHold          Reason = "onhold"          // an error, but which one is unclear
	ReasonPolicyViolation Reason = "policyviolation" // the receiving site's policy
	ReasonRejected        Reason = "rejected"        // the sender address is refused
	ReasonRequirePTR      Reason = "requireptr"      // the sending IP lacks reverse DNS
	ReasonSecurityError   Reason = "securityerror"   // authentication or security policy
	ReasonSpamDetected    Reason = "spamdetected"    // judged to be spam
	ReasonSpeeding        Reason = "speeding"        // rate limited
	ReasonSuppressed      Reason = "suppressed"      // on a suppression list
	ReasonSuspend         Reason = "suspend"         // the account is disabled
	ReasonSyntaxError     Reason = "syntaxerror"     // an SMTP protocol error
	ReasonSystemError     Reason = "systemerror"     // the remote system failed
	ReasonSystemFull      Reason = "systemfull"      // the remote system is out of space
	ReasonTooManyConn     Reason = "toomanyconn"     // too many connections or recipients
	ReasonUndefined       Reason = "undefined"       // nothing to go on
	ReasonUserUnknown     Reason = "userunknown"     // the mailbox does not exist
	ReasonVacation        Reason = "vacation"        // an out-of-office reply
	ReasonVirusDetected   Reason = "virusdetected"   // a virus was found
)

// fact is what the reason rules look at for one recipient.
type fact struct {
	recipient   string
	destination string // domain of the recipient
	rhost       string // remote host that refused
	lhost       string // host that reported
	status      string
	replyCode   string
	diag        string
	diagType    string // SMTP, X-UNIX, ...
	command     string
	action      string
	reason      string // as set by the format decoder, maybe empty
}

// retriedReasons are reasons a format decoder may have set that the general
// rules may still refine: they are often a guess from the decoder's phrasing.
var retriedReasons = map[string]bool{
	"undefined": true, "onhold": true, "systemerror": true, "securityerror": true, "expired": true,
	"networkerror": true, "hostunknown": true, "userunknown": true,
}

// isExplicitReason reports whether r says something: not empty, undefined or
// onhold.
func isExplicitReason(r string) bool {
	return r != "" && r != "undefined" && r != "onhold"
}

// firstPass is the order in which the reasons are tested against the status
// code and diagnostic text of an SMTP failure. The order is the point: a
// mailbox that is full is full whatever the code, a 5.1.1 that talks about a
// blocked IP is blocked, and "blocked" is the last resort for refusals.
var firstPass = []string{
	"mailboxfull", "mesgtoobig", "exceedlimit", "suspend", "hasmoved", "norelaying", "authfailure", "userunknown",
	"filtered", "requireptr", "notcompliantrfc", "badreputation", "contenterror", "rejected", "hostunknown",
	"spamdetected", "speeding", "toomanyconn", "blocked",
}

// secondPass is the order of the phrase-only tests used when the status code
// says nothing definite, or the failure was not an SMTP one.
var secondPass = []string{
	"mailboxfull", "authfailure", "badreputation", "speeding", "spamdetected", "virusdetected", "policyviolation",
	"norelaying", "systemerror", "networkerror", "suspend", "contenterror", "systemfull", "notaccept", "expired",
	"failedstarttls", "securityerror", "suppressed", "mailererror",
}

// probe reports whether reason fits f, from the decoder's reason, the status
// code, the reply code, the SMTP command and the diagnostic text.
func probe(reason string, f *fact) bool {
	if f.reason == reason {
		return true
	}
	sr := statusReason(f.status)
	d := strings.ToLower(f.diag)
	switch reason {
	case "mailboxfull", "authfailure", "requireptr", "toomanyconn", "blocked", "exceedlimit":
		return sr == reason || hasPhrase(reason, d)
	case "mesgtoobig":
		if sr == "mesgtoobig" {
			return true
		}
		if sr == "exceedlimit" || f.status == "5.2.3" {
			return false
		}
		return hasPhrase(reason, d)
	case "suspend":
		return f.replyCode == "525" || hasPhrase(reason, d)
	case "hasmoved", "notcompliantrfc", "badreputation", "speeding":
		return hasPhrase(reason, d)
	case "norelaying":
		if f.reason == "securityerror" || f.reason == "systemerror" || f.reason == "undefined" {
			return false
		}
		if f.command == "CONN" || f.command == "EHLO" || f.command == "HELO" {
			return false
		}
		return hasPhrase(reason, d)
	case "userunknown":
		if sr == "suspend" {
			return false
		}
		if sr == "userunknown" {
			// 5.1.1 alone is not enough: some servers answer 5.1.1 for a
			// blocked client, a full mailbox, a refused sender.
			for _, e := range []string{"norelaying", "blocked", "mailboxfull", "hasmoved", "rejected", "notaccept"} {
				if hasPhrase(e, d) {
					return false
				}
			}
			return true
		}
		return f.command == "RCPT" && hasPhrase(reason, d)
	case "filtered":
		if sr == "suspend" {
			return false
		}
		if sr == "filtered" {
			return hasPhrase("userunknown", d) || hasPhrase("filtered", d)
		}
		// A filter reads the message; a refusal before DATA is something else.
		if slices.Contains(commandsBeforeData, f.command) {
			return false
		}
		return hasPhrase("filtered", d) || hasPhrase("userunknown", d)
	case "contenterror":
		if probe("spamdetected", f) {
			return false
		}
		return sr == reason || hasPhrase(reason, d)
	case "rejected":
		if sr == "rejected" {
			return true
		}
		if sr == "" {
			sr = "undefined"
		}
		switch {
		case f.command == "MAIL":
			return hasPhrase(reason, d)
		case f.command == "DATA" && sr != "userunknown":
			return hasPhrase(reason, d)
		case !isExplicitReason(sr) || sr == "securityerror" || sr == "systemerror":
			return hasPhrase(reason, d)
		}
		return false
	case "hostunknown":
		if sr == "hostunknown" {
			return !hasPhrase("networkerror", d)
		}
		return hasPhrase(reason, d)
	case "spamdetected":
		if f.status == "" {
			return false
		}
		if sr == reason {
			return true
		}
		if slices.Contains(commandsBeforeData, f.command) {
			return false
		}
		return hasPhrase(reason, d)
	case "syntaxerror":
		n, err := strconv.Atoi(f.replyCode)
		return err == nil && (n > 400 && n < 408 || n > 500 && n < 508)
	}
	return false
}

// findReason decides the reason for f with the general rules: the ordered
// probes for SMTP failures, then secondReason. A reason the decoder was sure
// of is kept.
func findReason(f *fact) string {
	if f.reason != "" && !retriedReasons[f.reason] {
		return f.reason
	}
	if strings.HasPrefix(f.status, "2.") {
		return "delivered"
	}
	r := ""
	if f.diagType == "SMTP" || f.diagType == "" {
		for _, e := range firstPass {
			if probe(e, f) {
				r = e
				break
			}
		}
	}
	if r != "" && r != "undefined" {
		return r
	}
	r = secondReason(f)
	if r == "undefined" {
		r = ""
	}
	if r == "" && f.action == "delayed" {
		r = "expired"
	}
	if r != "" {
		return r
	}
	d := strings.ToLower(f.diag)
	switch {
	case hasPhrase("vacation", d):
		return "vacation"
	case d != "":
		return "onhold"
	}
	return "undefined"
}

// secondReason is the fallback of findReason: the reason the status code
// implies, refined by phrases when the code is vague or the failure was not an
// SMTP one, then the status code's subject (X.6 content, X.7 security), the
// diagnostic type, the reply code and the action.
func secondReason(f *fact) string {
	if isExplicitReason(f.reason) {
		return f.reason
	}
	r := statusReason(f.status)
	if r != "" && !retriedReasons[r] && f.diagType == "SMTP" {
		return r
	}
	d := strings.ToLower(f.diag)
	for _, e := range secondPass {
		if hasPhrase(e, d) {
			return e
		}
	}
	if r != "" {
		return r
	}
	if len(f.status) > 3 {
		switch f.status[:3] {
		case "5.6", "4.6":
			return "contenterror"
		case "5.7", "4.7":
			return "securityerror"
		}
	}
	switch {
	case strings.HasPrefix(f.diagType, "X-UNIX"):
		return "mailererror"
	case probe("syntaxerror", f):
		return "syntaxerror"
	case f.action == "delayed" || f.action == "expired":
		return "expired"
	case f.command == "EHLO" || f.command == "HELO":
		return "blocked"
	}
	return ""
}

// isTemporaryText reports whether an error text says the failure is temporary:
// a 4xx code, or the words.
func isTemporaryText(s string) bool {
	if s == "" {
		return false
	}
	code := findStatus(s, "")
	if code == "" {
		code = findReply(s, "")
	}
	if strings.HasPrefix(code, "4") {
		return true
	}
	l := strings.ToLower(s)
	return strings.Contains(l, " temporar") || strings.Contains(l, " persistent")
}

// isHard reports whether a bounce for reason means the address itself is
// dead: the mailbox or the domain does not exist, the mailbox moved, or the
// host accepts no mail at all (a null MX, RFC 7505) and says so permanently.
// Everything else (a full mailbox, a blocked IP, a spam filter, a policy) may
// pass later or from another sender, so it is soft even with a 5xx code.
func isHard(reason, evidence string) bool {
	switch reason {
	case "hasmoved", "userunknown", "hostunknown":
		return true
	case "notaccept":
		if evidence == "" {
			return true
		}
		code := findStatus(evidence, "")
		if code == "" {
			code = findReply(evidence, "")
		}
		return strings.HasPrefix(code, "5") || !isTemporaryText(evidence)
	}
	return false
}
