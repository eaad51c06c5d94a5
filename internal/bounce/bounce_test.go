package bounce

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hikyaku/hikyaku/internal/clock"
	"github.com/hikyaku/hikyaku/internal/msgid"
	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/store/sqlite"
	"github.com/hikyaku/hikyaku/internal/verp"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

type fixture struct {
	p    *Processor
	st   store.Store
	acct *store.Account
	msg  *store.Message
	now  time.Time
}

// newFixture makes a store with an account suppressing reasons and one
// delivered message to alice@example.net and bob@example.net.
func newFixture(t *testing.T, reasons ...string) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clk := clock.NewFake(time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC))
	now := clk.Now()
	acct := &store.Account{ID: "111122223333", Name: "t", Production: true, SendingEnabled: true,
		EnforcementStatus: "HEALTHY", MaxSendRate: -1, Max24HourSend: -1, SuppressedReasons: reasons,
		CreatedAt: now, UpdatedAt: now}
	if err := st.CreateAccount(ctx, acct); err != nil {
		t.Fatal(err)
	}
	id := msgid.New(now)
	body := "Message-ID: " + msgid.Header(id, "us-east-1.hikyaku.test") + "\r\nFrom: news@example.com\r\nSubject: hi\r\n\r\nhello\r\n"
	msg := &store.Message{ID: id, AccountID: acct.ID, Source: "news@example.com", FromHeader: "news@example.com",
		Subject: "hi", Origin: "api-v2", CreatedAt: now, Size: len(body), Body: []byte(body)}
	for i, a := range []string{"alice@example.net", "bob@example.net"} {
		msg.Recipients = append(msg.Recipients, store.Recipient{MessageID: id, Index: i, Address: a,
			Domain: "example.net", Status: store.RcptDelivered, UpdatedAt: now})
	}
	if err := st.InsertMessage(ctx, msg); err != nil {
		t.Fatal(err)
	}
	return &fixture{p: &Processor{Store: st, VERPKey: testKey, Clock: clk}, st: st, acct: acct, msg: msg, now: now}
}

func (f *fixture) verp(index int) string {
	return verp.Encode(f.msg.ID, index, "bounces.hikyaku.test", testKey)
}

func (f *fixture) recipient(t *testing.T, index int) store.Recipient {
	t.Helper()
	m, err := f.st.GetMessage(context.Background(), f.msg.ID)
	if err != nil {
		t.Fatal(err)
	}
	return m.Recipients[index]
}

