package feedback

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/transform"
)

func mustParse(t *testing.T, raw []byte) *Report {
	t.Helper()
	rep, err := Parse(raw)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return rep
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// want is the expected outcome for one recipient.
type want struct {
	addr, status string
	reason       Reason
	hard         bool
	sesType      string
	sesSub       string
}

func checkRecipients(t *testing.T, rep *Report, wants []want) {
	t.Helper()
	if len(rep.Recipients) != len(wants) {
		t.Fatalf("got %d recipients %+v, want %d", len(rep.Recipients), rep.Recipients, len(wants))
	}
	for i, w := range wants {
		r := rep.Recipients[i]
		if r.Address != w.addr || r.Status != w.status || r.Reason != w.reason || r.Hard != w.hard {
			t.Errorf("recipient %d = %s %s %s hard=%v, want %s %s %s hard=%v (diag %q)", i, r.Address, r.Status,
				r.Reason, r.Hard, w.addr, w.status, w.reason, w.hard, r.Diagnostic)
		}
		if w.sesType != "" && (r.SESBounceType != w.sesType || r.SESBounceSubType != w.sesSub) {
			t.Errorf("recipient %d SES = %s/%s, want %s/%s", i, r.SESBounceType, r.SESBounceSubType, w.sesType, w.sesSub)
		}
	}
}

func TestParseDSNWithSeveralRecipients(t *testing.T) {
	t.Parallel()
	raw := readTestdata(t, "dsn-multi.eml")
	for _, variant := range []struct {
		name string
		raw  []byte
	}{
		{"as written (LF)", raw},
		{"with CRLF line ends", bytes.ReplaceAll(raw, []byte("\n"), []byte("\r\n"))},
		{"with an mbox From line", append([]byte("From MAILER-DAEMON Tue Mar  4 10:00:02 2025\n"), raw...)},
	} {
		t.Run(variant.name, func(t *testing.T) {
			t.Parallel()
			rep := mustParse(t, variant.raw)
			if rep.Kind != KindBounce || rep.Format != "RFC3464" {
				t.Errorf("kind %s format %s, want Bounce RFC3464", rep.Kind, rep.Format)
			}
			checkRecipients(t, rep, []want{
				{"nobody@example.net", "5.1.1", ReasonUserUnknown, true, "Permanent", "General"},
				{"full.person@example.net", "4.2.2", ReasonMailboxFull, false, "Transient", "MailboxFull"},
				{"blocked@example.net", "5.7.1", ReasonBlocked, false, "Permanent", "General"},
			})
			if got := rep.Recipients[1].OriginalAddress; got != "Full.Person@example.org" {
				t.Errorf("original recipient %q", got)
			}
			if got := rep.Recipients[1].Action; got != "delayed" {
				t.Errorf("action %q, want delayed", got)
			}
			if got := rep.Recipients[0].RemoteMTA; got != "mailstore.example.net" {
				t.Errorf("remote MTA %q", got)
			}
			if got := rep.Recipients[0].LastAttempt; got.IsZero() || got.Minute() != 0 || got.Second() != 1 {
				t.Errorf("last attempt %v", got)
			}
			if got := rep.Recipients[2].Diagnostic; !strings.Contains(got, "blocked using zen.spamhaus.org") {
				t.Errorf("folded Diagnostic-Code not joined: %q", got)
			}
			o := rep.Original
			if o.MessageID != "0100018f3e0d1c2a-6f1c2b7e-2f4d-4c59-9a55-0d3f3b8e2c11-000000@us-east-1.example.com" {
				t.Errorf("original Message-ID %q", o.MessageID)
			}
			const verp = "b-aeaaddz6buocu3y4fn7c6tkmlgnfkdj7hohcyei-3-xjgbcq7r@bounces.example.com"
			if o.ReturnPath != verp || rep.ReturnedTo != verp {
				t.Errorf("return path %q, returned to %q, want the VERP address", o.ReturnPath, rep.ReturnedTo)
			}
			if o.Headers["X-Ses-Configuration-Set"] != "marketing" || o.Headers["Feedback-Id"] == "" {
				t.Errorf("original headers %v", o.Headers)
			}
			if rep.ReportingMTA != "mx.example.net" {
				t.Errorf("reporting MTA %q", rep.ReportingMTA)
			}
		})
	}
}

func TestParseComplaint(t *testing.T) {
	t.Parallel()
	rep := mustParse(t, readTestdata(t, "arf-redacted.eml"))
	if rep.Kind != KindComplaint || rep.Format != "ARF" {
		t.Fatalf("kind %s format %s, want Complaint ARF", rep.Kind, rep.Format)
	}
	// The provider redacted the complainant: the To: of the returned copy is
	// all there is.
	checkRecipients(t, rep, []want{{"redacted@isp.example", "", ReasonFeedback, false, "", ""}})
	c := rep.Complaint
	if c == nil || c.FeedbackType != "fraud" || c.SourceIP != "198.51.100.7" || c.UserAgent != "ExampleFBL/2.1" ||
		c.ReportedDomain != "example.com" || c.ArrivalDate.IsZero() ||
		c.OriginalMailFrom != "b-aeaaddz6buocu3y4fn7c6tkmlgnfkdj7hohcyei-3-xjgbcq7r@bounces.example.com" {
		t.Errorf("complaint %+v", c)
	}
	if rep.Recipients[0].FeedbackType != "fraud" {
		t.Errorf("feedback type %q", rep.Recipients[0].FeedbackType)
	}
}

func TestParseComplaintWithRecipients(t *testing.T) {
	t.Parallel()
	raw := strings.Replace(string(readTestdata(t, "arf-redacted.eml")), "Source-IP: 198.51.100.7\n",
		"Source-IP: 198.51.100.7\nOriginal-Rcpt-To: <one@isp.example>\nOriginal-Rcpt-To: two@isp.example\n", 1)
	rep := mustParse(t, []byte(raw))
	checkRecipients(t, rep, []want{
		{"one@isp.example", "", ReasonFeedback, false, "", ""},
		{"two@isp.example", "", ReasonFeedback, false, "", ""},
	})
	if rep.Recipients[1].FeedbackType != "fraud" {
		t.Errorf("second complainant's feedback type %q", rep.Recipients[1].FeedbackType)
	}
}

func TestParseAutoReply(t *testing.T) {
	t.Parallel()
	rep := mustParse(t, readTestdata(t, "autoreply.eml"))
	if rep.Kind != KindAutoReply || rep.Format != "RFC3834" {
		t.Fatalf("kind %s format %s", rep.Kind, rep.Format)
	}
	checkRecipients(t, rep, []want{{"kijitora@example.org", "", ReasonVacation, false, "Transient", "General"}})
	if rep.Original.Subject != "Your March newsletter" {
		t.Errorf("original subject %q", rep.Original.Subject)
	}
}

func TestParseNotMail(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", "\r\n\r\n", "From nobody Mon Jan  1 00:00:00 2024\n", "no header here at all"} {
		if _, err := Parse([]byte(in)); !errors.Is(err, ErrNotMail) {
			t.Errorf("Parse(%q) error %v, want ErrNotMail", in, err)
		}
	}
}

