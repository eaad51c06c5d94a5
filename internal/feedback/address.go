package feedback

import (
	"regexp"
	"strings"
)

// undisclosedRecipient stands in for a recipient when the message names none,
// such as a complaint about a message sent to "undisclosed-recipients:;".
const undisclosedRecipient = "undisclosed-recipient-in-headers@libsisimai.org.invalid"

// isEmailAddress reports whether s is a plausible addr-spec (RFC 5322 section
// 3.4.1). It is lenient where the real world is ("a..b@", ".a@"), strict where a
// bounce would otherwise yield junk: one "@", no spaces or specials in an
// unquoted local part, and a domain that is an Internet host name or an address
// literal.
func isEmailAddress(s string) bool {
	s = strings.Trim(s, " \t")
	if len(s) < 5 || len(s) > 254 {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	if at < 1 || at > 64 || len(s)-at > 253 {
		return false
	}
	quoted := isQuotedAddress(s)
	if !quoted && (strings.Count(s, "@") > 1 || strings.IndexByte(s, ' ') >= 0) {
		return false
	}
	for i := 0; i < at; i++ {
		c := s[i]
		if c < 32 || c > 126 {
			return false
		}
		if i == 0 || quoted {
			continue
		}
		if strings.IndexByte(",@:;()<>[]", c) >= 0 {
			return false
		}
	}
	domain := s[at+1:]
	if isDomainLiteral(s) {
		return true
	}
	for i := 0; i < len(domain); i++ {
		c := domain[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return isInternetHost(domain)
}

// isQuotedAddress reports whether the local part of s is a quoted-string.
func isQuotedAddress(s string) bool {
	return strings.HasPrefix(s, `"`) && strings.Contains(s, `"@`)
}

var domainLiteralPattern = regexp.MustCompile(`@\[(IPv4:)?\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\]$|@\[IPv6:[0-9A-Fa-f:.]+\]$`)

// isDomainLiteral reports whether the domain of s is an address literal such
// as [IPv4:192.0.2.1] (RFC 5321 section 4.1.3).
func isDomainLiteral(s string) bool {
	return domainLiteralPattern.MatchString(strings.Trim(s, "<>"))
}

var quotedAddressPattern = regexp.MustCompile(`"[^"\r\n]{1,64}"@[A-Za-z0-9][A-Za-z0-9.-]*[A-Za-z]`)

// findAddress returns the first email address in s: inside angle brackets if
// there are any ("Neko <neko@example.jp>"), else the first word that is one
// ("neko@example.jp (Neko)", "550 5.1.1 neko@example.jp... unknown"). It
// returns "" when there is none.
func findAddress(s string) string {
	s = dropLineEnds.Replace(s)
	if len(s) < 5 || !strings.Contains(s, "@") {
		return ""
	}
	if m := quotedAddressPattern.FindString(s); m != "" && isEmailAddress(m) {
		return m
	}
	for rest := s; ; {
		i := strings.IndexByte(rest, '<')
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i+1:], '>')
		if j < 0 {
			break
		}
		if cv := cleanAddress(rest[i+1 : i+1+j]); isEmailAddress(cv) {
			return cv
		}
		rest = rest[i+1+j+1:]
	}
	for _, w := range strings.FieldsFunc(s, func(r rune) bool {
		return r == ' ' || r == '\t' || r == ',' || r == '<' || r == '>' || r == '(' || r == ')' || r == '"' || r == '\''
	}) {
		if !strings.Contains(w, "@") {
			continue
		}
		if cv := cleanAddress(w); isEmailAddress(cv) {
			return cv
		}
	}
	return ""
}

// cleanAddress strips the punctuation that surrounds an address in running
// text ("<a@b.c>:", "a@b.c.", "rfc822;a@b.c") and a source route
// ("@relay:a@b.c", RFC 5321 section 4.1.2).
func cleanAddress(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndex(s, ";"); i >= 0 && !strings.HasPrefix(s, `"`) {
		s = s[i+1:]
	}
	if strings.HasPrefix(s, "@") {
		if i := strings.IndexByte(s, ':'); i > 0 {
			s = s[i+1:]
		}
	}
	if !isDomainLiteral(s) {
		s = strings.Trim(s, "[]{}()`';.:,<>")
	} else {
		s = strings.Trim(s, "<>")
	}
	if !isQuotedAddress(s) {
		s = strings.Trim(s, `"`)
	}
	return strings.TrimRight(s, ".")
}
