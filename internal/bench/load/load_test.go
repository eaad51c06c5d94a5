package load

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hikyaku/hikyaku/internal/bench"
	"github.com/hikyaku/hikyaku/internal/bench/sink"
)

func TestParseDomains(t *testing.T) {
	t.Parallel()
	ws, err := ParseDomains("Sink.test=80, slow.test=20,x.test")
	want := []Weight{{"sink.test", 80}, {"slow.test", 20}, {"x.test", 1}}
	if err != nil || !slices.Equal(ws, want) {
		t.Fatalf("ParseDomains = %v, %v", ws, err)
	}
	for _, bad := range []string{"", "a.test=0", "a.test=x", "u@a.test", "a.test,,b.test"} {
		if _, err := ParseDomains(bad); err == nil {
			t.Errorf("ParseDomains(%q) accepted", bad)
		}
	}
}

func TestPatternSpreadsDomainsByWeight(t *testing.T) {
	t.Parallel()
	p := pattern([]Weight{{"a", 80}, {"b", 20}})
	if len(p) != 100 {
		t.Fatalf("pattern of %d", len(p))
	}
	n := map[string]int{}
	for i, d := range p {
		n[d]++
		// No stretch of ten lacks b: the shares hold over short spans.
		if i >= 9 && !slices.Contains(p[i-9:i+1], "b") {
			t.Fatalf("no b in p[%d:%d]: %v", i-9, i+1, p)
		}
	}
	if n["a"] != 80 || n["b"] != 20 {
		t.Errorf("shares %v", n)
	}
}

func TestBodyHasTheAskedSize(t *testing.T) {
	t.Parallel()
	for _, size := range []int{0, 1, 2, 3, 77, 1024, 10240, 102400} {
		b := body(size)
		if len(b) != size {
			t.Errorf("body(%d) has %d bytes", size, len(b))
		}
		for line := range bytes.SplitSeq(b, []byte("\r\n")) {
			if len(line) > 78 {
				t.Errorf("body(%d) has a line of %d", size, len(line))
			}
		}
	}
}

// startSink runs a bench sink with rules and its /stats handler.
func startSink(t *testing.T, opts sink.Options, specs ...string) (*sink.Sink, string) {
	t.Helper()
	var rules []sink.Rule
	for _, s := range specs {
		r, err := sink.ParseRule(s)
		if err != nil {
			t.Fatal(err)
		}
		rules = append(rules, r)
	}
	var err error
	if opts.Mix, err = sink.NewMix(1, rules); err != nil {
		t.Fatal(err)
	}
	s, err := sink.Listen(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(hs.Close)
	return s, hs.URL + "/stats"
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return c
}

func TestSendOverSMTPToTheSink(t *testing.T) {
	t.Parallel()
	s, stats := startSink(t, sink.Options{}, "no.test=550")
	var progress bytes.Buffer
	rep, err := Run(ctx(t), Config{
		Count: 200, Size: 2048, From: "a@bench.test", To: []Weight{{"ok.test", 3}, {"no.test", 1}},
		Concurrency: 8, SMTP: SMTP{Addr: s.Addr(), PerConnection: 5},
		SinkStats: stats, Wait: 10 * time.Second, Run: "smtp-run",
		Progress: &progress, Interval: 20 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Sent != 200 || rep.Accepted != 150 || rep.Rejected != 50 {
		t.Errorf("sent %d accepted %d rejected %d, want 200/150/50", rep.Sent, rep.Accepted, rep.Rejected)
	}
	if len(rep.Reasons) != 1 || rep.Reasons[0].Reason != "SMTP 550 5.1.1" || rep.Reasons[0].Count != 50 {
		t.Errorf("reasons %+v", rep.Reasons)
	}
	if rep.Sink == nil || rep.Sink.Delivered != 150 || !rep.Sink.Complete || rep.Sink.Latency.Count != 150 || rep.Sink.DeliveredPerS <= 0 {
		t.Errorf("sink report %+v", rep.Sink)
	}
	if rep.SubmitLatency.Count != 150 || rep.AcceptedPerS <= 0 {
		t.Errorf("submit latency %+v, %.1f/s", rep.SubmitLatency, rep.AcceptedPerS)
	}
	st := s.Stats("")
	// 200 messages over 8 sessions of 5: 40 connections or more (a
	// refusal does not end a session).
	if st.Connections < 40 || st.Domains["ok.test"].Accepted != 150 || st.Bytes < 150*2048 {
		t.Errorf("sink saw %d connections, %+v, %d bytes", st.Connections, st.Domains["ok.test"], st.Bytes)
	}
	if !strings.Contains(progress.String(), "bench send") || !strings.Contains(progress.String(), "delivered") {
		t.Errorf("no progress lines with deliveries: %q", progress.String())
	}

	var text strings.Builder
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"accepted        150", "rejected         50", "SMTP 550 5.1.1", "delivered       150", "delivery latency"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, text.String())
		}
	}
	raw, _ := json.Marshal(rep)
	var back Report
	if err := json.Unmarshal(raw, &back); err != nil || back.Sink.Delivered != 150 {
		t.Errorf("JSON report does not read back: %v %s", err, raw)
	}
}

