package address

import (
	"reflect"
	"testing"

	"github.com/hikyaku/hikyaku/internal/fault"
)

// FuzzParse checks that Parse never panics, that every refusal is a fault,
// and that every accepted address survives a trip through its header form.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"user@example.com", `"Jane Doe" <jane@example.com>`, "=?UTF-8?B?5ZCN5YmN?= <user@example.com>",
		"名前 <user@example.com>", "user@例え.jp", `"a\"b"@example.com`, "user@example.com (comment)",
		"<>", "a@b", "user@example.com.", "us..er@example.com", "a@example.com, b@example.com",
		"team: a@example.com;", `"=?UTF-8?Q?x?=" <a@example.com>`, "[x] <a@b.cd>", "a@xn--r8jz45g.jp",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := Parse(s)
		if err != nil {
			if fault.As(err) == nil {
				t.Fatalf("Parse(%q) error %v is not a fault", s, err)
			}
			return
		}
		again, err := Parse(a.Header())
		if err != nil {
			t.Fatalf("Parse(%q) = %#v, but Parse(%q): %v", s, a, a.Header(), err)
		}
		if again != a {
			t.Fatalf("Parse(%q) = %#v, Parse(%q) = %#v", s, a, a.Header(), again)
		}
		env, err := Parse(a.String())
		if err != nil || env.Local != a.Local || env.Domain != a.Domain {
			t.Fatalf("Parse(%q) = %#v, %v; want local %q domain %q", a.String(), env, err, a.Local, a.Domain)
		}
	})
}

// FuzzParseList checks that ParseList never panics and that an accepted list
// survives FormatList.
func FuzzParseList(f *testing.F) {
	for _, s := range []string{
		"a@example.com, b@example.com", "undisclosed-recipients:;", `Team: "b, c" <d@example.com>, e@example.com;`,
		" , ,", "a@example.com; b", "=?UTF-8?B?5ZCN?= <a@example.com>",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		list, err := ParseList(s)
		if err != nil {
			if fault.As(err) == nil {
				t.Fatalf("ParseList(%q) error %v is not a fault", s, err)
			}
			return
		}
		again, err := ParseList(FormatList(list))
		if err != nil || !reflect.DeepEqual(again, list) {
			t.Fatalf("ParseList(%q) = %#v; ParseList(%q) = %#v, %v", s, list, FormatList(list), again, err)
		}
	})
}
