package feedback

import "strings"

// The fields of a message/delivery-status body part, RFC 3464 section 2.
// Per-message fields (section 2.2) come first, then one block of per-recipient
// fields (section 2.3) per recipient. Sendmail's X-Actual-Recipient and
// Google's X-Original-Message-ID are read as well.

// dsnField is one parsed field line.
type dsnField struct {
	name    string // lower case: "final-recipient"
	typ     string // address-type, diagnostic-type or MTA-name-type, upper case: "RFC822", "SMTP", "DNS"
	value   string
	group   string // addr, code, date, host, list, stat, text
	comment string // a trailing "(...)" comment, as in "Status: 5.0.0 (permanent failure)"
}

// dsnPerMessage and dsnPerRecipient list the fields read, each with a
// character its value must contain to count (a guard against prose lines that
// happen to start with "Action:" and the like).
var (
	dsnPerMessage = map[string]string{
		"arrival-date":          ":",
		"received-from-mta":     ";",
		"reporting-mta":         ";",
		"x-original-message-id": "@",
	}
	dsnPerRecipient = map[string]string{
		"action":             "e", // failed, delayed, delivered, relayed, expanded
		"diagnostic-code":    ";",
		"final-recipient":    ";",
		"last-attempt-date":  ":",
		"original-recipient": ";",
		"remote-mta":         ";",
		"status":             ".",
		"x-actual-recipient": ";",
	}
	dsnGroups = map[string]string{
		"original-recipient":    "addr",
		"final-recipient":       "addr",
		"x-actual-recipient":    "addr",
		"diagnostic-code":       "code",
		"arrival-date":          "date",
		"last-attempt-date":     "date",
		"received-from-mta":     "host",
		"remote-mta":            "host",
		"reporting-mta":         "host",
		"action":                "list",
		"status":                "stat",
		"x-original-message-id": "text",
	}
)

// dsnLabel returns the lower-case field name of a "Name: value" line.
func dsnLabel(line string) string {
	i := strings.IndexByte(line, ':')
	if i < 1 {
		return ""
	}
	return strings.ToLower(line[:i])
}

// dsnFieldKind reports whether line is a per-message DSN field (1), a
// per-recipient one (2), or neither (0).
func dsnFieldKind(line string) int {
	l := dsnLabel(line)
	if l == "" {
		return 0
	}
	if c, ok := dsnPerMessage[l]; ok && strings.Contains(line, c) {
		return 1
	}
	if c, ok := dsnPerRecipient[l]; ok && strings.Contains(line, c) {
		return 2
	}
	return 0
}

// dsnActions are the action-values of RFC 3464 section 2.3.3, and the
// misspellings some MTAs use for them.
var dsnActions = map[string]string{
	"failed": "failed", "delayed": "delayed", "delivered": "delivered", "relayed": "relayed", "expanded": "expanded",
	"deliverable": "delivered", "expired": "delayed", "failure": "failed",
}

// parseDSNField parses a DSN field line. ok is false for lines that are not
// one of the fields read.
func parseDSNField(line string) (f dsnField, ok bool) {
	if len(line) < 7 {
		return f, false
	}
	name, v, found := strings.Cut(line, ":")
	if !found {
		return f, false
	}
	f.name = strings.ToLower(name)
	f.group, ok = dsnGroups[f.name]
	if !ok || f.group == "text" {
		return dsnField{}, false
	}
	v = strings.TrimSpace(v)
	switch f.group {
	case "addr", "code", "host":
		// address-type ";" generic-address (section 2.3.2), diagnostic-type
		// ";" *text (2.3.6), mta-name-type ";" mta-name (2.2.2)
		if t, rest, has := strings.Cut(v, ";"); has {
			f.typ = strings.ToUpper(strings.TrimSpace(t))
			f.value = strings.TrimSpace(rest)
		} else {
			f.value = v
			f.typ = map[string]string{"addr": "RFC822", "code": "SMTP", "host": "DNS"}[f.group]
		}
		if f.group == "host" {
			f.value = strings.ToLower(f.value)
		}
	case "list":
		f.value = dsnActions[strings.ToLower(v)]
	case "date":
		f.value = v
	default:
		f.value = strings.ToLower(v)
	}
	if i := strings.Index(f.value, " ("); i >= 0 && strings.Contains(f.value[i:], ")") {
		f.comment = between(f.value[i:], " (", ")")
		f.value = f.value[:i]
	}
	return f, true
}

