package compose

import (
	"testing"
)

func TestPreview(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, subject, text, html string
		want                      []string // media types of the parts, in order
	}{
		{"text and HTML are alternatives", "Greetings, Ada!", "Dear Ada,\nhello.", "<h1>Hello Ada</h1>", []string{"text/plain", "text/html"}},
		{"a text-only template has one text part", "Hi", "only text", "", []string{"text/plain"}},
		{"an HTML-only template has one HTML part", "Hi", "", "<p>only html</p>", []string{"text/html"}},
		{"a subject-only template has an empty text part", "Just a subject", "", "", []string{"text/plain"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			msg, err := Preview(tt.subject, tt.text, tt.html, testDate, &countingRand{})
			if err != nil {
				t.Fatal(err)
			}
			checkWire(t, msg)
			h, leaves := readBack(t, msg)
			if got, _ := h.Text("Subject"); got != tt.subject {
				t.Errorf("Subject = %q, want %q", got, tt.subject)
			}
			if h.Get("Date") != "Sat, 14 Mar 2026 15:09:26 +0000" || h.Get("MIME-Version") != "1.0" {
				t.Errorf("Date %q, MIME-Version %q", h.Get("Date"), h.Get("MIME-Version"))
			}
			for _, f := range []string{"From", "To", "Message-ID"} {
				if h.Has(f) {
					t.Errorf("a preview has a %s field", f)
				}
			}
			if len(leaves) != len(tt.want) {
				t.Fatalf("%d parts, want %d:\n%s", len(leaves), len(tt.want), msg)
			}
			for i, l := range leaves {
				body := map[string]string{"text/plain": tt.text, "text/html": tt.html}[l.mediaType]
				if l.mediaType != tt.want[i] || normalizeNewlinesString(l.body) != normalizeNewlinesString(body) {
					t.Errorf("part %d = %s %q, want %s %q", i, l.mediaType, l.body, tt.want[i], body)
				}
			}
		})
	}
	t.Run("a non-ASCII subject is an encoded word", func(t *testing.T) {
		t.Parallel()
		msg, err := Preview("Grüße", "x", "", testDate, &countingRand{})
		if err != nil {
			t.Fatal(err)
		}
		h, _ := readBack(t, msg)
		if raw := h.Get("Subject"); raw == "Grüße" {
			t.Errorf("Subject written as raw UTF-8: %q", raw)
		}
		if got, _ := h.Text("Subject"); got != "Grüße" {
			t.Errorf("Subject decodes to %q", got)
		}
	})
}

// normalizeNewlinesString compares bodies whatever their line endings.
func normalizeNewlinesString(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\r' {
			continue
		}
		out = append(out, s[i])
	}
	for len(out) > 0 && out[len(out)-1] == '\n' {
		out = out[:len(out)-1]
	}
	return string(out)
}
