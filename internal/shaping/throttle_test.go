package shaping

import (
	"context"
	"testing"
	"time"
)

func TestLimitsAt(t *testing.T) {
	t.Parallel()
	th := DefaultThrottle()
	base := Limits{MaxConnections: 20, MessagesPerConnection: 100, MessagesPerSecond: 10, MessagesPerHour: 5000}
	tests := []struct {
		name      string
		base      Limits
		observed  float64
		level     int
		wantConns int
		wantRate  float64
	}{
		{"level 0 is the configured limits", base, 0, 0, 20, 10},
		{"one cut halves", base, 0, 1, 10, 5},
		{"cuts stack", base, 0, 2, 5, 2.5},
		{"connections round down", base, 0, 3, 2, 1.25},
		{"connections stop at the floor", base, 0, 6, 1, 10.0 / 64},
		{"the rate stops at the floor", base, 0, 12, 1, 1.0 / 60},
		{"a site with no rate limit is cut from the rate observed", Limits{MaxConnections: 4}, 8, 1, 2, 4},
		{"nothing observed starts at the floor", Limits{MaxConnections: 4}, 0, 1, 2, 1.0 / 60},
		{"a limit below the floor is not raised", Limits{MaxConnections: 1, MessagesPerSecond: 0.01}, 0, 1, 1, 0.01},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := th.limitsAt(tt.base, tt.observed, tt.level)
			if got.MaxConnections != tt.wantConns || !approx(got.MessagesPerSecond, tt.wantRate) {
				t.Errorf("limitsAt(level %d) = %d conns, %v/s; want %d, %v/s", tt.level, got.MaxConnections, got.MessagesPerSecond, tt.wantConns, tt.wantRate)
			}
			if got.MessagesPerConnection != tt.base.MessagesPerConnection || got.MessagesPerHour != tt.base.MessagesPerHour {
				t.Errorf("limitsAt changed per-connection or hourly limits: %+v", got)
			}
		})
	}
}

func TestThrottleTimeline(t *testing.T) {
	t.Parallel()
	h := newHarness(t, rulesWith(Limits{MaxConnections: 20, MessagesPerConnection: 100, MessagesPerSecond: 10}))
	site := h.sh.Site("gmail", []string{"gmail-smtp-in.l.google.com"})
	m := time.Minute
	steps := []struct {
		at        time.Duration // since t0
		signal    string        // "" for none
		wantLevel int
		wantConns int
		wantRate  float64
		wantNext  time.Duration // NextRecovery since t0; 0 when not throttled
		wantUntil time.Duration // ThrottledUntil since t0
	}{
		{0, "", 0, 20, 10, 0, 0},
		{0, "421 4.7.0 Try again later, closing connection", 1, 10, 5, 15 * m, 15 * m},
		{30 * time.Second, "421 too many connections", 1, 10, 5, 15*m + 30*time.Second, 15*m + 30*time.Second}, // within stack_after: extended, not cut
		{2 * m, "421 4.7.28 unusual rate", 2, 5, 2.5, 17 * m, 22 * m},                                          // cut again
		{16 * m, "", 2, 5, 2.5, 17 * m, 22 * m},
		{17 * m, "", 1, 10, 5, 22 * m, 22 * m}, // one cut undone
		{21 * m, "", 1, 10, 5, 22 * m, 22 * m},
		{22 * m, "", 0, 20, 10, 0, 0}, // recovered
		{40 * m, "", 0, 20, 10, 0, 0},
	}
	for i, st := range steps {
		h.clk.Set(t0.Add(st.at))
		if st.signal != "" {
			site.Throttled(st.signal)
		}
		got := site.Stats()
		since := func(tm time.Time) time.Duration {
			if tm.IsZero() {
				return 0
			}
			return tm.Sub(t0)
		}
		if got.ThrottleLevel != st.wantLevel || got.Limits.MaxConnections != st.wantConns || !approx(got.Limits.MessagesPerSecond, st.wantRate) ||
			since(got.NextRecovery) != st.wantNext || since(got.ThrottledUntil) != st.wantUntil {
			t.Errorf("step %d at +%v: level %d, %d conns, %v/s, next +%v, until +%v; want level %d, %d conns, %v/s, next +%v, until +%v",
				i, st.at, got.ThrottleLevel, got.Limits.MaxConnections, got.Limits.MessagesPerSecond, since(got.NextRecovery), since(got.ThrottledUntil),
				st.wantLevel, st.wantConns, st.wantRate, st.wantNext, st.wantUntil)
		}
		if got.Configured.MaxConnections != 20 {
			t.Errorf("step %d: configured limits changed to %+v", i, got.Configured)
		}
	}

	cut := h.log.records(t, "shaping: site throttled")
	if len(cut) != 2 {
		t.Fatalf("%d 'site throttled' log records, want 2", len(cut))
	}
	first := cut[0]
	for k, want := range map[string]any{
		"site": "gmail", "rule": "default", "level": 1.0,
		"old_max_connections": 20.0, "max_connections": 10.0,
		"old_messages_per_second": 10.0, "messages_per_second": 5.0,
		"reason": "421 4.7.0 Try again later, closing connection",
		"until":  t0.Add(15 * m).Format(time.RFC3339),
	} {
		if first[k] != want {
			t.Errorf("throttle log %s = %v, want %v", k, first[k], want)
		}
	}
	if n := len(h.log.records(t, "shaping: site throttle extended")); n != 1 {
		t.Errorf("%d 'extended' log records, want 1", n)
	}
	if n := len(h.log.records(t, "shaping: site recovering")); n != 1 {
		t.Errorf("%d 'recovering' log records, want 1", n)
	}
	if n := len(h.log.records(t, "shaping: site recovered")); n != 1 {
		t.Errorf("%d 'recovered' log records, want 1", n)
	}
}

