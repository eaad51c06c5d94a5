package intake

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hikyaku/hikyaku/internal/clock"
	"github.com/hikyaku/hikyaku/internal/fault"
	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/store/sqlite"
)

// verified is a Verifier over a fixed set of names.
type verified map[string]bool

func (v verified) IsVerified(_ context.Context, _ string, addr string) (bool, error) {
	if v[addr] {
		return true, nil
	}
	if at := strings.LastIndexByte(addr, '@'); at >= 0 && v[addr[at+1:]] {
		return true, nil
	}
	return false, nil
}

type fixture struct {
	in    *Intake
	st    store.Store
	clock *clock.Fake
	acct  *store.Account
}

func newFixture(t *testing.T, production bool, rate, daily float64) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clk := clock.NewFake(time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC))
	acct := &store.Account{ID: "111122223333", Name: "t", Production: production, SendingEnabled: true,
		EnforcementStatus: "HEALTHY", MaxSendRate: rate, Max24HourSend: daily, CreatedAt: clk.Now(), UpdatedAt: clk.Now()}
	if err := st.CreateAccount(ctx, acct); err != nil {
		t.Fatal(err)
	}
	v := verified{"example.com": true, "friend@other.test": true}
	in := New(st, v, clk, slog.New(slog.DiscardHandler), Options{Region: "us-east-1", Hostname: "hikyaku.test"})
	return &fixture{in: in, st: st, clock: clk, acct: acct}
}

func (f *fixture) send(to ...string) (string, error) {
	return f.in.Send(context.Background(), &Request{
		Account: f.acct, Origin: "api-v2", MaxSize: MaxSizeV2, From: "news@example.com", To: to,
		Simple: &Simple{Subject: "hi", Text: "hello"},
	})
}

func code(err error) string {
	if f := fault.As(err); f != nil {
		return f.Code
	}
	if err != nil {
		return "non-fault: " + err.Error()
	}
	return ""
}

func TestPolicy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		production bool
		to         []string
		from       string
		want       string
	}{
		{"a verified domain may send to anyone in production", true, []string{"x@anywhere.test"}, "news@example.com", ""},
		{"an unverified sender is rejected", true, []string{"x@anywhere.test"}, "news@unverified.test", "MessageRejected"},
		{"the sandbox refuses unverified recipients", false, []string{"x@anywhere.test"}, "news@example.com", "MessageRejected"},
		{"the sandbox allows verified recipients", false, []string{"friend@other.test"}, "news@example.com", ""},
		{"the sandbox allows the simulator", false, []string{"bounce+1@simulator.amazonses.com"}, "news@example.com", ""},
		{"51 recipients are too many", true, manyAddrs(51), "news@example.com", "BadRequestException"},
		{"50 recipients are fine", true, manyAddrs(50), "news@example.com", ""},
		{"a malformed recipient rejects the whole message", true, []string{"ok@a.test", "bad@@b"}, "news@example.com", "any"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, tt.production, -1, -1)
			_, err := f.in.Send(context.Background(), &Request{Account: f.acct, Origin: "api-v2", MaxSize: MaxSizeV2,
				From: tt.from, To: tt.to, Simple: &Simple{Subject: "s", Text: "t"}})
			got := code(err)
			if tt.want == "any" {
				if err == nil || fault.As(err) == nil {
					t.Fatalf("err = %v, want a fault", err)
				}
				return
			}
			if got != tt.want {
				t.Fatalf("code = %q (%v), want %q", got, err, tt.want)
			}
		})
	}
}

func manyAddrs(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "r" + strings.Repeat("x", i%5) + string(rune('a'+i%26)) + "@d" + string(rune('a'+i/26)) + ".test"
	}
	return out
}

