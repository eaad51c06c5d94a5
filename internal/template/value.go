package template

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf16"
)

// Template data is JSON, and the template language is Handlebars, whose
// reference implementation is JavaScript: the values below behave as the
// JavaScript values JSON.parse would produce, for truthiness, for iteration
// order and for how they print.
//
// A value is one of:
//
//	nil        JSON null
//	undefined  a property that is not there
//	bool
//	string
//	number     a JSON number (keeps its JavaScript text)
//	*object    a JSON object, keys in document order
//	*array     a JSON array
//
// Objects and arrays are pointers so that "has the context changed?" (which
// decides what ../ refers to) can compare identities as JavaScript does.

// undefined is a missing property. It differs from null only in how strict
// lookups report it; both print as nothing and are falsy.
type undefinedType struct{}

var undefined = undefinedType{}

// number is a JSON number. f is its value; s is how JavaScript prints it.
type number struct {
	f float64
	s string
}

func newNumber(text string) number {
	f, err := strconv.ParseFloat(text, 64)
	if err != nil && !math.IsInf(f, 0) {
		// encoding/json accepted the token, so this cannot happen; keep
		// the text as written.
		return number{f: math.NaN(), s: text}
	}
	return number{f: f, s: jsNumber(f)}
}

// object is a JSON object. JavaScript iterates an object's string keys in
// insertion order ({{#each}} over an object), so the keys are kept in the
// order the document first names them; a repeated key keeps its first
// position and its last value, as JSON.parse does.
type object struct {
	keys []string
	vals map[string]any
}

func newObject(n int) *object {
	return &object{keys: make([]string, 0, n), vals: make(map[string]any, n)}
}

func (o *object) get(k string) (any, bool) {
	v, ok := o.vals[k]
	return v, ok
}

func (o *object) set(k string, v any) {
	if _, ok := o.vals[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
}

// array is a JSON array.
type array struct {
	items []any
}

// property looks up name on v as JavaScript's v[name] does for JSON values:
// own keys of objects, indexes and length of arrays, length of strings.
func property(v any, name string) (any, bool) {
	switch t := v.(type) {
	case *object:
		return t.get(name)
	case *array:
		if name == "length" {
			return number{f: float64(len(t.items)), s: strconv.Itoa(len(t.items))}, true
		}
		if i, ok := arrayIndex(name); ok && i < len(t.items) {
			return t.items[i], true
		}
	case string:
		if name == "length" {
			n := 0
			for _, r := range t {
				n += utf16Len(r)
			}
			return number{f: float64(n), s: strconv.Itoa(n)}, true
		}
	}
	return undefined, false
}

// arrayIndex parses a canonical array index ("0", "12"; not "01" or "+1").
func arrayIndex(s string) (int, bool) {
	if s == "" || len(s) > 9 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

func utf16Len(r rune) int {
	if n := utf16.RuneLen(r); n > 0 {
		return n
	}
	return 1
}

// falsy is JavaScript's !v.
func falsy(v any) bool {
	switch t := v.(type) {
	case nil, undefinedType:
		return true
	case bool:
		return !t
	case string:
		return t == ""
	case number:
		return t.f == 0 || math.IsNaN(t.f)
	}
	return false
}

// isEmpty is Handlebars' Utils.isEmpty: falsy values other than 0, and
// empty arrays.
func isEmpty(v any) bool {
	if n, ok := v.(number); ok && n.f == 0 {
		return false
	}
	if a, ok := v.(*array); ok {
		return len(a.items) == 0
	}
	return falsy(v)
}

// missing reports whether v fails a strict lookup. JavaScript's strict mode
// accepts a present null, but SES refuses it: a TemplateData value of null
// gives the same Rendering Failure as an absent key (aws/aws-sdk-js#2239,
// "missing, undefined or null").
func missing(v any) bool {
	switch v.(type) {
	case nil, undefinedType:
		return true
	}
	return false
}

// sameContext reports whether a and b are the same context in the sense of
// Handlebars' runtime (context !== depths[0]): identity for objects and
// arrays, equality for the rest.
func sameContext(a, b any) bool {
	switch ta := a.(type) {
	case *object:
		tb, ok := b.(*object)
		return ok && ta == tb
	case *array:
		tb, ok := b.(*array)
		return ok && ta == tb
	case number:
		tb, ok := b.(number)
		return ok && ta.f == tb.f
	}
	return a == b
}

// toString is JavaScript's String(v), which is what Handlebars outputs for a
// value: arrays join their elements with commas, objects print as
// "[object Object]", null and undefined print as nothing.
func toString(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case number:
		return t.s
	case bool:
		if t {
			return "true"
		}
		return "false"
	case *object:
		return "[object Object]"
	case *array:
		var b strings.Builder
		for i, e := range t.items {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(toString(e))
		}
		return b.String()
	}
	return ""
}

// jsNumber formats f as JavaScript's Number.prototype.toString does (ECMA-262
// Number::toString): plain digits between 1e-7 and 1e21, exponent notation
// outside, shortest round-trip digits always.
func jsNumber(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		return "0"
	}
	sign := ""
	if f < 0 {
		sign, f = "-", -f
	}
	// Shortest digits d1.d2d3...e±x; n is the position of the decimal point.
	e := strconv.FormatFloat(f, 'e', -1, 64)
	mant, exp, _ := strings.Cut(e, "e")
	digits := strings.Replace(mant, ".", "", 1)
	x, _ := strconv.Atoi(exp)
	k, n := len(digits), x+1
	switch {
	case k <= n && n <= 21:
		return sign + digits + strings.Repeat("0", n-k)
	case 0 < n && n <= 21:
		return sign + digits[:n] + "." + digits[n:]
	case -6 < n && n <= 0:
		return sign + "0." + strings.Repeat("0", -n) + digits
	}
	s := sign + digits[:1]
	if k > 1 {
		s += "." + digits[1:]
	}
	if n-1 >= 0 {
		return s + "e+" + strconv.Itoa(n-1)
	}
	return s + "e-" + strconv.Itoa(1-n)
}
