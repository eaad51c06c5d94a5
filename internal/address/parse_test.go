package address

import (
	"strings"
	"testing"

	"github.com/hikyaku/hikyaku/internal/fault"
)

func TestParseAccepts(t *testing.T) {
	t.Parallel()
	long63 := strings.Repeat("a", 63)
	local64 := strings.Repeat("l", 64)
	tests := []struct {
		name string
		in   string
		want Address
	}{
		{"a bare address", "user@example.com", Address{Local: "user", Domain: "example.com"}},
		{"an address in angle brackets", "<user@example.com>", Address{Local: "user", Domain: "example.com"}},
		{"a quoted display name", `"Jane Doe" <jane@example.com>`, Address{Name: "Jane Doe", Local: "jane", Domain: "example.com"}},
		{"an unquoted display name", `Jane Q. Doe <jane@example.com>`, Address{Name: "Jane Q. Doe", Local: "jane", Domain: "example.com"}},
		{"a display name with a comma in quotes", `"Doe, Jane" <jane@example.com>`, Address{Name: "Doe, Jane", Local: "jane", Domain: "example.com"}},
		{"an escaped quote in the name", `"Jane \"JD\" Doe" <jane@example.com>`, Address{Name: `Jane "JD" Doe`, Local: "jane", Domain: "example.com"}},
		{"an RFC 2047 B name", "=?UTF-8?B?5ZCN5YmN?= <user@example.com>", Address{Name: "名前", Local: "user", Domain: "example.com"}},
		{"an RFC 2047 Q name", "=?ISO-8859-1?Q?Jos=E9?= <jose@example.com>", Address{Name: "José", Local: "jose", Domain: "example.com"}},
		{"adjacent encoded words join without space", "=?UTF-8?B?5ZCN?= =?UTF-8?B?5YmN?= <user@example.com>", Address{Name: "名前", Local: "user", Domain: "example.com"}},
		{"an encoded word inside quotes, as many mailers write it", `"=?UTF-8?B?5ZCN5YmN?=" <user@example.com>`, Address{Name: "名前", Local: "user", Domain: "example.com"}},
		{"a Shift_JIS encoded word", "=?Shift_JIS?B?lryRTw==?= <user@example.com>", Address{Name: "名前", Local: "user", Domain: "example.com"}},
		{"a UTF-8 display name as SES accepts in API input", "名前 <user@example.com>", Address{Name: "名前", Local: "user", Domain: "example.com"}},
		{"a UTF-8 display name with spaces", "山田 太郎 <taro@example.jp>", Address{Name: "山田 太郎", Local: "taro", Domain: "example.jp"}},
		{"an unknown charset keeps the word as text", "=?x-unknown?B?AAAA?= <user@example.com>", Address{Name: "=?x-unknown?B?AAAA?=", Local: "user", Domain: "example.com"}},
		{"a trailing comment becomes the name", "user@example.com (Jane Doe)", Address{Name: "Jane Doe", Local: "user", Domain: "example.com"}},
		{"a leading comment is dropped", "(work) user@example.com", Address{Local: "user", Domain: "example.com"}},
		{"a comment in the display name is dropped", `Jane (the boss) Doe <jane@example.com>`, Address{Name: "Jane Doe", Local: "jane", Domain: "example.com"}},
		{"white space around the address", "  user@example.com\t", Address{Local: "user", Domain: "example.com"}},
		{"white space inside the angle brackets", "Jane < jane@example.com >", Address{Name: "Jane", Local: "jane", Domain: "example.com"}},
		{"a name of blanks is no name", `"  " <user@example.com>`, Address{Local: "user", Domain: "example.com"}},
		{"a domain in capitals is lower-cased", "User@EXAMPLE.Com", Address{Local: "User", Domain: "example.com"}},
		{"atext specials in the local part", "a!#$%&'*+-/=?^_`{|}~z@example.com", Address{Local: "a!#$%&'*+-/=?^_`{|}~z", Domain: "example.com"}},
		{"dots in the local part", "first.middle.last@example.com", Address{Local: "first.middle.last", Domain: "example.com"}},
		{"a plus tag", "bounce+label1@simulator.amazonses.com", Address{Local: "bounce+label1", Domain: "simulator.amazonses.com"}},
		{"a quoted local part with a space", `"john doe"@example.com`, Address{Local: "john doe", Domain: "example.com"}},
		{"a quoted local part with specials", `"a,b@c"@example.com`, Address{Local: "a,b@c", Domain: "example.com"}},
		{"a quoted local part with dot-dot", `"a..b"@example.com`, Address{Local: "a..b", Domain: "example.com"}},
		{"a quoted local part that is a dot-atom is unquoted", `"john"@example.com`, Address{Local: "john", Domain: "example.com"}},
		{"a quoted local part with quoted-pairs", `"a\"b\\c"@example.com`, Address{Local: `a"b\c`, Domain: "example.com"}},
		{"an IDN domain in U-label form", "user@例え.jp", Address{Local: "user", Domain: "xn--r8jz45g.jp"}},
		{"an IDN domain in A-label form", "user@XN--R8JZ45G.jp", Address{Local: "user", Domain: "xn--r8jz45g.jp"}},
		{"an IDN domain with an ideographic full stop", "user@例え。jp", Address{Local: "user", Domain: "xn--r8jz45g.jp"}},
		{"full-width letters are mapped", "user@ＥＸＡＭＰＬＥ.com", Address{Local: "user", Domain: "example.com"}},
		{"an IDN subdomain", "user@mail.bücher.example", Address{Local: "user", Domain: "mail.xn--bcher-kva.example"}},
		{"digits and hyphens in labels", "user@a-1.b2.example", Address{Local: "user", Domain: "a-1.b2.example"}},
		{"a 63-character label", "user@" + long63 + ".com", Address{Local: "user", Domain: long63 + ".com"}},
		{"a 64-character local part", local64 + "@example.com", Address{Local: local64, Domain: "example.com"}},
		{"a name with @ outside quotes, as sloppy mailers write it", "jane@example.com <jane@example.com>", Address{Name: "jane@example.com", Local: "jane", Domain: "example.com"}},
		{"a bracketed tag in the name", "[Bot] Alerts <alerts@example.com>", Address{Name: "[Bot] Alerts", Local: "alerts", Domain: "example.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Fatalf("Parse(%q) = %#v, want %#v", tt.in, got, tt.want)
			}
			again, err := Parse(got.Header())
			if err != nil || again != got {
				t.Fatalf("Parse(%q) = %#v, %v; want %#v", got.Header(), again, err, got)
			}
		})
	}
}

func TestParseRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"an empty string", "", "Invalid email address ."},
		{"only blanks", "   ", "Invalid email address ."},
		{"empty angle brackets", "<>", "Invalid email address <>."},
		{"a missing @", "userexample.com", "Missing final '@domain'"},
		{"a missing local part", "@example.com", "Missing local name"},
		{"a missing domain", "user@", "Missing domain"},
		{"a space in the local part", "john doe@example.com", "Local address contains control or whitespace"},
		{"a space before the @", "user @example.com", "Local address contains control or whitespace"},
		{"a tab in the local part", "a\tb@example.com", "Local address contains control or whitespace"},
		{"a newline in the local part", "a\nb@example.com", "Local address contains control or whitespace"},
		{"a NUL in the local part", "a\x00b@example.com", "Local address contains control or whitespace"},
		{"a non-ASCII local part, since SES has no SMTPUTF8", "ユーザー@example.com", "Local address contains control or whitespace"},
		{"a non-ASCII quoted local part", `"josé"@example.com`, "Local address contains control or whitespace"},
		{"a control in a quoted local part", "\"a\x01b\"@example.com", "Local address contains control or whitespace"},
		{"a colon in the local part", "github:user@example.com", "Local address contains illegal character"},
		{"a colon and no domain", "github:user", "Local address contains illegal character"},
		{"a semicolon after the address", "a@example.com; b@example.com", "Illegal semicolon, not in group"},
		{"a bracket in the local part", "us]er@example.com", "Local address contains illegal character"},
		{"a backslash in the local part", `us\er@example.com`, "Local address contains illegal character"},
		{"a quote in the middle of the local part", `us"er"@example.com`, "Quote not at start of local address"},
		{"text after a quoted local part", `"us"er@example.com`, "Quote not at end of local address"},
		{"an empty quoted local part", `""@example.com`, "Missing local name"},
		{"an unterminated quote", `"user@example.com`, `Missing '"'`},
		{"a leading dot", ".user@example.com", "Local address starts with dot"},
		{"a trailing dot in the local part", "user.@example.com", "Local address ends with dot"},
		{"consecutive dots in the local part", "us..er@example.com", "Local address contains dot-dot"},
		{"a domain starting with a dot", "user@.example.com", "Domain starts with dot"},
		{"a trailing dot in the domain", "user@example.com.", "Domain ends with dot"},
		{"consecutive dots in the domain", "user@example..com", "Domain contains dot-dot"},
		{"a space in the domain", "user@exam ple.com", "Domain contains control or whitespace"},
		{"an underscore in the domain", "user@exa_mple.com", "Domain contains illegal character"},
		{"a stray character in the domain", "fromname@gmail.com%!", "Domain contains illegal character"},
		{"a domain without a dot", "user@localhost", "Domain has no dot; expected UserName@[SubDomain.]Domain.TopLevelDomain"},
		{"a domain literal", "user@[192.0.2.1]", "Domain literals are not supported"},
		{"a label starting with a hyphen", "user@-example.com", "Domain label starts or ends with hyphen"},
		{"a label ending with a hyphen", "user@example-.com", "Domain label starts or ends with hyphen"},
		{"a 64-character label", "user@" + strings.Repeat("a", 64) + ".com", "Domain label is longer than 63 characters"},
		{"a domain over 253 characters", "user@" + strings.Repeat(strings.Repeat("a", 60)+".", 5) + "com", "Domain is longer than 253 characters"},
		{"a 65-character local part", strings.Repeat("l", 65) + "@example.com", "Local address is longer than 64 characters"},
		{"a bad A-label", "user@xn--zz-.com", "Domain label starts or ends with hyphen"},
		{"an A-label that is not Punycode", "user@xn--a.com", "Domain contains illegal character"},
		{"an IDN domain that IDNA refuses", "user@例え\u200d.jp", "Domain contains illegal character"},
		{"two addresses run together", "user@example.comuser2@example.com", "Illegal address"},
		{"two addresses with a comma", "a@example.com, b@example.com", "Illegal address"},
		{"a group where one address belongs", "team: a@example.com;", "Local address contains illegal character"},
		{"a missing >", "Jane <jane@example.com", "Missing '>'"},
		{"a missing <", "Jane jane@example.com>", "Missing '<'"},
		{"two angle addresses", "<a@example.com> <b@example.com>", "Illegal address"},
		{"text after the angle address", "<a@example.com> trailing", "Illegal address"},
		{"an unbalanced comment", "user@example.com (oops", "Missing ')'"},
		{"a stray closing parenthesis", "user@example.com oops)", "Missing '('"},
		{"a CRLF in the display name", "Jane\r\n <jane@example.com>", "Illegal address"},
		{"a control in a quoted display name", "\"Ja\x00ne\" <jane@example.com>", "Illegal address"},
		{"an unterminated domain literal", "user@[1.2.3.4", "Missing ']'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, err := Parse(tt.in)
			if err == nil {
				t.Fatalf("Parse(%q) = %#v, want error %q", tt.in, a, tt.want)
			}
			f := fault.As(err)
			if f == nil {
				t.Fatalf("Parse(%q) error %v is not a *fault.Error", tt.in, err)
			}
			if f.Message != tt.want {
				t.Errorf("Parse(%q) message = %q, want %q", tt.in, f.Message, tt.want)
			}
			if f.Code != "BadRequestException" || f.QueryCode() != "InvalidParameterValue" {
				t.Errorf("Parse(%q) codes = %s/%s, want BadRequestException/InvalidParameterValue", tt.in, f.Code, f.QueryCode())
			}
		})
	}
}

