package events

import (
	"bytes"
	"strings"
)

// MaxHeaderBytes is the size at which SES truncates the headers it reports:
// "Amazon SES truncates the headers in the notification when the headers
// from the original message are 10KB or larger in size"
// [DG:notification-contents]. SES does not say how it measures or what it
// keeps; HeadersFrom measures the header section as submitted (names,
// values, folding and line ends) and keeps whole fields, in order, while
// they fit under this size.
const MaxHeaderBytes = 10 * 1024

// HeadersFrom reads the header section of a raw RFC 5322 message (the whole
// message or only its header section; it stops at the first empty line) and
// returns the "headers" and "commonHeaders" SES reports for it.
//
// Headers keep each field's name and value as written, unfolded the way
// JavaMail's MimeUtility.unfold does it (a line break and the white space
// after it become one space) and without the white space after the colon;
// encoded words are left encoded. truncated is set, and headers cut short,
// when the header section is MaxHeaderBytes or larger. common is computed
// from every field, truncated or not, and has its encoded words decoded.
//
// Lines that are not header fields (no colon, or a name with spaces or
// control characters) are skipped, and bytes that are not UTF-8 become
// U+FFFD. HeadersFrom accepts any input: it never fails and never panics.
func HeadersFrom(raw []byte) (headers []Header, common CommonHeaders, truncated bool) {
	fields := readFields(raw)
	total := 0
	for _, f := range fields {
		total += f.size
	}
	truncated = total >= MaxHeaderBytes
	used := 0
	for _, f := range fields {
		if truncated && used+f.size >= MaxHeaderBytes {
			break
		}
		used += f.size
		headers = append(headers, f.Header)
	}
	return headers, commonHeaders(fields), truncated
}

// field is one header field, with the bytes it took in the message.
type field struct {
	Header
	size int
}

// readFields splits the header section of raw into fields (RFC 5322 §2.2).
// It accepts CRLF and bare LF line ends.
func readFields(raw []byte) []field {
	var fields []field
	var value []byte // the value of the last field, unfolded so far
	open := false    // whether a continuation line belongs to the last field
	closeField := func() {
		if open {
			fields[len(fields)-1].Value = text(value)
		}
		open = false
	}
	for len(raw) > 0 {
		line, size := nextLine(raw)
		raw = raw[size:]
		if len(line) == 0 {
			break // the empty line that ends the header section
		}
		if line[0] == ' ' || line[0] == '\t' {
			if open {
				value = unfold(value, line)
				fields[len(fields)-1].size += size
			}
			continue
		}
		closeField()
		colon := bytes.IndexByte(line, ':')
		if colon < 0 {
			continue
		}
		name := bytes.TrimRight(line[:colon], " \t")
		if !validName(name) {
			continue
		}
		fields = append(fields, field{Header: Header{Name: text(name)}, size: size})
		value = append(value[:0], bytes.TrimLeft(line[colon+1:], " \t")...)
		open = true
	}
	closeField()
	return fields
}

// nextLine returns the first line of b without its line end, and how many
// bytes it took with the line end.
func nextLine(b []byte) (line []byte, size int) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return bytes.TrimSuffix(b, []byte("\r")), len(b)
	}
	return bytes.TrimSuffix(b[:i], []byte("\r")), i + 1
}

// unfold appends a continuation line to value as JavaMail's
// MimeUtility.unfold does: the line break and the white space that starts
// the line become a single space, unless value is still empty (a field
// whose value starts on the next line).
func unfold(value, line []byte) []byte {
	rest := bytes.TrimLeft(line, " \t")
	if len(value) == 0 {
		return append(value, rest...)
	}
	value = append(value, ' ')
	return append(value, rest...)
}

// validName reports whether name is an RFC 5322 field name: printable
// ASCII other than the colon, at least one character.
func validName(name []byte) bool {
	if len(name) == 0 {
		return false
	}
	for _, c := range name {
		if c <= ' ' || c > '~' {
			return false
		}
	}
	return true
}

// text turns header bytes into a valid UTF-8 string.
func text(b []byte) string {
	return strings.ToValidUTF8(string(b), "\uFFFD")
}
