package compose

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hikyaku/hikyaku/internal/address"
)

// readRaw reads a message from testdata/raw.
func readRaw(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "raw", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseRawCollects(t *testing.T) {
	t.Parallel()
	t.Run("a Thunderbird message", func(t *testing.T) {
		t.Parallel()
		r, err := ParseRaw(readRaw(t, "thunderbird.eml"))
		if err != nil {
			t.Fatal(err)
		}
		if r.From != mustParse(t, "Petra Weber <petra@example.org>") {
			t.Errorf("From = %#v", r.From)
		}
		wantAddrs(t, "To", r.To, "Jürgen Müller <juergen@example.net>", `"Schmidt, Anna" <anna.schmidt@example.net>`)
		wantAddrs(t, "Cc", r.Cc, "team@example.org")
		if r.Subject != "Protokoll der Sitzung vom März" {
			t.Errorf("Subject = %q", r.Subject)
		}
		if r.MessageID != "b7f3c1a2-4d5e-6f70-8192-a3b4c5d6e7f8@example.org" {
			t.Errorf("MessageID = %q", r.MessageID)
		}
		if r.ConfigurationSet != "newsletters" {
			t.Errorf("ConfigurationSet = %q", r.ConfigurationSet)
		}
		if want := []Tag{{"campaign", "march"}, {"team", "sales"}}; !reflect.DeepEqual(r.Tags, want) {
			t.Errorf("Tags = %v, want %v", r.Tags, want)
		}
	})
	t.Run("an Outlook message with an attachment and Bcc", func(t *testing.T) {
		t.Parallel()
		r, err := ParseRaw(readRaw(t, "outlook_attachment.eml"))
		if err != nil {
			t.Fatal(err)
		}
		if len(r.To) != 0 {
			t.Errorf("To = %v, want none (an empty group)", r.To)
		}
		wantAddrs(t, "Bcc", r.Bcc, "audit@example.com", "archive@example.com")
		wantAddrs(t, "Recipients", r.Recipients(), "audit@example.com", "archive@example.com")
		if r.ReturnPath == nil || r.ReturnPath.String() != "bounces@example.com" {
			t.Errorf("ReturnPath = %v", r.ReturnPath)
		}
		arn := "arn:aws:ses:us-east-1:123456789012:identity/example.com"
		if r.SourceARN != arn || r.FromARN != arn || r.ReturnPathARN != arn {
			t.Errorf("ARNs = %q %q %q", r.SourceARN, r.FromARN, r.ReturnPathARN)
		}
	})
	t.Run("a message with LF line endings", func(t *testing.T) {
		t.Parallel()
		r, err := ParseRaw(readRaw(t, "lf_only.eml"))
		if err != nil {
			t.Fatal(err)
		}
		if r.Subject != "disk usage 91% on db-1" {
			t.Errorf("Subject = %q", r.Subject)
		}
		if want := (&ListManagement{ContactListName: "ops-list", TopicName: "alerts"}); !reflect.DeepEqual(r.ListManagement, want) {
			t.Errorf("ListManagement = %+v", r.ListManagement)
		}
	})
	t.Run("a message without a body", func(t *testing.T) {
		t.Parallel()
		r, err := ParseRaw(readRaw(t, "no_body.eml"))
		if err != nil {
			t.Fatal(err)
		}
		if r.Subject != "header only" {
			t.Errorf("Subject = %q", r.Subject)
		}
	})
}

// wantAddrs compares parsed addresses with the addresses written in want.
func wantAddrs(t *testing.T, what string, got []address.Address, want ...string) {
	t.Helper()
	var w []address.Address
	for _, s := range want {
		w = append(w, mustParse(t, s))
	}
	if !reflect.DeepEqual(got, w) {
		t.Errorf("%s = %v, want %v", what, got, w)
	}
}

func TestParseRawAccepts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, msg string
	}{
		{"white space before the colon (obs-optional)", "From : a@example.com\r\n\r\nbody"},
		{"a folded From", "From: Jane\r\n Doe <jane@example.com>\r\n\r\n"},
		{"repeated fields SES lets repeat", "From: a@example.com\r\nReceived: x\r\nReceived: y\r\nX-Tag: 1\r\nX-Tag: 2\r\n\r\n"},
		{"an 8-bit header value (RFC 6532)", "From: 名前 <a@example.com>\r\nSubject: 日本語\r\n\r\n"},
		{"a line of exactly 998 characters", "From: a@example.com\r\n\r\n" + strings.Repeat("x", 998) + "\r\n"},
		{"a final body line without a line ending", "From: a@example.com\r\n\r\n" + strings.Repeat("x", 998)},
		{"a multipart with no boundary parameter", "From: a@example.com\r\nContent-Type: multipart/mixed\r\n\r\nwhatever"},
		{"a malformed Content-Type", "From: a@example.com\r\nContent-Type: ;;;\r\n\r\ntext"},
		{"a multipart with a missing closing boundary", "From: a@example.com\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n"},
		{"an allowed attachment", "From: a@example.com\r\nContent-Type: application/zip; name=archive.zip\r\nContent-Disposition: attachment; filename=archive.zip\r\n\r\nUEsDBA==\r\n"},
		{"a Return-Path of <>", "From: a@example.com\r\nReturn-Path: <>\r\n\r\n"},
		{"an undecodable subject is kept as written", "From: a@example.com\r\nSubject: =?x-unknown?B?AAAA?=\r\n\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := ParseRaw([]byte(tt.msg)); err != nil {
				t.Fatalf("ParseRaw: %v", err)
			}
		})
	}
}

