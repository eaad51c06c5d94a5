package template

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// FuzzRender feeds arbitrary template text and data through every entry
// point a request reaches. Whatever the input, the package must answer with
// output or an *Error, never a panic.
func FuzzRender(f *testing.F) {
	for _, tc := range goldenCases() {
		if len(tc.tpl.HTML) < 4096 && len(tc.data) < 4096 {
			f.Add(tc.tpl.Text+tc.tpl.HTML, tc.data)
		}
	}
	f.Add(`{{#each a as |x i|}}{{@../index}}{{../b.[c d]}}{{lookup x i}}{{/each}}`, `{"a":[{"0":1}],"b":{"c d":2}}`)
	f.Add(`{{#*inline "p"}}{{> p}}{{/inline}}{{> p}}`, `{}`)
	f.Add(`{{#with a}}{{#each this}}{{@key}}{{/each}}{{/with}}{{^a}}{{/a}}`, `{"a":{"x":[]}}`)
	f.Add(`{{> p x=1}}{{#*inline "p"}}{{x}}{{/inline}}`, `{"x":null}`)
	f.Add(`\{{#*x}} {{~#*inline "a"~}}{{/inline}}`, `{}`)
	f.Add(`{{(lookup a "b")}}{{a.length}}{{"x"}}{{1}}{{true}}`, `{"a":"str"}`)

	opts := Options{EscapeHTML: true, Reserved: map[string]string{UnsubscribeURL: "https://u.example/?a=1&b=2"}}
	f.Fuzz(func(t *testing.T, text, data string) {
		tpl := Template{Name: "fuzz", Subject: text, Text: text, HTML: text}
		check := func(what string, err error) {
			var e *Error
			if err != nil && !errors.As(err, &e) {
				t.Fatalf("%s returned %T %v, not *Error", what, err, err)
			}
			if e != nil && (e.Kind < InvalidParameter || e.Kind > MissingRenderingAttribute || e.Message == "") {
				t.Fatalf("%s returned a malformed error %+v", what, e)
			}
		}
		c, err := Compile(tpl)
		check("Compile", err)
		if err == nil {
			_, err = c.Render(data, opts)
			check("Render", err)
			_, err = c.Render(data, Options{})
			check("Render", err)
		}
		_, err = CompileInline(tpl)
		check("CompileInline", err)
		_, err = Merge(data, data)
		check("Merge", err)
	})
}

// FuzzDecodeJSON checks the order-keeping JSON parser against
// encoding/json: same inputs accepted, same values decoded.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{
		`{}`, `[]`, `{"a":[1,-2.5e+3,true,false,null,"x\"\\\/\b\f\n\r\t\u00e9\ud83c\udf89"]}`,
		`{"a":1,"a":2}`, `"\ud800"`, `"\udc00\ud800x"`, "\"\xff\"", `01`, `1.`, `-`, `1e`, `[1,]`, `{"a"}`,
		` { "k" : [ ] } `, `"\u12"`, `"\u+123"`, `{"a":1} x`, `nul`, "\"\t\"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := decodeJSON(s)
		if err != nil && strings.Contains(err.Error(), "nesting deeper") {
			return
		}
		if (err == nil) != json.Valid([]byte(s)) {
			t.Fatalf("decodeJSON(%q) error = %v, json.Valid = %v", s, err, json.Valid([]byte(s)))
		}
		if err != nil {
			return
		}
		want, err := unmarshalNumbers([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		writeJSON(&b, v)
		got, err := unmarshalNumbers(b.Bytes())
		if err != nil {
			t.Fatalf("re-encoded %q does not parse: %v", b.String(), err)
		}
		if !reflect.DeepEqual(normalizeNumbers(got), normalizeNumbers(want)) {
			t.Fatalf("decodeJSON(%q) = %s, encoding/json reads %#v", s, b.String(), want)
		}
	})
}

func unmarshalNumbers(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}

// normalizeNumbers maps every number to its float64 value, how both sides
// read it; out-of-range numbers become null, as JSON.stringify writes
// Infinity and as writeJSON does.
func normalizeNumbers(v any) any {
	switch t := v.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(t), 64)
		if err != nil && math.IsInf(f, 0) {
			return nil
		}
		return f
	case map[string]any:
		for k, e := range t {
			t[k] = normalizeNumbers(e)
		}
	case []any:
		for i, e := range t {
			t[i] = normalizeNumbers(e)
		}
	}
	return v
}
