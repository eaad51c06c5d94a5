package dkim

import (
	"slices"
	"strings"
	"testing"
)

func TestParseTagList(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []tag
		err  string
	}{
		{"a simple list", "v=DKIM1; k=rsa; p=AB", []tag{{"v", "DKIM1"}, {"k", "rsa"}, {"p", "AB"}}, ""},
		{"a trailing semicolon is allowed", "a=1;", []tag{{"a", "1"}}, ""},
		{"folding whitespace around names and values goes", " a =\t1 ;\r\n b= 2 ", []tag{{"a", "1"}, {"b", "2"}}, ""},
		{"whitespace inside a value stays", "p=AB CD\r\n EF", []tag{{"p", "AB CD\r\n EF"}}, ""},
		{"an empty value is allowed", "p=", []tag{{"p", ""}}, ""},
		{"an empty list is allowed", "", nil, ""},
		{"a value may hold =", "n=a=b", []tag{{"n", "a=b"}}, ""},
		{"a duplicate tag spoils the list", "p=A; p=B", nil, "twice"},
		{"a spec without = is refused", "v=DKIM1; garbage", nil, "not tag=value"},
		{"a name must start with a letter", "1a=x", nil, "not a tag name"},
		{"a name may hold _ and digits", "a_1=x", []tag{{"a_1", "x"}}, ""},
		{"a name holds no spaces", "a b=x", nil, "not a tag name"},
		{"a value holds no control characters", "n=a\x01b", nil, "does not allow"},
		{"a value holds no 8-bit bytes", "n=é", nil, "does not allow"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseTagList(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one saying %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestParseKeyRecord(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		in     string
		usable string // empty: usable for rsa-sha256 email signatures
		err    string // empty: parses
	}{
		{"the full form", "v=DKIM1; k=rsa; p=QUJD", "", ""},
		{"v= and k= may be left out", "p=QUJD", "", ""},
		{"p= may be folded", "p=QU\r\n JD", "", ""},
		{"padding may be left out", "p=QUI", "", ""},
		{"padding may be kept", "p=QUI=", "", ""},
		{"unknown tags are ignored", "p=QUJD; x=whatever", "", ""},
		{"h= with sha256 is usable", "h=sha1:sha256; p=QUJD", "", ""},
		{"s=email is usable", "s=email; p=QUJD", "", ""},
		{"s=* is usable", "s=*; p=QUJD", "", ""},
		{"testing mode is usable", "t=y; p=QUJD", "", ""},
		{"an empty p= is a revoked key", "v=DKIM1; p=", "revoked", ""},
		{"an ed25519 key is not RSA", "k=ed25519; p=QUJD", "not an RSA key", ""},
		{"h=sha1 only rules out rsa-sha256", "h=sha1; p=QUJD", "does not allow sha256", ""},
		{"s= without email rules out mail", "s=other; p=QUJD", "does not allow email", ""},
		{"p= is required", "v=DKIM1; k=rsa", "", "no p="},
		{"v= must be DKIM1", "v=DKIM2; p=QUJD", "", "not DKIM1"},
		{"v= must come first", "p=QUJD; v=DKIM1", "", "not the first"},
		{"p= must be base64", "p=!!!", "", "not base64"},
		{"a malformed list is no record", "v=DKIM1; p=A; p=B", "", "twice"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec, err := parseKeyRecord(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one saying %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			err = rec.usableForRSASHA256()
			switch {
			case tc.usable == "" && err != nil:
				t.Errorf("not usable: %v", err)
			case tc.usable != "" && (err == nil || !strings.Contains(err.Error(), tc.usable)):
				t.Errorf("usable error %v, want one saying %q", err, tc.usable)
			}
		})
	}
}
