package feedback

import "strings"

// decodeX2 reads the bounces of an unidentified MTA (Sisimai's "X2"):
// "Delivery failure" from MAILER-DAEMON, "Unable to deliver message to the
// following address(es).", "<addr>:" and the reason, then "--- Original
// message follows.".
func decodeX2(m *mailMessage) *decoded {
	if !strings.Contains(m.get("from"), "MAILER-DAEMON@") &&
		!hasPrefixAny(m.get("subject"), []string{"Delivery failure", "failure delivery", "failed delivery"}) {
		return nil
	}
	head, orig := splitOriginal(m.body, []string{"--- Original message follows."}, false)
	ds := newDeliveries()
	reading := false
	for _, e := range lines(head) {
		if !reading {
			reading = strings.HasPrefix(e, "Unable to deliver message to the following address")
			continue
		}
		if e == "" {
			continue
		}
		if strings.HasPrefix(e, "<") && aligned(e, []string{"<", "@", ">:"}) {
			next(&ds).recipient = between(e, "<", ">")
			continue
		}
		ds[len(ds)-1].diag += " " + e
	}
	if countRecipients(ds) == 0 {
		return nil
	}
	for i := range ds {
		ds[i].diag = sweep(ds[i].diag)
	}
	return &decoded{deliveries: ds, original: orig}
}

// decodeX3 reads the bounces of an unidentified MTA (Sisimai's "X3"):
// "Delivery status notification" from "Mail Delivery System", "This is an
// automatically generated Delivery Status Notification.", "  * addr" and
// "SMTP:RCPT host ...: 550 ..." or "Routing: ..." lines.
func decodeX3(m *mailMessage) *decoded {
	if !strings.HasPrefix(m.get("from"), "Mail Delivery System") ||
		!strings.HasPrefix(m.get("subject"), "Delivery status notification") {
		return nil
	}
	head, orig := splitOriginal(m.body, []string{"Content-Type: message/rfc822"}, false)
	var pm perMessage
	ds := newDeliveries()
	reading := false
	for _, e := range lines(head) {
		if !reading {
			reading = strings.HasPrefix(e, "      This is an automatically generated Delivery Status Notification.")
			continue
		}
		if e == "" {
			continue
		}
		v := &ds[len(ds)-1]
		switch {
		case aligned(e, []string{"  * ", "@", "."}):
			next(&ds).recipient = strings.TrimSpace(e[strings.Index(e, "  * ")+4:])
		case strings.HasPrefix(e, "SMTP:"):
			// SMTP:RCPT host 192.0.2.8: 553 5.3.0 <kijitora@example.com>... No such user here
			if len(e) >= 10 {
				v.command = findCommand(e[4:10])
			}
			v.diagType = "SMTP"
			v.diag += " " + e
		case strings.HasPrefix(e, "Routing: "):
			v.diag += " " + e
		default:
			kind := dsnFieldKind(e)
			if kind == 0 {
				continue
			}
			f, ok := parseDSNField(e)
			if !ok {
				continue
			}
			switch f.group {
			case "addr":
				if f.name == "final-recipient" {
					if v.recipient == f.value {
						continue
					}
					next(&ds).recipient = f.value
				} else {
					v.alias = f.value
				}
			case "code":
				v.diagType = f.typ
				v.diag += " " + f.value
			default:
				v.setDSNField(f.name, f.value)
				if kind == 1 {
					pm.set(f.name, f.value)
				}
			}
		}
	}
	if countRecipients(ds) == 0 {
		return nil
	}
	pm.apply(ds)
	for i := range ds {
		ds[i].diag = sweep(ds[i].diag)
	}
	return &decoded{deliveries: ds, original: orig}
}
