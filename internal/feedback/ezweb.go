package feedback

import "strings"

// ezwebReasons are the texts of au's (KDDI, formerly EZweb) own bounces.
var ezwebReasons = []textRule{
	{"expired", []string{"Your message was not delivered within "}},
	{"mailboxfull", []string{"The user(s) account is temporarily over quota"}},
	{"onhold", []string{"Each of the following recipients was rejected by a remote mail server"}},
	{"suspend", []string{"The user(s) account is disabled.", "The user(s) account is temporarily limited."}},
}

// decodeEZweb reads the bounces of au by KDDI (ezweb.ne.jp, au.com): "Mail
// System Error - Returned Mail" from Postmaster@ezweb.ne.jp, the recipient as
// "<addr>" or "Recipient: <addr>" with the session (">>> RCPT TO:", "<<< 550
// ..."). A message filtered by the recipient's domain filter carries
// X-SPASIGN: NG.
func decodeEZweb(m *mailMessage) *decoded {
	score := 0
	from := m.get("from")
	if strings.Contains(from, "Postmaster@ezweb.ne.jp") || strings.Contains(from, "Postmaster@au.com") {
		score++
	}
	if m.get("subject") == "Mail System Error - Returned Mail" {
		score++
	}
	for _, r := range m.header["received"] {
		if strings.Contains(r, "ezweb.ne.jp (EZweb Mail) with") || strings.Contains(r, ".au.com (") {
			score++
			break
		}
	}
	if id := m.get("message-id"); strings.Contains(id, ".ezweb.ne.jp>") || strings.Contains(id, ".au.com>") {
		score++
	}
	if score < 2 {
		return nil
	}
	head, orig := splitOriginal(m.body, []string{"--------------------------------------------------",
		"Content-Type: message/rfc822"}, false)
	ds := newDeliveries()
	reading := false
	for _, e := range lines(head) {
		if !reading {
			reading = hasPrefixAny(e, []string{"The user(s) ", "Your message ", "Each of the following", "<"})
		}
		if !reading || e == "" {
			continue
		}
		if aligned(e, []string{"<", "@", ">"}) && (strings.Index(e, "Recipient: <") > 1 || strings.HasPrefix(e, "<")) {
			v := next(&ds)
			v.recipient = findAddress(between(e, "<", ">"))
			v.diag += " " + e
			continue
		}
		v := &ds[len(ds)-1]
		if dsnFieldKind(e) > 0 {
			if f, ok := parseDSNField(e); ok {
				v.setDSNField(f.name, f.value)
			}
			continue
		}
		if has8bit(e) {
			continue
		}
		if strings.Contains(e, " >>> ") {
			v.command = findCommand(e)
		}
		v.diag += " " + e
	}
	if countRecipients(ds) == 0 {
		return nil
	}
	for i := range ds {
		e := &ds[i]
		e.diag = sweep(e.diag)
		if e.command == "" {
			e.command = findCommand(e.diag)
		}
		if m.get("x-spasign") == "NG" {
			e.reason = "filtered" // au's spam filter ("spamghetti") refused it
		} else {
			for _, r := range ezwebReasons {
				if containsAny(e.diag, r.phrases) {
					e.reason = r.reason
					break
				}
			}
		}
		if e.reason != "" || strings.Contains(e.recipient, "@ezweb.ne.jp") || strings.Contains(e.recipient, "@au.com") {
			continue
		}
		if strings.HasPrefix(e.diag, "<") {
			e.reason = "userunknown"
		}
	}
	return &decoded{deliveries: ds, original: orig}
}
