package feedback

import "strings"

// openSMTPDReasons are OpenSMTPD's own errors (smtpd/mta.c, smtpd/queue.c).
var openSMTPDReasons = []textRule{
	{"expired", []string{"Envelope expired"}},
	{"securityerror", []string{"Could not retrieve credentials"}},
	{"hostunknown", []string{"Invalid domain name", "Domain does not exist"}},
	{"networkerror", []string{"Address family mismatch on destination MXs", "All routes to destination blocked",
		"bad DNS lookup error code", "Could not retrieve source address", "Loop detected",
		"Network error on destination MXs", "No valid route to remote MX", "No valid route to destination",
		"Temporary failure in MX lookup"}},
	{"notaccept", []string{"Destination seem to reject all mails", "No MX found for domain", "No MX found for destination"}},
}

// decodeOpenSMTPD reads the bounces of OpenSMTPD (smtpd/bounce.c): "Delivery
// status notification" from "Mailer Daemon", "This is the MAILER-DAEMON,
// please DO NOT REPLY to this e-mail.", one "addr: error" line per recipient,
// then "Below is a copy of the original message:".
func decodeOpenSMTPD(m *mailMessage) *decoded {
	score := 0
	if strings.Contains(m.get("subject"), "Delivery status notification") {
		score++
	}
	if strings.Contains(m.get("from"), "Mailer Daemon <") {
		score++
	}
	for _, r := range m.header["received"] {
		if strings.Contains(r, " (OpenSMTPD) with ") {
			score++
			break
		}
	}
	if score == 0 {
		return nil
	}
	head, orig := splitOriginal(m.body, []string{"    Below is a copy of the original message:"}, false)
	ds := newDeliveries()
	reading := false
	for _, e := range lines(head) {
		if !reading {
			reading = strings.HasPrefix(e, "    This is the MAILER-DAEMON, please DO NOT REPLY to this")
			continue
		}
		if e == "" || !aligned(e, []string{"@", " "}) {
			continue
		}
		// kijitora@example.jp: 550 5.2.2 <kijitora@example.jp>... Mailbox Full
		v := next(&ds)
		v.recipient = before(e, ":")
		if i := strings.Index(e, ": "); i >= 0 {
			v.diag = e[i+2:]
		}
	}
	if countRecipients(ds) == 0 {
		return nil
	}
	for i := range ds {
		e := &ds[i]
		e.diag = sweep(e.diag)
		for _, r := range openSMTPDReasons {
			if containsAny(e.diag, r.phrases) {
				e.reason = r.reason
				break
			}
		}
	}
	return &decoded{deliveries: ds, original: orig}
}