func TestSendRateIsEnforcedPerRecipientAndRefills(t *testing.T) {
	t.Parallel()
	f := newFixture(t, true, 2, -1)
	if _, err := f.send("a@x.test", "b@x.test"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.send("c@x.test"); code(err) != "TooManyRequestsException" {
		t.Fatalf("third recipient within a second: %v", err)
	}
	f.clock.Advance(500 * time.Millisecond)
	if _, err := f.send("c@x.test"); err != nil {
		t.Fatalf("after half a second at 2/s: %v", err)
	}
}

func TestDailyQuotaCountsRecipientsOverTwentyFourHours(t *testing.T) {
	t.Parallel()
	f := newFixture(t, true, -1, 3)
	if _, err := f.send("a@x.test", "b@x.test"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.send("c@x.test", "d@x.test"); code(err) != "LimitExceededException" {
		t.Fatalf("over the daily quota: %v", err)
	}
	if _, err := f.send("c@x.test"); err != nil {
		t.Fatalf("exactly at the quota: %v", err)
	}
	// Simulator recipients do not count toward the daily quota.
	if _, err := f.send("success@simulator.amazonses.com"); err != nil {
		t.Fatalf("simulator at a full quota: %v", err)
	}
	f.clock.Advance(24*time.Hour + 15*time.Minute)
	if _, err := f.send("e@x.test", "f@x.test", "g@x.test"); err != nil {
		t.Fatalf("a day later: %v", err)
	}
	n, err := f.in.SentLast24Hours(context.Background(), f.acct.ID)
	if err != nil || n != 3 {
		t.Fatalf("SentLast24Hours = %d, %v; want 3", n, err)
	}
}

func TestDailyQuotaSurvivesARestart(t *testing.T) {
	t.Parallel()
	f := newFixture(t, true, -1, 2)
	if _, err := f.send("a@x.test", "b@x.test"); err != nil {
		t.Fatal(err)
	}
	// A new Intake on the same store (a restarted server) sees the count.
	in2 := New(f.st, verified{"example.com": true}, f.clock, slog.New(slog.DiscardHandler), Options{Region: "us-east-1", Hostname: "h"})
	_, err := in2.Send(context.Background(), &Request{Account: f.acct, Origin: "api-v2", MaxSize: MaxSizeV2,
		From: "news@example.com", To: []string{"c@x.test"}, Simple: &Simple{Subject: "s", Text: "t"}})
	if code(err) != "LimitExceededException" {
		t.Fatalf("after restart: %v", err)
	}
}

func TestSuppressedRecipientsAreAcceptedButNotSent(t *testing.T) {
	t.Parallel()
	f := newFixture(t, true, -1, -1)
	ctx := context.Background()
	if err := f.st.PutSuppressed(ctx, &store.Suppressed{AccountID: f.acct.ID, Address: "gone@x.test",
		Reason: store.ReasonBounce, LastUpdate: f.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	id, err := f.send("Gone@X.test", "here@x.test")
	if err != nil {
		t.Fatal(err)
	}
	m, err := f.st.GetMessage(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range m.Recipients {
		got[r.Address] = r.Status + "/" + r.Outcome.BounceSubType
	}
	if got["Gone@x.test"] != "suppressed/OnAccountSuppressionList" || got["here@x.test"] != "queued/" {
		t.Fatalf("recipients = %v", got)
	}
}

func TestPausedAndShutDownAccountsAreRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t, true, -1, -1)
	f.acct.SendingEnabled = false
	if _, err := f.send("a@x.test"); code(err) != "SendingPausedException" {
		t.Fatalf("paused: %v", err)
	}
	f.acct.SendingEnabled = true
	f.acct.EnforcementStatus = "SHUTDOWN"
	if _, err := f.send("a@x.test"); code(err) != "AccountSuspendedException" {
		t.Fatalf("shut down: %v", err)
	}
}

func TestRejectsAreCountedInStatistics(t *testing.T) {
	t.Parallel()
	f := newFixture(t, false, -1, -1)
	if _, err := f.send("stranger@x.test"); code(err) != "MessageRejected" {
		t.Fatalf("want a reject, got %v", err)
	}
	stats, err := f.st.Stats(context.Background(), f.acct.ID, f.clock.Now().Add(-time.Hour))
	if err != nil || len(stats) != 1 || stats[0].Rejects != 1 {
		t.Fatalf("stats = %+v, %v", stats, err)
	}
}

func TestAcceptedMessageIsStoredWhole(t *testing.T) {
	t.Parallel()
	f := newFixture(t, true, -1, -1)
	id, err := f.in.Send(context.Background(), &Request{Account: f.acct, Origin: "api-v2", MaxSize: MaxSizeV2,
		From: "News <news@example.com>", To: []string{"a@x.test"}, Bcc: []string{"hidden@x.test"},
		Simple: &Simple{Subject: "Grüße", Text: "hello"}, Tags: []store.Tag{{Name: "k", Value: "v"}}})
	if err != nil {
		t.Fatal(err)
	}
	body, err := f.st.GetMessageBody(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	s := string(body)
	if !strings.Contains(s, "Message-ID: <"+id+"@us-east-1.hikyaku.test>") {
		t.Errorf("Message-ID missing:\n%s", s)
	}
	if strings.Contains(strings.ToLower(s), "hidden@x.test") {
		t.Errorf("Bcc leaked into the message:\n%s", s)
	}
	m, _ := f.st.GetMessage(context.Background(), id)
	if len(m.Recipients) != 2 || m.Subject != "Grüße" || len(m.Tags) != 1 {
		t.Errorf("message = %+v", m)
	}
	_ = errors.New
}
