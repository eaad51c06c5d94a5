package template

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// decodeJSON parses one JSON value (RFC 8259) into the values of value.go,
// keeping object keys in document order, which encoding/json's maps lose.
// It accepts exactly what encoding/json accepts (FuzzDecodeJSON checks) and,
// like it, replaces invalid UTF-8 and lone surrogates with U+FFFD. It is
// also several times faster than json.Decoder.Token, which matters when a
// bulk send parses one ReplacementTemplateData per destination.
func decodeJSON(s string) (any, error) {
	d := jsonDecoder{s: s}
	d.space()
	v, err := d.value(0)
	if err != nil {
		return nil, err
	}
	d.space()
	if d.i < len(d.s) {
		return nil, d.errorf("unexpected data after the top-level value")
	}
	return v, nil
}

type jsonDecoder struct {
	s string
	i int
}

func (d *jsonDecoder) errorf(format string, args ...any) error {
	return fmt.Errorf("%s at offset %d", fmt.Sprintf(format, args...), d.i)
}

func (d *jsonDecoder) unexpected(context string) error {
	if d.i >= len(d.s) {
		return d.errorf("unexpected end of JSON input")
	}
	r, _ := utf8.DecodeRuneInString(d.s[d.i:])
	return d.errorf("invalid character %q %s", r, context)
}

func (d *jsonDecoder) space() {
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *jsonDecoder) value(depth int) (any, error) {
	if depth > maxDataDepth {
		return nil, d.errorf("nesting deeper than %d levels", maxDataDepth)
	}
	if d.i >= len(d.s) {
		return nil, d.unexpected("")
	}
	switch c := d.s[d.i]; {
	case c == '{':
		return d.object(depth)
	case c == '[':
		return d.array(depth)
	case c == '"':
		return d.string()
	case c == '-' || c >= '0' && c <= '9':
		return d.number()
	case strings.HasPrefix(d.s[d.i:], "true"):
		d.i += 4
		return true, nil
	case strings.HasPrefix(d.s[d.i:], "false"):
		d.i += 5
		return false, nil
	case strings.HasPrefix(d.s[d.i:], "null"):
		d.i += 4
		return nil, nil
	}
	return nil, d.unexpected("looking for beginning of value")
}

func (d *jsonDecoder) object(depth int) (any, error) {
	d.i++ // {
	obj := newObject(4)
	d.space()
	if d.i < len(d.s) && d.s[d.i] == '}' {
		d.i++
		return obj, nil
	}
	for {
		d.space()
		if d.i >= len(d.s) || d.s[d.i] != '"' {
			return nil, d.unexpected("looking for beginning of object key string")
		}
		k, err := d.string()
		if err != nil {
			return nil, err
		}
		d.space()
		if d.i >= len(d.s) || d.s[d.i] != ':' {
			return nil, d.unexpected("after object key")
		}
		d.i++
		d.space()
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		obj.set(k.(string), v)
		d.space()
		if d.i < len(d.s) && d.s[d.i] == ',' {
			d.i++
			continue
		}
		if d.i < len(d.s) && d.s[d.i] == '}' {
			d.i++
			return obj, nil
		}
		return nil, d.unexpected("after object key:value pair")
	}
}

func (d *jsonDecoder) array(depth int) (any, error) {
	d.i++ // [
	arr := &array{}
	d.space()
	if d.i < len(d.s) && d.s[d.i] == ']' {
		d.i++
		return arr, nil
	}
	for {
		d.space()
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		arr.items = append(arr.items, v)
		d.space()
		if d.i < len(d.s) && d.s[d.i] == ',' {
			d.i++
			continue
		}
		if d.i < len(d.s) && d.s[d.i] == ']' {
			d.i++
			return arr, nil
		}
		return nil, d.unexpected("after array element")
	}
}

// number scans -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (d *jsonDecoder) number() (any, error) {
	start := d.i
	digits := func() int {
		n := 0
		for d.i < len(d.s) && d.s[d.i] >= '0' && d.s[d.i] <= '9' {
			d.i++
			n++
		}
		return n
	}
	if d.s[d.i] == '-' {
		d.i++
	}
	if d.i < len(d.s) && d.s[d.i] == '0' {
		d.i++
	} else if digits() == 0 {
		return nil, d.unexpected("in numeric literal")
	}
	if d.i < len(d.s) && d.s[d.i] == '.' {
		d.i++
		if digits() == 0 {
			return nil, d.unexpected("after decimal point in numeric literal")
		}
	}
	if d.i < len(d.s) && (d.s[d.i] == 'e' || d.s[d.i] == 'E') {
		d.i++
		if d.i < len(d.s) && (d.s[d.i] == '+' || d.s[d.i] == '-') {
			d.i++
		}
		if digits() == 0 {
			return nil, d.unexpected("in exponent of numeric literal")
		}
	}
	return newNumber(d.s[start:d.i]), nil
}

func (d *jsonDecoder) string() (any, error) {
	d.i++ // "
	start := d.i
	// Fast path: no escapes, valid UTF-8.
	for d.i < len(d.s) {
		c := d.s[d.i]
		if c == '"' {
			s := d.s[start:d.i]
			d.i++
			if !utf8.ValidString(s) {
				s = fixUTF8(s)
			}
			return s, nil
		}
		if c == '\\' || c < 0x20 {
			break
		}
		d.i++
	}
	var b strings.Builder
	b.WriteString(d.s[start:d.i])
	for d.i < len(d.s) {
		c := d.s[d.i]
		switch {
		case c == '"':
			d.i++
			s := b.String()
			if !utf8.ValidString(s) {
				s = fixUTF8(s)
			}
			return s, nil
		case c < 0x20:
			return nil, d.unexpected("in string literal")
		case c != '\\':
			b.WriteByte(c)
			d.i++
			continue
		}
		d.i++ // backslash
		if d.i >= len(d.s) {
			break
		}
		e := d.s[d.i]
		d.i++
		switch e {
		case '"', '\\', '/':
			b.WriteByte(e)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, ok := d.hex4()
			if !ok {
				return nil, d.unexpected("in \\u hexadecimal character escape")
			}
			if utf16.IsSurrogate(r) {
				// A high surrogate followed by an escaped low one is one
				// character; anything else is U+FFFD.
				if r < 0xDC00 && strings.HasPrefix(d.s[d.i:], `\u`) {
					save := d.i
					d.i += 2
					if r2, ok := d.hex4(); ok {
						if c := utf16.DecodeRune(r, r2); c != utf8.RuneError {
							b.WriteRune(c)
							continue
						}
					}
					d.i = save
				}
				r = utf8.RuneError
			}
			b.WriteRune(r)
		default:
			d.i--
			return nil, d.unexpected("in string escape code")
		}
	}
	return nil, d.errorf("unexpected end of JSON input")
}

func (d *jsonDecoder) hex4() (rune, bool) {
	if d.i+4 > len(d.s) {
		return 0, false
	}
	n, err := strconv.ParseUint(d.s[d.i:d.i+4], 16, 32)
	if err != nil || strings.ContainsAny(d.s[d.i:d.i+4], "+-_") {
		return 0, false
	}
	d.i += 4
	return rune(n), true
}

// fixUTF8 replaces each byte of an invalid UTF-8 sequence with U+FFFD, as
// encoding/json does (strings.ToValidUTF8 would merge a run into one).
func fixUTF8(s string) string {
	var b strings.Builder
	for _, r := range s {
		b.WriteRune(r) // range yields RuneError for each bad byte
	}
	return b.String()
}
