package dkim

import (
	"errors"
	"fmt"
	"strings"
)

// tag is one tag=value pair of a DKIM tag list.
type tag struct {
	name, value string
}

// parseTagList splits a tag list (RFC 6376 §3.2) into its tags, in order,
// with the folding whitespace around names and values removed; whitespace
// inside a value is kept for the tag's own rules (p= drops it). Empty
// tag-specs, as a trailing ";" makes, are skipped.
func parseTagList(s string) ([]tag, error) {
	var tags []tag
	seen := map[string]bool{}
	for spec := range strings.SplitSeq(s, ";") {
		if strings.Trim(spec, fws) == "" {
			continue
		}
		name, value, ok := strings.Cut(spec, "=")
		if !ok {
			return nil, fmt.Errorf("%q is not tag=value", strings.Trim(spec, fws))
		}
		name, value = strings.Trim(name, fws), strings.Trim(value, fws)
		if !isTagName(name) {
			return nil, fmt.Errorf("%q is not a tag name", name)
		}
		if err := checkTagValue(value); err != nil {
			return nil, fmt.Errorf("tag %s: %w", name, err)
		}
		// "Tags with duplicate names MUST NOT occur within a single
		// tag-list; if a tag name does occur more than once, the entire
		// tag-list is invalid."
		if seen[name] {
			return nil, fmt.Errorf("tag %s occurs twice", name)
		}
		seen[name] = true
		tags = append(tags, tag{name, value})
	}
	return tags, nil
}

// fws is folding whitespace: spaces, tabs and line breaks (RFC 5322 §3.2.2).
const fws = " \t\r\n"

// isTagName: ALPHA *ALNUMPUNC, where ALNUMPUNC is a letter, digit or "_".
func isTagName(s string) bool {
	if s == "" || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isAlpha(c) && !('0' <= c && c <= '9') && c != '_' {
			return false
		}
	}
	return true
}

func isAlpha(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

var errTagValue = errors.New("value holds a character DKIM does not allow")

// checkTagValue: VALCHARs (printable ASCII but ";") separated by folding
// whitespace.
func checkTagValue(v string) error {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if (c < 0x21 || c > 0x7e) && !strings.ContainsRune(fws, rune(c)) {
			return errTagValue
		}
	}
	return nil
}
