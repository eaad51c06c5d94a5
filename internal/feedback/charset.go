package feedback

import (
	"bytes"
	"html"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message/charset"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/transform"
)

// charsetReader converts from a named charset to UTF-8 with go-message's
// charset tables (all IANA charsets golang.org/x/text knows, including
// ISO-2022-JP, Shift_JIS and EUC-JP).
func charsetReader(name string, r io.Reader) (io.Reader, error) {
	return charset.Reader(name, r)
}

// toUTF8 converts text in the declared charset to UTF-8. Undeclared or wrongly
// declared Japanese text is recognised by its escape sequences (ISO-2022-JP,
// RFC 1468) or by failing to be UTF-8 while decoding cleanly as Shift_JIS.
// Anything else that is not UTF-8 is read as ISO-8859-1 so that its ASCII
// stays matchable.
func toUTF8(b []byte, declared string) string {
	declared = strings.ToLower(strings.TrimSpace(declared))
	if declared != "" && declared != "utf-8" && declared != "us-ascii" && declared != "utf8" {
		if r, err := charsetReader(declared, bytes.NewReader(b)); err == nil {
			if out, err := io.ReadAll(r); err == nil || len(out) > 0 {
				return string(out)
			}
		}
	}
	if bytes.Contains(b, []byte("\x1b$B")) || bytes.Contains(b, []byte("\x1b$@")) {
		if out, _, err := transform.Bytes(japanese.ISO2022JP.NewDecoder(), b); err == nil {
			return string(out)
		}
	}
	if utf8.Valid(b) {
		return string(b)
	}
	if out, _, err := transform.Bytes(japanese.ShiftJIS.NewDecoder(), b); err == nil && utf8.Valid(out) &&
		!bytes.ContainsRune(out, utf8.RuneError) {
		return string(out)
	}
	var s strings.Builder
	for _, c := range b {
		s.WriteRune(rune(c))
	}
	return s.String()
}

// decodeUnlabelled converts a header value that carries raw 8-bit or
// ISO-2022-JP text instead of RFC 2047 encoded-words.
func decodeUnlabelled(v string) string {
	if !has8bit(v) && !strings.Contains(v, "\x1b$") {
		return v
	}
	return toUTF8([]byte(v), "")
}

var (
	htmlBlock = regexp.MustCompile(`(?is)<(script|style|head)[^>]*>.*?</(script|style|head)>`)
	htmlBreak = regexp.MustCompile(`(?i)<(br|/p|/div|/tr|/li|/h[1-6]|p|div|tr|li)(\s[^>]*)?/?>`)
	htmlTag   = regexp.MustCompile(`<[^>]*>`)
)

// htmlToText reduces an HTML part to its text, keeping line breaks where the
// markup had blocks, so that phrase matching works on it.
func htmlToText(s string) string {
	s = htmlBlock.ReplaceAllString(s, " ")
	s = htmlBreak.ReplaceAllString(s, "\n")
	s = htmlTag.ReplaceAllString(s, " ")
	s = html.UnescapeString(s)
	var b strings.Builder
	for _, ln := range strings.Split(s, "\n") {
		ln = squeeze(strings.TrimSpace(strings.ReplaceAll(ln, "\u00a0", " ")))
		if ln != "" {
			b.WriteString(ln)
			b.WriteByte('\n')
		}
	}
	return b.String()
}