func TestSendReconnectsAfter421OverSTARTTLS(t *testing.T) {
	t.Parallel()
	s, _ := startSink(t, sink.Options{StartTLS: true}, "ok.test=250:9,421:1")
	rep, err := Run(ctx(t), Config{
		Count: 100, Size: 100, From: "a@bench.test", To: []Weight{{"ok.test", 1}},
		Concurrency: 4, SMTP: SMTP{Addr: s.Addr(), PerConnection: 50, StartTLS: true, InsecureTLS: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Accepted != 90 || rep.Rejected != 10 || rep.Reasons[0].Reason != "SMTP 421 4.7.0" {
		t.Errorf("accepted %d rejected %d reasons %+v", rep.Accepted, rep.Rejected, rep.Reasons)
	}
	st := s.Stats("")
	if st.TLS != st.Connections || st.Connections < 10 {
		t.Errorf("%d connections, %d with TLS", st.Connections, st.TLS)
	}
}

func TestSendCountsConnectionsRefused(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	rep, err := Run(ctx(t), Config{Count: 5, Size: 10, From: "a@bench.test", To: []Weight{{"ok.test", 1}},
		Concurrency: 2, SMTP: SMTP{Addr: addr}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rejected != 5 || rep.Reasons[0].Reason != "network: connection refused" {
		t.Errorf("rejected %d, reasons %+v", rep.Rejected, rep.Reasons)
	}
}

func TestSinkStatsMustBeReachable(t *testing.T) {
	t.Parallel()
	_, err := Run(ctx(t), Config{Count: 1, From: "a@bench.test", To: []Weight{{"ok.test", 1}}, Concurrency: 1,
		SMTP: SMTP{Addr: "127.0.0.1:1"}, SinkStats: "http://127.0.0.1:1/stats"})
	if err == nil || !strings.Contains(err.Error(), "--sink-stats") {
		t.Errorf("got %v", err)
	}
}

// fakeSES answers SES v2 SendEmail: every fifth call is throttled.
type fakeSES struct {
	calls   atomic.Int64
	stamped atomic.Int64
	auth    atomic.Int64
}

func (f *fakeSES) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := f.calls.Add(1)
	if strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=AKIDBENCH/") {
		f.auth.Add(1)
	}
	var in struct {
		Content struct {
			Raw    *struct{ Data string }
			Simple *struct {
				Headers []struct{ Name, Value string }
			}
		}
	}
	if r.Method != http.MethodPost || r.URL.Path != "/v2/email/outbound-emails" || json.NewDecoder(r.Body).Decode(&in) != nil {
		http.Error(w, "not SendEmail", http.StatusBadRequest)
		return
	}
	switch c := in.Content; {
	case c.Raw != nil:
		data, _ := base64.StdEncoding.DecodeString(c.Raw.Data)
		if bytes.Contains(data, []byte("\r\n"+bench.SentHeader+": ")) {
			f.stamped.Add(1)
		}
	case c.Simple != nil:
		for _, h := range c.Simple.Headers {
			if _, _, ok := bench.ParseSent(h.Value); ok && h.Name == bench.SentHeader {
				f.stamped.Add(1)
			}
		}
	}
	w.Header().Set("Content-Type", "application/json")
	if n%5 == 0 {
		w.Header().Set("X-Amzn-ErrorType", "TooManyRequestsException")
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprint(w, `{"message":"Maximum sending rate exceeded."}`)
		return
	}
	fmt.Fprintf(w, `{"MessageId":"m-%d"}`, n)
}

func TestSendThroughTheAPI(t *testing.T) {
	t.Parallel()
	for _, simple := range []bool{false, true} {
		t.Run(fmt.Sprintf("simple=%v", simple), func(t *testing.T) {
			t.Parallel()
			f := &fakeSES{}
			hs := httptest.NewServer(f)
			t.Cleanup(hs.Close)
			rep, err := Run(ctx(t), Config{Count: 50, Size: 1000, From: "a@bench.test", To: []Weight{{"ok.test", 1}},
				Concurrency: 4, API: API{Endpoint: hs.URL, AccessKeyID: "AKIDBENCH", SecretAccessKey: "secret", Simple: simple}})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Accepted != 40 || rep.Rejected != 10 || rep.Reasons[0].Reason != "API TooManyRequestsException (HTTP 429)" {
				t.Errorf("accepted %d rejected %d reasons %+v", rep.Accepted, rep.Rejected, rep.Reasons)
			}
			if f.stamped.Load() != 50 || f.auth.Load() != 50 {
				t.Errorf("%d of 50 requests stamped, %d signed with the key", f.stamped.Load(), f.auth.Load())
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "") // for "no creds"; so not parallel
	base := Config{Count: 1, From: "a@b.test", To: []Weight{{"ok.test", 1}}, Concurrency: 1, SMTP: SMTP{Addr: "127.0.0.1:1"}}
	for name, mod := range map[string]func(*Config){
		"no target":   func(c *Config) { c.SMTP.Addr = "" },
		"two targets": func(c *Config) { c.API.Endpoint = "http://x" },
		"no count":    func(c *Config) { c.Count = 0 },
		"bad run":     func(c *Config) { c.Run = "a b" },
		"no creds":    func(c *Config) { c.SMTP.Addr, c.API.Endpoint = "", "http://127.0.0.1:1" },
	} {
		c := base
		mod(&c)
		if _, err := Run(context.Background(), c); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestSendStopsWhenCanceledAndStillReports(t *testing.T) {
	t.Parallel()
	s, stats := startSink(t, sink.Options{}, "slow.test=250@20ms")
	c, cancel := context.WithCancel(ctx(t))
	time.AfterFunc(300*time.Millisecond, cancel)
	rep, err := Run(c, Config{Count: 10_000, Size: 100, From: "a@bench.test", To: []Weight{{"slow.test", 1}},
		Concurrency: 2, SMTP: SMTP{Addr: s.Addr(), PerConnection: 100}, SinkStats: stats, Wait: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Sent == 0 || rep.Sent >= 10_000 || rep.Sink == nil || rep.Sink.Delivered != rep.Accepted {
		t.Errorf("sent %d, accepted %d, sink %+v", rep.Sent, rep.Accepted, rep.Sink)
	}
}
