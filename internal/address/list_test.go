package address

import (
	"reflect"
	"testing"

	"github.com/hikyaku/hikyaku/internal/fault"
)

func TestParseList(t *testing.T) {
	t.Parallel()
	a := Address{Local: "a", Domain: "example.com"}
	d := Address{Name: "b, c", Local: "d", Domain: "example.com"}
	e := Address{Local: "e", Domain: "example.com"}
	tests := []struct {
		name string
		in   string
		want []Address
	}{
		{"an empty value", "", nil},
		{"one address", "a@example.com", []Address{a}},
		{"a comma in a quoted name", `a@example.com, "b, c" <d@example.com>`, []Address{a, d}},
		{"an empty group yields nothing", "undisclosed-recipients:;", nil},
		{"an empty group left open", "undisclosed-recipients:", nil},
		{"group members come out in place", `a@example.com, Team: "b, c" <d@example.com>, e@example.com;`, []Address{a, d, e}},
		{"an address after a group", "Team: a@example.com; e@example.com", []Address{a, e}},
		{"empty elements are skipped", " , a@example.com,, e@example.com, ", []Address{a, e}},
		{"a comment-only element is skipped", "(nobody), a@example.com", []Address{a}},
		{"a folded value after unfolding", "a@example.com,\t\"b, c\"\t<d@example.com>", []Address{a, d}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseList(tt.in)
			if err != nil {
				t.Fatalf("ParseList(%q): %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ParseList(%q) = %#v, want %#v", tt.in, got, tt.want)
			}
			again, err := ParseList(FormatList(got))
			if err != nil || !reflect.DeepEqual(again, got) {
				t.Fatalf("ParseList(FormatList(…)) = %#v, %v; want %#v", again, err, got)
			}
		})
	}
}

func TestParseListRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"a bad member", "a@example.com, b@", "Missing domain"},
		{"a nested group", "Outer: Inner: a@example.com;;", "Nested group"},
		{"a semicolon outside a group", "a@example.com; b@example.com", "Illegal semicolon, not in group"},
		{"an unbalanced quote", `"a <a@example.com>`, `Missing '"'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseList(tt.in)
			if f := fault.As(err); f == nil || f.Message != tt.want {
				t.Fatalf("ParseList(%q) error = %v, want %q", tt.in, err, tt.want)
			}
		})
	}
}

func TestFormatList(t *testing.T) {
	t.Parallel()
	got := FormatList([]Address{
		{Local: "a", Domain: "example.com"},
		{Name: "名前", Local: "b", Domain: "example.com"},
	})
	want := "a@example.com, =?UTF-8?B?5ZCN5YmN?= <b@example.com>"
	if got != want {
		t.Errorf("FormatList = %q, want %q", got, want)
	}
}