func TestParseOrdinaryMailIsUnknown(t *testing.T) {
	t.Parallel()
	rep := mustParse(t, []byte("From: a@example.com\nTo: b@example.org\nSubject: lunch?\n\nAt noon?\n"))
	if rep.Kind != KindUnknown || len(rep.Recipients) != 0 {
		t.Errorf("kind %s recipients %d, want Unknown and none", rep.Kind, len(rep.Recipients))
	}
}

// A report whose parts are only loosely MIME: no closing delimiter, a part
// header with a garbage line, a base64 delivery-status part, fields in lower
// case and "Final-Recipient: <addr>" without an address type.
func TestParseMalformedDSN(t *testing.T) {
	t.Parallel()
	msg := "From: MAILER-DAEMON@mx.example.net\nTo: bounce@example.com\nSubject: failure\n" +
		"Content-Type: multipart/report; report-type=delivery-status; boundary=XX\n\n" +
		"--XX\nContent-Type: text/plain\nthis line is not a header\n\nDelivery failed.\n\n" +
		"--XX\nContent-Type: message/delivery-status\nContent-Transfer-Encoding: base64\n\n" +
		b64("reporting-mta: dns; mx.example.net\n\nfinal-recipient: <gone@example.net>\naction: FAILED\n"+
			"status: 5.1.1\ndiagnostic-code: SMTP;550 5.1.1 mailbox unavailable\n") + "\n"
	rep := mustParse(t, []byte(msg))
	checkRecipients(t, rep, []want{{"gone@example.net", "5.1.1", ReasonUserUnknown, true, "Permanent", "General"}})
	if rep.Recipients[0].Action != "failed" {
		t.Errorf("action %q", rep.Recipients[0].Action)
	}
}

// Japanese carriers' bounces come in ISO-2022-JP; the reason text must be
// read after conversion.
func TestParseISO2022JP(t *testing.T) {
	t.Parallel()
	jis, _, err := transform.String(japanese.ISO2022JP.NewEncoder(), "宛先のメールボックスは容量超過です。\n")
	if err != nil {
		t.Fatal(err)
	}
	msg := "From: MAILER-DAEMON@mx.example.jp\nTo: bounce@example.com\nSubject: =?ISO-2022-JP?B?GyRCJSglaSE8GyhC?=\n" +
		"Content-Type: multipart/report; report-type=delivery-status; boundary=B\n\n" +
		"--B\nContent-Type: text/plain; charset=ISO-2022-JP\n\n" + jis + "\n" +
		"--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.jp\n\n" +
		"Final-Recipient: rfc822; hanako@example.jp\nAction: failed\nStatus: 5.2.2\n" +
		"Diagnostic-Code: smtp; 552 5.2.2 Mailbox full\n\n--B--\n"
	rep := mustParse(t, []byte(msg))
	checkRecipients(t, rep, []want{{"hanako@example.jp", "5.2.2", ReasonMailboxFull, false, "Transient", "MailboxFull"}})
	if rep.Subject != "エラー" {
		t.Errorf("subject %q, want the decoded encoded-word", rep.Subject)
	}
	if !strings.Contains(rep.Recipients[0].Diagnostic, "容量超過") {
		t.Errorf("diagnostic %q lacks the converted Japanese text", rep.Recipients[0].Diagnostic)
	}
}

