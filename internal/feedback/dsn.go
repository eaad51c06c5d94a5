package feedback

import "strings"

// decodeDSN reads a delivery status notification in the format of RFC 3464:
// a multipart/report (RFC 6522) whose message/delivery-status part holds the
// per-message fields (section 2.2) and one block of per-recipient fields per
// recipient (section 2.3), usually preceded by a human-readable explanation and
// followed by the returned message or its header (text/rfc822-headers).
//
// Many generators get details wrong; this reader accepts the fields without
// the MIME structure, "Final-Recipient: <addr>" without an address type, a
// Diagnostic-Code continued on the next line, and a DSN forwarded inside
// another message. The explanation before the report is kept: it often says
// more than the Diagnostic-Code (Postfix's "host said:", Exim's transcript).
func decodeDSN(m *mailMessage) *decoded {
	markers := []string{
		"Content-Type: message/rfc822", "Content-Type: text/rfc822-headers", "Content-Type: message/partial",
		"Content-Disposition: inline",
	}
	body := m.body
	if !containsAny(body, markers) && strings.Contains(body, "\n\nReturn-Path:") {
		body = strings.Replace(body, "\n\nReturn-Path:", "\n\nContent-Type: message/rfc822\nReturn-Path:", 1)
	}
	head, orig := splitOriginal(body, markers, false)

	if !strings.Contains(head, "@") {
		// The report is inside the returned message: a DSN that was forwarded.
		for _, e := range markers {
			p := strings.Index(body, e+"\n")
			if p < 0 {
				continue
			}
			inner := body[p+len(e)+1:]
			if q := strings.Index(inner, "\n\n"); q >= 0 {
				inner = inner[q+2:]
			}
			head, orig = splitOriginal(inner, []string{e}, false)
			break
		}
	}
	const statusMark = "Content-Type: message/delivery-status"
	if !strings.Contains(head, statusMark) && strings.Contains(head, "\n\nReporting-MTA:") {
		head = strings.Replace(head, "\n\nReporting-MTA:", "\n\n"+statusMark+"\nReporting-MTA:", 1)
	}
	for _, e := range []string{"Final-Recipient", "Original-Recipient"} {
		// "Final-Recipient: <a@example.jp>" lacks the address-type of
		// RFC 3464 section 2.3.2.
		cv := "\n" + e + ": "
		if !strings.Contains(head, cv+"<") {
			continue
		}
		head = strings.Replace(head, cv+"<", cv+"rfc822; ", 1)
		p0 := strings.Index(head, cv)
		if p1 := strings.Index(head[p0+1:], ">\n"); p1 >= 0 {
			p1 += p0 + 1
			head = head[:p1] + head[p1+1:]
		}
	}

	dontAppend := []string{"Content-", "This is a MIME", "This is a multi", "This is an auto", "This multi-part",
		"###", "***", "--"}
	var pm perMessage
	ds := newDeliveries()
	bufs := []strings.Builder{{}}
	var leadin strings.Builder
	inStatus, skipPart := false, false
	recipients := 0
	pendingAlias := ""
	ls := lines(head)
	for i, e := range ls {
		prev := ""
		if i > 0 {
			prev = ls[i-1]
		}
		if !inStatus {
			if strings.HasPrefix(e, statusMark) {
				inStatus = true
			}
			if e == "" || skipPart {
				continue
			}
			if strings.HasPrefix(e, "Content-Type:") {
				switch {
				case strings.Contains(e, "multipart/"):
				case strings.Contains(e, "text/plain"):
					skipPart = false
				default:
					skipPart = true // text/html, images
				}
				continue
			}
			if hasPrefixAny(e, dontAppend) || strings.Contains(e, "--- The follow") || strings.Contains(e, "--- Transcript") {
				continue
			}
			leadin.WriteString(e + " ")
			continue
		}
		if e == "" {
			continue
		}
		v := &ds[len(ds)-1]
		b := &bufs[len(bufs)-1]
		if kind := dsnFieldKind(e); kind > 0 {
			f, ok := parseDSNField(e)
			if !ok {
				continue
			}
			switch f.group {
			case "addr":
				if f.name != "final-recipient" {
					if prev == "" && v.recipient != "" {
						// Original-Recipient opens the next block
						// (RFC 3464 section 2.3): it belongs to the
						// Final-Recipient that follows.
						pendingAlias = f.value
					} else {
						v.alias = f.value
					}
					continue
				}
				cv := findAddress(f.value)
				if !isEmailAddress(cv) || cv == ds[len(ds)-1].recipient {
					continue
				}
				if v.recipient != "" {
					ds = append(ds, delivery{})
					bufs = append(bufs, strings.Builder{})
					v = &ds[len(ds)-1]
				}
				v.recipient = cv
				if pendingAlias != "" {
					v.alias, pendingAlias = pendingAlias, ""
				}
				recipients++
			case "code":
				v.diagType = f.typ
				b.WriteString(f.value + " ")
			default:
				if f.comment != "" {
					b.WriteString(" " + f.comment + " ")
				}
				v.setDSNField(f.name, f.value)
				if kind == 1 {
					pm.set(f.name, f.value)
				}
			}
			continue
		}
		if strings.HasPrefix(e, "X-") && strings.Contains(e, ": ") {
			readPowerMTAField(v, e)
			continue
		}
		if !strings.HasPrefix(prev, "Diagnostic-Code:") {
			if strings.HasPrefix(e, "Content-") || strings.HasPrefix(e, "--") {
				continue
			}
			leadin.WriteString(e + " ")
			continue
		}
		if strings.HasPrefix(e, " ") {
			b.WriteString(" " + sweep(e))
		}
	}
	if recipients == 0 && isEmailAddress(findAddress(ds[0].alias)) {
		ds[0].recipient = findAddress(ds[0].alias)
		recipients++
	}
	if recipients == 0 {
		return nil
	}

	before := sweep(leadin.String())
	var alt delivery
	if before != "" {
		alt.command = findCommand(before)
		alt.replyCode = findReply(before, ds[0].status)
		alt.status = findStatus(before, alt.replyCode)
	}
	lowerBefore := strings.ToLower(before)
	pm.apply(ds)
	for i := range ds {
		e := &ds[i]
		e.diag = sweep(bufs[i].String())
		if recipients == 1 {
			// With one recipient the explanation before the report is about
			// it; with several it could be about any of them.
			if strings.Contains(lowerBefore, strings.ToLower(e.diag)) {
				e.diag = before
			} else {
				e.diag = sweep(before + " " + e.diag)
			}
		}
		if e.command = findCommand(e.diag); e.command == "" {
			e.command = alt.command
		}
		if e.replyCode = findReply(e.diag, e.status); e.replyCode == "" {
			e.replyCode = alt.replyCode
		}
		if e.status == "" {
			e.status = findStatus(e.diag, e.replyCode)
		}
		if e.status == "" {
			e.status = alt.status
		}
	}
	return &decoded{deliveries: ds, original: orig}
}

// powerMTACategories maps PowerMTA's X-PowerMTA-BounceCategory values to
// reasons.
var powerMTACategories = map[string]string{
	"bad-domain":          "hostunknown",
	"bad-mailbox":         "userunknown",
	"inactive-mailbox":    "suspend",
	"message-expired":     "expired",
	"no-answer-from-host": "networkerror",
	"policy-related":      "policyviolation",
	"quota-issues":        "mailboxfull",
	"routing-errors":      "systemerror",
	"spam-related":        "spamdetected",
}

// readPowerMTAField reads the fields PowerMTA adds to its DSNs: the virtual
// MTA that sent, and its own classification of the bounce.
func readPowerMTAField(v *delivery, line string) {
	name, value, _ := strings.Cut(line, ":")
	value = strings.TrimSpace(value)
	switch strings.ToLower(name) {
	case "x-powermta-bouncecategory":
		if r := powerMTACategories[strings.ToLower(value)]; r != "" {
			v.reason = r
		}
	case "x-powermta-virtualmta":
		if v.lhost == "" {
			v.lhost = strings.ToLower(value)
		}
	}
}
