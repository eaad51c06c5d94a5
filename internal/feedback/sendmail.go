package feedback

import "strings"

// decodeSendmail reads the bounces of Sendmail 8 (savemail.c): "Returned
// mail: see transcript for details" or "Warning: could not send message for
// past 4 hours", a "----- Transcript of session follows -----" with the SMTP
// exchange (">>> RCPT To:<...>", "<<< 550 ...") and an RFC 3464 report.
func decodeSendmail(m *mailMessage) *decoded {
	if len(m.header["x-aol-ip"]) > 0 {
		return nil
	}
	subject := m.get("subject")
	if !strings.HasPrefix(subject, "Warning: ") && !strings.HasSuffix(subject, "see transcript for details") {
		return nil
	}
	markers := []string{"Content-Type: message/rfc822", "Content-Type: text/rfc822-headers"}
	head, orig := splitOriginal(m.body, markers, false)
	var pm perMessage
	ds := newDeliveries()
	var replies []string
	another := map[string]string{}
	sessionErr := false
	command := ""
	reading := false
	ls := lines(head)
	for i, e := range ls {
		prev := ""
		if i > 0 {
			prev = ls[i-1]
		}
		if !reading {
			reading = strings.HasPrefix(e, "   ----- Transcript of session follows -----")
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
					v.recipient = finalAddress(f.value)
				} else {
					v.alias = f.value
				}
			case "code":
				v.diagType = f.typ
				v.diag = f.value
			default:
				v.setDSNField(f.name, f.value)
				if kind == 1 {
					pm.set(f.name, f.value)
				}
			}
			continue
		}
		if strings.HasPrefix(e, " ") {
			if strings.HasPrefix(prev, "Diagnostic-Code:") {
				ds[len(ds)-1].diag += " " + sweep(e)
			}
			continue
		}
		switch {
		case strings.HasPrefix(e, ">>> "):
			if command == "" {
				command = findCommand(e)
			}
		case strings.HasPrefix(e, "<<< "):
			if !contains(replies, e[4:]) {
				replies = append(replies, e[4:])
			}
		case sessionErr:
		case strings.HasPrefix(e, "... while talking to "):
			sessionErr = true
		case strings.HasPrefix(e, "<") && aligned(e, []string{"@", ">.", " "}):
			// <kijitora@example.co.jp>... Deferred: Name server: example.co.jp.: host name lookup failure
			another["recipient"] = between(e, "<", ">")
			if i := strings.IndexByte(e, ' '); i >= 0 {
				another["diagnosis"] = e[i+1:]
			}
		default:
			if x, y := findReply(e, ""), findStatus(e, ""); len(x+y) > 7 {
				// 554 5.3.0 unknown mailer error 255
				another["status"] = y
				another["diagnosis"] += " " + e
			} else if hasPrefixAny(e, []string{"Message: ", "Warning: "}) {
				another["diagnosis"] += " " + e
			}
		}
	}
	if countRecipients(ds) == 0 {
		return nil
	}
	pm.apply(ds)
	recipients := countRecipients(ds)
	for i := range ds {
		e := &ds[i]
		if a := another["diagnosis"]; a != "" {
			if strings.HasPrefix(e.diag, " ") || onlyDigits(e.diag) || e.diag == "" {
				e.diag = a
			}
		}
		if len(replies) > 0 && recipients == 1 {
			e.diag = strings.Join(replies, " ") + " " + e.diag
		}
		e.diag = sweep(e.diag)
		if e.command == "" {
			e.command = command
		}
		if e.command == "" {
			e.command = findCommand(e.diag)
		}
		if e.command == "" && len(replies) > 0 {
			e.command = "EHLO"
		}
		if s := another["status"]; s != "" && !validStatus(e.status) {
			e.status = s
		}
		if strings.HasPrefix(e.recipient, "@") {
			if cv := findAddress(e.diag); cv != "" {
				e.recipient = cv
			}
		}
	}
	return &decoded{deliveries: ds, original: orig}
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// finalAddress strips the angle brackets around an address, as Sendmail's
// ruleset 4 would.
func finalAddress(s string) string {
	if strings.Count(s, "@") != 1 {
		return s
	}
	s = strings.Trim(s, "<>")
	at := strings.LastIndexByte(s, '@')
	user, host := s[:at], s[at+1:]
	if !isQuotedAddress(s) {
		user = dropAngles.Replace(user)
	}
	return user + "@" + dropAngles.Replace(host)
}

