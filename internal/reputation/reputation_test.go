package reputation

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hikyaku/hikyaku/internal/configset"
	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/store/sqlite"
)

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

type fixture struct {
	t     *testing.T
	ctx   context.Context
	st    store.Store
	clk   *fakeClock
	acct  *store.Account
	sets  *configset.Service
	mon   *Monitor
	count int
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := t.Context()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clk := &fakeClock{now: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}
	acct := &store.Account{ID: "111122223333", Name: "a", Production: true, SendingEnabled: true, EnforcementStatus: "HEALTHY",
		Max24HourSend: -1, MaxSendRate: -1, CreatedAt: clk.now, UpdatedAt: clk.now}
	if err := st.CreateAccount(ctx, acct); err != nil {
		t.Fatal(err)
	}
	sets := configset.New(st, clk)
	for _, name := range []string{"newsletter", "receipts"} {
		if err := sets.Create(ctx, acct.ID, &configset.Set{Name: name, SendingEnabled: true}); err != nil {
			t.Fatal(err)
		}
	}
	mon := &Monitor{Store: st, ConfigSets: sets, Clock: clk, Log: slog.New(slog.DiscardHandler), Policy: Default()}
	return &fixture{t: t, ctx: ctx, st: st, clk: clk, acct: acct, sets: sets, mon: mon}
}

// record appends n events of typ/subtype for set, now.
func (f *fixture) record(set, typ, subtype string, n int) {
	f.t.Helper()
	var evs []*store.Event
	for range n {
		f.count++
		evs = append(evs, &store.Event{AccountID: f.acct.ID, Type: typ, Subtype: subtype, ConfigurationSet: set,
			MessageID: fmt.Sprintf("m%d", f.count), Recipient: fmt.Sprintf("r%d@example.net", f.count), At: f.clk.Now()})
	}
	if err := f.st.AppendEvents(f.ctx, evs); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) report() map[string]Row {
	f.t.Helper()
	rows, err := f.mon.Report(f.ctx, f.acct.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	out := map[string]Row{}
	for _, r := range rows {
		out[r.ConfigurationSet] = r
	}
	return out
}

func (f *fixture) sending(set string) bool {
	f.t.Helper()
	s, err := f.sets.Get(f.ctx, f.acct.ID, set)
	if err != nil {
		f.t.Fatal(err)
	}
	return s.SendingEnabled
}

func TestABadStreamIsPausedAloneAndTheAccountReviewed(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// newsletter: 8% hard bounces, 0.4% complaints; receipts: clean.
	f.record("newsletter", "Delivery", "", 920)
	f.record("newsletter", "Bounce", "Permanent/General", 80)
	f.record("newsletter", "Complaint", "abuse", 4)
	f.record("newsletter", "Bounce", "Transient/MailboxFull", 30)              // soft: not counted
	f.record("newsletter", "Bounce", "Permanent/OnAccountSuppressionList", 50) // not sent: not counted
	f.record("receipts", "Delivery", "", 1000)
	f.record("", "Bounce", "simulated Permanent/General", 500) // the simulator counts for nothing
	if err := f.mon.Evaluate(f.ctx); err != nil {
		t.Fatal(err)
	}
	r := f.report()
	if got := r["newsletter"]; got.State.Status != Paused || got.Figures.Sent != 1000 || got.Figures.HardBounces != 80 ||
		!strings.Contains(got.State.Cause, "bounce rate 8.00% (80 hard bounces of 1000 sent") {
		t.Errorf("newsletter = %+v", got)
	}
	if f.sending("newsletter") || !f.sending("receipts") {
		t.Errorf("sending enabled: newsletter %v, receipts %v; want false, true", f.sending("newsletter"), f.sending("receipts"))
	}
	if got := r["receipts"]; got.State.Status != Healthy {
		t.Errorf("receipts = %+v", got)
	}
	// Account: 80/2000 = 4% bounces (under review's 5%), 4/1920 = 0.21%
	// complaints (over review's 0.1%): PROBATION, still sending.
	acct, _ := f.st.GetAccount(f.ctx, f.acct.ID)
	if got := r[""]; got.State.Status != Probation || acct.EnforcementStatus != "PROBATION" || !acct.SendingEnabled {
		t.Errorf("account = %+v, enforcement %s sending %v", got, acct.EnforcementStatus, acct.SendingEnabled)
	}

	// A pause lasts, however the rates move, until the operator resumes.
	f.record("newsletter", "Delivery", "", 5000)
	if err := f.mon.Evaluate(f.ctx); err != nil {
		t.Fatal(err)
	}
	if f.report()["newsletter"].State.Status != Paused {
		t.Errorf("the pause lifted by itself")
	}
	f.clk.add(time.Minute)
	if err := f.mon.Resume(f.ctx, f.acct.ID, "newsletter"); err != nil {
		t.Fatal(err)
	}
	f.clk.add(time.Minute)
	if err := f.mon.Evaluate(f.ctx); err != nil {
		t.Fatal(err)
	}
	if got := f.report()["newsletter"]; got.State.Status != Healthy || got.Figures.Sent != 0 || !f.sending("newsletter") {
		t.Errorf("after resume: %+v, sending %v", got, f.sending("newsletter"))
	}
}

func TestRatesAreJudgedOnlyOverTheMinimumVolume(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.record("newsletter", "Delivery", "", 100)
	f.record("newsletter", "Bounce", "Permanent/NoEmail", 50) // 33%, but 150 < 200 sent
	if err := f.mon.Evaluate(f.ctx); err != nil {
		t.Fatal(err)
	}
	if got := f.report()["newsletter"]; got.State.Status != Healthy || !f.sending("newsletter") {
		t.Errorf("judged under the minimum volume: %+v", got)
	}
	f.record("newsletter", "Delivery", "", 100)
	if err := f.mon.Evaluate(f.ctx); err != nil {
		t.Fatal(err)
	}
	if got := f.report()["newsletter"]; got.State.Status != Paused {
		t.Errorf("over the minimum volume: %+v", got)
	}
}

func TestOldEventsLeaveTheWindowAndAWarningClears(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.record("receipts", "Delivery", "", 970)
	f.record("receipts", "Bounce", "Permanent/General", 30) // 3%: warning
	if err := f.mon.Evaluate(f.ctx); err != nil {
		t.Fatal(err)
	}
	if got := f.report()["receipts"]; got.State.Status != Warning || !f.sending("receipts") {
		t.Fatalf("at 3%%: %+v", got)
	}
	f.clk.add(8 * 24 * time.Hour)
	f.record("receipts", "Delivery", "", 300)
	if err := f.mon.Evaluate(f.ctx); err != nil {
		t.Fatal(err)
	}
	if got := f.report()["receipts"]; got.State.Status != Healthy || got.Figures.Sent != 300 {
		t.Errorf("a week later: %+v", got)
	}
}

func TestThePolicyFileIsWrittenAndRead(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p, err := Load(dir)
	if err != nil || p != Default() {
		t.Fatalf("first Load = %+v, %v", p, err)
	}
	again, err := Load(dir)
	if err != nil || again != Default() {
		t.Fatalf("Load of the written file = %+v, %v", again, err)
	}
}
