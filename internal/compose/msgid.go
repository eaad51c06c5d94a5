package compose

import "strings"

// bareID returns a Message-ID or Content-ID without its angle brackets, and
// whether it is fit to write between them: printable ASCII without space,
// '<' or '>' (RFC 5322 §3.6.4 id-left "@" id-right, leniently: the
// "@" is not required, since Content-IDs often lack it).
func bareID(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && s[0] == '<' && s[len(s)-1] == '>' {
		s = s[1 : len(s)-1]
	}
	if s == "" || len(s) > maxLineText-len("Message-ID: <>") {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c > '~' || c == '<' || c == '>' {
			return "", false
		}
	}
	return s, true
}
