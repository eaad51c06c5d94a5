package compose

import (
	"strconv"
	"strings"
)

// Media type parameters (RFC 2045 §5.1) with RFC 2231 for values that are
// not ASCII or too long for one line.

// param is one name=value parameter of a Content-Type or
// Content-Disposition field.
type param struct {
	name, value string
}

// maxParamChunk is the most characters of an RFC 2231 encoded value put in
// one continuation, so that each fits a folded line.
const maxParamChunk = 60

// mediaType formats t with params, in order, separated by "; " so that the
// field folds between parameters.
func mediaType(t string, params ...param) string {
	var b strings.Builder
	b.WriteString(t)
	for _, p := range params {
		b.WriteString("; ")
		formatParam(&b, p)
	}
	return b.String()
}

// formatParam writes one parameter: a token as is, printable ASCII as a
// quoted-string, anything else (or anything longer than a line) as RFC 2231
// UTF-8 percent-encoding split into continuations.
func formatParam(b *strings.Builder, p param) {
	switch {
	case isToken(p.value):
		b.WriteString(p.name + "=" + p.value)
	case isPrintable(p.value) && len(p.value) <= maxParamChunk:
		b.WriteString(p.name + "=" + quoteString(p.value))
	default:
		chunks := percentChunks(p.value)
		if len(chunks) == 1 {
			b.WriteString(p.name + "*=UTF-8''" + chunks[0])
			return
		}
		for i, c := range chunks {
			if i > 0 {
				b.WriteString("; ")
			}
			b.WriteString(p.name + "*" + strconv.Itoa(i) + "*=")
			if i == 0 {
				b.WriteString("UTF-8''")
			}
			b.WriteString(c)
		}
	}
}

// isToken reports whether s is an RFC 2045 token: printable ASCII without
// space and tspecials.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c > '~' || strings.IndexByte(`()<>@,;:\"/[]?=`, c) >= 0 {
			return false
		}
	}
	return true
}

// isPrintable reports whether s is printable ASCII, spaces included.
func isPrintable(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c > '~' {
			return false
		}
	}
	return true
}

// quoteString returns s as a quoted-string.
func quoteString(s string) string {
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

// percentChunks percent-encodes s (RFC 2231 §7 attribute-char) and cuts the
// result into chunks of at most maxParamChunk characters, never inside an
// escape.
func percentChunks(s string) []string {
	const hex = "0123456789ABCDEF"
	var chunks []string
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		var enc string
		if isAttrChar(c) {
			enc = string(c)
		} else {
			enc = string([]byte{'%', hex[c>>4], hex[c&15]})
		}
		if cur.Len()+len(enc) > maxParamChunk {
			chunks = append(chunks, cur.String())
			cur.Reset()
		}
		cur.WriteString(enc)
	}
	return append(chunks, cur.String())
}

// isAttrChar reports whether c may stand for itself in an RFC 2231
// extended value.
func isAttrChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$&+-.^_`|~", c) >= 0
}
