package compose

import (
	"bytes"
	"strings"
)

// Line lengths from RFC 5322 §2.1.1: a line should stay within 78
// characters and must stay within 998, CRLF excluded (1000 with it, the
// limit SES states for raw messages).
const (
	foldAt      = 78
	maxLineText = 998
)

// field is one header field the writer emits.
type field struct {
	name  string
	value string
	// verbatim fields are written as given, never folded: SES's custom
	// headers, whose name and value together fit one line by rule.
	verbatim bool
}

// writeHeader writes fields and the empty line that ends a header section.
func writeHeader(b *bytes.Buffer, fields []field) {
	for _, f := range fields {
		if f.verbatim {
			b.WriteString(f.name)
			b.WriteString(": ")
			b.WriteString(f.value)
			b.WriteString("\r\n")
			continue
		}
		writeFolded(b, f.name, f.value)
	}
	b.WriteString("\r\n")
}

// writeFolded writes "name: value" folded at white space so that lines stay
// within 78 characters where a break exists, and within 998 where one does
// not (RFC 5322 §2.2.3). value must not hold CR or LF; folding inserts CRLF
// before an existing space or tab, so unfolding gives value back.
func writeFolded(b *bytes.Buffer, name, value string) {
	b.WriteString(name)
	b.WriteString(":")
	line := len(name) + 1
	first := true
	for len(value) > 0 {
		// value starts at a space or tab (the one we fold before), except
		// on the first round where we supply the space after the colon.
		word := value
		next := ""
		if i := strings.IndexAny(value[1:], " \t"); i >= 0 {
			word, next = value[:i+1], value[i+1:]
		}
		if first {
			if word[0] != ' ' && word[0] != '\t' {
				b.WriteByte(' ')
				line++
			}
			first = false
		} else if line+len(word) > foldAt && (word[0] == ' ' || word[0] == '\t') {
			b.WriteString("\r\n")
			line = 0
		}
		b.WriteString(word)
		line += len(word)
		value = next
	}
	b.WriteString("\r\n")
}
