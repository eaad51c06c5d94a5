package compose

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/hikyaku/hikyaku/internal/address"
	"github.com/hikyaku/hikyaku/internal/fault"
)

// pngPixel is a 1×1 transparent PNG.
var pngPixel = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")

// base returns the input the golden cases start from.
func base(t *testing.T) SimpleInput {
	return SimpleInput{
		From:      mustParse(t, "Sender <sender@example.com>"),
		To:        []address.Address{mustParse(t, "recipient@example.net")},
		Subject:   Content{Data: "Hello from hikyaku", Charset: "UTF-8"},
		MessageID: "010001900000aaaa-bbbbbbbb-cccc-dddd-eeee-ffffffffffff-000000@us-east-1.amazonses.com",
		Date:      testDate,
		Rand:      &countingRand{},
	}
}

func TestSimpleGolden(t *testing.T) {
	t.Parallel()
	type check func(t *testing.T, leaves []leaf)
	tests := []struct {
		name   string
		file   string
		modify func(in *SimpleInput)
		check  check
	}{
		{
			name: "text only",
			file: "text_only.eml",
			modify: func(in *SimpleInput) {
				in.Text = &Content{Data: "Hi there,\nthis is plain text.\n", Charset: "UTF-8"}
			},
			check: func(t *testing.T, leaves []leaf) {
				wantLeaves(t, leaves, "text/plain")
				if leaves[0].body != "Hi there,\r\nthis is plain text.\r\n" {
					t.Errorf("text body = %q", leaves[0].body)
				}
			},
		},
		{
			name: "html only",
			file: "html_only.eml",
			modify: func(in *SimpleInput) {
				in.HTML = &Content{Data: "<html><body><h1>Hello</h1><p>" + strings.Repeat("A long paragraph. ", 80) + "</p></body></html>"}
			},
			check: func(t *testing.T, leaves []leaf) {
				wantLeaves(t, leaves, "text/html")
				if !strings.HasPrefix(leaves[0].body, "<html><body><h1>Hello</h1>") {
					t.Errorf("html body = %q", leaves[0].body)
				}
			},
		},
		{
			name: "text and html",
			file: "text_and_html.eml",
			modify: func(in *SimpleInput) {
				in.Cc = []address.Address{mustParse(t, `"Doe, Jane" <jane@example.org>`), mustParse(t, "ops@example.org")}
				in.ReplyTo = []address.Address{mustParse(t, "replies@example.com")}
				in.Text = &Content{Data: "Caf\u00e9 ol\u00e9 = 100%", Charset: "UTF-8"}
				in.HTML = &Content{Data: "<p>Caf\u00e9 ol\u00e9 = 100%</p>", Charset: "UTF-8"}
			},
			check: func(t *testing.T, leaves []leaf) {
				wantLeaves(t, leaves, "text/plain", "text/html")
				if leaves[0].body != "Café olé = 100%\r\n" && leaves[0].body != "Café olé = 100%" {
					t.Errorf("text body = %q", leaves[0].body)
				}
			},
		},
		{
			name: "Japanese subject and body in UTF-8",
			file: "japanese_utf8.eml",
			modify: func(in *SimpleInput) {
				in.From = mustParse(t, "山田 太郎 <taro@example.jp>")
				in.Subject = Content{Data: "【ご案内】新しいサービスのお知らせ：春のキャンペーンを開始しました", Charset: "UTF-8"}
				in.Text = &Content{Data: "山田様\n\nいつもご利用いただきありがとうございます。\n", Charset: "UTF-8"}
				in.HTML = &Content{Data: "<p>山田様</p><p>いつもご利用いただきありがとうございます。</p>", Charset: "UTF-8"}
			},
			check: func(t *testing.T, leaves []leaf) {
				wantLeaves(t, leaves, "text/plain", "text/html")
				if !strings.Contains(leaves[0].body, "いつもご利用いただきありがとうございます。") {
					t.Errorf("text body = %q", leaves[0].body)
				}
			},
		},
		{
			name: "Japanese in ISO-2022-JP, transcoded",
			file: "japanese_iso2022jp.eml",
			modify: func(in *SimpleInput) {
				in.Subject = Content{Data: "お知らせ", Charset: "ISO-2022-JP"}
				in.Text = &Content{Data: "こんにちは。\n", Charset: "iso-2022-jp"}
			},
			check: func(t *testing.T, leaves []leaf) {
				wantLeaves(t, leaves, "text/plain")
				if leaves[0].params["charset"] != "ISO-2022-JP" || !strings.Contains(leaves[0].body, "こんにちは。") {
					t.Errorf("text part = %v %q", leaves[0].params, leaves[0].body)
				}
			},
		},
		{
			name: "attachments and an inline image",
			file: "attachments.eml",
			modify: func(in *SimpleInput) {
				in.Text = &Content{Data: "See the attached report."}
				in.HTML = &Content{Data: `<p>See the attached report.</p><img src="cid:logo@example.com">`}
				in.Attachments = []Attachment{
					{RawContent: pngPixel, FileName: "logo.png", ContentDisposition: "INLINE", ContentID: "<logo@example.com>"},
					{RawContent: []byte("%PDF-1.4\n% fake\n"), FileName: "請求書 2026年3月.pdf", ContentDescription: "Invoice for March"},
					{RawContent: []byte("name,amount\nfoo,1\n"), FileName: "data.csv", ContentTransferEncoding: "QUOTED_PRINTABLE"},
					{RawContent: []byte("plain notes\n"), FileName: "notes.txt", ContentTransferEncoding: "SEVEN_BIT", ContentType: "text/plain; charset=us-ascii"},
				}
			},
			check: func(t *testing.T, leaves []leaf) {
				wantLeaves(t, leaves, "text/plain", "text/html", "image/png", "application/pdf", "text/csv", "text/plain")
				if leaves[2].body != string(pngPixel) || leaves[2].header.Get("Content-Id") != "<logo@example.com>" || leaves[2].disposition != "inline" {
					t.Errorf("inline image = %q %v", leaves[2].header.Get("Content-Id"), leaves[2].disposition)
				}
				if leaves[3].dispParams["filename"] != "請求書 2026年3月.pdf" || leaves[3].body != "%PDF-1.4\n% fake\n" {
					t.Errorf("pdf = %v %q", leaves[3].dispParams, leaves[3].body)
				}
				if leaves[4].body != "name,amount\r\nfoo,1\r\n" {
					t.Errorf("csv body = %q", leaves[4].body)
				}
			},
		},
		{
			name: "custom headers",
			file: "custom_headers.eml",
			modify: func(in *SimpleInput) {
				in.Text = &Content{Data: "Unsubscribe any time."}
				in.Headers = []Header{
					{Name: "List-Unsubscribe", Value: "<https://example.com/u/abc>, <mailto:unsub@example.com?subject=abc>"},
					{Name: "List-Unsubscribe-Post", Value: "List-Unsubscribe=One-Click"},
					{Name: "X-Campaign", Value: "spring-2026"},
					{Name: "X-Entity-Ref-ID", Value: "42"},
				}
			},
			check: func(t *testing.T, leaves []leaf) {
				wantLeaves(t, leaves, "text/plain")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := base(t)
			tt.modify(&in)
			msg, err := Simple(in)
			if err != nil {
				t.Fatalf("Simple: %v", err)
			}
			golden(t, tt.file, msg)
			checkWire(t, msg)
			h, leaves := readBack(t, msg)
			if got := h.Get("Message-Id"); got != "<"+in.MessageID+">" {
				t.Errorf("Message-ID = %q", got)
			}
			tt.check(t, leaves)

			// What Simple writes, ParseRaw accepts and reads the same.
			raw, err := ParseRaw(msg)
			if err != nil {
				t.Fatalf("ParseRaw(Simple(…)): %v", err)
			}
			if raw.Subject != in.Subject.Data || raw.From != in.From || raw.MessageID != in.MessageID {
				t.Errorf("ParseRaw read subject %q from %v id %q", raw.Subject, raw.From, raw.MessageID)
			}
		})
	}
}

