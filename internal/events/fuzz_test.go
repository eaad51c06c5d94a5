package events

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

// FuzzHeadersFrom feeds HeadersFrom arbitrary bytes: it must not panic, and
// what it returns must make valid JSON of valid UTF-8 within SES's size.
func FuzzHeadersFrom(f *testing.F) {
	f.Add([]byte(shopMessage))
	f.Add([]byte("Subject: =?UTF-8?B?5bGx55Sw?=\r\n\r\n"))
	f.Add([]byte("To: \"a\\\" b\" <a@b>, undisclosed-recipients:;, =?x?Q?y?= <c@d>\n\tmore\n"))
	f.Add([]byte(" \r\n:\r\n:x\r\nA:\xff\xfe\r\n\r"))
	f.Add([]byte("From: <<@@>>\r\nReturn-Path: <>\r\nMessage-ID:\r\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		headers, common, truncated := HeadersFrom(raw)
		size := 0
		for _, h := range headers {
			if !utf8.ValidString(h.Name) || !utf8.ValidString(h.Value) {
				t.Fatalf("header %q is not UTF-8", h)
			}
			size += len(h.Name) + 1 + len(h.Value)
		}
		if truncated && size >= MaxHeaderBytes {
			t.Fatalf("truncated headers still hold %d bytes", size)
		}
		out, err := MarshalEvent(&Event{Type: TypeSend, Mail: Mail{
			Headers: headers, CommonHeaders: common, HeadersTruncated: truncated,
		}})
		if err != nil {
			t.Fatal(err)
		}
		if !json.Valid(out) {
			t.Fatalf("invalid JSON: %s", out)
		}
	})
}
