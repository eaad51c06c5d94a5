package template

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxDataLength is the longest TemplateData (and DefaultTemplateData,
// ReplacementTemplateData) SES accepts, in characters: EmailTemplateData
// and v1 TemplateData both have "max": 262144 in the models.
const MaxDataLength = 262144

// maxDataDepth bounds how deeply TemplateData may nest. SES states no
// limit; 1000 is the default of Jackson, the JSON parser of the AWS Java
// stack, and keeps recursion on hostile input bounded.
const maxDataDepth = 1000

// Data is parsed TemplateData: a JSON object. Parse it once with ParseData
// and render it many times; the zero Data is the empty object.
type Data struct {
	obj *object
}

// ParseData parses TemplateData. The empty string is the empty object (an
// absent ReplacementTemplateData falls back to the defaults); whether the
// field may be absent is for the API layer to decide. Anything that is not
// a JSON object is an InvalidRenderingParameter error, as the v1 model
// documents for invalid JSON.
func ParseData(dataJSON string) (Data, error) {
	if n := utf8.RuneCountInString(dataJSON); n > MaxDataLength {
		return Data{}, &Error{Kind: InvalidParameter, Message: fmt.Sprintf(
			"1 validation error detected: Value at 'templateData' failed to satisfy constraint: "+
				"Member must have length less than or equal to %d", MaxDataLength)}
	}
	if strings.TrimSpace(dataJSON) == "" {
		return Data{}, nil
	}
	v, err := decodeJSON(dataJSON)
	if err != nil {
		return Data{}, &Error{Kind: InvalidRenderingParameter,
			Message: "Template data is not valid JSON: " + err.Error() + "."}
	}
	obj, ok := v.(*object)
	if !ok {
		return Data{}, &Error{Kind: InvalidRenderingParameter,
			Message: "Template data must be a JSON object, such as {\"name\":\"Alejandro\"}."}
	}
	return Data{obj: obj}, nil
}

// root returns the data as a template context.
func (d Data) root() *object {
	if d.obj == nil {
		return newObject(0)
	}
	return d.obj
}

// MarshalJSON writes the data back as JSON, keys in their original order
// and numbers as JavaScript prints them.
func (d Data) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	writeJSON(&b, d.root())
	return b.Bytes(), nil
}

// String returns d as JSON.
func (d Data) String() string {
	b, _ := d.MarshalJSON()
	return string(b)
}

// Merge combines a bulk send's DefaultTemplateData with one entry's
// ReplacementTemplateData and returns the data that entry is rendered with,
// as JSON. See MergeData for the rule.
func Merge(defaultJSON, replacementJSON string) (string, error) {
	def, err := ParseData(defaultJSON)
	if err != nil {
		return "", err
	}
	repl, err := ParseData(replacementJSON)
	if err != nil {
		return "", err
	}
	return MergeData(def, repl).String(), nil
}

// MergeData applies SendBulkEmail's rule: keys of the replacement override
// the same keys of the defaults, nested objects merge key by key
// recursively, and arrays and scalars in the replacement replace the
// default's value whole. An empty or absent replacement leaves the defaults
// unchanged. The Developer Guide only describes the empty-replacement case;
// the per-key, recursive merge was measured against SES v2
// (domdomegg/aws-ses-v2-local#102 and #103). Neither argument is modified.
func MergeData(def, repl Data) Data {
	if repl.obj == nil || len(repl.obj.keys) == 0 {
		return def
	}
	if def.obj == nil || len(def.obj.keys) == 0 {
		return repl
	}
	return Data{obj: mergeObjects(def.obj, repl.obj)}
}

func mergeObjects(def, repl *object) *object {
	out := newObject(len(def.keys) + len(repl.keys))
	for _, k := range def.keys {
		out.set(k, def.vals[k])
	}
	for _, k := range repl.keys {
		rv := repl.vals[k]
		if ro, ok := rv.(*object); ok {
			if do, ok := out.vals[k].(*object); ok {
				rv = mergeObjects(do, ro)
			}
		}
		out.set(k, rv)
	}
	return out
}

// writeJSON encodes v. Strings go through encoding/json without HTML
// escaping so that "<b>" stays readable.
func writeJSON(b *bytes.Buffer, v any) {
	switch t := v.(type) {
	case *object:
		b.WriteByte('{')
		for i, k := range t.keys {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, k)
			b.WriteByte(':')
			writeJSON(b, t.vals[k])
		}
		b.WriteByte('}')
	case *array:
		b.WriteByte('[')
		for i, e := range t.items {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSON(b, e)
		}
		b.WriteByte(']')
	case string:
		writeString(b, t)
	case number:
		if t.s == "NaN" || strings.HasSuffix(t.s, "Infinity") {
			b.WriteString("null") // as JSON.stringify does
		} else {
			b.WriteString(t.s)
		}
	case bool:
		if t {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	default:
		b.WriteString("null")
	}
}

func writeString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)       // a string always encodes
	b.Truncate(b.Len() - 1) // Encode's newline
}