func TestThrottleStopsAtTheFloor(t *testing.T) {
	t.Parallel()
	h := newHarness(t, rulesWith(Limits{MaxConnections: 3, MessagesPerSecond: 0.05}))
	site := h.sh.Site("s", nil)
	wantLevels := []int{1, 2, 2, 2} // 3→1 conns, 0.05→0.025→1/60 per second, then nothing left to cut
	for i, want := range wantLevels {
		h.clk.Advance(2 * time.Minute)
		site.Throttled("421 too many connections")
		st := site.Stats()
		if st.ThrottleLevel != want {
			t.Errorf("signal %d: level %d, want %d", i, st.ThrottleLevel, want)
		}
		if st.Limits.MaxConnections != 1 {
			t.Errorf("signal %d: %d connections, want the floor 1", i, st.Limits.MaxConnections)
		}
		if got := st.ThrottledUntil.Sub(h.clk.Now()); got != 15*time.Minute+time.Duration(want-1)*5*time.Minute {
			t.Errorf("signal %d: throttled for %v more", i, got)
		}
	}
	if got := site.Stats().Limits.MessagesPerSecond; !approx(got, 1.0/60) {
		t.Errorf("rate %v, want the floor 1/60", got)
	}
	if n := len(h.log.records(t, "shaping: site throttle extended at its floor")); n != 2 {
		t.Errorf("%d 'at its floor' records, want 2", n)
	}
}

func TestThrottleCutsTheObservedRateOfAnUnlimitedSite(t *testing.T) {
	t.Parallel()
	h := newHarness(t, rulesWith(Limits{MaxConnections: 10}))
	site := h.sh.Site("s", nil)
	for range 120 { // 2 messages a second for a minute
		if d, _ := site.Reserve(); d != 0 {
			t.Fatalf("unlimited site made a message wait %v", d)
		}
		h.clk.Advance(500 * time.Millisecond)
	}
	site.Throttled("421 4.7.0 rate limited")
	st := site.Stats()
	if !approx(st.Limits.MessagesPerSecond, 1) || st.Limits.MaxConnections != 5 {
		t.Fatalf("throttled to %d conns, %v/s; want 5 and half the observed 2/s", st.Limits.MaxConnections, st.Limits.MessagesPerSecond)
	}
	if d, _ := site.Reserve(); d != 0 {
		t.Errorf("first message after the cut waits %v", d)
	}
	if d, _ := site.Reserve(); d != time.Second {
		t.Errorf("second message after the cut waits %v, want 1s at 1/s", d)
	}
	h.clk.Advance(15 * time.Minute)
	if st := site.Stats(); st.Limits.MessagesPerSecond != 0 || st.ThrottleLevel != 0 {
		t.Errorf("after recovery %v/s at level %d, want unlimited at level 0", st.Limits.MessagesPerSecond, st.ThrottleLevel)
	}
}

func TestThrottleHoldsBackNewConnectionsAndRecoveryLetsThemIn(t *testing.T) {
	t.Parallel()
	h := newHarness(t, rulesWith(Limits{MaxConnections: 2}))
	site := h.sh.Site("s", nil)
	ctx := context.Background()
	r1, _ := site.AcquireConn(ctx)
	r2, _ := site.AcquireConn(ctx)
	site.Throttled("421 too many connections") // 2 → 1, with 2 open

	got := make(chan func(), 1)
	go func() {
		r, err := site.AcquireConn(ctx)
		if err != nil {
			t.Error(err)
		}
		got <- r
	}()
	waitFor(t, func() bool { return site.Stats().Waiting == 1 })
	r1() // 1 open: still at the throttled limit
	if st := site.Stats(); st.Waiting != 1 || st.Connections != 1 {
		t.Fatalf("after one release: %d open, %d waiting; want 1 open, 1 waiting", st.Connections, st.Waiting)
	}
	h.clk.Advance(15 * time.Minute)
	h.sh.Sweep() // recovery to 2 wakes the waiter
	r3 := <-got
	if st := site.Stats(); st.Connections != 2 || st.Limits.MaxConnections != 2 {
		t.Errorf("after recovery: %d open, limit %d; want 2 and 2", st.Connections, st.Limits.MaxConnections)
	}
	r2()
	r3()
}
