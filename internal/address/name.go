package address

import (
	"encoding/base64"
	"mime"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message/charset"
)

// Display names: decoding on input, encoding on output.
//
// SES accepts UTF-8 display names in API input ("名前 <user@example.com>")
// and RFC 2047 encoded words; hikyaku decodes both to Address.Name and
// writes the name back as encoded words when it is not printable ASCII.

// wordDecoder decodes RFC 2047 encoded words in every charset go-message
// knows, not only the three the standard library handles.
var wordDecoder = &mime.WordDecoder{CharsetReader: charset.Reader}

// formatName returns name as an RFC 5322 phrase.
func formatName(name string) string {
	switch {
	case needsEncoding(name):
		return encodeName(name)
	case isAtomPhrase(name):
		return name
	default:
		return quote(name)
	}
}

// maxNameWord is the longest run without a space a name may have and still
// be written as it is: a longer one could not be folded within the 998
// characters a header line may hold, whereas encoded words can.
const maxNameWord = 200

// needsEncoding reports whether name cannot be written as a quoted-string:
// it holds bytes outside printable ASCII, text that a reader would take for
// an encoded word, or a run of text too long to fold.
func needsEncoding(name string) bool {
	run := 0
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c < ' ' || c > '~' {
			return true
		}
		if run++; c == ' ' {
			run = 0
		}
		if run > maxNameWord {
			return true
		}
	}
	return strings.Contains(name, "=?")
}

// isAtomPhrase reports whether name is atoms separated by single spaces, so
// that it can be written without quotes.
func isAtomPhrase(name string) bool {
	for _, w := range strings.Split(name, " ") {
		if w == "" {
			return false
		}
		for i := 0; i < len(w); i++ {
			if !isAtext(w[i]) {
				return false
			}
		}
	}
	return true
}

// maxWordPayload is how many bytes of text go in one "=?UTF-8?B?…?=" word:
// 45 bytes are 60 base64 characters, 72 with the delimiters, under the 75
// that RFC 2047 §2 allows.
const maxWordPayload = 45

// encodeName writes name as RFC 2047 "B" encoded words in UTF-8, split on
// character boundaries so that each word decodes on its own. The bytes are
// copied as they are, so a name that is not valid UTF-8 survives a round
// trip.
func encodeName(name string) string {
	var b strings.Builder
	for len(name) > 0 {
		n := 0
		for n < len(name) {
			_, size := utf8.DecodeRuneInString(name[n:])
			if n+size > maxWordPayload {
				break
			}
			n += size
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("=?UTF-8?B?")
		b.WriteString(base64.StdEncoding.EncodeToString([]byte(name[:n])))
		b.WriteString("?=")
		name = name[n:]
	}
	return b.String()
}

// decodeWord returns the text of an RFC 2047 encoded word, or ok=false when
// w is not one (or names a charset nobody knows).
func decodeWord(w string) (text string, ok bool) {
	if len(w) < 8 || !strings.HasPrefix(w, "=?") || !strings.HasSuffix(w, "?=") {
		return "", false
	}
	text, err := wordDecoder.Decode(w)
	if err != nil {
		return "", false
	}
	return text, true
}

// decodeQuoted decodes the content of a quoted display name. RFC 2047 §5
// forbids encoded words inside quotes, but many mailers write
// `"=?UTF-8?B?…?=" <…>` and every client decodes it, so a quoted-string made
// only of encoded words is decoded too.
func decodeQuoted(s string) string {
	words := strings.Fields(s)
	if len(words) == 0 {
		return s
	}
	var b strings.Builder
	for _, w := range words {
		text, ok := decodeWord(w)
		if !ok {
			return s
		}
		b.WriteString(text)
	}
	return b.String()
}
