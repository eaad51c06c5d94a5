package feedback

import "strings"

// decodeQmail reads the bounces of qmail (qmail-send.c, "failure notice")
// and its many clones (Yahoo, mail.ru, ...): "Hi. This is the qmail-send
// program at ...", each recipient as "<addr>:" followed by qmail-remote's
// account of the session ("192.0.2.1 does not like recipient.", "Remote host
// said: 550 ..."), then the returned message after "--- Below this line is a
// copy of the message.".
func decodeQmail(m *mailMessage) *decoded {
	subject := m.get("subject")
	isQmail := subject == "failure notice" || subject == "Failure Notice"
	for _, r := range m.header["received"] {
		// Received: (qmail 2222 invoked for bounce); 29 Apr 2017 23:34:45 +0900
		if strings.Contains(r, "(qmail ") {
			isQmail = true
		}
	}
	if !isQmail {
		return nil
	}
	head, orig := splitOriginal(m.body, []string{
		"--- Below this line is a copy of the message.", "--- Below this line is a copy of the mail header.",
		"--- Below the next line is a copy of the message.", "--- Mensaje original adjunto.",
		"Content-Type: message/rfc822", "Original message follows.",
	}, false)
	starts := []string{
		"Hi. This is the qmail", "He/Her is not ", "unable to deliver your message to the following addresses",
		"Su mensaje no pudo ser entregado", "Sorry, we were unable to deliver your message to the following address",
		"This is the machine generated message from mail service", "This is the mail delivery agent at",
		"Unable to deliver message to the following address", "Unfortunately, your mail was not delivered to the following address:",
		"Your mail message to the following address", "Your message to the following addresses", "We're sorry.",
	}
	ds := newDeliveries()
	another := []string{""}
	reading := false
	recipients := 0
	for _, e := range lines(head) {
		if !reading {
			reading = containsAny(e, starts)
			continue
		}
		if e == "" {
			continue
		}
		v := &ds[len(ds)-1]
		if strings.HasPrefix(e, "<") && aligned(e, []string{"<", "@", ">:"}) {
			// <kijitora@example.jp>:
			if v.recipient != "" {
				ds = append(ds, delivery{})
				another = append(another, "")
				v = &ds[len(ds)-1]
			}
			v.recipient = between(e, "<", ">:")
			recipients++
			continue
		}
		if len(ds) != recipients {
			continue
		}
		v.diag += e + " "
		if strings.HasPrefix(e, "Remote host said:") {
			another[len(another)-1] = e
		}
		if v.rhost != "" {
			continue
		}
		for _, r := range []string{"Giving up on ", "Connected to ", "remote host "} {
			// qmail-remote: "Connected to 192.0.2.1 but sender was rejected."
			if cv := between(e+" ", r, " "); cv != "" {
				v.rhost = sweep(cv)
				break
			}
		}
	}
	if recipients == 0 {
		return nil
	}
	for j := range ds {
		e := &ds[j]
		e.diag = sweep(e.diag)
		e.command = qmailCommand(e.diag)
		if e.command == "" && strings.Contains(e.diag, "no SMTP connection got far enough") {
			e.command = findCommand(e.diag)
		}
		switch {
		case e.command == "EHLO" || e.command == "HELO":
			e.reason = "blocked" // "Connected to ... but my name was rejected."
		case aligned(e.diag, []string{" does not like recipient.", "this message has been in the queue too long."}):
			e.reason = "onhold" // a temporary refusal that timed out: let the general rules decide
		default:
			for _, f := range []string{another[j], e.diag} {
				if f == "" {
					continue
				}
				if e.reason = qmailReason(f); e.reason != "" {
					break
				}
				if strings.Contains(f, "this message has been in the queue too long.") {
					e.reason = "expired"
					break
				}
			}
		}
		if e.command == "" {
			e.command = findCommand(e.diag)
		}
	}
	return &decoded{deliveries: ds, original: orig}
}

// qmailCommand names the SMTP step from qmail-remote's wording
// (qmail-remote.c).
func qmailCommand(s string) string {
	for _, e := range []struct{ command, phrase string }{
		{"CONN", " but greeting failed."},
		{"EHLO", " but my name was rejected."},
		{"MAIL", " but sender was rejected."},
		{"RCPT", " does not like recipient."},
		{"DATA", " failed on DATA command"},
		{"DATA", " failed after I sent the message"},
	} {
		if strings.Contains(s, e.phrase) {
			return e.command
		}
	}
	return ""
}

// qmailReasons are the errors of qmail itself (qmail-local.c, qmail-remote.c,
// error_str.c), of notqmail, and of the qmail-ldap patch.
var qmailReasons = []textRule{
	{"hostunknown", []string{"Sorry, I couldn't find any host "}},
	{"mailboxfull", []string{"disk quota exceeded"}},
	{"mesgtoobig", []string{"Message size exceeds fixed maximum message size:"}},
	{"networkerror", []string{"Sorry, I wasn't able to establish an SMTP connection",
		"Sorry. Although I'm listed as a best-preference MX or A for that host"}},
	{"notaccept", []string{"Sorry, I couldn't find a mail exchanger or IP address"}},
	{"systemfull", []string{"Requested action not taken: mailbox unavailable (not enough free space)"}},
	{"userunknown", []string{"no mailbox here by that name"}},
	{"systemerror", []string{"bad interpreter: No such file or directory", "system error", "Unable to"}},
	// qmail-ldap
	{"exceedlimit", []string{"The message exeeded the maximum size the user accepts"}},
	{"suspend", []string{"Mailaddress is administrativly disabled", "Mailaddress is administrativley disabled",
		"Mailaddress is administratively disabled", "Mailaddress is administrativeley disabled"}},
	{"systemerror", []string{"Automatic homedir creator crashed", "Illegal value in LDAP attribute",
		"LDAP attribute is not given but mandatory", "Timeout while performing search on LDAP server",
		"Too many results returned but needs to be unique", "Permanent error while executing qmail-forward",
		"Temporary error in automatic homedir creation", "Temporary error while executing qmail-forward",
		"Temporary failure in LDAP lookup", "Unable to contact LDAP server",
		"Unable to login into LDAP server, bad credentials"}},
	{"userunknown", []string{"Sorry, no mailbox here by that name"}},
}

func qmailReason(s string) string {
	for _, r := range qmailReasons {
		if containsAny(s, r.phrases) {
			return r.reason
		}
	}
	return ""
}
