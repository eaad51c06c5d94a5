package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// benchSink is a running `hikyaku bench sink`.
type benchSink struct {
	smtp, stats string
	cmd         *exec.Cmd
	out         bytes.Buffer // the summary, once stopped
	exited      chan struct{}
}

var benchSinkRE = regexp.MustCompile(`bench sink: smtp=(\S+) stats=(\S+)`)

// startBenchSink runs the sink on free ports and reads them from its
// first line.
func startBenchSink(t *testing.T, args ...string) *benchSink {
	t.Helper()
	s := &benchSink{exited: make(chan struct{})}
	s.cmd = exec.Command(binary, append([]string{"bench", "sink", "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0"}, args...)...)
	s.cmd.Stdout = &s.out
	pr, pw := io.Pipe()
	s.cmd.Stderr = pw
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.cmd.Wait(); pw.Close(); close(s.exited) }()
	t.Cleanup(func() { s.stop(t) })
	found := make(chan []string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if m := benchSinkRE.FindStringSubmatch(sc.Text()); m != nil {
				found <- m
			}
		}
	}()
	select {
	case m := <-found:
		s.smtp, s.stats = m[1], m[2]
	case <-s.exited:
		t.Fatal("bench sink exited at start")
	case <-time.After(10 * time.Second):
		t.Fatal("bench sink did not start within 10s")
	}
	return s
}

