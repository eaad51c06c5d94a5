package feedback

import "strings"

// decodeDomino reads the bounces of HCL (IBM, Lotus) Domino: "DELIVERY
// FAILURE: ...", "Your message ... was not delivered to: addr because:
// reason", often with an RFC 3464 report.
func decodeDomino(m *mailMessage) *decoded {
	subject := m.get("subject")
	if !strings.HasPrefix(subject, "DELIVERY FAILURE:") && !strings.Contains(subject, "DELIVERY_FAILURE") {
		return nil
	}
	head, orig := splitOriginal(m.body, []string{"Content-Type: message/rfc822"}, false)
	var pm perMessage
	ds := newDeliveries()
	reading := false
	subjectText := ""
	for _, e := range lines(head) {
		if !reading {
			reading = strings.HasPrefix(e, "Your message")
			continue
		}
		if e == "" {
			continue
		}
		v := &ds[len(ds)-1]
		switch {
		case e == "was not delivered to:":
			v = next(&ds)
			v.recipient = e
		case strings.HasPrefix(e, "  ") && strings.IndexByte(e, '@') > 0 && len(e) > 3 && !strings.Contains(e[3:], " "):
			v.recipient = findAddress(e[2:])
		case e == "because:":
			v.diag = e
		case v.diag == "because:":
			v.diag = e
		case strings.HasPrefix(e, "  Subject: "):
			subjectText = e[11:]
		default:
			kind := dsnFieldKind(e)
			if kind == 0 {
				continue
			}
			f, ok := parseDSNField(e)
			if !ok {
				continue
			}
			if f.group == "code" {
				if v.diagType == "" {
					v.diagType = f.typ
				}
				if v.diag == "" {
					v.diag = f.value
				}
				continue
			}
			v.setDSNField(f.name, f.value)
			if kind == 1 {
				pm.set(f.name, f.value)
			}
		}
	}
	if countRecipients(ds) == 0 {
		return nil
	}
	pm.apply(ds)
	for i := range ds {
		e := &ds[i]
		e.diag = sweep(e.diag)
		e.recipient = findAddress(e.recipient)
		for _, r := range []textRule{
			{"filtered", []string{"Cannot route mail to user"}},
			{"systemerror", []string{"Several matches found in Domino Directory"}},
			{"userunknown", []string{"not listed in Domino Directory", "not listed in public Name & Address Book",
				"no se encuentra en el Directorio de Domino", "non répertorié dans l'annuaire Domino",
				"Domino ディレクトリには見つかりません"}},
		} {
			if containsAny(e.diag, r.phrases) {
				if e.status == "" {
					e.status = pseudoStatus(r.reason, false)
				}
				e.reason = r.reason
				break
			}
		}
		if e.reason == "" && aligned(e.diag, []string{"non r", "pertori", "dans l'annuaire Domino"}) {
			e.reason = "userunknown" // ISO-8859-1 text read without its charset
		}
	}
	if orig == "" {
		orig = "To: <" + ds[0].recipient + ">\nSubject: " + subjectText + "\n"
	}
	return &decoded{deliveries: ds, original: orig}
}

// decodeNotes reads the bounces of HCL (IBM, Lotus) Notes: "Undeliverable
// message", "------- Failure Reasons --------", the reason and the address,
// then "------- Returned Message --------".
func decodeNotes(m *mailMessage) *decoded {
	if !strings.HasPrefix(m.get("subject"), "Undeliverable message") {
		return nil
	}
	head, orig := splitOriginal(m.body, []string{"------- Returned Message --------"}, false)
	ds := newDeliveries()
	reading := false
	for _, e := range lines(head) {
		if !reading {
			reading = strings.HasPrefix(e, "------- Failure Reasons ")
			continue
		}
		if e == "" {
			continue
		}
		if strings.IndexByte(e, '@') > 0 && !strings.Contains(e, " ") {
			if isEmailAddress(e) {
				next(&ds).recipient = e
			}
			continue
		}
		if !strings.HasPrefix(e, "-") {
			ds[len(ds)-1].diag += " " + e
		}
	}
	if countRecipients(ds) == 0 {
		if cv := between(orig, "\nTo:", "\n"); cv != "" {
			ds[0].recipient = findAddress(cv)
		}
	}
	if countRecipients(ds) == 0 {
		return nil
	}
	for i := range ds {
		e := &ds[i]
		e.diag = sweep(e.diag)
		switch {
		case strings.Contains(e.diag, "Message has exceeded maximum hop count"):
			e.reason = "networkerror"
		case containsAny(e.diag, []string{"User not listed in public Name & Address Book", "ディレクトリのリストにありません"}):
			e.reason = "userunknown"
		}
	}
	return &decoded{deliveries: ds, original: orig}
}
