package compose

import (
	"bytes"

	"github.com/hikyaku/hikyaku/internal/fault"
)

// Splitting a caller's message into header fields and body, with the line
// checks SES states for raw messages.

// rawField is one header field of a caller's message.
type rawField struct {
	name string // as written, without trailing white space
	key  string // lower-case name
	// raw is the field as written, lines ending with CRLF whatever they
	// ended with in the input.
	raw []byte
	// value is the unfolded value (RFC 5322 §2.2.3) without surrounding
	// white space.
	value string
}

// splitMessage cuts data into header fields and body. The body is
// everything after the first empty line, untouched; a message with no
// empty line is all header. Lines may end in CRLF or LF.
func splitMessage(data []byte) (fields []rawField, body []byte, err error) {
	var cur *rawField
	var value []byte
	flush := func() {
		if cur != nil {
			cur.value = string(bytes.Trim(value, " \t"))
			fields = append(fields, *cur)
			cur, value = nil, value[:0]
		}
	}
	lineNo := 0
	for pos := 0; pos < len(data); {
		line, next := nextLine(data, pos)
		lineNo++
		if err := checkLineLength(line, lineNo); err != nil {
			return nil, nil, err
		}
		if len(line) == 0 {
			flush()
			body = data[next:]
			if err := checkBodyLines(body, lineNo); err != nil {
				return nil, nil, err
			}
			return fields, body, nil
		}
		if line[0] == ' ' || line[0] == '\t' {
			if cur == nil {
				return nil, nil, fault.InvalidMessage("Illegal header '%s'.", echo(bytes.TrimLeft(line, " \t")))
			}
			if err := checkFieldText(line, cur.name); err != nil {
				return nil, nil, err
			}
			cur.raw = append(append(cur.raw, line...), '\r', '\n')
			value = append(value, line...)
			pos = next
			continue
		}
		flush()
		f, v, err := startField(line)
		if err != nil {
			return nil, nil, err
		}
		cur, value = &f, append(value[:0], v...)
		pos = next
	}
	flush()
	return fields, nil, nil
}

// nextLine returns the line starting at pos without its line ending (LF or
// CRLF) and the position of the next line.
func nextLine(data []byte, pos int) (line []byte, next int) {
	i := bytes.IndexByte(data[pos:], '\n')
	if i < 0 {
		line, next = data[pos:], len(data)
	} else {
		line, next = data[pos:pos+i], pos+i+1
	}
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, next
}

// startField parses the first line of a header field: a name of printable
// ASCII other than ':' (RFC 5322 §3.6.8 ftext), optional white space
// (RFC 5322 §4.5 obs-optional), a colon and the value. SES's texts for a bad
// name are "Illegal header '<name>'." and "Empty header names are
// illegal." (jmhobbs/Swiftmailer-Transport--AWS-SES#13, aws/aws-sdk-js#4121).
func startField(line []byte) (rawField, []byte, error) {
	colon := bytes.IndexByte(line, ':')
	if colon < 0 {
		return rawField{}, nil, fault.InvalidMessage("Illegal header '%s'.", echo(line))
	}
	name := bytes.TrimRight(line[:colon], " \t")
	if len(name) == 0 {
		return rawField{}, nil, fault.InvalidMessage("Empty header names are illegal.")
	}
	for _, c := range name {
		if c < '!' || c > '~' {
			return rawField{}, nil, fault.InvalidMessage("Illegal header '%s'.", echo(line[:colon]))
		}
	}
	if err := checkFieldText(line, string(name)); err != nil {
		return rawField{}, nil, err
	}
	f := rawField{
		name: string(name),
		key:  string(bytes.ToLower(name)),
		raw:  append(append(make([]byte, 0, len(line)+2), line...), '\r', '\n'),
	}
	return f, line[colon+1:], nil
}

// checkFieldText refuses a header line holding a bare CR or a NUL, which
// no SMTP hop carries intact.
func checkFieldText(line []byte, name string) error {
	if bytes.IndexByte(line, '\r') >= 0 || bytes.IndexByte(line, 0) >= 0 {
		return fault.InvalidMessage("Header '%s' contains a bare CR or a NUL; header lines must end with CRLF and hold text only.", echo([]byte(name)))
	}
	return nil
}

// checkLineLength enforces the limit SES states for raw messages: "The
// length of any single line of text in the message can't exceed 1,000
// characters" (RFC 5321 §4.5.3.1.6, CRLF included). SES's refusal text was
// not found in public traces.
func checkLineLength(line []byte, lineNo int) error {
	if len(line) > maxLineText {
		return fault.InvalidMessage("Line %d is %d characters long; lines may hold at most %d characters before CRLF (RFC 5321). Fold long header fields and use quoted-printable or base64 for long body lines.", lineNo, len(line), maxLineText)
	}
	return nil
}

// checkBodyLines applies checkLineLength to every line of the body.
func checkBodyLines(body []byte, lineNo int) error {
	for pos := 0; pos < len(body); {
		i := bytes.IndexByte(body[pos:], '\n')
		end, next := pos+i, pos+i+1
		if i < 0 {
			end, next = len(body), len(body)
		}
		lineNo++
		n := end - pos
		if n > 0 && body[end-1] == '\r' && i >= 0 {
			n--
		}
		if n > maxLineText {
			return checkLineLength(body[pos:pos+n], lineNo)
		}
		pos = next
	}
	return nil
}

// maxEcho is how much of the caller's text a refusal quotes.
const maxEcho = 80

// echo returns b for quoting in a refusal, cut short.
func echo(b []byte) string {
	if len(b) > maxEcho {
		return string(b[:maxEcho]) + "…"
	}
	return string(b)
}