// decodeV5sendmail reads the bounces of Sendmail 5 and its descendants:
// "Returned mail: ..." with a transcript ("While talking to host:", ">>>
// RCPT To:<...>", "<<< 550 ...", "550 <addr>... User unknown") and the
// returned message after "----- Unsent message follows -----". There is no
// RFC 3464 report.
func decodeV5sendmail(m *mailMessage) *decoded {
	if !strings.HasPrefix(m.get("subject"), "Returned mail: ") {
		return nil
	}
	head, orig := splitOriginal(m.body, []string{"   ----- Unsent message follows -----",
		"  ----- No message was collected -----"}, false)
	if orig == "" {
		return nil
	}
	ds := newDeliveries()
	another := map[int]string{}
	remote, command := "", ""
	reading := false
	recipients := 0
	for _, e := range lines(head) {
		if !reading {
			reading = strings.Contains(e, "----- Transcript of session follows -----")
			continue
		}
		if e == "" {
			continue
		}
		v := &ds[len(ds)-1]
		if strings.HasPrefix(e, ">>> ") {
			command = findCommand(e[4:])
		}
		if aligned(e, []string{" <", "@", ">..."}) || strings.Contains(strings.ToUpper(e), ">>> RCPT TO:") {
			// 550 <kijitora@example.org>... User unknown
			// >>> RCPT To:<kijitora@example.org>
			ce := between(e, " <", ">...")
			if ce == "" {
				ce = between(e, ":<", ">")
			}
			cv := findAddress("<" + ce + ">")
			if remote == "" {
				another[recipients] += " " + e
				continue
			}
			if cv == v.recipient || (command == "MAIL" && strings.HasPrefix(e, "<<< ")) {
				v.diag += " " + e
				v.replyCode = findReply(e, "")
				command = ""
				continue
			}
			v = next(&ds)
			recipients++
			v.recipient = cv
			v.rhost = remote
			v.replyCode = findReply(e, "")
			v.diag += " " + e
			if v.command == "" {
				v.command = command
			}
			continue
		}
		switch {
		case strings.Contains(e, "While talking to "):
			// While talking to mail.example.co.jp:
			if h := findHost(e); isInternetHost(h) {
				remote = h
			}
		case hasPrefixAny(e, []string{">>> ", "<<< "}):
			v.diag += " " + e
		default:
			another[recipients] += " " + e
		}
	}
	if recipients == 0 {
		for i := 0; i <= len(another); i++ {
			a, ok := another[i]
			if !ok {
				continue
			}
			cv := findAddress(a)
			if cv == "" {
				continue
			}
			for len(ds) <= i {
				ds = append(ds, delivery{})
			}
			ds[i].recipient = cv
			ds[i].replyCode = findReply(a, "")
			ds[i].diag = a
			recipients++
		}
		if recipients == 0 {
			cv := findAddress(between(orig, "\nTo: ", "\n"))
			if cv == "" {
				return nil
			}
			ds[0].recipient = cv
		}
	}
	for i := range ds {
		e := &ds[i]
		if e.diag == "" {
			e.diag = another[i]
		}
		if e.command == "" {
			e.command = findCommand(e.diag)
		}
		e.diag = sweep(e.diag)
		e.replyCode = findReply(e.diag, "")
		if !isEmailAddress(e.recipient) {
			e.recipient = findAddress(between(e.diag, "<:", ">"))
		}
	}
	return &decoded{deliveries: ds, original: orig}
}
