package feedback

import "strings"

// decodeAutoReply reads an automatic reply (RFC 3834): one marked by
// Auto-Submitted: auto-replied (section 5), or by the older conventions
// (Precedence: auto_reply, X-Apple-Action: vacation, an "Auto:" or "Out of
// Office:" subject). The person who replied is the sender of the reply.
// System notices (from root@ or postmaster@, sudo's security mail, Exim's
// "Mail failure -") are not auto-replies of a recipient.
func decodeAutoReply(m *mailMessage) *decoded {
	lower := map[string]string{}
	for _, k := range []string{"from", "to", "subject", "auto-submitted", "precedence", "x-apple-action"} {
		lower[k] = strings.ToLower(m.get(k))
	}
	if containsAny(lower["from"], []string{"root@", "postmaster@", "mailer-daemon@"}) ||
		containsAny(lower["to"], []string{"root@"}) ||
		containsAny(lower["subject"], []string{"security information for", "mail failure -"}) {
		return nil
	}
	subjects := []string{"auto:", "auto response:", "automatic reply:", "out of office:", "out of the office:"}
	switch {
	case hasPrefixAny(lower["auto-submitted"], []string{"auto-generated", "auto-replied", "auto-notified"}):
	case strings.HasPrefix(lower["precedence"], "auto_reply"):
	case hasPrefixAny(lower["subject"], subjects):
	case strings.HasPrefix(lower["x-apple-action"], "vacation"):
	default:
		return nil
	}
	who := ""
	for _, k := range []string{"from", "return-path"} {
		if cv := findAddress(m.get(k)); isEmailAddress(cv) {
			who = cv
			break
		}
	}
	if who == "" {
		return nil
	}
	body := strings.Trim(m.body, "\n")
	for strings.Contains(body, "\n\n") {
		body = strings.ReplaceAll(body, "\n\n", "\n")
	}
	var diag strings.Builder
	ls := lines(body)
	if len(ls) < 5 {
		diag.WriteString(strings.ReplaceAll(body, "\n", " "))
	} else {
		for _, e := range ls {
			if e != "" && !strings.HasPrefix(e, "--") {
				diag.WriteString(e + " ")
			}
		}
	}
	orig := ""
	if subj := m.get("subject"); containsAny(lower["subject"], subjects) {
		if i := strings.Index(subj, ": "); i >= 0 {
			orig += "Subject: " + sweep(subj[i+2:]) + "\n"
		}
	}
	orig += "To: <" + who + ">\n"
	return &decoded{
		deliveries: []delivery{{recipient: who, diag: sweep(diag.String()), reason: "vacation", date: m.get("date")}},
		original:   orig,
	}
}
