package address

import "strings"

// Address is one mailbox. The zero value is not a valid address.
type Address struct {
	// Name is the decoded display name ("Jane Doe", "山田太郎"), or "".
	Name string
	// Local is the local part as a value: without the quotes of a
	// quoted-string and without its backslash escapes. It is 7-bit ASCII.
	Local string
	// Domain is the domain in A-label form (Punycode), lower-cased.
	Domain string
}

// String returns the envelope form local@domain (RFC 5321 Mailbox), quoting
// the local part when it is not a dot-atom. This is the form for MAIL FROM,
// RCPT TO, suppression lists and identity checks.
func (a Address) String() string {
	return formatLocal(a.Local) + "@" + a.Domain
}

// Header returns the RFC 5322 form for a header field: the bare address when
// there is no display name, otherwise `name <local@domain>` with the name
// RFC 2047-encoded when it is not printable ASCII and quoted when it is not a
// plain run of atoms.
func (a Address) Header() string {
	if a.Name == "" {
		return a.String()
	}
	return formatName(a.Name) + " <" + a.String() + ">"
}

// formatLocal returns the local part as it must be written: as is when it is
// a dot-atom, as a quoted-string otherwise.
func formatLocal(local string) string {
	if isDotAtom(local) {
		return local
	}
	return quote(local)
}

// quote returns s as an RFC 5322 quoted-string.
func quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}

// isAtext reports whether c may appear in an atom (RFC 5322 §3.2.3).
func isAtext(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

// isDotAtom reports whether s is a dot-atom-text: atoms joined by single dots.
func isDotAtom(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '.' {
			if s[i-1] == '.' {
				return false
			}
			continue
		}
		if !isAtext(c) {
			return false
		}
	}
	return true
}
