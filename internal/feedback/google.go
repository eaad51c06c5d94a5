package feedback

import "strings"

// gmailStates maps the "(state N)" of Gmail's old bounces to the SMTP step
// and the reason.
var gmailStates = map[string][2]string{
	"6":  {"MAIL", "failedstarttls"}, // 500 Remote server does not support TLS (state 6).
	"8":  {"AUTH", "systemerror"},    // 535 SMTP AUTH failed with the remote server. (state 8).
	"9":  {"AUTH", "failedstarttls"}, // 454 TLS missing certificate ... (state 9).
	"12": {"AUTH", "norelaying"},     // 500 Remote server does not support SMTP Authenticated Relay (state 12).
	"13": {"EHLO", "blocked"},        // 550 5.7.1 <...>... Access denied (state 13).
	"14": {"RCPT", "userunknown"},    // 550 5.1.1 <...>... User Unknown (state 14).
	"15": {"DATA", "filtered"},       // 554 Error: no valid recipients (state 15).
	"17": {"DATA", "filtered"},       // 550 <...> No such user here (state 17).
	"18": {"DATA", "filtered"},       // 550 Unknown user ... (state 18).
}

// decodeGmail reads the bounces Gmail sent before it adopted RFC 3464:
// "Delivery Status Notification" from mailer-daemon@googlemail.com,
// "Delivery to the following recipient failed permanently:", the indented
// address, "Technical details of permanent failure:" and the remote server's
// reply, often ending in "(state N)".
func decodeGmail(m *mailMessage) *decoded {
	if !strings.Contains(m.get("from"), "<mailer-daemon@googlemail.com>") ||
		!strings.Contains(m.get("subject"), "Delivery Status Notification") {
		return nil
	}
	head, orig := splitOriginal(m.body, []string{"----- Original message -----", "----- Message header follows -----"}, false)
	ds := newDeliveries()
	reading := false
	for _, e := range lines(head) {
		if !reading {
			reading = strings.HasPrefix(e, "Delivery to the following recipient")
		}
		if !reading || e == "" {
			continue
		}
		if strings.HasPrefix(e, " ") && strings.IndexByte(e, '@') > 0 {
			v := &ds[len(ds)-1]
			if v.recipient != "" {
				ds = append(ds, delivery{})
				v = &ds[len(ds)-1]
			}
			if cv := findAddress(strings.TrimSpace(e)); isEmailAddress(cv) {
				v.recipient = cv
			}
			continue
		}
		ds[len(ds)-1].diag += e + " "
	}
	if countRecipients(ds) == 0 {
		return nil
	}
	for i := range ds {
		e := &ds[i]
		e.diag = sweep(e.diag)
		e.rhost = findHost(e.diag)
		if st, ok := gmailStates[between(e.diag, " (state ", ")")]; ok {
			e.command, e.reason = st[0], st[1]
		}
		if e.reason == "" {
			switch {
			case containsAny(e.diag, []string{"DNS Error: Could not contact DNS servers",
				"Delivery to the following recipient has been delayed",
				"The recipient server did not accept our requests to connect"}):
				e.reason = "expired"
			case containsAny(e.diag, []string{"DNS Error: Domain name not found",
				"DNS Error: DNS server returned answer with no data"}):
				e.reason = "hostunknown"
			}
		}
		if e.reason == "" {
			continue
		}
		// A specific status code in the reply beats the state table.
		if e.status = findStatus(e.diag, e.replyCode); e.status != "" && !strings.Contains(e.status, ".0") {
			e.reason = statusReason(e.status)
		}
	}
	return &decoded{deliveries: ds, original: orig}
}

// decodeGoogleGroups reads Google Groups' refusal to post: a "Delivery
// Status Notification" naming the group in X-Failed-Recipients, explaining
// that the group may not exist or the sender may not post to it.
func decodeGoogleGroups(m *mailMessage) *decoded {
	if !strings.Contains(m.body, "Google Groups") || m.get("x-failed-recipients") == "" ||
		len(m.header["x-google-smtp-source"]) == 0 ||
		!strings.Contains(m.get("from"), "<mailer-daemon@googlemail.com>") ||
		!strings.Contains(m.get("subject"), "Delivery Status Notification") {
		return nil
	}
	head, orig := splitOriginal(m.body, []string{"----- Original message -----", "Content-Type: message/rfc822"}, false)
	parts := strings.SplitN(head, "\n\n", 5)
	parts[len(parts)-1] = ""
	diag := sweep(strings.ReplaceAll(strings.Join(parts, " "), "\n", " "))
	rhost := ""
	if r := m.header["received"]; len(r) > 0 {
		_, rhost = receivedFromBy(r[0])
	}
	reason := "onhold"
	if strings.Count(head, "\n *") == 4 || strings.Count(head, "\n*") == 4 {
		// The four bullet points: the group may not exist, or may not be open
		// to posting by this sender.
		reason = "rejected"
	}
	ds := []delivery{}
	for _, e := range strings.Split(m.get("x-failed-recipients"), ",") {
		if e = strings.TrimSpace(e); isEmailAddress(e) {
			ds = append(ds, delivery{recipient: findAddress(e), rhost: rhost, reason: reason, diag: diag})
		}
	}
	if len(ds) == 0 {
		return nil
	}
	return &decoded{deliveries: ds, original: orig}
}