func (f *fixture) stats(t *testing.T) store.StatBucket {
	t.Helper()
	bs, err := f.st.Stats(context.Background(), f.acct.ID, f.now.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var sum store.StatBucket
	for _, b := range bs {
		sum.Bounces += b.Bounces
		sum.Complaints += b.Complaints
	}
	return sum
}

func (f *fixture) suppressed(t *testing.T, addr string) *store.Suppressed {
	t.Helper()
	got, err := f.st.GetSuppressed(context.Background(), f.acct.ID, []string{addr})
	if err != nil {
		t.Fatal(err)
	}
	return got[addr]
}

// dsn is an RFC 3464 report sent to returnPath about rcpt.
func dsn(returnPath, rcpt, status, diag, messageID string) []byte {
	return []byte(strings.ReplaceAll(fmt.Sprintf(`From: MAILER-DAEMON@mx.example.net
To: %[1]s
Subject: Undelivered Mail Returned to Sender
Date: Sun, 22 Nov 2026 10:05:00 +0000
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

--b1
Content-Type: text/plain

Your message could not be delivered.

--b1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; %[2]s
Action: failed
Status: %[3]s
Remote-MTA: dns; mailbox.example.net
Diagnostic-Code: smtp; %[4]s

--b1
Content-Type: text/rfc822-headers

Return-Path: <%[1]s>
Message-ID: %[5]s
From: news@example.com
To: %[2]s
Subject: hi

--b1--
`, returnPath, rcpt, status, diag, messageID), "\n", "\r\n"))
}

func TestProcessBounce(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		status, diag   string
		byMessageID    bool
		reasons        []string
		wantType       string
		wantSuppressed bool
	}{
		{"an unknown user through VERP is a hard bounce and suppressed", "5.1.1", "550 5.1.1 <bob@example.net>: user unknown",
			false, []string{store.ReasonBounce}, "Permanent", true},
		{"an unknown user matched by Message-ID is suppressed too", "5.1.1", "550 5.1.1 <bob@example.net>: user unknown",
			true, []string{store.ReasonBounce}, "Permanent", true},
		{"an account not suppressing bounces keeps the address", "5.1.1", "550 5.1.1 <bob@example.net>: user unknown",
			false, []string{store.ReasonComplaint}, "Permanent", false},
		{"a full mailbox is a bounce but not suppressed", "5.2.2", "552 5.2.2 <bob@example.net>: mailbox full",
			false, []string{store.ReasonBounce}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, tt.reasons...)
			rcptTo := []string{f.verp(1)}
			retPath := f.verp(1)
			if tt.byMessageID {
				rcptTo, retPath = []string{"bounces@hikyaku.test"}, "bounces@hikyaku.test"
			}
			raw := dsn(retPath, "bob@example.net", tt.status, tt.diag, msgid.Header(f.msg.ID, "us-east-1.hikyaku.test"))
			if err := f.p.Process(context.Background(), raw, rcptTo); err != nil {
				t.Fatalf("Process: %v", err)
			}
			r := f.recipient(t, 1)
			if r.Status != store.RcptBounced || r.Outcome.Status != tt.status || r.Outcome.RemoteMTA == "" || r.Outcome.Diagnostic == "" {
				t.Errorf("recipient = %s %+v, want bounced with status %s", r.Status, r.Outcome, tt.status)
			}
			if tt.wantType != "" && r.Outcome.BounceType != tt.wantType {
				t.Errorf("bounce type = %q, want %q", r.Outcome.BounceType, tt.wantType)
			}
			if other := f.recipient(t, 0); other.Status != store.RcptDelivered {
				t.Errorf("the other recipient became %s", other.Status)
			}
			if s := f.stats(t); s.Bounces != 1 {
				t.Errorf("bounces = %d, want 1", s.Bounces)
			}
			sup := f.suppressed(t, "bob@example.net")
			if (sup != nil) != tt.wantSuppressed {
				t.Fatalf("suppressed = %+v, want %v", sup, tt.wantSuppressed)
			}
			if sup != nil && (sup.Reason != store.ReasonBounce || sup.MessageID != f.msg.ID) {
				t.Errorf("suppression entry = %+v", sup)
			}
		})
	}
}

func TestProcessTheSameBounceTwiceCountsOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t, store.ReasonBounce)
	raw := dsn(f.verp(0), "alice@example.net", "5.1.1", "550 5.1.1 user unknown", "<x@y>")
	for range 2 {
		if err := f.p.Process(context.Background(), raw, []string{f.verp(0)}); err != nil {
			t.Fatal(err)
		}
	}
	if s := f.stats(t); s.Bounces != 1 {
		t.Errorf("bounces = %d, want 1", s.Bounces)
	}
}

func TestProcessComplaint(t *testing.T) {
	t.Parallel()
	f := newFixture(t, store.ReasonBounce, store.ReasonComplaint)
	raw := []byte(strings.ReplaceAll(`From: Feedback Loop <fbl@isp.example>
To: complaints@hikyaku.test
Subject: FW: hi
Date: Sun, 22 Nov 2026 11:00:00 +0000
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="arf"

--arf
Content-Type: text/plain

This is an email abuse report.

--arf
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: ExampleFBL/2.1
Version: 1
Original-Mail-From: <`+f.verp(0)+`>
Arrival-Date: Sun, 22 Nov 2026 10:00:01 +0000

--arf
Content-Type: message/rfc822

Return-Path: <`+f.verp(0)+`>
Message-ID: `+msgid.Header(f.msg.ID, "us-east-1.hikyaku.test")+`
From: news@example.com
To: redacted@isp.example
Subject: hi

hello

--arf--
`, "\n", "\r\n"))
	if err := f.p.Process(context.Background(), raw, []string{"complaints@hikyaku.test"}); err != nil {
		t.Fatalf("Process: %v", err)
	}
	r := f.recipient(t, 0)
	if r.Status != store.RcptComplained || r.Outcome.ComplaintFeedbackType != "abuse" {
		t.Errorf("recipient = %s %+v, want complained (abuse)", r.Status, r.Outcome)
	}
	if s := f.stats(t); s.Complaints != 1 || s.Bounces != 0 {
		t.Errorf("stats = %+v, want one complaint", s)
	}
	if sup := f.suppressed(t, "alice@example.net"); sup == nil || sup.Reason != store.ReasonComplaint {
		t.Errorf("suppressed = %+v, want COMPLAINT", sup)
	}
}

func TestProcessAutoReplyChangesNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t, store.ReasonBounce, store.ReasonComplaint)
	raw := []byte("From: Alice <alice@example.net>\r\nTo: " + f.verp(0) + "\r\nSubject: Out of Office: hi\r\n" +
		"Auto-Submitted: auto-replied\r\nDate: Sun, 22 Nov 2026 10:01:00 +0000\r\n\r\nI am away until Monday.\r\n")
	if err := f.p.Process(context.Background(), raw, []string{f.verp(0)}); err != nil {
		t.Fatalf("Process: %v", err)
	}
	if r := f.recipient(t, 0); r.Status != store.RcptDelivered {
		t.Errorf("status = %s, want delivered", r.Status)
	}
	if s := f.stats(t); s.Bounces+s.Complaints != 0 {
		t.Errorf("stats = %+v, want none", s)
	}
}

func TestProcessUnmatched(t *testing.T) {
	t.Parallel()
	f := newFixture(t, store.ReasonBounce)
	other := verp.Encode(msgid.New(f.now), 0, "bounces.hikyaku.test", testKey) // a message the store lacks
	forged := verp.Encode(f.msg.ID, 0, "bounces.hikyaku.test", []byte("another key, another node ......"))
	tests := []struct {
		name string
		raw  []byte
		to   string
	}{
		{"a bounce for an unknown message", dsn(other, "x@example.net", "5.1.1", "550 user unknown", "<nope@example.net>"), other},
		{"a bounce with a forged VERP tag", dsn(forged, "alice@example.net", "5.1.1", "550 user unknown", "<nope@example.net>"), forged},
		{"plain mail", []byte("From: a@b.example\r\nTo: c@d.example\r\nSubject: hello\r\n\r\nhi\r\n"), "c@d.example"},
		{"not mail at all", []byte("\x00\x01garbage"), "c@d.example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := f.p.Process(context.Background(), tt.raw, []string{tt.to})
			if !errors.Is(err, ErrUnmatched) {
				t.Fatalf("Process = %v, want ErrUnmatched", err)
			}
		})
	}
	if r := f.recipient(t, 0); r.Status != store.RcptDelivered {
		t.Errorf("status = %s, want delivered", r.Status)
	}
}

func TestBouncesAndDelaysAreLoggedAsSESEvents(t *testing.T) {
	t.Parallel()
	f := newFixture(t, store.ReasonBounce)
	ctx := context.Background()
	delayed := strings.Replace(string(dsn(f.verp(1), "bob@example.net", "4.2.2", "452 4.2.2 mailbox full", "<x@y>")),
		"Action: failed", "Action: delayed", 1)
	if err := f.p.Process(ctx, []byte(delayed), []string{f.verp(1)}); err != nil {
		t.Fatal(err)
	}
	if r := f.recipient(t, 1); r.Status == store.RcptBounced {
		t.Fatalf("a delay report bounced the recipient")
	}
	if err := f.p.Process(ctx, dsn(f.verp(1), "bob@example.net", "5.1.1", "550 5.1.1 user unknown", "<x@y>"), []string{f.verp(1)}); err != nil {
		t.Fatal(err)
	}
	evs, _, err := f.p.Store.SearchEvents(ctx, store.EventFilter{AccountID: f.msg.AccountID, MessageID: f.msg.ID})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range evs {
		got = append(got, e.Type+" "+e.Subtype+" "+e.Recipient)
	}
	want := []string{"Bounce Permanent/General bob@example.net", "DeliveryDelay MailboxFull bob@example.net"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("events = %q, want %q", got, want)
	}
}
