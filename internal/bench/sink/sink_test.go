package sink

import (
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/hikyaku/hikyaku/internal/bench"
)

// start runs a sink with the given rules on a free port.
func start(t *testing.T, opts Options, specs ...string) *Sink {
	t.Helper()
	var rules []Rule
	for _, s := range specs {
		r, err := ParseRule(s)
		if err != nil {
			t.Fatal(err)
		}
		rules = append(rules, r)
	}
	mix, err := NewMix(1, rules)
	if err != nil {
		t.Fatal(err)
	}
	opts.Mix = mix
	s, err := Listen(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// message is a small message, stamped for run when run is set.
func message(run string, sent time.Time) string {
	h := "From: a@bench.test\r\nSubject: hi\r\n"
	if run != "" {
		h += "X-Bench-Sent: " + bench.FormatSent(sent, run) + "\r\n"
	}
	return h + "\r\n" + strings.Repeat("body line\r\n", 100)
}

// send submits one message to rcpts on a new connection.
func send(t *testing.T, addr string, msg string, rcpts ...string) error {
	t.Helper()
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.SendMail("a@bench.test", rcpts, strings.NewReader(msg))
}

func code(err error) int {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return se.Code
	}
	return 0
}

func TestSinkCountsPerDomain(t *testing.T) {
	t.Parallel()
	s := start(t, Options{}, "no.test=550", "later.test=450")
	sent := time.Now().Add(-5 * time.Millisecond)
	for i := range 3 {
		if err := send(t, s.Addr(), message("r1", sent), fmt.Sprintf("u%d@ok.test", i), "v@OK.test"); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	if err := send(t, s.Addr(), message("", sent), "u@no.test"); code(err) != 550 {
		t.Errorf("no.test: %v, want 550", err)
	}
	if err := send(t, s.Addr(), message("", sent), "u@later.test"); code(err) != 450 {
		t.Errorf("later.test: %v, want 450", err)
	}

	st := s.Stats("")
	if st.Messages != 3 || st.Recipients != 6 || st.Rejected != 1 || st.Deferred != 1 || st.Connections != 5 {
		t.Errorf("totals: %d messages, %d recipients, %d rejected, %d deferred, %d connections",
			st.Messages, st.Recipients, st.Rejected, st.Deferred, st.Connections)
	}
	ok := st.Domains["ok.test"]
	if ok == nil || ok.Messages != 3 || ok.Accepted != 6 || ok.Replies[250] != 6 {
		t.Errorf("ok.test: %+v", ok)
	}
	if no := st.Domains["no.test"]; no == nil || no.Rejected != 1 || no.Replies[550] != 1 {
		t.Errorf("no.test: %+v", no)
	}
	if l := st.Domains["later.test"]; l == nil || l.Deferred != 1 || l.Replies[450] != 1 {
		t.Errorf("later.test: %+v", l)
	}
	r := st.Runs["r1"]
	if r == nil || r.Messages != 3 || r.Recipients != 6 || r.Latency.Count() != 3 {
		t.Fatalf("run r1: %+v", r)
	}
	if p := r.Latency.Percentiles(); p.P50 < 5000 || p.Max > int64(time.Minute/time.Microsecond) {
		t.Errorf("latency %+v: not from a stamp 5 ms old", p)
	}
	if st.Unstamped != 0 || st.Latency.Count() != 3 {
		t.Errorf("unstamped %d, latency count %d", st.Unstamped, st.Latency.Count())
	}
}

func TestSinkRefusesAtTheEndOfData(t *testing.T) {
	t.Parallel()
	s := start(t, Options{}, "big.test=552/data")
	err := send(t, s.Addr(), message("", time.Now()), "a@ok.test", "b@big.test")
	if code(err) != 552 {
		t.Fatalf("got %v, want 552 after DATA", err)
	}
	st := s.Stats("")
	// The whole message was refused: both recipients count with 552.
	if st.Messages != 0 || st.Rejected != 2 || st.Domains["ok.test"].Replies[552] != 1 || st.Domains["big.test"].Replies[552] != 1 {
		t.Errorf("messages %d, rejected %d, domains %+v %+v", st.Messages, st.Rejected, st.Domains["ok.test"], st.Domains["big.test"])
	}
}

func TestSink421ClosesTheConnection(t *testing.T) {
	t.Parallel()
	s := start(t, Options{}, "busy.test=421")
	c, err := smtp.Dial(s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Mail("a@bench.test", nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt("a@ok.test", nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt("b@busy.test", nil); code(err) != 421 {
		t.Fatalf("RCPT: %v, want 421", err)
	}
	if err := c.Noop(); err == nil {
		t.Error("the connection is still open after 421")
	}
	deadline := time.Now().Add(2 * time.Second)
	for s.Stats("").Open > 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	st := s.Stats("")
	if st.Deferred != 1 || st.Aborted != 1 || st.Open != 0 || st.Domains["ok.test"].Aborted != 1 {
		t.Errorf("deferred %d, aborted %d, open %d", st.Deferred, st.Aborted, st.Open)
	}
}

func TestSinkDelaysSlowReplies(t *testing.T) {
	t.Parallel()
	s := start(t, Options{}, "slow.test=250@150ms", "slowno.test=550/rcpt@100ms")
	t0 := time.Now()
	if err := send(t, s.Addr(), message("", t0), "a@slow.test"); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(t0); d < 150*time.Millisecond {
		t.Errorf("slow 250 after %v, want 150ms or more", d)
	}
	t0 = time.Now()
	if err := send(t, s.Addr(), message("", t0), "a@slowno.test"); code(err) != 550 {
		t.Fatalf("got %v, want 550", err)
	}
	if d := time.Since(t0); d < 100*time.Millisecond {
		t.Errorf("slow 550 after %v, want 100ms or more", d)
	}
}

func TestSinkStopsAfterCountAndServesStats(t *testing.T) {
	t.Parallel()
	s := start(t, Options{StopAfter: 4, StartTLS: true})
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(hs.Close)

	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			c, err := smtp.DialStartTLS(s.Addr(), &tls.Config{InsecureSkipVerify: true})
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			if err := c.SendMail("a@bench.test", []string{fmt.Sprintf("u%d@ok.test", i)}, strings.NewReader(message("tls-run", time.Now()))); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	select {
	case <-s.Reached():
	case <-time.After(5 * time.Second):
		t.Fatal("Reached not closed after 4 messages")
	}

	resp, err := http.Get(hs.URL + "/stats?run=tls-run")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st bench.Stats
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	if st.Messages != 4 || st.TLS != 4 || st.Runs["tls-run"] == nil || st.Runs["tls-run"].Latency.Count() != 4 || len(st.Runs) != 1 {
		t.Errorf("GET /stats?run=: %+v", st)
	}
	if resp, err := http.Get(hs.URL + "/stats?run=no/such"); err != nil || resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a bad run name: %v %v", resp.Status, err)
	}
}

func TestSinkEnforcesSize(t *testing.T) {
	t.Parallel()
	s := start(t, Options{MaxSize: 500})
	if err := send(t, s.Addr(), message("", time.Now()), "a@ok.test"); code(err) != 552 {
		t.Fatalf("got %v, want 552 for a message over SIZE", err)
	}
	if st := s.Stats(""); st.Messages != 0 || st.Domains["ok.test"].Replies[552] != 1 {
		t.Errorf("stats %+v", st.Domains["ok.test"])
	}
}

func TestSinkForgetsOldRuns(t *testing.T) {
	t.Parallel()
	c := newCounter("x", time.Now(), 0)
	for i := range keepRuns + 3 {
		c.took(arrival{domains: []string{"a.test"}, at: time.Now(), sent: time.Now(), run: fmt.Sprint("r", i), stamped: true})
	}
	st := c.snapshot("", time.Now())
	if len(st.Runs) != keepRuns || st.Runs["r0"] != nil || st.Runs[fmt.Sprint("r", keepRuns+2)] == nil {
		t.Errorf("%d runs kept; r0 kept: %v", len(st.Runs), st.Runs["r0"] != nil)
	}
}

func TestWriteSummary(t *testing.T) {
	t.Parallel()
	s := start(t, Options{}, "no.test=550")
	_ = send(t, s.Addr(), message("sum", time.Now()), "a@ok.test")
	_ = send(t, s.Addr(), message("", time.Now()), "a@no.test")
	var b strings.Builder
	if err := WriteSummary(&b, s.Stats("")); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"1 messages, 1 recipients", "ok.test", "250:1", "no.test", "550:1", "run sum: 1 messages"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, b.String())
		}
	}
}
