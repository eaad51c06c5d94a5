package compose

import (
	"bytes"
	"strings"
	"testing"
)

func TestWriteFolded(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, value, want string
	}{
		{"a short value", "hello", "Subject: hello\r\n"},
		{"an empty value", "", "Subject:\r\n"},
		{"a long value folds before a space", strings.Repeat("word ", 20) + "end",
			"Subject: word word word word word word word word word word word word word word\r\n word word word word word word end\r\n"},
		{"a word too long for 78 stays whole", strings.Repeat("x", 100) + " y",
			"Subject: " + strings.Repeat("x", 100) + "\r\n y\r\n"},
		{"tabs are fold points too", "a\tb", "Subject: a\tb\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var b bytes.Buffer
			writeFolded(&b, "Subject", tt.value)
			if b.String() != tt.want {
				t.Errorf("writeFolded = %q, want %q", b.String(), tt.want)
			}
			unfolded := strings.TrimPrefix(strings.TrimSuffix(strings.ReplaceAll(b.String(), "\r\n ", " "), "\r\n"), "Subject:")
			if strings.TrimSpace(unfolded) != strings.TrimSpace(tt.value) {
				t.Errorf("unfolding gives %q, want %q", unfolded, tt.value)
			}
		})
	}
}

func TestEncodedWordsStayWithin75(t *testing.T) {
	t.Parallel()
	for _, label := range []string{"UTF-8", "ISO-8859-1", "Shift_JIS", "ISO-2022-JP", "EUC-KR", "GB18030"} {
		cs, err := lookupCharset(label)
		if err != nil {
			t.Fatal(err)
		}
		s := encodeWords(strings.Repeat("Olá 日本語 한국어 ", 12), cs)
		for _, w := range strings.Fields(s) {
			if len(w) > maxEncodedWord {
				t.Errorf("%s: encoded word %q is %d characters", label, w, len(w))
			}
			if text, err := wordDecoder.Decode(w); err != nil || strings.ContainsRune(text, '\uFFFD') {
				t.Errorf("%s: word %q does not decode on its own: %q, %v", label, w, text, err)
			}
		}
	}
}
