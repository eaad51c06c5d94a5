package feedback

import "strings"

// eximReasons are texts of Exim's own errors (deliver.c, route.c,
// transports/*.c, parser.c) and the reasons they mean.
var eximReasons = []textRule{
	{"userunknown", []string{"user not found"}},
	{"hostunknown", []string{"all host address lookups failed permanently",
		"all relevant MX records point to non-existent hosts", "Unrouteable address"}},
	{"mailboxfull", []string{"mailbox is full", "error: quota exceed"}},
	{"notaccept", []string{"an MX or SRV record indicated no SMTP service", "no host found for existing SMTP connection"}},
	{"syntaxerror", []string{"angle-brackets nested too deep", `expected word or "<"`,
		"domain missing in source-routed address", "malformed address:"}},
	{"systemerror", []string{"delivery to file forbidden", "delivery to pipe forbidden", "local delivery failed",
		"LMTP error after "}},
	{"contenterror", []string{`Too many "Received" headers`}},
}

// eximDelayed are Exim's texts for a delivery still being retried or given up
// after retrying (retry.c, deliver.c, transports/smtp.c).
var eximDelayed = []string{
	"retry timeout exceeded", "No action is required on your part",
	"retry time not reached for any host after a long failure period",
	"all hosts have been failing for a long time and were last tried", "Delay reason: ", "has been frozen",
	"was frozen on arrival by ",
}

