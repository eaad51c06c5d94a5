package compose

import (
	"encoding/base64"
	"strings"
	"unicode/utf8"
)

// RFC 2047 encoded words for unstructured header text (Subject,
// Content-Description).

// maxEncodedWord is the longest encoded word RFC 2047 §2 allows.
const maxEncodedWord = 75

// encodeText returns s as it must appear in an unstructured header field
// in charset c: as is when it is printable ASCII text that folds within
// 998 characters, otherwise as encoded words separated by spaces.
func encodeText(s string, c charset) string {
	if plainText(s) && c.asciiCompatible() {
		return s
	}
	return encodeWords(s, c)
}

// plainText reports whether s can be written in a header as it is: printable
// ASCII, spaces and tabs, with no word too long to fold and nothing a
// reader would decode as an encoded word.
func plainText(s string) bool {
	word := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			word = 0
		case c < ' ' || c > '~':
			return false
		default:
			word++
			if word > maxLineText-100 {
				return false
			}
		}
	}
	return !strings.Contains(s, "=?")
}

// encodeWords splits s into runs of whole characters and writes each run as
// one encoded word in charset c, each complete in itself (a stateful
// charset such as ISO-2022-JP returns to ASCII at the end of every word).
// "B" encoding is used when most bytes would need escaping, "Q" otherwise.
func encodeWords(s string, c charset) string {
	b64 := preferBase64(c.encode(s))
	prefix := "=?" + c.name + "?Q?"
	if b64 {
		prefix = "=?" + c.name + "?B?"
	}
	wordLen := func(payload []byte) int {
		if b64 {
			return len(prefix) + base64.StdEncoding.EncodedLen(len(payload)) + 2
		}
		return len(prefix) + qLen(payload) + 2
	}
	var words []string
	for len(s) > 0 {
		// Grow the run one character at a time while the word fits. A
		// single character always goes in, even if its word is too long.
		n := 0
		var payload []byte
		for n < len(s) {
			_, size := utf8.DecodeRuneInString(s[n:])
			p := c.encode(s[:n+size])
			if n > 0 && wordLen(p) > maxEncodedWord {
				break
			}
			n += size
			payload = p
		}
		if b64 {
			words = append(words, prefix+base64.StdEncoding.EncodeToString(payload)+"?=")
		} else {
			words = append(words, prefix+qEncode(payload)+"?=")
		}
		s = s[n:]
	}
	return strings.Join(words, " ")
}

// preferBase64 reports whether B encoding is shorter than Q for b: it is
// when more than a third of the bytes would need escaping.
func preferBase64(b []byte) bool {
	escaped := 0
	for _, c := range b {
		if !qLiteral(c) && c != ' ' {
			escaped++
		}
	}
	return escaped*3 > len(b)
}

// qLiteral reports whether c may appear as itself in a "Q" encoded word.
// RFC 2047 §5 allows more in unstructured text; this is the set that is
// safe everywhere.
func qLiteral(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return c == '!' || c == '*' || c == '+' || c == '-' || c == '/'
}

// qLen returns the length of qEncode(b).
func qLen(b []byte) int {
	n := 0
	for _, c := range b {
		if qLiteral(c) || c == ' ' {
			n++
		} else {
			n += 3
		}
	}
	return n
}

// qEncode writes b in RFC 2047 "Q" encoding.
func qEncode(b []byte) string {
	const hex = "0123456789ABCDEF"
	var sb strings.Builder
	sb.Grow(qLen(b))
	for _, c := range b {
		switch {
		case c == ' ':
			sb.WriteByte('_')
		case qLiteral(c):
			sb.WriteByte(c)
		default:
			sb.WriteByte('=')
			sb.WriteByte(hex[c>>4])
			sb.WriteByte(hex[c&15])
		}
	}
	return sb.String()
}
