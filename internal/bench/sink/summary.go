package sink

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hikyaku/hikyaku/internal/bench"
)

// Rate is messages per second over the time mail flowed, from the first
// message taken to the latest; 0 with fewer than two messages.
func Rate(messages int64, first, last time.Time) float64 {
	d := last.Sub(first).Seconds()
	if messages < 2 || d <= 0 {
		return 0
	}
	return float64(messages) / d
}

// WriteSummary writes the sink's figures for a person to read.
func WriteSummary(w io.Writer, s bench.Stats) error {
	up := s.Now.Sub(s.Started)
	fmt.Fprintf(w, "bench sink %s: %d messages, %d recipients, %.1f MB in %s",
		s.Listen, s.Messages, s.Recipients, float64(s.Bytes)/1e6, up.Round(time.Millisecond))
	if r := Rate(s.Messages, s.First, s.Last); r > 0 {
		fmt.Fprintf(w, "; %.1f messages/s from the first to the last", r)
	}
	fmt.Fprintf(w, "\nconnections: %d (%d with STARTTLS, %d open)\n", s.Connections, s.TLS, s.Open)

	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DOMAIN\tMESSAGES\tACCEPTED\tDEFERRED\tREJECTED\tABORTED\tREPLIES")
	domains := make([]string, 0, len(s.Domains))
	for d := range s.Domains {
		domains = append(domains, d)
	}
	slices.Sort(domains)
	for _, d := range domains {
		ds := s.Domains[d]
		name := d
		if name == "" {
			name = "(none)"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%s\n", name, ds.Messages, ds.Accepted, ds.Deferred, ds.Rejected, ds.Aborted, replies(ds.Replies))
	}
	fmt.Fprintf(tw, "all\t%d\t%d\t%d\t%d\t%d\t\n", s.Messages, s.Recipients, s.Deferred, s.Rejected, s.Aborted)
	if err := tw.Flush(); err != nil {
		return err
	}

	if n := s.Latency.Count(); n > 0 {
		fmt.Fprintf(w, "latency from X-Bench-Sent to arrival (%d messages): %s\n", n, s.Latency.Percentiles())
	}
	if s.Unstamped > 0 {
		fmt.Fprintf(w, "messages without X-Bench-Sent: %d\n", s.Unstamped)
	}
	runs := make([]string, 0, len(s.Runs))
	for id := range s.Runs {
		runs = append(runs, id)
	}
	slices.SortFunc(runs, func(a, b string) int { return s.Runs[a].First.Compare(s.Runs[b].First) })
	for _, id := range runs {
		r := s.Runs[id]
		fmt.Fprintf(w, "run %s: %d messages, %.1f/s, latency %s\n", id, r.Messages, Rate(r.Messages, r.First, r.Last), r.Latency.Percentiles())
	}
	return nil
}

// replies renders reply counts as "250:4500 450:250".
func replies(m map[int]int64) string {
	codes := make([]int, 0, len(m))
	for c := range m {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	parts := make([]string, len(codes))
	for i, c := range codes {
		parts[i] = strconv.Itoa(c) + ":" + strconv.FormatInt(m[c], 10)
	}
	return strings.Join(parts, " ")
}

// Progress is a one-line account of what changed from prev to cur, for
// printing every second.
func Progress(prev, cur bench.Stats) string {
	d := cur.Now.Sub(prev.Now).Seconds()
	rate := 0.0
	if d > 0 {
		rate = float64(cur.Messages-prev.Messages) / d
	}
	return fmt.Sprintf("bench sink %6s: %d messages (%.0f/s), %d recipients, %d deferred, %d rejected, %d connections open",
		cur.Now.Sub(cur.Started).Round(time.Second), cur.Messages, rate, cur.Recipients, cur.Deferred, cur.Rejected, cur.Open)
}
