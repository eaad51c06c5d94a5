package events

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestHeadersFrom(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		raw     string
		headers []Header
		common  CommonHeaders
	}{{
		name: "folded values are unfolded as JavaMail does, keeping the space before the break",
		raw:  "Subject:\r\n  Hello\r\n\tworld\r\nContent-Type: text/plain; \r\n charset=UTF-8\r\n\r\nbody: not a header\r\n",
		headers: []Header{
			{Name: "Subject", Value: "Hello world"},
			{Name: "Content-Type", Value: "text/plain;  charset=UTF-8"},
		},
		common: CommonHeaders{Subject: "Hello world"},
	}, {
		name:    "bare LF line ends and a missing empty line are accepted",
		raw:     "From: a@example.com\nTo: b@example.com",
		headers: []Header{{Name: "From", Value: "a@example.com"}, {Name: "To", Value: "b@example.com"}},
		common:  CommonHeaders{From: []string{"a@example.com"}, To: []string{"b@example.com"}},
	}, {
		name: "lines that are not fields are skipped, with their continuations",
		raw:  " stray continuation\r\nnot a header\r\n folded into nothing\r\nBad Name: x\r\nSubject : kept\r\n",
		headers: []Header{
			{Name: "Subject", Value: "kept"},
		},
		common: CommonHeaders{Subject: "kept"},
	}, {
		name: "return path loses its brackets and message ID keeps them",
		raw:  "Return-Path: <bounces@example.com>\r\nMessage-ID:  <abc@example.com>  \r\n",
		headers: []Header{
			{Name: "Return-Path", Value: "<bounces@example.com>"},
			{Name: "Message-ID", Value: "<abc@example.com>  "},
		},
		common: CommonHeaders{ReturnPath: "bounces@example.com", MessageID: "<abc@example.com>"},
	}, {
		name: "an address field given twice is one list",
		raw:  "To: a@example.com\r\nto: B <b@example.com>\r\n",
		headers: []Header{
			{Name: "To", Value: "a@example.com"},
			{Name: "to", Value: "B <b@example.com>"},
		},
		common: CommonHeaders{To: []string{"a@example.com", "B <b@example.com>"}},
	}, {
		name: "sender and bcc are reported",
		raw:  "Sender: Mailer <mailer@example.com>\r\nBcc: hidden@example.com\r\n",
		headers: []Header{
			{Name: "Sender", Value: "Mailer <mailer@example.com>"},
			{Name: "Bcc", Value: "hidden@example.com"},
		},
		common: CommonHeaders{Sender: "Mailer <mailer@example.com>", Bcc: []string{"hidden@example.com"}},
	}, {
		name:    "a group without members is reported as written",
		raw:     "To: undisclosed-recipients:;\r\n",
		headers: []Header{{Name: "To", Value: "undisclosed-recipients:;"}},
		common:  CommonHeaders{To: []string{"undisclosed-recipients:;"}},
	}, {
		name: "display names are quoted only for specials, as JavaMail's quotePhrase",
		raw: "To: \"J. Doe\" <j@example.com>, \"O\\\"Brien\" <o@example.com>, \"Plain Name\" <p@example.com>,\r\n" +
			" =?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <y@example.jp>, \"john doe\"@example.com\r\n",
		headers: []Header{{Name: "To", Value: "\"J. Doe\" <j@example.com>, \"O\\\"Brien\" <o@example.com>, \"Plain Name\" <p@example.com>, =?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <y@example.jp>, \"john doe\"@example.com"}},
		common: CommonHeaders{To: []string{
			`"J. Doe" <j@example.com>`,
			`"O\"Brien" <o@example.com>`,
			`Plain Name <p@example.com>`,
			`山田 <y@example.jp>`,
			// Not a "simple" address to JavaMail (it holds a quote), so
			// in brackets.
			`<"john doe"@example.com>`,
		}},
	}, {
		name:    "an encoded word in an unknown charset is left as written",
		raw:     "Subject: =?x-no-such-charset?Q?abc?=\r\n",
		headers: []Header{{Name: "Subject", Value: "=?x-no-such-charset?Q?abc?="}},
		common:  CommonHeaders{Subject: "=?x-no-such-charset?Q?abc?="},
	}, {
		name:    "bytes that are not UTF-8 become U+FFFD",
		raw:     "Subject: caf\xe9\r\n",
		headers: []Header{{Name: "Subject", Value: "caf\uFFFD"}},
		common:  CommonHeaders{Subject: "caf\uFFFD"},
	}, {
		name:    "an address list that does not parse is reported as written",
		raw:     "From: <<broken@@\r\n",
		headers: []Header{{Name: "From", Value: "<<broken@@"}},
		common:  CommonHeaders{From: []string{"<<broken@@"}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			headers, common, truncated := HeadersFrom([]byte(tt.raw))
			if !reflect.DeepEqual(headers, tt.headers) {
				t.Errorf("headers = %q, want %q", headers, tt.headers)
			}
			if !reflect.DeepEqual(common, tt.common) {
				t.Errorf("common = %#v, want %#v", common, tt.common)
			}
			if truncated {
				t.Error("truncated a few bytes of headers")
			}
		})
	}
}

func TestHeadersFromTruncatesAtTenKiB(t *testing.T) {
	t.Parallel()
	// Each field is "X-Pad-NNN: " (11 bytes) + 87 bytes + CRLF = 100 bytes.
	section := func(fields int) string {
		var b strings.Builder
		for i := range fields {
			fmt.Fprintf(&b, "X-Pad-%03d: %s\r\n", i, strings.Repeat("p", 87))
		}
		return b.String()
	}
	tests := []struct {
		name      string
		raw       string
		kept      int
		truncated bool
	}{
		// 10,200 bytes of padding and a Subject of 39 or 40 bytes.
		{name: "a section just under 10 KiB is whole", raw: section(102) + "Subject: " + strings.Repeat("s", 28) + "\r\n", kept: 103},
		{name: "a section of exactly 10 KiB is truncated", raw: section(102) + "Subject: " + strings.Repeat("s", 29) + "\r\n", kept: 102, truncated: true},
		{name: "a large section keeps whole fields under 10 KiB", raw: section(300) + "Subject: last\r\n", kept: 102, truncated: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			headers, common, truncated := HeadersFrom([]byte(tt.raw + "\r\nbody"))
			if truncated != tt.truncated || len(headers) != tt.kept {
				t.Errorf("kept %d fields, truncated %v; want %d, %v", len(headers), truncated, tt.kept, tt.truncated)
			}
			if common.Subject == "" {
				t.Error("commonHeaders lost the Subject that truncation dropped from headers")
			}
		})
	}
}
