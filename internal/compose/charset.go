package compose

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/unicode"

	"github.com/hikyaku/hikyaku/internal/fault"
)

// The Charset of an SES Content.
//
// In the API the Data is Unicode text (JSON strings, or the form-encoded v1
// query, are UTF-8), and Charset names the character set the text is to be
// sent in. SES builds messages with JavaMail, whose setText(text, charset)
// and setSubject(subject, charset) encode the text into that charset, and
// write characters it cannot hold as '?'. hikyaku does the same: Data is
// transcoded, not merely labelled, so Data "Olá" with Charset
// "ISO-8859-1" goes out as the single byte 0xE1 for "á" under
// "charset=ISO-8859-1". An empty Charset means UTF-8 (the model says SES
// "uses 7-bit ASCII by default" and asks for a charset when the text is
// not ASCII; UTF-8 is the charset that keeps every such text intact). A
// charset nobody knows is refused rather than written as a label that
// would not match the bytes.

// charset is a resolved Content.Charset.
type charset struct {
	// name is the label written in headers: the registered MIME name
	// ("UTF-8", "Shift_JIS", "ISO-8859-1") when there is one.
	name string
	// enc is nil for UTF-8, which needs no transcoding.
	enc encoding.Encoding
}

var utf8Charset = charset{name: "UTF-8"}

// lookupCharset resolves a Content.Charset.
func lookupCharset(label string) (charset, error) {
	label = strings.TrimSpace(label)
	if label == "" {
		return utf8Charset, nil
	}
	enc, err := ianaindex.MIME.Encoding(label)
	if enc == nil || err != nil {
		enc, err = ianaindex.IANA.Encoding(label)
	}
	if enc == nil || err != nil {
		enc, err = htmlindex.Get(label)
	}
	if enc == nil || err != nil {
		return charset{}, fault.BadRequest("Unsupported charset '%s': use a registered charset such as UTF-8, ISO-8859-1 or Shift_JIS.", label)
	}
	if enc == unicode.UTF8 {
		return utf8Charset, nil
	}
	name, err := ianaindex.MIME.Name(enc)
	if err != nil || name == "" {
		name = label
	}
	return charset{name: name, enc: enc}, nil
}

// encode returns s in the charset. Characters the charset cannot hold
// become '?', as in Java's String.getBytes.
func (c charset) encode(s string) []byte {
	if c.enc == nil {
		return []byte(s)
	}
	if b, err := c.enc.NewEncoder().Bytes([]byte(s)); err == nil {
		return b
	}
	var out []byte
	for len(s) > 0 {
		_, size := utf8.DecodeRuneInString(s)
		b, err := c.enc.NewEncoder().Bytes([]byte(s[:size]))
		if err != nil {
			b = []byte{'?'}
		}
		out = append(out, b...)
		s = s[size:]
	}
	return out
}

// asciiCompatible reports whether the charset writes ASCII text as ASCII,
// so that pure-ASCII data needs no encoding at all. UTF-16 and UTF-32 are
// the charsets that do not.
func (c charset) asciiCompatible() bool {
	n := strings.ToUpper(c.name)
	return !strings.HasPrefix(n, "UTF-16") && !strings.HasPrefix(n, "UTF-32")
}
