package query

import (
	"encoding/base64"
	"strings"
)

// decodeBlob reads a blob member (RawMessage.Data). The AWS SDKs send
// standard, padded base64 (RFC 4648 §4). Hand-written clients are let off
// the usual mistakes, none of which makes the input ambiguous:
//   - line breaks (MIME-style base64 wrapped at 76 columns; CR, LF and tab
//     are dropped),
//   - a "+" that was not percent-encoded and so arrived as a space,
//   - missing padding,
//   - the URL-safe alphabet (RFC 4648 §5).
func decodeBlob(s string) ([]byte, error) {
	if strings.ContainsAny(s, " \t\r\n") {
		s = strings.Map(func(r rune) rune {
			switch r {
			case '\t', '\r', '\n':
				return -1
			case ' ':
				return '+'
			}
			return r
		}, s)
	}
	enc := base64.StdEncoding
	if strings.ContainsAny(s, "-_") {
		enc = base64.URLEncoding
	}
	if !strings.HasSuffix(s, "=") {
		enc = enc.WithPadding(base64.NoPadding)
	}
	buf := make([]byte, enc.DecodedLen(len(s)))
	n, err := enc.Decode(buf, []byte(s))
	if err != nil {
		return nil, err
	}
	return buf[:n], nil
}
