package dkim

import (
	"regexp"
	"testing"
)

func TestNewSelector(t *testing.T) {
	t.Parallel()
	shape := regexp.MustCompile(`^[a-z0-9]{32}$`)
	seen := map[string]bool{}
	chars := map[rune]bool{}
	for range 200 {
		s := NewSelector()
		if !shape.MatchString(s) {
			t.Fatalf("selector %q is not 32 lower-case letters and digits", s)
		}
		if seen[s] {
			t.Fatalf("selector %q came twice", s)
		}
		seen[s] = true
		for _, c := range s {
			chars[c] = true
		}
	}
	// 6400 draws from 36 characters: all of them show up.
	if len(chars) != 36 {
		t.Errorf("only %d of 36 characters were used", len(chars))
	}
}
