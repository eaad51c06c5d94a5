package query

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// field is a struct field's `query` tag, read.
type field struct {
	name     string   // wire name of the member, e.g. "ToAddresses"
	required bool     // the model lists the member as required
	enum     []string // allowed values, empty when any value goes
}

// parseField reads the `query` tag of f. ok is false for fields the codec
// skips (unexported, or tagged "-"). An unknown option is an error, so that
// a typo in a type definition fails the first test that uses the type.
func parseField(f reflect.StructField) (fl field, ok bool, err error) {
	if !f.IsExported() {
		return field{}, false, nil
	}
	tag, tagged := f.Tag.Lookup("query")
	if tag == "-" {
		return field{}, false, nil
	}
	name, opts, _ := strings.Cut(tag, ",")
	if !tagged || name == "" {
		name = f.Name
	}
	fl.name = name
	for opts != "" {
		var opt string
		opt, opts, _ = strings.Cut(opts, ",")
		switch {
		case opt == "required":
			fl.required = true
		case strings.HasPrefix(opt, "enum="):
			fl.enum = strings.Split(strings.TrimPrefix(opt, "enum="), "|")
		default:
			return field{}, false, fmt.Errorf("query: field %s: unknown tag option %q", f.Name, opt)
		}
	}
	return fl, true, nil
}

// inEnum reports whether s is allowed by the field's enum.
func (fl field) inEnum(s string) bool {
	return len(fl.enum) == 0 || slices.Contains(fl.enum, s)
}
