package address

import "strings"

// ParseList parses the value of an address-list header field (To, Cc, Bcc,
// Reply-To; RFC 5322 §3.4): mailboxes separated by commas, and groups
// ("Team: a@example.com, b@example.com;") whose members are returned in
// place. A group with no members ("undisclosed-recipients:;") yields
// nothing. Empty list elements are skipped (RFC 5322 §4.4 obs-addr-list),
// and a group left open at the end of the value is closed, as mailers that
// write "undisclosed-recipients:" expect. An empty value is an empty list.
func ParseList(s string) ([]Address, error) {
	var list []Address
	l := lexer{s: s}
	inGroup := false
	for !l.done() {
		text, term, err := l.mailbox()
		if err != nil {
			return nil, err
		}
		if term == ':' {
			if inGroup {
				return nil, fail(errNestedGroup)
			}
			if _, err := decodePhrase(text); err != nil {
				return nil, err
			}
			inGroup = true
			continue
		}
		if !isBlank(text) {
			a, err := parseMailbox(text)
			if err != nil {
				return nil, err
			}
			list = append(list, a)
		}
		if term == ';' {
			if !inGroup {
				return nil, fail(errIllegalSemicolon)
			}
			inGroup = false
		}
	}
	return list, nil
}

// FormatList writes list as an address-list header value, each address in
// its Header form, separated by ", ". Folding is the writer's job.
func FormatList(list []Address) string {
	parts := make([]string, len(list))
	for i, a := range list {
		parts[i] = a.Header()
	}
	return strings.Join(parts, ", ")
}