// tidyFieldNames are the field names (RFC 3464, RFC 5965, MIME) whose lines
// tidyBody normalises.
var tidyFieldNames = func() map[string]string {
	m := map[string]string{}
	for _, e := range []string{
		"Action", "Arrival-Date", "Diagnostic-Code", "Final-Recipient", "Last-Attempt-Date", "Original-Recipient",
		"Received-From-MTA", "Remote-MTA", "Reporting-MTA", "Status", "X-Actual-Recipient", "X-Original-Message-ID",
		"Original-Envelope-Id", "DSN-Gateway", "Will-Retry-Until", "Final-Log-ID",
		"Feedback-Type", "User-Agent", "Version", "Original-Mail-From", "Original-Rcpt-To", "Source-IP",
		"Incidents", "Reported-Domain", "Reported-URI", "Removal-Recipient", "Received-Date", "Authentication-Results",
		"Content-Type", "Content-Transfer-Encoding", "Content-Disposition",
	} {
		m[strings.ToLower(e)] = e
	}
	return m
}()

// tidyBody normalises the DSN and ARF field lines of a flat body, since
// generators differ in case and spacing ("final-recipient: RFC822;<a@b>",
// "Diagnostic-Code: smtp;550 ..."): field names get their canonical case,
// typed values become "type; value" with a lower-case type, untyped values
// lose runs of spaces, and the obsolete delivery-status media types become the
// standard one.
func tidyBody(body string) string {
	ls := lines(body)
	var b strings.Builder
	b.Grow(len(body) + 64)
	for i, e := range ls {
		if i > 0 {
			b.WriteByte('\n')
		}
		p := strings.IndexByte(e, ':')
		if p < 1 || strings.IndexByte(e[:p], ' ') >= 0 {
			b.WriteString(e)
			continue
		}
		canon, ok := tidyFieldNames[strings.ToLower(e[:p])]
		if !ok {
			b.WriteString(e)
			continue
		}
		v := strings.TrimSpace(e[p+1:])
		switch {
		case canon == "Content-Type" || canon == "Content-Transfer-Encoding" || canon == "Content-Disposition":
			if i := strings.IndexByte(v, ';'); i >= 0 {
				v = strings.ToLower(v[:i]) + v[i:]
			} else {
				v = strings.ToLower(v)
			}
			v = strings.Replace(v, "message/xdelivery-status", "message/delivery-status", 1)
			v = strings.Replace(v, "message/global-delivery-status", "message/delivery-status", 1)
		case strings.Contains(v, ";") && dsnGroups[strings.ToLower(canon)] != "":
			segs := strings.Split(v, ";")
			isAddr := dsnGroups[strings.ToLower(canon)] == "addr"
			for j, s := range segs {
				s = strings.TrimSpace(s)
				if !strings.Contains(s, " ") && (j == 0 || !isAddr) {
					s = strings.ToLower(s) // keep an address's local part as written
				}
				segs[j] = s
			}
			if canon == "Diagnostic-Code" && len(segs) == 2 && segs[1] == "" {
				segs = segs[:1] // "x-unix;" with the text on the next lines
				v = segs[0] + "; "
			} else {
				v = strings.Join(segs, "; ")
			}
		case canon == "Status" || canon == "Action" || canon == "Feedback-Type":
			v = strings.ToLower(squeeze(v))
		default:
			v = squeeze(v)
		}
		b.WriteString(canon + ": " + v)
	}
	return b.String()
}
