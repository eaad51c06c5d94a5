package compose

import (
	"bytes"
	"encoding/base64"
	"mime/quotedprintable"
	"strings"
)

// Content-Transfer-Encoding values (RFC 2045 §6).
const (
	cte7bit   = "7bit"
	cteQP     = "quoted-printable"
	cteBase64 = "base64"
)

// normalizeNewlines turns CRLF, lone CR and lone LF into CRLF: text parts
// have CRLF line breaks on the wire (RFC 2046 §4.1.1).
func normalizeNewlines(s string) string {
	if crlfOnly(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + len(s)/32)
	for len(s) > 0 {
		i := strings.IndexAny(s, "\r\n")
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		b.WriteString("\r\n")
		if s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n' {
			i++
		}
		s = s[i+1:]
	}
	return b.String()
}

// crlfOnly reports whether every CR and LF in s is part of a CRLF.
func crlfOnly(s string) bool {
	for {
		i := strings.IndexAny(s, "\r\n")
		if i < 0 {
			return true
		}
		if s[i] != '\r' || i+1 >= len(s) || s[i+1] != '\n' {
			return false
		}
		s = s[i+2:]
	}
}

// chooseTextEncoding picks the transfer encoding of a text part whose
// bytes (already in their charset, CRLF line breaks) are b, as JavaMail's
// MimeUtility.getEncoding does: 7bit when every line is short 7-bit text,
// quoted-printable when little needs escaping, base64 otherwise (Japanese
// in UTF-8, for instance, where QP would triple the size).
func chooseTextEncoding(b []byte) string {
	if is7bit(b) {
		return cte7bit
	}
	escaped := 0
	for _, c := range b {
		if c >= 0x80 || c == '=' || (c < ' ' && c != '\r' && c != '\n' && c != '\t') {
			escaped++
		}
	}
	if escaped*3 > len(b) {
		return cteBase64
	}
	return cteQP
}

// is7bit reports whether b is "7bit" data (RFC 2045 §2.7): no NUL, no byte
// above 127, CR and LF only as CRLF, lines within 998 characters.
func is7bit(b []byte) bool {
	line := 0
	for i, c := range b {
		switch {
		case c == 0 || c >= 0x80:
			return false
		case c == '\r':
			if i+1 >= len(b) || b[i+1] != '\n' {
				return false
			}
		case c == '\n':
			if i == 0 || b[i-1] != '\r' {
				return false
			}
			line = 0
			continue
		}
		if c != '\r' {
			line++
			if line > maxLineText {
				return false
			}
		}
	}
	return true
}

// encodeBody returns b in transfer encoding cte. The result does not end
// with a line break of its own: the CRLF before a boundary belongs to the
// boundary (RFC 2046 §5.1.1), so the writer adds it, and a body that ends
// with a line break keeps it. text tells quoted-printable that CRLF are
// line breaks rather than data.
func encodeBody(b []byte, cte string, text bool) []byte {
	var out bytes.Buffer
	switch cte {
	case cteBase64:
		out.Grow(base64.StdEncoding.EncodedLen(len(b)) * 78 / 76)
		writeBase64(&out, b)
	case cteQP:
		out.Grow(len(b) + len(b)/8)
		w := quotedprintable.NewWriter(&out)
		w.Binary = !text
		// Writes to a bytes.Buffer do not fail.
		_, _ = w.Write(b)
		_ = w.Close()
	default:
		out.Write(b)
	}
	return out.Bytes()
}

// writeBase64 writes b in base64 lines of 76 characters (RFC 2045 §6.8).
func writeBase64(out *bytes.Buffer, b []byte) {
	const perLine = 57 // bytes that make 76 characters
	buf := make([]byte, 76)
	for first := true; len(b) > 0; first = false {
		if !first {
			out.WriteString("\r\n")
		}
		n := min(perLine, len(b))
		m := base64.StdEncoding.EncodedLen(n)
		base64.StdEncoding.Encode(buf[:m], b[:n])
		out.Write(buf[:m])
		b = b[n:]
	}
}
