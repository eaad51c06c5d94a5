package smtpd

import (
	"strings"

	"github.com/hikyaku/hikyaku/internal/address"
)

// envelopeAddress parses the path of MAIL FROM or RCPT TO with the rules
// SES applies to addresses (package address). go-smtp has already checked
// the RFC 5321 syntax loosely and hands over a quoted local part without
// its quotes ("a b"@x arrives as a b@x), so a local part that is not a
// dot-atom is quoted again first.
func envelopeAddress(path string) (address.Address, error) {
	if at := strings.LastIndexByte(path, '@'); at > 0 && !isDotAtom(path[:at]) {
		path = quote(path[:at]) + path[at:]
	}
	return address.Parse(path)
}

// isDotAtom reports whether s is an RFC 5322 dot-atom-text.
func isDotAtom(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.', 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
