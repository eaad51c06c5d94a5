package query

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// encoder writes an output struct as the members of an awsQuery result
// element. The rules follow the Smithy awsQuery protocol and what SES sends:
//   - a struct member is an element named by its `query` tag;
//   - a list is <Name><member>...</member>...</Name>;
//   - a map is <Name><entry><key>k</key><value>v</value></entry>...</Name>,
//     keys sorted so that responses are reproducible;
//   - a timestamp is ISO 8601 in UTC (2026-01-01T00:00:00Z, milliseconds
//     only when there are some);
//   - a double always has a decimal point ("200.0"), as SES writes quotas;
//   - a blob is standard base64.
//
// Nil pointers are left out. Empty strings, lists, maps, blobs and zero
// timestamps are left out unless the member is required (as
// ListIdentities' Identities is); numbers and bools are always written,
// since zero is a value (SentLast24Hours 0.0).
type encoder struct {
	buf bytes.Buffer
}

// structure writes the members of the struct v.
func (e *encoder) structure(v reflect.Value) error {
	t := v.Type()
	for i := range t.NumField() {
		fl, ok, err := parseField(t.Field(i))
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if err := e.member(fl.name, v.Field(i), fl.required); err != nil {
			return err
		}
	}
	return nil
}

// member writes v as the element name, unless it is to be left out.
func (e *encoder) member(name string, v reflect.Value, required bool) error {
	if v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return nil
		}
		return e.member(name, v.Elem(), required)
	}
	if !required && omitted(v) {
		return nil
	}
	e.open(name)
	mark := e.buf.Len()
	if err := e.content(v); err != nil {
		return err
	}
	e.close(name, mark)
	return nil
}

// omitted reports whether an optional member with value v is left out.
func omitted(v reflect.Value) bool {
	switch {
	case v.Type() == timeType:
		return v.Interface().(time.Time).IsZero()
	case v.Kind() == reflect.String, v.Kind() == reflect.Slice, v.Kind() == reflect.Map:
		return v.Len() == 0
	}
	return false
}

// content writes what goes between the tags of the element for v.
func (e *encoder) content(v reflect.Value) error {
	switch {
	case v.Type() == timeType:
		e.buf.WriteString(formatTimestamp(v.Interface().(time.Time)))
		return nil
	case v.Type() == bytesType:
		e.buf.WriteString(base64.StdEncoding.EncodeToString(v.Bytes()))
		return nil
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return e.content(v.Elem())
	case reflect.Struct:
		return e.structure(v)
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if err := e.member("member", v.Index(i), true); err != nil {
				return err
			}
		}
		return nil
	case reflect.Map:
		return e.mapping(v)
	case reflect.String:
		return xml.EscapeText(&e.buf, []byte(v.String()))
	case reflect.Bool:
		e.buf.WriteString(strconv.FormatBool(v.Bool()))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		e.buf.WriteString(strconv.FormatInt(v.Int(), 10))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		e.buf.WriteString(strconv.FormatUint(v.Uint(), 10))
	case reflect.Float32, reflect.Float64:
		e.buf.WriteString(formatDouble(v.Float(), v.Type().Bits()))
	default:
		return fmt.Errorf("query: cannot encode a %s", v.Type())
	}
	return nil
}

// mapping writes the entries of the map v, sorted by key.
func (e *encoder) mapping(v reflect.Value) error {
	if v.Type().Key().Kind() != reflect.String {
		return fmt.Errorf("query: cannot encode %s: map keys must be strings", v.Type())
	}
	keys := v.MapKeys()
	slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
	for _, k := range keys {
		e.open("entry")
		if err := e.member("key", k, true); err != nil {
			return err
		}
		if err := e.member("value", v.MapIndex(k), true); err != nil {
			return err
		}
		e.buf.WriteString("</entry>")
	}
	return nil
}

func (e *encoder) open(name string) {
	e.buf.WriteByte('<')
	e.buf.WriteString(name)
	e.buf.WriteByte('>')
}

// close ends the element opened before mark; with nothing written since,
// the element becomes <name/>.
func (e *encoder) close(name string, mark int) {
	if e.buf.Len() == mark {
		e.buf.Truncate(mark - 1)
		e.buf.WriteString("/>")
		return
	}
	e.buf.WriteString("</")
	e.buf.WriteString(name)
	e.buf.WriteByte('>')
}

// formatTimestamp writes t as the awsQuery date-time (RFC 3339 in UTC), the
// form SES uses for SendDataPoint Timestamp.
func formatTimestamp(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.999Z07:00")
}

// formatDouble writes f the way SES does ("200.0", "0.5"): shortest
// representation, with a decimal point even for whole numbers. NaN and
// infinities use Smithy's spelling, which strconv.ParseFloat (and so the
// Go SDK) reads back.
func formatDouble(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	s := strconv.FormatFloat(f, 'f', -1, bits)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}
