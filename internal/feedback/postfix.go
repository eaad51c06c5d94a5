package feedback

import "strings"

// decodePostfix reads Postfix's bounces (bounce(8), templates in
// bounce(5)): "Undelivered Mail Returned to Sender", an explanation that
// begins "This is the mail system at host ..." and lists each recipient as
// "<addr>: host mx said: 550 ... (in reply to RCPT TO command)", then an RFC
// 3464 report. The explanation is read too: it has the remote server's full
// reply when the Diagnostic-Code has only part of it. Also read: the
// postmaster notice smtpd sends for a failed session ("SMTP server: errors
// from ..."), which carries a transcript.
func decodePostfix(m *mailMessage) *decoded {
	if len(m.header["x-aol-ip"]) > 0 {
		return nil // AOL's relays say "Postfix" but write their own format
	}
	subject := m.get("subject")
	transcriptMode := false
	switch {
	case strings.Index(subject, "SMTP server: errors from ") > 0:
		transcriptMode = true // smtpd_chat.c: "%s SMTP server: errors from %s"
	case subject == "Undelivered Mail Returned to Sender":
	default:
		return nil
	}
	markers := []string{"Content-Type: message/rfc822", "Content-Type: text/rfc822-headers"}
	head, orig := splitOriginal(m.body, markers, false)
	ds := newDeliveries()
	var commands []string
	if transcriptMode {
		for _, x := range readTranscript(head, "In:", "Out:") {
			v := &ds[len(ds)-1]
			switch x.command {
			case "EHLO", "HELO":
				v.lhost = x.argument
			case "MAIL":
				if orig == "" {
					orig = "To: " + x.argument + "\n"
				}
			case "RCPT":
				v = next(&ds)
				v.recipient = x.argument
			}
			if len(x.reply) != 3 || x.reply[0] < '4' {
				continue
			}
			commands = append(commands, x.command)
			if v.diag == "" {
				v.diag = strings.Join(x.text, " ")
			}
			if v.replyCode == "" {
				v.replyCode = x.reply
			}
			if v.status == "" {
				v.status = x.status
			}
		}
		return finishPostfix(ds, orig, commands, nil, false, nil)
	}

	starts := [][]string{
		{"The ", "Postfix "}, {"The ", "mail system"}, {"The ", "program"}, {"This is the", "Postfix"},
		{"This is the", "mail system"},
	}
	var pm perMessage
	another := map[string]string{}
	noReport := false
	reading, inDiag := false, false
	for _, e := range lines(head) {
		continued := inDiag && strings.HasPrefix(e, " ")
		inDiag = continued || strings.HasPrefix(e, "Diagnostic-Code:")
		if !reading {
			for _, a := range starts {
				if aligned(e, a) {
					reading = true
					break
				}
			}
			continue
		}
		if kind := dsnFieldKind(e); kind > 0 {
			f, ok := parseDSNField(e)
			if !ok {
				continue
			}
			v := &ds[len(ds)-1]
			switch f.group {
			case "addr":
				if f.name == "final-recipient" {
					v = next(&ds)
					v.recipient = f.value
				} else {
					v.alias = f.value
				}
			case "code":
				v.diagType = f.typ
				if strings.EqualFold(f.typ, "X-POSTFIX") {
					v.diagType = "SMTP"
				}
				v.diag = f.value
			default:
				v.setDSNField(f.name, f.value)
				if kind == 1 {
					pm.set(f.name, f.value)
				}
			}
			continue
		}
		v := &ds[len(ds)-1]
		switch {
		case continued:
			v.diag += " " + sweep(e) // a folded Diagnostic-Code
		case strings.Contains(e, "(in reply to ") || strings.Contains(e, "command)"):
			// "... User Unknown (in reply to RCPT TO command)"
			if c := findCommand(e); c != "" {
				commands = append(commands, c)
			}
			if another["diagnosis"] != "" {
				another["diagnosis"] += " " + e
			}
		case aligned(e, []string{"<", "@", ">", "(expanded from <", "):"}):
			// <r@example.ne.jp> (expanded from <kijitora@example.org>): ...
			another["recipient"] = findAddress(between(e, "<", ">"))
			another["alias"] = findAddress(between(e, "(expanded from ", "):"))
			if p := strings.Index(e, ">): "); p >= 0 && len(e) > p+4 {
				another["diagnosis"] = e[p+4:]
			}
		case strings.HasPrefix(e, "<") && aligned(e, []string{"<", "@", ">:"}):
			// <kijitora@example.jp>: host mx said: ...
			another["recipient"] = findAddress(e[:strings.IndexByte(e, '>')+1])
			another["diagnosis"] = e[strings.Index(e, ">:")+2:]
		case strings.Contains(e, "--- Delivery report unavailable ---"):
			noReport = true // bounce_notify_util.c: the log was lost
		default:
			if another["diagnosis"] != "" && strings.HasPrefix(e, "    ") {
				another["diagnosis"] += " " + strings.TrimSpace(e)
			}
		}
	}
	return finishPostfix(ds, orig, commands, another, noReport, &pm)
}

// finishPostfix settles what decodePostfix read: the recipient from the
// explanation when the report names none, and the more complete of the two
// error texts.
func finishPostfix(ds []delivery, orig string, commands []string, another map[string]string, noReport bool, pm *perMessage) *decoded {
	if countRecipients(ds) == 0 {
		switch {
		case another["recipient"] != "":
			ds[len(ds)-1].recipient = another["recipient"]
		case noReport:
			if cv := findAddress(between(orig, "\nTo: ", "\n")); cv != "" {
				ds[len(ds)-1].recipient = cv
			}
		}
	}
	if countRecipients(ds) == 0 {
		return nil
	}
	if pm != nil {
		pm.apply(ds)
	}
	alt := sweep(another["diagnosis"])
	for i := range ds {
		e := &ds[i]
		if alt != "" {
			if e.diag == "" {
				e.diag = alt
			}
			if onlyDigits(e.diag) {
				e.diag = alt
			} else {
				as, ar := "", ""
				if e.status == "" || strings.HasSuffix(e.status, ".0.0") {
					if as = findStatus(alt, ""); as != "" && !strings.HasSuffix(as, ".0.0") {
						e.status = as
					}
				}
				if e.replyCode == "" || strings.HasSuffix(e.replyCode, "00") {
					if ar = findReply(alt, ""); ar != "" && !strings.HasSuffix(ar, "00") {
						e.replyCode = ar
					}
				}
				if as+ar != "" && len(alt) >= len(e.diag) && strings.Contains(alt, e.diag) {
					e.diag = alt
				}
			}
		}
		e.diag = sweep(e.diag)
		if len(commands) > 0 {
			e.command = commands[0]
		} else if e.command = findCommand(e.diag); e.command == "" && strings.Contains(e.diag, "refused to talk to me:") {
			e.command = "HELO"
		}
		if e.diagType == "" && aligned(e.diag, []string{"host ", " said:"}) {
			e.diagType = "SMTP"
		}
	}
	return &decoded{deliveries: ds, original: orig}
}
