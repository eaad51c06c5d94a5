package feedback

import "strings"

// decodeMessagingServer reads the bounces of Oracle (Sun, iPlanet)
// Communications Messaging Server: "Delivery Notification: Delivery has
// failed", a MIME boundary of the form "Boundary_(ID_...)", "This report
// relates to a message you sent with the following header fields:", then per
// recipient "Recipient address:", "Reason:", "Diagnostic code:" and "Remote
// system:", and an RFC 3464 report.
func decodeMessagingServer(m *mailMessage) *decoded {
	if !strings.Contains(m.get("content-type"), "Boundary_(ID_") &&
		!strings.HasPrefix(m.get("subject"), "Delivery Notification: ") {
		return nil
	}
	head, orig := splitOriginal(m.body, []string{"Content-Type: message/rfc822", "\nReturn-Path: "}, false)
	ds := newDeliveries()
	reading := false
	for _, e := range lines(head) {
		if !reading {
			reading = strings.HasPrefix(e, "This report relates to a message you sent with the following header fields:")
			continue
		}
		if e == "" {
			continue
		}
		v := &ds[len(ds)-1]
		switch {
		case aligned(e, []string{"  Recipient address: ", "@", "."}) || aligned(e, []string{"  Original address: ", "@", "."}):
			cv := findAddress(e[strings.Index(e, ": ")+2:])
			if !isEmailAddress(cv) {
				continue
			}
			if v.recipient != "" && cv != v.recipient {
				v = next(&ds)
			}
			v.recipient = cv
		case strings.HasPrefix(e, "  Date: "):
			v.date = strings.TrimSpace(e[len("  Date: "):])
		case strings.HasPrefix(e, "  Diagnostic code: "):
			// Diagnostic code: smtp;550 5.1.1 <kijitora@example.jp>... User Unknown
			f, ok := parseDSNField(strings.Replace(strings.TrimSpace(e), "Diagnostic code:", "Diagnostic-Code:", 1))
			if !ok {
				continue
			}
			v.diagType = f.typ
			v.replyCode = findReply(f.value, "")
			v.status = findStatus(f.value, v.replyCode)
			v.diag += " " + f.value
		case strings.HasPrefix(e, "  Remote system: "):
			// Remote system: dns;mx.example.jp (TCP|17.111.174.67|47323|192.0.2.225|25) (...)
			if v.rhost = between(e, ";", " ("); v.rhost == "" {
				continue
			}
			if cv := strings.Split(between(e, " (", ")"), "|"); len(cv) == 5 && cv[0] == "TCP" && !strings.Contains(v.rhost, ".") {
				if ipv4Pattern.MatchString(cv[1]) {
					v.lhost = cv[1]
				}
				if ipv4Pattern.MatchString(cv[3]) {
					v.rhost = cv[3]
				}
			}
		case strings.HasPrefix(e, "Status: "):
			// Status: 5.1.1 (Remote SMTP server has rejected address)
			if v.status == "" {
				v.status = findStatus(e, v.replyCode)
			}
			if v.diag == "" {
				v.diag = between(e, "(", ")")
			}
		case strings.HasPrefix(e, "Arrival-Date: "):
			if v.date == "" {
				v.date = strings.TrimSpace(e[len("Arrival-Date: "):])
			}
		case strings.HasPrefix(e, "Reporting-MTA: "):
			if !strings.Contains(v.lhost, ".") {
				if f, ok := parseDSNField(e); ok {
					v.lhost = f.value
				}
			}
		}
	}
	if countRecipients(ds) == 0 {
		return nil
	}
	for i := range ds {
		ds[i].diag = sweep(ds[i].diag)
		if strings.Contains(ds[i].diag, "Illegal host/domain name found") {
			ds[i].reason = "hostunknown"
		}
	}
	return &decoded{deliveries: ds, original: orig}
}