// wantLeaves checks the media types of the leaves, in order.
func wantLeaves(t *testing.T, leaves []leaf, types ...string) {
	t.Helper()
	var got []string
	for _, l := range leaves {
		got = append(got, l.mediaType)
	}
	if strings.Join(got, " ") != strings.Join(types, " ") {
		t.Fatalf("parts = %v, want %v", got, types)
	}
}

func TestSimpleIsDeterministic(t *testing.T) {
	t.Parallel()
	in := base(t)
	in.Text = &Content{Data: "a"}
	in.HTML = &Content{Data: "<p>a</p>"}
	in.Rand = &countingRand{}
	a, err := Simple(in)
	if err != nil {
		t.Fatal(err)
	}
	in.Rand = &countingRand{}
	b, err := Simple(in)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Error("two runs with the same boundary source differ")
	}
	in.Rand = nil
	c, err := Simple(in)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a, c) {
		t.Error("crypto/rand boundaries equal the counting ones")
	}
}

func TestSimpleTextEncodings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, data, charset, wantCTE, wantCharset string
	}{
		{"ASCII is 7bit", "plain text\n", "", "7bit", "UTF-8"},
		{"a few accents are quoted-printable", "Caf\u00e9 au lait, s'il vous pla\u00eet", "UTF-8", "quoted-printable", "UTF-8"},
		{"Japanese is base64", "日本語のテキスト", "UTF-8", "base64", "UTF-8"},
		{"a line over 998 characters is quoted-printable", strings.Repeat("x", 1200), "", "quoted-printable", "UTF-8"},
		{"Latin-1 is transcoded", "Ol\u00e1", "iso-8859-1", "quoted-printable", "ISO-8859-1"},
		{"Shift_JIS is transcoded", "日本語", "shift_jis", "base64", "Shift_JIS"},
		{"the utf8 alias gets its registered name", "x", "utf8", "7bit", "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := base(t)
			in.Text = &Content{Data: tt.data, Charset: tt.charset}
			msg, err := Simple(in)
			if err != nil {
				t.Fatal(err)
			}
			checkWire(t, msg)
			_, leaves := readBack(t, msg)
			l := leaves[0]
			if cte := l.header.Get("Content-Transfer-Encoding"); cte != tt.wantCTE {
				t.Errorf("Content-Transfer-Encoding = %q, want %q", cte, tt.wantCTE)
			}
			if l.params["charset"] != tt.wantCharset {
				t.Errorf("charset = %q, want %q", l.params["charset"], tt.wantCharset)
			}
			if got := strings.TrimRight(l.body, "\r\n"); got != strings.TrimRight(tt.data, "\n") {
				t.Errorf("body read back = %q, want %q", got, tt.data)
			}
		})
	}
}

