package shaping

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestReserveDelays(t *testing.T) {
	t.Parallel()
	s := time.Second
	tests := []struct {
		name   string
		limits Limits
		want   []time.Duration // delays of back-to-back reservations at one instant
	}{
		{"no limit", Limits{}, []time.Duration{0, 0, 0, 0}},
		{"2/s: a second's burst, then every half second", Limits{MessagesPerSecond: 2}, []time.Duration{0, 0, s / 2, s, 3 * s / 2}},
		{"0.5/s: one every two seconds", Limits{MessagesPerSecond: 0.5}, []time.Duration{0, 2 * s, 4 * s}},
		{"1/min floor rate", Limits{MessagesPerSecond: 1.0 / 60}, []time.Duration{0, time.Minute, 2 * time.Minute}},
		{"120/h: a minute's share (2), then every 30s", Limits{MessagesPerHour: 120}, []time.Duration{0, 0, 30 * s, 60 * s}},
		{"500/h: one every 7.2s after 9", Limits{MessagesPerHour: 500}, append(make([]time.Duration, 9), 7200*time.Millisecond, 14400*time.Millisecond)},
		{"the slower of the two limits wins", Limits{MessagesPerSecond: 10, MessagesPerHour: 60}, []time.Duration{0, time.Minute, 2 * time.Minute}},
		{"per second binds under a generous hourly", Limits{MessagesPerSecond: 1, MessagesPerHour: 36000}, []time.Duration{0, s, 2 * s, 3 * s}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.limits.MaxConnections = 1
			h := newHarness(t, rulesWith(tt.limits))
			site := h.sh.Site("s", nil)
			for i, want := range tt.want {
				if got, _ := site.Reserve(); got != want {
					t.Errorf("reservation %d: delay %v, want %v", i, got, want)
				}
			}
		})
	}
}

// sendAll sends as fast as the site allows during [now, now+d) of fake time
// and returns the send times.
func sendAll(h *harness, site *Site, d time.Duration) []time.Time {
	var sent []time.Time
	end := h.clk.Now().Add(d)
	for {
		delay, cancel := site.Reserve()
		if !h.clk.Now().Add(delay).Before(end) {
			cancel()
			return sent
		}
		h.clk.Advance(delay)
		sent = append(sent, h.clk.Now())
	}
}

// maxInWindow is the most sends in any window [t, t+w).
func maxInWindow(sent []time.Time, w time.Duration) int {
	best, j := 0, 0
	for i := range sent {
		for j < len(sent) && sent[j].Sub(sent[i]) < w {
			j++
		}
		best = max(best, j-i)
	}
	return best
}

func TestHourlyAccounting(t *testing.T) {
	t.Parallel()
	tests := []struct {
		perHour int
		burst   int // a minute's share
	}{
		{600, 10},
		{500, 9},
		{30, 1},
	}
	for _, tt := range tests {
		t.Run("", func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, rulesWith(Limits{MaxConnections: 1, MessagesPerHour: tt.perHour}))
			site := h.sh.Site("s", nil)
			sent := sendAll(h, site, 3*time.Hour)
			// The first hour has the idle burst on top of the even spread;
			// every rolling hour stays within the limit plus that burst.
			if got, bound := maxInWindow(sent, time.Hour), tt.perHour+tt.burst-1; got > bound {
				t.Errorf("%d/h: %d sends in one rolling hour, want at most %d", tt.perHour, got, bound)
			}
			if got, want := len(sent), 3*tt.perHour+tt.burst-1; got != want {
				t.Errorf("%d/h: %d sends in 3 hours, want %d", tt.perHour, got, want)
			}
			// After the burst, the pace is even.
			steady := sent[tt.burst:]
			gap := time.Hour / time.Duration(tt.perHour)
			for i := 1; i < len(steady); i++ {
				if d := steady[i].Sub(steady[i-1]); d != gap {
					t.Fatalf("%d/h: gap %v between sends %d and %d, want %v", tt.perHour, d, i-1, i, gap)
				}
			}
		})
	}
}

func TestPerSecondAccountingRefills(t *testing.T) {
	t.Parallel()
	h := newHarness(t, rulesWith(Limits{MaxConnections: 1, MessagesPerSecond: 4}))
	site := h.sh.Site("s", nil)
	steps := []struct {
		advance time.Duration
		want    time.Duration
	}{
		{0, 0}, {0, 0}, {0, 0}, {0, 0}, // the burst of 4
		{0, 250 * time.Millisecond},      // the 5th waits a quarter second
		{time.Second, 0}, {0, 0}, {0, 0}, // a second later 3 go at once: the 5th took a slot
		{0, 250 * time.Millisecond}, // then the pace again
		{10 * time.Second, 0},       // idle: a full burst again
		{0, 0}, {0, 0}, {0, 0}, {0, 250 * time.Millisecond},
	}
	for i, st := range steps {
		h.clk.Advance(st.advance)
		if got, _ := site.Reserve(); got != st.want {
			t.Errorf("step %d: delay %v, want %v", i, got, st.want)
		}
	}
	sent := sendAll(h, site, time.Minute)
	if got := maxInWindow(sent, time.Second); got > 4 {
		t.Errorf("%d sends in one second, want at most 4", got)
	}
}

func TestWaitOnTheFakeClock(t *testing.T) {
	t.Parallel()
	h := newHarness(t, rulesWith(Limits{MaxConnections: 1, MessagesPerSecond: 1}))
	site := h.sh.Site("s", nil)
	ctx := context.Background()
	if err := site.Wait(ctx); err != nil {
		t.Fatalf("first Wait: %v", err)
	}

	done := make(chan error, 1)
	go func() { done <- site.Wait(ctx) }()
	h.clk.WaitTimers(1)
	select {
	case err := <-done:
		t.Fatalf("second Wait returned %v before its second", err)
	default:
	}
	h.clk.Advance(time.Second)
	if err := <-done; err != nil {
		t.Fatalf("second Wait: %v", err)
	}
}

func TestWaitCanceledGivesTheSlotBack(t *testing.T) {
	t.Parallel()
	h := newHarness(t, rulesWith(Limits{MaxConnections: 1, MessagesPerSecond: 1}))
	site := h.sh.Site("s", nil)
	if d, _ := site.Reserve(); d != 0 {
		t.Fatalf("first reservation waits %v", d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- site.Wait(ctx) }()
	h.clk.WaitTimers(1)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait = %v, want context.Canceled", err)
	}
	// The canceled message's slot (1s) is free again.
	if d, _ := site.Reserve(); d != time.Second {
		t.Errorf("next reservation waits %v, want 1s", d)
	}
}