func TestHeaderForm(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   Address
		want string
	}{
		{"no name", Address{Local: "a", Domain: "example.com"}, "a@example.com"},
		{"an atom name", Address{Name: "Jane Doe", Local: "a", Domain: "example.com"}, "Jane Doe <a@example.com>"},
		{"a name with specials", Address{Name: "Doe, Jane", Local: "a", Domain: "example.com"}, `"Doe, Jane" <a@example.com>`},
		{"a name with a dot", Address{Name: "Jane Q. Doe", Local: "a", Domain: "example.com"}, `"Jane Q. Doe" <a@example.com>`},
		{"a name with a quote", Address{Name: `a"b\c`, Local: "a", Domain: "example.com"}, `"a\"b\\c" <a@example.com>`},
		{"a name with double spaces", Address{Name: "a  b", Local: "a", Domain: "example.com"}, `"a  b" <a@example.com>`},
		{"a non-ASCII name", Address{Name: "名前", Local: "a", Domain: "example.com"}, "=?UTF-8?B?5ZCN5YmN?= <a@example.com>"},
		{"a name that looks encoded", Address{Name: "=?UTF-8?Q?x?=", Local: "a", Domain: "example.com"}, "=?UTF-8?B?PT9VVEYtOD9RP3g/PQ==?= <a@example.com>"},
		{"a quoted local part", Address{Local: "john doe", Domain: "example.com"}, `"john doe"@example.com`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.in.Header(); got != tt.want {
				t.Errorf("Header() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLongNamesAreSplitIntoWords(t *testing.T) {
	t.Parallel()
	for _, name := range []string{strings.Repeat("日本語の名前", 10), strings.Repeat("x", 2000)} {
		checkSplit(t, Address{Name: name, Local: "a", Domain: "example.com"})
	}
}

func checkSplit(t *testing.T, a Address) {
	t.Helper()
	h := a.Header()
	for _, w := range strings.Fields(h) {
		if len(w) > 75 {
			t.Errorf("encoded word %q is longer than 75 characters", w)
		}
	}
	got, err := Parse(h)
	if err != nil || got != a {
		t.Fatalf("Parse(%q) = %#v, %v; want %#v", h, got, err, a)
	}
}

func TestDomain(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Example.COM":         "example.com",
		"例え.jp":               "xn--r8jz45g.jp",
		"mail.bücher.example": "mail.xn--bcher-kva.example",
	} {
		if got, err := Domain(in); err != nil || got != want {
			t.Errorf("Domain(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for in, want := range map[string]string{
		"":              "Missing domain",
		"example.com.":  "Domain ends with dot",
		"localhost":     "Domain has no dot; expected UserName@[SubDomain.]Domain.TopLevelDomain",
		"a@example.com": "Illegal address",
		"exa mple.com":  "Domain contains control or whitespace",
	} {
		_, err := Domain(in)
		if f := fault.As(err); f == nil || f.Message != want {
			t.Errorf("Domain(%q) error = %v, want %q", in, err, want)
		}
	}
}