func TestSimpleSubjects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, data, charset string
	}{
		{"ASCII", "Quarterly report", ""},
		{"a long ASCII subject that must fold", strings.Repeat("word ", 60), ""},
		{"one long ASCII word", strings.Repeat("w", 1500), ""},
		{"a CRLF cannot inject a header", "Hi\r\nBcc: victim@example.com", ""},
		{"text that looks encoded", "=?UTF-8?B?SGk=?=", ""},
		{"emoji", "Sale 🎉🎉🎉 today", "UTF-8"},
		{"Latin-1", "Olá, señor", "ISO-8859-1"},
		{"characters Latin-1 lacks become ?", "Olá 日本", "ISO-8859-1"},
		{"Shift_JIS", strings.Repeat("日本語の件名", 8), "Shift_JIS"},
		{"ISO-2022-JP", strings.Repeat("日本語の件名", 8), "ISO-2022-JP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := base(t)
			in.Subject = Content{Data: tt.data, Charset: tt.charset}
			msg, err := Simple(in)
			if err != nil {
				t.Fatal(err)
			}
			checkWire(t, msg)
			raw, err := ParseRaw(msg)
			if err != nil {
				t.Fatalf("ParseRaw: %v", err)
			}
			want := strings.TrimSpace(tt.data)
			if tt.name == "characters Latin-1 lacks become ?" {
				want = "Olá ??"
			}
			if raw.Subject != want {
				t.Errorf("subject read back = %q, want %q", raw.Subject, want)
			}
			if len(raw.Recipients()) != 1 {
				t.Errorf("recipients = %v: the subject leaked a header", raw.Recipients())
			}
		})
	}
}

func TestSimpleWithoutBody(t *testing.T) {
	t.Parallel()
	msg, err := Simple(base(t))
	if err != nil {
		t.Fatal(err)
	}
	_, leaves := readBack(t, msg)
	wantLeaves(t, leaves, "text/plain")
}

