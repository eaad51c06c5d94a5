package shaping

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

func TestSitesAreSharedByKey(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	a := h.sh.Site("k", []string{"mx.example.org"})
	b := h.sh.Site("k", []string{"mx.example.org"})
	if a != b {
		t.Error("two Site calls with one key gave two sites")
	}
	if c := h.sh.Site("other", nil); c == a {
		t.Error("two keys gave one site")
	}
}

func TestDomainSite(t *testing.T) {
	t.Parallel()
	rules, err := ParseRules(FileName, []byte(`
[provider.google]
mx_suffixes = [".google.com"]
max_connections = 5

[domain."example.co.jp"]
max_connections = 1
messages_per_hour = 500
`))
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, rules)
	mx := []string{"aspmx.l.google.com"}

	own := h.sh.DomainSite("Example.CO.JP", "aspmx.l.google.com:25", mx)
	st := own.Stats()
	if st.Key != "domain:example.co.jp" || st.Rule != "example.co.jp" || st.Limits.MaxConnections != 1 || st.Limits.MessagesPerHour != 500 {
		t.Errorf("overridden domain: %+v", st)
	}
	shared := h.sh.DomainSite("other.example", "aspmx.l.google.com:25", mx)
	if shared != h.sh.Site("aspmx.l.google.com:25", mx) || shared.Stats().Rule != "google" {
		t.Errorf("a domain without an override did not get its MX site: %+v", shared.Stats())
	}
	if own == shared {
		t.Error("the overridden domain shares its MX site")
	}
}

func TestSweepDropsIdleSites(t *testing.T) {
	t.Parallel()
	rules := DefaultRules()
	rules.Throttle.Duration = 2 * IdleAfter // a cut that outlasts IdleAfter
	h := newHarness(t, rules)
	h.sh.Site("idle", nil)
	busy := h.sh.Site("busy", nil)
	release, err := busy.AcquireConn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	h.sh.Site("throttled", nil).Throttled("421 busy")

	keys := func() []string {
		var out []string
		for _, st := range h.sh.Sites() {
			out = append(out, st.Key)
		}
		return out
	}
	h.clk.Advance(IdleAfter - time.Second)
	h.sh.Sweep()
	if got := keys(); len(got) != 3 {
		t.Fatalf("sites before IdleAfter: %q, want all 3", got)
	}
	h.clk.Advance(time.Second)
	h.sh.Sweep()
	if got := keys(); len(got) != 2 || got[0] != "busy" || got[1] != "throttled" {
		t.Fatalf("sites after IdleAfter: %q, want busy (a connection open) and throttled", got)
	}
	if _, ok := metric(t, h.reg, "hikyaku_shaping_site_connection_limit", map[string]string{"site": "idle"}); ok {
		t.Error("the dropped site's series are still exported")
	}
	release()
	h.clk.Advance(IdleAfter) // the throttle is over too
	h.sh.Sweep()
	if got := keys(); len(got) != 0 {
		t.Errorf("sites after release, recovery and IdleAfter: %q, want none", got)
	}
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	rules, err := ParseRules(FileName, []byte(`
[provider.google]
mx_suffixes = [".google.com"]
max_connections = 8
messages_per_second = 4
`))
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, rules)
	site := h.sh.Site("g", []string{"gmail-smtp-in.l.google.com"})
	labels := map[string]string{"site": "g", "rule": "google"}
	want := func(name string, labels map[string]string, v float64) {
		t.Helper()
		got, ok := metric(t, h.reg, name, labels)
		if !ok || !approx(got, v) {
			t.Errorf("%s%v = %v (found %v), want %v", name, labels, got, ok, v)
		}
	}

	release, err := site.AcquireConn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want("hikyaku_shaping_site_connections", labels, 1)
	want("hikyaku_shaping_site_connection_limit", labels, 8)
	want("hikyaku_shaping_site_rate_limit", labels, 4)
	want("hikyaku_shaping_site_throttled", labels, 0)

	site.Throttled("421 4.7.0 Try again later")
	h.clk.Advance(2 * time.Minute)
	site.Throttled("421 4.7.0 Try again later")
	h.clk.Advance(10 * time.Second)
	site.Throttled("421 4.7.0 Try again later") // extends only
	want("hikyaku_shaping_site_throttled", labels, 2)
	want("hikyaku_shaping_site_connection_limit", labels, 2)
	want("hikyaku_shaping_site_rate_limit", labels, 1)
	want("hikyaku_shaping_throttle_events_total", map[string]string{"rule": "google"}, 3)

	release()
	want("hikyaku_shaping_site_connections", labels, 0)
	h.clk.Advance(15*time.Minute + 5*time.Minute)
	h.sh.Sweep()
	want("hikyaku_shaping_site_throttled", labels, 0)
	want("hikyaku_shaping_site_connection_limit", labels, 8)
}

func TestMetricsNamesArePrefixed(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	sh, err := New(nil, NewFakeClock(t0), nil, reg)
	if err != nil {
		t.Fatal(err)
	}
	sh.Site("s", nil).Throttled("421")
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if name := f.GetName(); len(name) < 16 || name[:16] != "hikyaku_shaping_" {
			t.Errorf("metric %q is not prefixed hikyaku_shaping_", name)
		}
	}
	if _, err := New(nil, NewFakeClock(t0), nil, reg); err == nil {
		t.Error("a second shaper on one registry registered its metrics twice")
	}
}

func TestNewWithoutRegistryOrLogger(t *testing.T) {
	t.Parallel()
	sh, err := New(nil, NewFakeClock(t0), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	site := sh.Site("s", nil)
	site.Throttled("421")
	if got := site.Stats().Limits.MaxConnections; got != 10 {
		t.Errorf("default site throttled to %d connections, want 10", got)
	}
}