// stop ends the sink with SIGINT, as an operator does, and returns its
// summary.
func (s *benchSink) stop(t *testing.T) string {
	select {
	case <-s.exited:
	default:
		_ = s.cmd.Process.Signal(os.Interrupt)
		select {
		case <-s.exited:
		case <-time.After(10 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.exited
			t.Error("bench sink did not stop on SIGINT")
		}
	}
	return s.out.String()
}

// benchReport is the part of `bench send --json` the tests read.
type benchReport struct {
	Run      string `json:"run"`
	Sent     int64  `json:"sent"`
	Accepted int64  `json:"accepted"`
	Rejected int64  `json:"rejected"`
	Reasons  []struct {
		Reason  string `json:"reason"`
		Count   int64  `json:"count"`
		Example string `json:"example"`
	} `json:"rejected_reasons"`
	AcceptedPerS float64 `json:"accepted_per_s"`
	Sink         *struct {
		Delivered     int64   `json:"delivered"`
		Complete      bool    `json:"complete"`
		DeliveredPerS float64 `json:"delivered_per_s"`
		Latency       struct {
			Count int64 `json:"count"`
			P50   int64 `json:"p50"`
			P99   int64 `json:"p99"`
			Max   int64 `json:"max"`
		} `json:"latency_us"`
	} `json:"sink"`
}

// benchSend runs `hikyaku bench send` with args and reads its JSON
// report; ok is false (and the test failed) if there is none. It may run
// on another goroutine than the test's.
func benchSend(t *testing.T, env []string, args ...string) (rep benchReport, ok bool) {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"bench", "send", "--json", "--progress=false", "--strict"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if jerr := json.Unmarshal(stdout.Bytes(), &rep); jerr != nil {
		t.Errorf("bench send %s: %v, report: %v\n%s%s", strings.Join(args, " "), err, jerr, stdout.String(), stderr.String())
		return rep, false
	}
	if err != nil {
		t.Errorf("bench send %s: %v\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return rep, true
}

// TestBenchSendThroughHikyakuToTheBenchSink drives the benchmark tools
// end to end: bench send submits 200 messages to hikyaku over SMTP
// (STARTTLS, AUTH with the key's SMTP password) and 200 through the SES v2
// API (SigV4), hikyaku signs and delivers them to sink.test, routed to a
// bench sink, and bench send reads from the sink's /stats that all of
// them arrived, with their latency.
func TestBenchSendThroughHikyakuToTheBenchSink(t *testing.T) {
	sink := startBenchSink(t)
	n := startNode(t, "", "--delivery=true", "--route", "sink.test="+sink.smtp)
	n.mustAdmin("identity", "create", "bench.test")
	n.mustAdmin("identity", "verify", "bench.test")
	keyOut := n.mustAdmin("key", "create", "--account", "default")
	user, pass := field(t, keyOut, "SmtpUsername"), field(t, keyOut, "SmtpPassword")

	common := []string{"--count", "200", "--size", "2048", "--from", "bench@bench.test", "--to", "sink.test",
		"--sink-stats", sink.stats, "--wait", "90s"}
	runs := map[string][]string{
		"smtp": append([]string{"--smtp", n.smtpAddr, "--sessions", "8", "--per-connection", "10",
			"--starttls", "--insecure", "--user", user, "--password", pass}, common...),
		"api": append([]string{"--api", n.url, "--clients", "8"}, common...),
	}
	env := []string{"AWS_ACCESS_KEY_ID=" + bootKeyID, "AWS_SECRET_ACCESS_KEY=" + bootSecret, "AWS_REGION=us-east-1"}
	var wg sync.WaitGroup
	for via, args := range runs {
		wg.Go(func() {
			rep, ok := benchSend(t, env, args...)
			if !ok {
				return
			}
			if rep.Sent != 200 || rep.Accepted != 200 || rep.Rejected != 0 || rep.AcceptedPerS <= 0 {
				t.Errorf("%s: sent %d, accepted %d, rejected %d %+v", via, rep.Sent, rep.Accepted, rep.Rejected, rep.Reasons)
			}
			s := rep.Sink
			if s == nil || s.Delivered != 200 || !s.Complete || s.DeliveredPerS <= 0 {
				t.Errorf("%s: the sink's count: %+v", via, s)
				return
			}
			if s.Latency.Count != 200 || s.Latency.P50 <= 0 || s.Latency.Max < s.Latency.P99 {
				t.Errorf("%s: latency %+v", via, s.Latency)
			}
		})
	}
	wg.Wait()

	summary := sink.stop(t)
	if !regexp.MustCompile(`(?m)^sink\.test\s+400\s+400\s+0\s+0\s+0\s+250:400$`).MatchString(summary) {
		t.Errorf("the sink's summary does not count 400 messages for sink.test:\n%s", summary)
	}
	if got := regexp.MustCompile(`(?m)^run \S+: 200 messages`).FindAllString(summary, -1); len(got) != 2 {
		t.Errorf("the summary does not show two runs of 200:\n%s", summary)
	}
}

// TestBenchSinkRepliesLikeAProvider checks that hikyaku sees the sink's
// refusals: a 5xx at RCPT bounces, the rest is delivered, and the sink's
// JSON summary counts both per domain.
func TestBenchSinkRepliesLikeAProvider(t *testing.T) {
	sink := startBenchSink(t, "--reply", "sink.test=250:4,550:1", "--json")
	n := startNode(t, "", "--delivery=true", "--route", "sink.test="+sink.smtp)
	n.mustAdmin("identity", "create", "bench.test")
	n.mustAdmin("identity", "verify", "bench.test")
	env := []string{"AWS_ACCESS_KEY_ID=" + bootKeyID, "AWS_SECRET_ACCESS_KEY=" + bootSecret}
	cmd := exec.Command(binary, "bench", "send", "--json", "--progress=false", "--api", n.url, "--count", "50",
		"--size", "512", "--from", "bench@bench.test", "--to", "sink.test", "--sink-stats", sink.stats, "--wait", "3s")
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("bench send: %v\n%s", err, out)
	}
	var rep benchReport
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatal(err)
	}
	// The sink deals 550 to one recipient in five, so 40 of the 50
	// accepted messages arrive and the run is reported incomplete.
	if rep.Accepted != 50 || rep.Sink == nil || rep.Sink.Delivered != 40 || rep.Sink.Complete {
		t.Errorf("report %+v, sink %+v", rep, rep.Sink)
	}
	var st struct {
		Messages int64 `json:"messages"`
		Domains  map[string]struct {
			Accepted, Rejected int64
			Replies            map[string]int64
		} `json:"domains"`
	}
	if err := json.Unmarshal([]byte(sink.stop(t)), &st); err != nil {
		t.Fatal(err)
	}
	d := st.Domains["sink.test"]
	if st.Messages != 40 || d.Accepted != 40 || d.Rejected != 10 || d.Replies["550"] != 10 {
		t.Errorf("sink summary: %+v", st)
	}
}