// decodeExim reads the bounces of Exim (deliver.c): "Mail delivery failed:
// returning message to sender" from "Mail Delivery System", with a Message-ID
// of Exim's form, listing each failed address indented by two spaces and the
// remote server's reply under it:
//
//	kijitora@example.jp
//	  SMTP error from remote mail server after RCPT TO:<kijitora@example.jp>:
//	  host mx.example.jp [192.0.2.1]: 550 5.1.1 <kijitora@example.jp>... User Unknown
//
// then the returned message after "------ This is a copy of the message".
// Recent Exim adds an RFC 3464 report, which is read as well. McAfee's
// (formerly MXLogic) gateway writes the same format.
func decodeExim(m *mailMessage) *decoded {
	msgid := m.get("message-id")
	score := 0
	if strings.Contains(m.get("from"), "Mail Delivery System") {
		score++
	}
	if containsAny(m.get("subject"), []string{"Delivery Status Notification", "Mail delivery failed", "Mail failure",
		"Message frozen", "Warning: message ", "error(s) in forwarding or filtering"}) {
		score++
	}
	// Message-Id: <E1P1YNN-0003AD-Ga@example.org>
	if strings.IndexByte(msgid, '<') == 0 && strings.IndexByte(msgid, '-') == 8 && strings.IndexByte(msgid, '@') == 18 {
		score++
	}
	thirdParty := len(m.header["x-mx-bounce"]) > 0 || len(m.header["x-mxl-hash"]) > 0 ||
		len(m.header["x-mxl-notehash"]) > 0 || strings.Contains(msgid, "<mxl~")
	if score < 2 && !thirdParty {
		return nil
	}
	// Rarely the copy's separator has five hyphens, not six.
	body := strings.Replace(m.body, "\n----- This ", "\n------ This ", 1)
	head, orig := splitOriginal(body, []string{
		"------ This is a copy of the message, including all the headers. ------",
		"Content-Type: message/rfc822",
		"Included is a copy of the message header:\n-----------------------------------------", // MXLogic
	}, false)

	starts := []string{
		"This message was created automatically by mail delivery software.",
		"A message that you sent was rejected by the local scannning code",
		"A message that you sent contained one or more recipient addresses ",
		"A message that you sent could not be delivered to all of its recipients",
		" has been frozen", " was frozen on arrival", " router encountered the following error(s):",
	}
	frozen := []string{" has been frozen", " was frozen on arrival"}
	boundary := ""
	if _, params := contentType(m.get("content-type")); params["boundary"] != "" {
		boundary = params["boundary"]
	}
	ds := newDeliveries()
	another := []string{""}
	reading, inDSN := false, false
	recipients := 0
	for _, e := range lines(head) {
		if !reading {
			for _, f := range starts {
				if strings.Contains(e, f) {
					reading = true
					break
				}
			}
			if !reading || !containsAny(e, frozen) {
				continue
			}
		}
		if e == "" {
			continue
		}
		v := &ds[len(ds)-1]
		isAddrLine := strings.HasPrefix(e, "  ") && strings.IndexByte(e, '@') >= 2 && strings.IndexByte(e, '.') >= 2 &&
			!strings.Contains(e, "pipe to |") && len(e) > 2 && e[2] != ' ' && (thirdParty || e[2] != '<')
		if isAddrLine || strings.Contains(e, " an undisclosed address") {
			var cv string
			if strings.Contains(e, " an undisclosed address") {
				cv = e[2:] // deliver.c: "an undisclosed address", (generated from ...) follows
			} else if cv = findAddress(between(e, "<", ">:")); cv != "" {
				// "  <neko@example.jp>: ..." (MXLogic)
				if i := strings.Index(e, ">:"); i >= 0 {
					v.diag = sweep(e[i+2:])
				}
			} else {
				// "  kijitora@example.jp" or "  kijitora@example.jp: forced freeze"
				p := strings.LastIndex(e, ": ")
				if p < 0 {
					p = len(e)
				}
				if cv = findAddress(e[2:p]); !isEmailAddress(cv) {
					continue
				}
			}
			if v.recipient != "" && cv != v.recipient {
				ds = append(ds, delivery{})
				another = append(another, "")
				v = &ds[len(ds)-1]
			}
			v.recipient = cv
			recipients++
			continue
		}
		if containsAny(e, []string{" (generated from ", " generated by "}) {
			for _, w := range strings.Split(e, " ") {
				if strings.IndexByte(w, '@') > 0 {
					v.alias = findAddress(w)
					break
				}
			}
			continue
		}
		if containsAny(e, frozen) {
			another[len(another)-1] = e + " "
			continue
		}
		if boundary != "" {
			// The RFC 3464 part of a recent Exim bounce.
			if dsnFieldKind(e) > 0 {
				f, ok := parseDSNField(e)
				if !ok {
					continue
				}
				switch f.group {
				case "addr":
					if f.name != "final-recipient" || v.diagType != "" {
						continue
					}
					if strings.IndexByte(f.value, '@') > 0 {
						v.diagType = "SMTP"
					} else {
						v.diagType = "X-UNIX"
					}
				case "code":
					v.diagType = strings.ToUpper(f.typ)
					v.diag = f.value
				default:
					v.setDSNField(f.name, f.value)
				}
				continue
			}
			if inDSN {
				continue
			}
			if strings.HasPrefix(e, "Content-Type: message/delivery-status") {
				inDSN = true
			}
			if strings.HasPrefix(e, " ") {
				another[len(another)-1] += e + " "
			}
			continue
		}
		if len(ds) == recipients || strings.HasPrefix(e, "  ") {
			v.diag += " " + e
		}
	}
	if recipients > 0 {
		for i := range ds {
			if ds[i].alias != "" && !strings.Contains(ds[i].recipient, "@") {
				ds[i].recipient = ds[i].alias
			}
		}
	} else if failed := m.get("x-failed-recipients"); failed != "" {
		// X-Failed-Recipients: kijitora@example.jp, ...
		for _, e := range strings.Split(failed, ",") {
			if e = strings.TrimSpace(e); e != "" {
				next(&ds).recipient = e
				recipients++
			}
		}
	}
	if recipients == 0 {
		return nil
	}
	for len(another) < len(ds) {
		another = append(another, "")
	}

	lhost := ""
	if r := m.header["received"]; len(r) > 0 {
		lhost, _ = receivedFromBy(r[len(r)-1])
	}
	for j := range ds {
		e := &ds[j]
		if e.diag == "" && boundary != "" {
			e.diag = ds[0].diag
			if e.diagType == "" {
				e.diagType = ds[0].diagType
			}
			if another[0] != "" {
				another[j] = another[0]
			}
		}
		if a := another[j]; a != "" {
			switch {
			case e.diag == "":
				e.diag = a
			case strings.HasPrefix(e.diag, "-") || strings.HasSuffix(e.diag, "__"):
				e.diag = a
			case len(e.diag) < len(a):
				if a = squeeze(a); strings.Contains(strings.ToLower(a), strings.ToLower(e.diag)) {
					e.diag = a
				}
			}
		}
		e.diag = sweep(e.diag)
		if i := strings.Index(e.diag, "__"); i > 0 {
			e.diag = e.diag[:i]
		}
		if e.rhost == "" {
			e.rhost = findHost(e.diag)
		}
		if e.lhost == "" {
			e.lhost = lhost
		}
		if e.command == "" {
			for _, f := range []string{"SMTP error from remote ", "LMTP error after "} {
				if strings.Contains(e.diag, f) {
					if e.command = findCommand(e.diag); e.command != "" {
						break
					}
				}
			}
			switch e.command {
			case "EHLO", "HELO":
				e.reason = "blocked" // "Connected to host but my name was rejected"
			case "MAIL":
				e.reason = "onhold" // the sender was rejected: needs the general rules
			default:
				for _, r := range eximReasons {
					if containsAny(e.diag, r.phrases) {
						e.reason = r.reason
						break
					}
				}
				if e.reason == "" {
					if containsAny(e.diag, eximDelayed) {
						e.reason = "expired"
					} else if strings.Contains(e.diag, "pipe to |") {
						e.reason = "mailererror"
					}
				}
			}
		}
		// The reply code in the text beats a "Status: 5.0.0" that Exim
		// writes even for a 4xx reply ("450 TEMPERROR: retry timeout
		// exceeded").
		cr := findReply(e.diag, e.status)
		cs := findStatus(e.diag, cr)
		cv := pseudoStatus(e.reason, strings.HasPrefix(cr, "4") || e.reason == "expired" || e.reason == "mailboxfull")
		if e.replyCode == "" {
			e.replyCode = cr
		}
		if e.status == "" {
			e.status = preferStatus(cs, cv, cr)
		}
	}
	if orig == "" {
		// A delay warning returns no copy: rebuild the essentials.
		orig = "To: <" + ds[0].recipient + ">\n"
		if cv := between(m.body, "The date of the message is: ", "\n"); cv != "" {
			orig += "Date: " + strings.TrimSpace(cv) + "\n"
		}
		if cv := between(m.body, "The subject of the message is: ", "\n"); cv != "" {
			orig += "Subject: " + strings.TrimSpace(cv) + "\n"
		}
	}
	return &decoded{deliveries: ds, original: orig}
}
