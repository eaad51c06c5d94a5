package query

import (
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

var (
	timeType  = reflect.TypeFor[time.Time]()
	bytesType = reflect.TypeFor[[]byte]()
)

// Decode fills the struct v points to from Query parameters, following the
// `query` tags of its fields (see the package documentation). Parameters
// that match no field are ignored, as SES ignores them.
//
// Errors a client caused are *fault.Error: ValidationError listing every
// missing required member and enum violation, in SES's wording;
// InvalidParameterValue for a value that is not of its member's type (a
// number, bool, timestamp or base64 blob) or a malformed list. Any other
// error is a programming error: v is not a pointer to a struct, or a field
// has a type or tag option the codec does not support.
func Decode(form url.Values, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("query: Decode needs a non-nil pointer to a struct, not %T", v)
	}
	var d decoder
	if err := d.structure(parseTree(form), rv.Elem(), location{}); err != nil {
		return err
	}
	if len(d.problems) > 0 {
		return validationErrors(d.problems)
	}
	return nil
}

// decoder holds the validation problems found so far; SES reports them all
// in one message.
type decoder struct {
	problems []string
}

// location names a value two ways: as the client sent it
// ("Tags.member.1.Name", for InvalidParameterValue messages) and as SES's
// validation messages name it ("tags.1.member.name").
type location struct {
	wire, model string
}

func (l location) field(name string) location {
	return location{wire: join(l.wire, name), model: join(l.model, lowerFirst(name))}
}

func (l location) member(container string, i int) location {
	return location{
		wire:  fmt.Sprintf("%s.%s.%d", l.wire, container, i),
		model: fmt.Sprintf("%s.%d.%s", l.model, i, container),
	}
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

func lowerFirst(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[size:]
}

// structure decodes the fields of the struct v from the children of n.
func (d *decoder) structure(n *node, v reflect.Value, at location) error {
	t := v.Type()
	for i := range t.NumField() {
		fl, ok, err := parseField(t.Field(i))
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		fat := at.field(fl.name)
		child := n.get(fl.name)
		if !present(child, t.Field(i).Type) {
			if fl.required {
				d.problems = append(d.problems, nullAt(fat.model))
			}
			continue
		}
		if len(fl.enum) > 0 && !fl.inEnum(child.value) {
			d.problems = append(d.problems, notInEnum(child.value, fat.model, fl.enum))
			continue
		}
		if err := d.value(child, v.Field(i), fat); err != nil {
			return err
		}
	}
	return nil
}

// present reports whether n holds a value for a member of type t: a
// scalar needs a parameter of its own, a structure, list or map only some
// parameter below it (an empty list is sent as "Name=").
func present(n *node, t reflect.Type) bool {
	if n == nil {
		return false
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType || t == bytesType:
		return n.hasValue
	case t.Kind() == reflect.Struct, t.Kind() == reflect.Slice, t.Kind() == reflect.Map:
		return true
	default:
		return n.hasValue
	}
}

// value decodes n, which is present, into v.
func (d *decoder) value(n *node, v reflect.Value, at location) error {
	t := v.Type()
	switch {
	case t == timeType:
		ts, err := time.Parse(time.RFC3339Nano, n.value)
		if err != nil {
			return invalidValue(at.wire, n.value, "Expected an ISO 8601 timestamp such as 2026-01-01T00:00:00Z.")
		}
		v.Set(reflect.ValueOf(ts))
		return nil
	case t == bytesType:
		b, err := decodeBlob(n.value)
		if err != nil {
			return invalidValue(at.wire, n.value, "Expected base64-encoded data.")
		}
		v.SetBytes(b)
		return nil
	}
	switch t.Kind() {
	case reflect.Pointer:
		p := reflect.New(t.Elem())
		if err := d.value(n, p.Elem(), at); err != nil {
			return err
		}
		v.Set(p)
		return nil
	case reflect.Struct:
		return d.structure(n, v, at)
	case reflect.Slice:
		return d.list(n, v, at)
	case reflect.Map:
		return d.mapping(n, v, at)
	default:
		return scalar(n.value, v, at)
	}
}

// list decodes Name.member.N parameters into the slice v. A list sent as
// "Name=" with no members decodes as an empty, non-nil slice.
func (d *decoder) list(n *node, v reflect.Value, at location) error {
	members, err := n.get("member").members(at.wire + ".member")
	if err != nil {
		return err
	}
	s := reflect.MakeSlice(v.Type(), len(members), len(members))
	for i, m := range members {
		mat := at.member("member", i+1)
		if !present(m, v.Type().Elem()) {
			d.problems = append(d.problems, nullAt(mat.model))
			continue
		}
		if err := d.value(m, s.Index(i), mat); err != nil {
			return err
		}
	}
	v.Set(s)
	return nil
}

// mapping decodes Name.entry.N.key / Name.entry.N.value parameters into the
// map v. A key sent twice keeps its last value.
func (d *decoder) mapping(n *node, v reflect.Value, at location) error {
	t := v.Type()
	if t.Key().Kind() != reflect.String {
		return fmt.Errorf("query: %s: map keys must be strings, not %s", at.wire, t.Key())
	}
	entries, err := n.get("entry").members(at.wire + ".entry")
	if err != nil {
		return err
	}
	m := reflect.MakeMapWithSize(t, len(entries))
	for i, e := range entries {
		eat := at.member("entry", i+1)
		key := e.get("key")
		if key == nil || !key.hasValue {
			d.problems = append(d.problems, nullAt(eat.model+".key"))
			continue
		}
		val := e.get("value")
		if !present(val, t.Elem()) {
			d.problems = append(d.problems, nullAt(eat.model+".value"))
			continue
		}
		elem := reflect.New(t.Elem()).Elem()
		if err := d.value(val, elem, eat.field("value")); err != nil {
			return err
		}
		m.SetMapIndex(reflect.ValueOf(key.value).Convert(t.Key()), elem)
	}
	v.Set(m)
	return nil
}

// scalar parses s into the string, bool or number v.
func scalar(s string, v reflect.Value, at location) error {
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Bool:
		// The SDKs send "true" and "false"; SES reads them without regard
		// to case.
		switch {
		case strings.EqualFold(s, "true"):
			v.SetBool(true)
		case strings.EqualFold(s, "false"):
			v.SetBool(false)
		default:
			return invalidValue(at.wire, s, "Expected true or false.")
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		i, err := strconv.ParseInt(s, 10, v.Type().Bits())
		if err != nil {
			return invalidValue(at.wire, s, numberReason(err, "an integer"))
		}
		v.SetInt(i)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		u, err := strconv.ParseUint(s, 10, v.Type().Bits())
		if err != nil {
			return invalidValue(at.wire, s, numberReason(err, "a non-negative integer"))
		}
		v.SetUint(u)
	case reflect.Float32, reflect.Float64:
		f, err := strconv.ParseFloat(s, v.Type().Bits())
		if err != nil {
			return invalidValue(at.wire, s, numberReason(err, "a number"))
		}
		v.SetFloat(f)
	default:
		return fmt.Errorf("query: %s: unsupported field type %s", at.wire, v.Type())
	}
	return nil
}

func numberReason(err error, what string) string {
	if errors.Is(err, strconv.ErrRange) {
		return "The number is out of range."
	}
	return "Expected " + what + "."
}
