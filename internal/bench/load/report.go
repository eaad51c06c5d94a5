package load

import (
	"fmt"
	"io"
	"strings"

	"github.com/hikyaku/hikyaku/internal/bench"
)

// Report is the outcome of a run; in JSON it is `bench send --json`.
type Report struct {
	Run string `json:"run"`
	// Via is "smtp" or "api"; Target the server's address or URL.
	Via    string `json:"via"`
	Target string `json:"target"`
	// Concurrency is the number of sessions or clients; PerConnection the
	// messages an SMTP session carries before it quits.
	Concurrency   int `json:"concurrency"`
	PerConnection int `json:"per_connection,omitempty"`
	// Messages and Size are what was asked; To the recipient mix.
	Messages int    `json:"messages"`
	Size     int    `json:"size"`
	To       string `json:"to"`
	// Sent counts the messages submitted, Accepted those the server took
	// and Rejected those it refused or that failed, by Reasons.
	Sent     int64    `json:"sent"`
	Accepted int64    `json:"accepted"`
	Rejected int64    `json:"rejected"`
	Reasons  []Reason `json:"rejected_reasons"`
	// ElapsedS is from the first submission to the last reply;
	// AcceptedPerS is Accepted over it.
	ElapsedS     float64 `json:"elapsed_s"`
	AcceptedPerS float64 `json:"accepted_per_s"`
	// SubmitLatency is from the start of a submission (the X-Bench-Sent
	// stamp) to the server's acceptance, in microseconds.
	SubmitLatency bench.Percentiles `json:"submit_latency_us"`
	// Sink holds the deliveries a bench sink counted, with --sink-stats.
	Sink *SinkReport `json:"sink,omitempty"`
}

// Reason is one kind of refusal and how often it happened.
type Reason struct {
	// Reason is the reply code ("SMTP 451 4.3.0", "API Throttling (HTTP
	// 429)") or the kind of failure ("network: connection refused").
	Reason string `json:"reason"`
	Count  int64  `json:"count"`
	// Example is the first full reply or error seen.
	Example string `json:"example"`
}

// SinkReport is what a bench sink saw of the run.
type SinkReport struct {
	URL string `json:"url"`
	// Delivered counts the run's messages the sink took; Complete says it
	// took all that were accepted before the wait ran out.
	Delivered int64 `json:"delivered"`
	Complete  bool  `json:"complete"`
	// ElapsedS is from the first submission to the last delivery;
	// DeliveredPerS is Delivered over it.
	ElapsedS      float64 `json:"elapsed_s"`
	DeliveredPerS float64 `json:"delivered_per_s"`
	// Latency is from the start of a submission to the sink's 250 to the
	// end of DATA, in microseconds: the submission itself, the queue and
	// the delivery.
	Latency bench.Percentiles `json:"latency_us"`
}

// WriteText writes the report for a person to read.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "bench send %s: %d messages of %d bytes via %s %s, %d %s", r.Run, r.Messages, r.Size,
		strings.ToUpper(r.Via), r.Target, r.Concurrency, map[string]string{"smtp": "sessions", "api": "clients"}[r.Via])
	if r.Via == "smtp" {
		fmt.Fprintf(&b, " (messages per connection: %d)", r.PerConnection)
	}
	fmt.Fprintf(&b, ", to %s\n", r.To)
	fmt.Fprintf(&b, "  sent       %8d  in %.2fs\n", r.Sent, r.ElapsedS)
	fmt.Fprintf(&b, "  accepted   %8d  %.1f/s\n", r.Accepted, r.AcceptedPerS)
	fmt.Fprintf(&b, "  rejected   %8d\n", r.Rejected)
	for _, reason := range r.Reasons {
		fmt.Fprintf(&b, "    %8d  %s  (%s)\n", reason.Count, reason.Reason, reason.Example)
	}
	if r.SubmitLatency.Count > 0 {
		fmt.Fprintf(&b, "  submission latency (start to acceptance): %s\n", r.SubmitLatency)
	}
	if s := r.Sink; s != nil {
		status := "all accepted messages"
		if !s.Complete {
			status = fmt.Sprintf("INCOMPLETE: %d of %d accepted", s.Delivered, r.Accepted)
		}
		fmt.Fprintf(&b, "  delivered  %8d  %.1f/s  in %.2fs (%s, counted by the sink)\n", s.Delivered, s.DeliveredPerS, s.ElapsedS, status)
		if s.Latency.Count > 0 {
			fmt.Fprintf(&b, "  delivery latency (start of submission to the sink's 250): %s\n", s.Latency)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// report starts the report of a run with what was asked.
func (r *run) report() *Report {
	rep := &Report{Run: r.cfg.Run, Concurrency: r.cfg.Concurrency, Messages: r.cfg.Count, Size: r.cfg.Size,
		To: toString(r.cfg.To), Reasons: []Reason{}}
	if r.cfg.SMTP.Addr != "" {
		rep.Via, rep.Target, rep.PerConnection = "smtp", r.cfg.SMTP.Addr, r.cfg.SMTP.PerConnection
	} else {
		rep.Via, rep.Target = "api", r.cfg.API.Endpoint
	}
	return rep
}

// toString renders the mix as ParseDomains reads it.
func toString(ws []Weight) string {
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = fmt.Sprintf("%s=%d", w.Domain, w.Weight)
	}
	return strings.Join(parts, ",")
}
