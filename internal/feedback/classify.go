package feedback

import (
	"net/mail"
	"strings"
	"time"
)

// classify turns what a decoder read about one recipient into the outcome:
// it settles the status code, reply code and diagnostic text, finds the remote
// host, decides the reason (local delivery agent errors first, then the
// provider's documented codes, then the general rules), whether the bounce is
// hard, and makes up a status code when the report gave none. ok is false when
// the recipient is not an email address.
func classify(m *mailMessage, d delivery) (r Recipient, ok bool) {
	addr := strings.TrimSpace(d.recipient)
	if !isEmailAddress(addr) {
		if addr = findAddress(addr); !isEmailAddress(addr) {
			return r, false
		}
	}
	rhost, lhost := remoteAndLocalHost(m, d)

	diag, status, reply := d.diag, d.status, d.replyCode
	if status != "" && !validStatus(status) {
		status = findStatus(" "+status+" ", "") // "5.1.1." or "#5.1.1": keep the code, drop the junk
	}
	if reply != "" && !validReply(reply) {
		reply = ""
	}
	if diag != "" {
		diag = strings.ReplaceAll(diag, "\r", "")
		cs := findStatus(diag, "")
		cr := findReply(diag, cs)
		status = preferStatus(status, cs, cr)
		if len(cr) == 3 {
			if reply == "" {
				reply = cr
			}
			if strings.Contains(diag, cr+"-") {
				// A multi-line reply: "550-5.7.1 ... 550-5.7.1 ... 550 5.7.1 ..."
				// (RFC 5321 section 4.2.1) becomes one line.
				for _, q := range []string{"-", " "} {
					diag = strings.ReplaceAll(diag, cr+q+cs, "")
					diag = strings.ReplaceAll(diag, cr+q, "")
				}
				if strings.Contains(diag, cr) {
					diag = cr + " " + cs + " " + diag
				}
			}
		}
		lower := strings.ToLower(diag)
		if p1, p2 := strings.Index(lower, "<html>"), strings.Index(lower, "</html>"); p1 > 0 && p2 > p1 {
			diag = diag[:p1] + " " + diag[p2+7:]
		}
		diag = sweep(diag)
	}
	diagType := d.diagType
	if diagType == "" && d.reason != "feedback" && d.reason != "vacation" {
		diagType = "SMTP"
	}
	command := ""
	if validCommand(d.command) {
		command = d.command
	}
	f := &fact{
		recipient:   addr,
		destination: strings.ToLower(addr[strings.LastIndexByte(addr, '@')+1:]),
		rhost:       rhost,
		lhost:       lhost,
		status:      status,
		replyCode:   reply,
		diag:        diag,
		diagType:    diagType,
		command:     command,
		action:      d.action,
		reason:      d.reason,
	}

	reason := d.reason
	if reason == "" || retriedReasons[reason] {
		fallback := reason
		if fallback == "" {
			fallback = "undefined"
		}
		if x := ldaReason(f); isExplicitReason(x) {
			reason = x
		} else if x := providerReason(f); isExplicitReason(x) {
			reason = x
		} else if x := findReason(f); isExplicitReason(x) {
			reason = x
		} else {
			if diag != "" {
				fallback = "onhold"
			}
			reason = fallback
		}
	}

	hard := false
	switch reason {
	case "delivered":
	case "feedback", "vacation":
		reply = ""
	default:
		evidence := status + " " + diag
		if len(evidence) < 4 {
			evidence = ""
		}
		hard = isHard(reason, evidence)
	}

	inferred := false
	if status == "" {
		evidence := reply + " " + diag
		if len(evidence) < 4 {
			evidence = ""
		}
		status = pseudoStatus(reason, isTemporaryText(evidence))
		inferred = status != ""
	}
	if status != "" && reply != "" && status[0] != reply[0] {
		// The reply code contradicts the status class: look for one that
		// agrees, or drop it.
		if cr := findReply(diag, status[:1]); strings.HasPrefix(cr, status[:1]) {
			reply = cr
		} else {
			reply = ""
		}
	} else if status == "" && reply == "" {
		reply = findReply(diag, "")
	}

	action := strings.ToLower(strings.TrimSpace(d.action))
	if a, known := dsnActions[action]; known {
		action = a // RFC 3464 section 2.3.3, and common misspellings
	}
	switch {
	case reason == "delivered":
		action = "delivered"
	case reason == "expired":
		action = "delayed"
	case action == "" && (strings.HasPrefix(status, "4") || strings.HasPrefix(status, "5")):
		action = "failed"
	}

	r = Recipient{
		Address:        addr,
		Action:         action,
		Status:         status,
		StatusInferred: inferred,
		ReplyCode:      reply,
		Diagnostic:     diag,
		DiagnosticType: diagType,
		RemoteMTA:      rhost,
		Command:        command,
		LastAttempt:    parseDate(d.date),
		Reason:         Reason(reason),
		Hard:           hard,
		FeedbackType:   d.feedbackType,
	}
	if alias := findAddress(d.alias); alias != "" && !strings.EqualFold(alias, addr) {
		r.OriginalAddress = alias
	}
	r.SESBounceType, r.SESBounceSubType = sesBounceType(r)
	return r, true
}

// remoteAndLocalHost finds the host that refused and the host that reported:
// from the report, from the diagnostic text, or from the report's Received:
// fields (RFC 5321 section 4.4).
func remoteAndLocalHost(m *mailMessage, d delivery) (string, string) {
	received := m.header["received"]
	rhost, lhost := d.rhost, d.lhost
	if rhost == "" {
		if h := findHost(d.diag); isInternetHost(h) {
			rhost = h
		}
	}
	if rhost == "" {
		for i := len(received) - 1; i >= 0; i-- {
			if from, _ := receivedFromBy(received[i]); isInternetHost(from) {
				rhost = from
				break
			}
		}
	}
	if lhost == rhost {
		lhost = ""
	}
	if lhost == "" {
		for _, e := range received {
			if from, _ := receivedFromBy(e); isInternetHost(from) {
				lhost = from
				break
			}
		}
	}
	return cleanHost(rhost), cleanHost(lhost)
}

// cleanHost reduces what a report gives as a host ("dns; mx.example.jp
// [192.0.2.1]", "postmaster@example.jp", "mx.example.jp.") to a host name.
func cleanHost(v string) string {
	if v == "" {
		return ""
	}
	if i := strings.IndexByte(v, '@'); i > 0 {
		v = v[i+1:]
	}
	v = dropBrackets.Replace(v)
	if i := strings.IndexByte(v, '='); i >= 0 {
		v = v[i+1:]
	}
	if strings.Contains(v, " ") {
		words := strings.Split(v, " ")
		picked := words[0]
		for _, w := range words {
			if w != "" && !ipv4Pattern.MatchString(w) {
				picked = w
				break
			}
		}
		v = picked
	}
	return strings.ToLower(strings.TrimRight(v, "."))
}

// parseDate reads a date-time of RFC 5322 section 3.3, tolerating what
// net/mail does; the zero time when it cannot.
func parseDate(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	if t, err := mail.ParseDate(s); err == nil {
		return t
	}
	// Drop a trailing comment ("(JST)") or day name net/mail rejects.
	if i := strings.Index(s, " ("); i > 0 {
		if t, err := mail.ParseDate(s[:i]); err == nil {
			return t
		}
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05.000Z", "Mon, 2 Jan 2006 15:04:05 -0700 (MST)"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}