func TestSimpleLongFileNameUsesContinuations(t *testing.T) {
	t.Parallel()
	in := base(t)
	name := strings.Repeat("とても長いファイル名", 20) + ".pdf"
	in.Attachments = []Attachment{{RawContent: []byte("x"), FileName: name}}
	msg, err := Simple(in)
	if err != nil {
		t.Fatal(err)
	}
	checkWire(t, msg)
	_, leaves := readBack(t, msg)
	if got := leaves[1].dispParams["filename"]; got != name {
		t.Errorf("filename read back = %q", got)
	}
}

func TestSimpleRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		modify func(in *SimpleInput)
		code   string
		msg    string
	}{
		{"a header SES sets", func(in *SimpleInput) { in.Headers = []Header{{Name: "From", Value: "x@example.com"}} },
			"BadRequestException", "Header 'From' is set by Amazon SES and cannot be given in Headers; use the request's own field for it."},
		{"a reserved header in another case", func(in *SimpleInput) { in.Headers = []Header{{Name: "mime-version", Value: "1.0"}} },
			"BadRequestException", "Header 'mime-version' is set by Amazon SES and cannot be given in Headers; use the request's own field for it."},
		{"a duplicate single-instance header", func(in *SimpleInput) {
			in.Headers = []Header{{Name: "List-Unsubscribe", Value: "<a>"}, {Name: "list-unsubscribe", Value: "<b>"}}
		}, "BadRequestException", "Duplicate header 'List-Unsubscribe'."},
		{"a name with a colon", func(in *SimpleInput) { in.Headers = []Header{{Name: "X:Y", Value: "v"}} },
			"BadRequestException", "Header name 'X:Y' is invalid: use 1 to 126 printable ASCII characters other than ':'."},
		{"a name with a space", func(in *SimpleInput) { in.Headers = []Header{{Name: "X Y", Value: "v"}} },
			"BadRequestException", "Header name 'X Y' is invalid: use 1 to 126 printable ASCII characters other than ':'."},
		{"a 127-character name", func(in *SimpleInput) { in.Headers = []Header{{Name: strings.Repeat("X", 127), Value: "v"}} },
			"BadRequestException", "Header name '" + strings.Repeat("X", 127) + "' is invalid: use 1 to 126 printable ASCII characters other than ':'."},
		{"an empty value", func(in *SimpleInput) { in.Headers = []Header{{Name: "X-A", Value: ""}} },
			"BadRequestException", "Header 'X-A' has an invalid value: use 1 to 995 printable ASCII characters; encode other text as RFC 2047 encoded words."},
		{"a value with a line break", func(in *SimpleInput) { in.Headers = []Header{{Name: "X-A", Value: "a\r\nBcc: b@example.com"}} },
			"BadRequestException", "Header 'X-A' has an invalid value: use 1 to 995 printable ASCII characters; encode other text as RFC 2047 encoded words."},
		{"a non-ASCII value", func(in *SimpleInput) { in.Headers = []Header{{Name: "X-A", Value: "日本"}} },
			"BadRequestException", "Header 'X-A' has an invalid value: use 1 to 995 printable ASCII characters; encode other text as RFC 2047 encoded words."},
		{"a 996-character value", func(in *SimpleInput) { in.Headers = []Header{{Name: "X", Value: strings.Repeat("v", 996)}} },
			"BadRequestException", "Header 'X' has an invalid value: use 1 to 995 printable ASCII characters; encode other text as RFC 2047 encoded words."},
		{"name and value over 996", func(in *SimpleInput) { in.Headers = []Header{{Name: "X-AB", Value: strings.Repeat("v", 995)}} },
			"BadRequestException", "Header 'X-AB' is too long: name and value together may hold at most 996 characters."},
		{"16 headers", func(in *SimpleInput) {
			for i := 0; i < 16; i++ {
				in.Headers = append(in.Headers, Header{Name: "X-N", Value: "v"})
			}
		}, "BadRequestException", "Too many headers: 16 given, at most 15 are allowed."},
		{"a blocked attachment", func(in *SimpleInput) {
			in.Attachments = []Attachment{{RawContent: []byte("MZ"), FileName: "setup.EXE"}}
		},
			"MessageRejected", "Attachment 'setup.EXE' has an unsupported file type (.exe). Amazon SES does not accept that extension; compress the file or send a link instead."},
		{"a blocked attachment with a trailing dot", func(in *SimpleInput) { in.Attachments = []Attachment{{RawContent: []byte("x"), FileName: "run.vbs."}} },
			"MessageRejected", "Attachment 'run.vbs.' has an unsupported file type (.vbs). Amazon SES does not accept that extension; compress the file or send a link instead."},
		{"an attachment without a name", func(in *SimpleInput) { in.Attachments = []Attachment{{RawContent: []byte("x")}} },
			"BadRequestException", "Every attachment needs a FileName."},
		{"a bad disposition", func(in *SimpleInput) {
			in.Attachments = []Attachment{{RawContent: []byte("x"), FileName: "a.txt", ContentDisposition: "EMBEDDED"}}
		}, "BadRequestException", "Attachment 'a.txt': ContentDisposition 'EMBEDDED' is not one of ATTACHMENT, INLINE."},
		{"a bad transfer encoding", func(in *SimpleInput) {
			in.Attachments = []Attachment{{RawContent: []byte("x"), FileName: "a.txt", ContentTransferEncoding: "BINARY"}}
		}, "BadRequestException", "Attachment 'a.txt': ContentTransferEncoding 'BINARY' is not one of BASE64, QUOTED_PRINTABLE, SEVEN_BIT."},
		{"8-bit data as SEVEN_BIT", func(in *SimpleInput) {
			in.Attachments = []Attachment{{RawContent: []byte("caf\xc3\xa9"), FileName: "a.txt", ContentTransferEncoding: "SEVEN_BIT"}}
		}, "BadRequestException", "Attachment 'a.txt' is not 7-bit text with lines of at most 998 characters; use ContentTransferEncoding BASE64 or QUOTED_PRINTABLE."},
		{"a bad content type", func(in *SimpleInput) {
			in.Attachments = []Attachment{{RawContent: []byte("x"), FileName: "a.bin", ContentType: "not a type"}}
		}, "BadRequestException", "Attachment 'a.bin': ContentType 'not a type' is not a media type such as application/pdf."},
		{"a multipart content type", func(in *SimpleInput) {
			in.Attachments = []Attachment{{RawContent: []byte("x"), FileName: "a.bin", ContentType: "multipart/mixed"}}
		}, "BadRequestException", "Attachment 'a.bin': ContentType 'multipart/mixed' cannot be multipart; attach the file's own type."},
		{"a content ID with a space", func(in *SimpleInput) {
			in.Attachments = []Attachment{{RawContent: []byte("x"), FileName: "a.png", ContentID: "my logo"}}
		}, "BadRequestException", "Attachment 'a.png': ContentId 'my logo' must be printable ASCII without spaces, such as logo@example.com."},
		{"a file name with a line break", func(in *SimpleInput) {
			in.Attachments = []Attachment{{RawContent: []byte("x"), FileName: "a\r\n.png"}}
		}, "BadRequestException", "Attachment 'a\r\n.png': FileName, ContentType and ContentId must not contain line breaks."},
		{"an unknown subject charset", func(in *SimpleInput) { in.Subject.Charset = "klingon-1" },
			"BadRequestException", "Unsupported charset 'klingon-1': use a registered charset such as UTF-8, ISO-8859-1 or Shift_JIS."},
		{"an unknown body charset", func(in *SimpleInput) { in.Text = &Content{Data: "x", Charset: "x-bogus"} },
			"BadRequestException", "Unsupported charset 'x-bogus': use a registered charset such as UTF-8, ISO-8859-1 or Shift_JIS."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := base(t)
			tt.modify(&in)
			_, err := Simple(in)
			wantFault(t, err, tt.code, tt.msg)
		})
	}
}

func TestSimpleNeedsIDDateAndFrom(t *testing.T) {
	t.Parallel()
	for name, modify := range map[string]func(in *SimpleInput){
		"a bad MessageID": func(in *SimpleInput) { in.MessageID = "not an id" },
		"no MessageID":    func(in *SimpleInput) { in.MessageID = "" },
		"no Date":         func(in *SimpleInput) { in.Date = time.Time{} },
		"no From":         func(in *SimpleInput) { in.From = address.Address{} },
	} {
		in := base(t)
		modify(&in)
		_, err := Simple(in)
		if err == nil || fault.As(err) != nil {
			t.Errorf("%s: error = %v, want a plain error", name, err)
		}
	}
}