// An Amazon SES notification delivered by an SNS email subscription.
func TestParseSESNotification(t *testing.T) {
	t.Parallel()
	msg := "From: AWS Notifications <no-reply@sns.amazonaws.com>\nTo: ops@example.com\n" +
		"Subject: AWS Notification Message\nContent-Type: text/plain; charset=UTF-8\n\n" +
		`{"notificationType":"Bounce","bounce":{"bounceType":"Permanent","bounceSubType":"General",` +
		`"bouncedRecipients":[{"emailAddress":"recipient@example.com","action":"failed","status":"5.1.1",` +
		`"diagnosticCode":"smtp; 550 5.1.1 user unknown"}],"timestamp":"2017-08-05T00:41:02.669Z",` +
		`"reportingMTA":"dsn; mta.example.com"},"mail":{"messageId":"EXAMPLE7c191be45-000000",` +
		`"commonHeaders":{"subject":"Hello"}}}` + "\n\n--\nIf you wish to stop receiving notifications...\n"
	rep := mustParse(t, []byte(msg))
	if rep.Format != "AmazonSES" {
		t.Fatalf("format %q", rep.Format)
	}
	checkRecipients(t, rep, []want{{"recipient@example.com", "5.1.1", ReasonUserUnknown, true, "Permanent", "General"}})
	if rep.Original.MessageID != "EXAMPLE7c191be45-000000" {
		t.Errorf("original message id %q", rep.Original.MessageID)
	}
}

// A Postfix bounce without the RFC 3464 part: the explanation alone must do.
func TestParsePostfixWithoutReport(t *testing.T) {
	t.Parallel()
	msg := "From: MAILER-DAEMON@mx.example.org (Mail Delivery System)\nTo: bounce@example.com\n" +
		"Subject: Undelivered Mail Returned to Sender\n\n" +
		"This is the mail system at host mx.example.org.\n\n" +
		"I'm sorry to have to inform you that your message could not\nbe delivered to one or more recipients.\n\n" +
		"                   The mail system\n\n" +
		"<who@example.net>: host mx.example.net[192.0.2.1] said: 550 5.1.1\n" +
		"    <who@example.net>: Recipient address rejected: User unknown in virtual\n" +
		"    mailbox table (in reply to RCPT TO command)\n"
	rep := mustParse(t, []byte(msg))
	if rep.Format != "Postfix" {
		t.Fatalf("format %q", rep.Format)
	}
	checkRecipients(t, rep, []want{{"who@example.net", "5.1.1", ReasonUserUnknown, true, "", ""}})
	r := rep.Recipients[0]
	if r.Command != "RCPT" || r.ReplyCode != "550" || r.RemoteMTA != "mx.example.net" {
		t.Errorf("command %q reply %q remote %q", r.Command, r.ReplyCode, r.RemoteMTA)
	}
}

// Only reasons about the address itself are hard; SES still calls any 5xx
// Permanent.
func TestHardIsNarrow(t *testing.T) {
	t.Parallel()
	cases := []struct {
		reason, evidence string
		hard             bool
	}{
		{"userunknown", "5.1.1", true},
		{"hostunknown", "", true},
		{"hasmoved", "5.1.6", true},
		{"notaccept", "5.1.10 550 null MX", true},
		{"notaccept", "4.3.2 451 try again", false},
		{"notaccept", "", true},
		{"blocked", "5.7.1 554 blocked using spamhaus", false},
		{"mailboxfull", "5.2.2", false},
		{"spamdetected", "5.7.1", false},
		{"policyviolation", "5.7.1", false},
		{"onhold", "5.0.0", false},
	}
	for _, c := range cases {
		if got := isHard(c.reason, c.evidence); got != c.hard {
			t.Errorf("isHard(%s, %q) = %v, want %v", c.reason, c.evidence, got, c.hard)
		}
	}
}

func b64(s string) string {
	const enc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	var out strings.Builder
	b := []byte(s)
	for i := 0; i < len(b); i += 3 {
		var n uint32
		k := min(3, len(b)-i)
		for j := 0; j < 3; j++ {
			n <<= 8
			if j < k {
				n |= uint32(b[i+j])
			}
		}
		for j := 0; j < 4; j++ {
			if j <= k {
				out.WriteByte(enc[(n>>(18-6*uint(j)))&63])
			} else {
				out.WriteByte('=')
			}
		}
		if (i/3+1)%19 == 0 {
			out.WriteByte('\n')
		}
	}
	return out.String()
}
