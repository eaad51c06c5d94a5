package shaping

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

var t0 = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

// harness is a shaper on a fake clock with its own registry and a log
// that tests can read.
type harness struct {
	sh  *Shaper
	clk *FakeClock
	reg *prometheus.Registry
	log *logBuffer
}

func newHarness(t *testing.T, rules *Rules) *harness {
	t.Helper()
	h := &harness{clk: NewFakeClock(t0), reg: prometheus.NewRegistry(), log: &logBuffer{}}
	sh, err := New(rules, h.clk, slog.New(slog.NewJSONHandler(h.log, nil)), h.reg)
	if err != nil {
		t.Fatal(err)
	}
	h.sh = sh
	return h
}

// rulesWith returns default rules with the default limits replaced.
func rulesWith(l Limits) *Rules {
	r := DefaultRules()
	r.Default = l
	return r
}

// logBuffer collects JSON log records.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// records returns the logged records whose message is msg.
func (b *logBuffer) records(t *testing.T, msg string) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(b.buf.String()), "\n") {
		if line == "" {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rec["msg"] == msg {
			out = append(out, rec)
		}
	}
	return out
}

// metric returns the value of the series of family name with these labels.
func metric(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) (float64, bool) {
	t.Helper()
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
	series:
		for _, m := range f.GetMetric() {
			got := map[string]string{}
			for _, lp := range m.GetLabel() {
				got[lp.GetName()] = lp.GetValue()
			}
			for k, v := range labels {
				if got[k] != v {
					continue series
				}
			}
			switch {
			case m.GetGauge() != nil:
				return m.GetGauge().GetValue(), true
			case m.GetCounter() != nil:
				return m.GetCounter().GetValue(), true
			}
		}
	}
	return 0, false
}

// approx reports whether a and b agree to a millionth.
func approx(a, b float64) bool {
	d := a - b
	return d < 1e-6 && d > -1e-6
}

// contextWithCancel returns a context canceled at the latest when the test
// ends.
func contextWithCancel(t *testing.T) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return ctx, cancel
}