func TestParseRawRefuses(t *testing.T) {
	t.Parallel()
	const (
		bad = "BadRequestException"
		rej = "MessageRejected"
	)
	mixed := func(parts ...string) string {
		return "From: a@example.com\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\n" +
			strings.Join(parts, "\r\n--b1\r\n") + "\r\n--b1--\r\n"
	}
	tests := []struct {
		name, msg, code, want string
	}{
		{"an empty message", "", bad, "Missing required header 'From'."},
		{"no From", "To: b@example.com\r\nSubject: x\r\n\r\nbody", bad, "Missing required header 'From'."},
		{"an empty From", "From: \r\n\r\nbody", bad, "Missing required header 'From'."},
		{"a From only in the body", "Subject: x\r\n\r\nFrom: a@example.com", bad, "Missing required header 'From'."},
		{"a duplicate Subject", "From: a@example.com\r\nSubject: a\r\nSubject: b\r\n\r\n", bad, "Duplicate header 'Subject'."},
		{"a duplicate in other case", "From: a@example.com\r\nmessage-id: <a@b>\r\nMessage-Id: <c@d>\r\n\r\n", bad, "Duplicate header 'Message-ID'."},
		{"a duplicate MIME-Version", "MIME-Version: 1.0\r\nFrom: a@example.com\r\nMime-Version: 1.0\r\n\r\n", bad, "Duplicate header 'MIME-Version'."},
		{"a duplicate DKIM-Signature", "From: a@example.com\r\nDKIM-Signature: a\r\nDKIM-Signature: b\r\n\r\n", bad, "Duplicate header 'DKIM-Signature'."},
		{"a duplicate Precedence", "From: a@example.com\r\nPrecedence: list\r\nPrecedence: bulk\r\n\r\n", bad, "Duplicate header 'Precedence'."},
		{"a duplicate To", "From: a@example.com\r\nTo: b@example.com\r\nTo: c@example.com\r\n\r\n", bad, "Duplicate header 'To'."},
		{"body text where a header belongs", "From: a@example.com\r\n<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0\" \"http://www.w3.org\">\r\n\r\n", bad,
			"Illegal header '<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0\" \"http'."},
		{"a line without a colon", "From: a@example.com\r\nhello world\r\n\r\n", bad, "Illegal header 'hello world'."},
		{"an empty header name", "From: a@example.com\r\n: value\r\n\r\n", bad, "Empty header names are illegal."},
		{"a space in a header name", "From: a@example.com\r\nX Bad: value\r\n\r\n", bad, "Illegal header 'X Bad'."},
		{"a continuation line first", " From: a@example.com\r\n\r\n", bad, "Illegal header 'From: a@example.com'."},
		{"a bare CR in a header", "From: a@example.com\r\nSubject: a\rb\r\n\r\n", bad,
			"Header 'Subject' contains a bare CR or a NUL; header lines must end with CRLF and hold text only."},
		{"a header line over 998 characters", "From: a@example.com\r\nX-Long: " + strings.Repeat("x", 991) + "\r\n\r\n", bad,
			"Line 2 is 999 characters long; lines may hold at most 998 characters before CRLF (RFC 5321). Fold long header fields and use quoted-printable or base64 for long body lines."},
		{"a body line over 998 characters", "From: a@example.com\r\n\r\nshort\r\n" + strings.Repeat("x", 1200) + "\r\n", bad,
			"Line 4 is 1200 characters long; lines may hold at most 998 characters before CRLF (RFC 5321). Fold long header fields and use quoted-printable or base64 for long body lines."},
		{"a bad From", "From: not an address\r\n\r\n", bad, "Local address contains control or whitespace"},
		{"a bad To", "From: a@example.com\r\nTo: b@example.com, c@\r\n\r\n", bad, "Missing domain"},
		{"a bad Cc", "From: a@example.com\r\nCc: x@exa_mple.com\r\n\r\n", bad, "Domain contains illegal character"},
		{"a bad Bcc", "From: a@example.com\r\nBcc: x@example.com.\r\n\r\n", bad, "Domain ends with dot"},
		{"a bad Sender", "From: a@example.com\r\nSender: a@example.com, b@example.com\r\n\r\n", bad, "Illegal address"},
		{"a bad tag", "From: a@example.com\r\nX-SES-MESSAGE-TAGS: ok=1, bad\r\n\r\n", bad,
			"Invalid message tag 'bad' in X-SES-MESSAGE-TAGS: write name=value pairs separated by commas, using only ASCII letters, digits, '_' and '-' (at most 256 characters each)."},
		{"a tag with a space", "From: a@example.com\r\nX-SES-MESSAGE-TAGS: my tag=1\r\n\r\n", bad,
			"Invalid message tag 'my tag=1' in X-SES-MESSAGE-TAGS: write name=value pairs separated by commas, using only ASCII letters, digits, '_' and '-' (at most 256 characters each)."},
		{"list options without a list", "From: a@example.com\r\nX-SES-LIST-MANAGEMENT-OPTIONS: ; topic=t\r\n\r\n", bad,
			"Invalid X-SES-LIST-MANAGEMENT-OPTIONS '; topic=t': write the contact list name, optionally followed by '; topic=<topic name>'."},
		{"list options with an unknown key", "From: a@example.com\r\nX-SES-LIST-MANAGEMENT-OPTIONS: l; color=red\r\n\r\n", bad,
			"Invalid X-SES-LIST-MANAGEMENT-OPTIONS 'l; color=red': write the contact list name, optionally followed by '; topic=<topic name>'."},
		{"a blocked top-level attachment", "From: a@example.com\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"setup.exe\"\r\n\r\nMZ", rej,
			"Attachment 'setup.exe' has an unsupported file type (.exe). Amazon SES does not accept that extension; compress the file or send a link instead."},
		{"a blocked attachment in a multipart", mixed("Content-Type: text/plain\r\n\r\nhi", "Content-Type: application/x-msdownload; name=\"tool.msi\"\r\n\r\nxx"), rej,
			"Attachment 'tool.msi' has an unsupported file type (.msi). Amazon SES does not accept that extension; compress the file or send a link instead."},
		{"a blocked attachment named in RFC 2231", mixed("Content-Type: text/plain\r\n\r\nhi", "Content-Disposition: attachment; filename*=UTF-8''%E8%AB%8B%E6%B1%82.js\r\n\r\nxx"), rej,
			"Attachment '請求.js' has an unsupported file type (.js). Amazon SES does not accept that extension; compress the file or send a link instead."},
		{"a blocked attachment named in an encoded word", mixed("Content-Type: application/octet-stream; name=\"=?UTF-8?B?cnVuLmJhdA==?=\"\r\n\r\nxx"), rej,
			"Attachment 'run.bat' has an unsupported file type (.bat). Amazon SES does not accept that extension; compress the file or send a link instead."},
		{"a blocked attachment in a nested multipart", mixed("Content-Type: multipart/alternative; boundary=b2\r\n\r\n--b2\r\nContent-Type: text/plain\r\n\r\nx\r\n--b2\r\nContent-Disposition: inline; filename=macro.vbs\r\n\r\ny\r\n--b2--"), rej,
			"Attachment 'macro.vbs' has an unsupported file type (.vbs). Amazon SES does not accept that extension; compress the file or send a link instead."},
		{"a blocked attachment in a malformed field", mixed("Content-Disposition: attachment; filename=\"evil.scr\"; filename=\"x.txt\"; ===\r\n\r\nxx"), rej,
			"Attachment 'evil.scr' has an unsupported file type (.scr). Amazon SES does not accept that extension; compress the file or send a link instead."},
		{"a blocked attachment in LF-only MIME", strings.ReplaceAll(mixed("Content-Type: text/plain\r\n\r\nhi", "Content-Disposition: attachment; filename=a.cmd\r\n\r\nxx"), "\r\n", "\n"), rej,
			"Attachment 'a.cmd' has an unsupported file type (.cmd). Amazon SES does not accept that extension; compress the file or send a link instead."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseRaw([]byte(tt.msg))
			wantFault(t, err, tt.code, tt.want)
		})
	}
}
