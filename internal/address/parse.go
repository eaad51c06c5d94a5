package address

import (
	"strings"
)

// Parse parses one mailbox (RFC 5322 §3.4): an addr-spec
// ("user@example.com"), a name-addr ("Jane <user@example.com>",
// "=?UTF-8?B?…?= <user@example.com>", "名前 <user@example.com>"), or an
// addr-spec followed by a comment that is taken as the display name
// ("user@example.com (Jane)"). It is what SES applies to FromEmailAddress,
// each Destination entry and each ReplyToAddresses entry.
func Parse(s string) (Address, error) {
	l := lexer{s: s}
	text, term, err := l.mailbox()
	if err != nil {
		return Address{}, err
	}
	switch term {
	case ',':
		// Several addresses where one belongs.
		return Address{}, fail(errIllegalAddress)
	case ';':
		return Address{}, fail(errIllegalSemicolon)
	case ':':
		// JavaMail reads "team: a@example.com;" or "github:user" as one
		// address and refuses the colon in its local part; so does SES
		// (hcengineering/platform#7864).
		return Address{}, fail(errLocalIllegal)
	}
	if isBlank(text) {
		return Address{}, invalid(strings.TrimSpace(s))
	}
	return parseMailbox(text)
}

// lexer walks a header value mailbox by mailbox.
type lexer struct {
	s string
	i int
}

// mailbox returns the text up to the next top-level ',', ';' or ':' (or
// the end) and that terminator (0 at the end). Separators inside quotes,
// comments, domain literals and angle brackets do not count.
func (l *lexer) mailbox() (text string, term byte, err error) {
	start := l.i
	inAngle := false
	for l.i < len(l.s) {
		c := l.s[l.i]
		switch c {
		case '"', '(', ')', '[':
			j, err := skipToken(l.s, l.i)
			if err != nil {
				return "", 0, err
			}
			l.i = j
			continue
		case '<':
			if inAngle {
				return "", 0, fail(errMissingGT)
			}
			inAngle = true
		case '>':
			if !inAngle {
				return "", 0, fail(errMissingLT)
			}
			inAngle = false
		case ',', ';', ':':
			if !inAngle {
				text = l.s[start:l.i]
				l.i++
				return text, c, nil
			}
		}
		l.i++
	}
	if inAngle {
		return "", 0, fail(errMissingGT)
	}
	return l.s[start:], 0, nil
}

// done reports whether the whole value was read.
func (l *lexer) done() bool { return l.i >= len(l.s) }

// isBlank reports whether s holds only white space and comments.
func isBlank(s string) bool {
	core, _, err := stripCFWS(s)
	return err == nil && core == ""
}

// parseMailbox parses the text of one mailbox, as cut out by the lexer.
func parseMailbox(text string) (Address, error) {
	lt := indexTop(text, '<')
	if lt < 0 {
		// addr-spec, perhaps with comments around it.
		spec, comment, err := stripCFWS(text)
		if err != nil {
			return Address{}, err
		}
		a, err := parseSpec(spec, text)
		if err != nil {
			return Address{}, err
		}
		a.Name = normalizeName(comment)
		return a, nil
	}
	gt := indexTop(text[lt:], '>') + lt
	if rest, _, err := stripCFWS(text[gt+1:]); err != nil {
		return Address{}, err
	} else if rest != "" {
		return Address{}, fail(errIllegalAddress)
	}
	spec, _, err := stripCFWS(text[lt+1 : gt])
	if err != nil {
		return Address{}, err
	}
	a, err := parseSpec(spec, text)
	if err != nil {
		return Address{}, err
	}
	name, err := decodePhrase(text[:lt])
	if err != nil {
		return Address{}, err
	}
	a.Name = name
	return a, nil
}

// indexTop returns the index of the first c in s outside quotes, comments
// and domain literals, or -1. The lexer has already checked that they are
// balanced.
func indexTop(s string, c byte) int {
	for i := 0; i < len(s); {
		if s[i] == c {
			return i
		}
		j, err := skipToken(s, i)
		if err != nil || j == i {
			j = i + 1
		}
		i = j
	}
	return -1
}

// normalizeName turns a name made only of white space into no name, as
// JavaMail does.
func normalizeName(name string) string {
	if strings.TrimSpace(name) == "" {
		return ""
	}
	return name
}

// decodePhrase returns the display name written in raw: words (atoms,
// UTF-8 text, encoded words) and quoted-strings, with comments dropped.
// Words are joined by single spaces, except that white space between two
// encoded words disappears (RFC 2047 §6.2). SES does not validate display
// names strictly and neither does this: specials such as '@' or '.' in an
// unquoted name are kept, control characters are refused.
func decodePhrase(raw string) (string, error) {
	var b strings.Builder
	prevEncoded := false
	first := true
	for i := 0; i < len(raw); {
		c := raw[i]
		switch {
		case isWSP(c):
			i++
			continue
		case c < ' ' || c == 0x7f:
			return "", fail(errIllegalAddress)
		case c == '(':
			j, err := skipToken(raw, i)
			if err != nil {
				return "", err
			}
			i = j
			continue
		}
		var text string
		encoded := false
		if c == '"' {
			j, err := skipToken(raw, i)
			if err != nil {
				return "", err
			}
			content := raw[i+1 : j-1]
			if hasControl(content) {
				return "", fail(errIllegalAddress)
			}
			text = decodeQuoted(unescape(content))
			i = j
		} else {
			j := i
			for j < len(raw) && !isWSP(raw[j]) && raw[j] != '"' && raw[j] != '(' && raw[j] >= ' ' && raw[j] != 0x7f {
				if raw[j] == '[' {
					k, err := skipToken(raw, j)
					if err != nil {
						return "", err
					}
					j = k
					continue
				}
				j++
			}
			word := raw[i:j]
			if t, ok := decodeWord(word); ok {
				text, encoded = t, true
			} else {
				text = word
			}
			i = j
		}
		if !first && !(encoded && prevEncoded) {
			b.WriteByte(' ')
		}
		b.WriteString(text)
		first, prevEncoded = false, encoded
	}
	return normalizeName(b.String()), nil
}

// hasControl reports whether s holds a control character other than tab.
func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return true
		}
	}
	return false
}
