package softbounce

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/store/sqlite"
)

func TestSoftBouncesAddUpOverDays(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	add := func(subtype string, at time.Time, rcpt string) {
		t.Helper()
		if err := st.AppendEvents(ctx, []*store.Event{{AccountID: "111122223333", Type: "Bounce", Subtype: subtype,
			MessageID: "m", Recipient: rcpt, At: at}}); err != nil {
			t.Fatal(err)
		}
	}
	// a: 3 soft bounces on 3 days; the 4th, now, makes it due.
	add("Transient/MailboxFull", now.Add(-3*day), "a@example.net")
	add("Permanent/General", now.Add(-2*day), "a@example.net")
	add("Transient/General", now.Add(-day), "a@example.net")
	// b: many soft bounces, all on one day.
	for i := range 6 {
		add("Transient/MailboxFull", now.Add(-time.Duration(i)*time.Minute), "b@example.net")
	}
	// c: spread over days but mostly out of the window or not soft.
	add("Transient/MailboxFull", now.Add(-20*day), "c@example.net")
	add("simulated Transient/General", now.Add(-2*day), "c@example.net")
	add("Permanent/OnAccountSuppressionList", now.Add(-day), "c@example.net")
	add("Transient/General", now.Add(-3*day), "c@example.net")

	for _, tc := range []struct {
		addr    string
		pending bool
		want    bool
	}{
		{"a@example.net", false, false},
		{"A@example.net", true, true},
		{"b@example.net", true, false},
		{"c@example.net", true, false},
	} {
		got, why, err := Default.Due(ctx, st, "111122223333", tc.addr, now, tc.pending)
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want || (got && why == "") {
			t.Errorf("Due(%s, pending %v) = %v %q, want %v", tc.addr, tc.pending, got, why, tc.want)
		}
	}
}
