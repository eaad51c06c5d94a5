// Package load is `hikyaku bench send`: a load generator that submits N
// messages of a given size to a weighted mix of recipient domains,
// through SMTP (parallel sessions, optional STARTTLS and AUTH, several
// messages per connection) or through the SES v2 API (SigV4-signed
// SendEmail from concurrent clients). Every message carries an
// X-Bench-Sent header (package bench), so that when the mail ends up at a
// `hikyaku bench sink` the report can say how fast it was delivered and
// how long it took from submission to delivery.
package load

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hikyaku/hikyaku/internal/bench"
	"github.com/hikyaku/hikyaku/internal/clock"
)

// Config is one load run.
type Config struct {
	// Count is how many messages to submit, Size the size of each body
	// in bytes (as smtp-source -l).
	Count int
	Size  int
	// From is the sender, To the recipient domains: message i goes to
	// user<i>@<domain>, the domains spread by weight.
	From string
	To   []Weight
	// Concurrency is the number of parallel SMTP sessions or API clients.
	Concurrency int
	// SMTP, when its Addr is set, submits over SMTP; otherwise API.
	SMTP SMTP
	API  API
	// SinkStats is the URL of a bench sink's /stats, to report
	// deliveries; Wait bounds the wait for them after the last submission.
	SinkStats string
	Wait      time.Duration
	// Run names the run in X-Bench-Sent; default random.
	Run string
	// Progress receives a progress line every Interval (default 1s); nil
	// for none.
	Progress io.Writer
	Interval time.Duration
	// Clock stamps messages and times the run; default the system clock.
	Clock clock.Clock
}

// sender submits messages over one session or client; each worker has its
// own.
type sender interface {
	// send submits m and returns nil once it was accepted.
	send(ctx context.Context, m *message) error
	close()
}

// message is one message to submit.
type message struct {
	i    int
	to   string
	sent time.Time
	// stamp is the X-Bench-Sent value; head the header section.
	stamp string
	head  []byte
	// body is shared by all messages; text is the same as a string.
	body []byte
	text string
}

// Run submits the messages and returns the report. It stops taking new
// messages when ctx ends and reports what was done.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Run == "" {
		var b [4]byte
		_, _ = rand.Read(b[:])
		cfg.Run = hex.EncodeToString(b[:])
	}
	var sink *sinkClient
	if cfg.SinkStats != "" {
		var err error
		if sink, err = newSinkClient(cfg.SinkStats, cfg.Run); err != nil {
			return nil, err
		}
		if _, err := sink.fetch(ctx); err != nil {
			return nil, fmt.Errorf("--sink-stats: %w (is `hikyaku bench sink --http` running there?)", err)
		}
	}
	newSender, err := cfg.senders()
	if err != nil {
		return nil, err
	}

	b := body(cfg.Size)
	r := &run{cfg: cfg, body: b, text: string(b), domains: pattern(cfg.To), reasons: map[string]*Reason{}}
	rep := r.report()
	start := cfg.Clock.Now()
	r.start = start
	r.sending.Store(true)
	prog := startProgress(ctx, r, sink)
	var wg sync.WaitGroup
	lat := make([]*bench.Histogram, cfg.Concurrency)
	for w := range cfg.Concurrency {
		lat[w] = &bench.Histogram{}
		wg.Go(func() { r.work(ctx, newSender(), lat[w]) })
	}
	wg.Wait()
	end := cfg.Clock.Now()
	r.sending.Store(false)

	submit := &bench.Histogram{}
	for _, h := range lat {
		submit.Merge(h)
	}
	rep.Sent, rep.Accepted, rep.Rejected = r.sent.Load(), r.accepted.Load(), r.rejected.Load()
	rep.ElapsedS = end.Sub(start).Seconds()
	if rep.ElapsedS > 0 {
		rep.AcceptedPerS = float64(rep.Accepted) / rep.ElapsedS
	}
	rep.SubmitLatency = submit.Percentiles()
	for _, reason := range r.reasons {
		rep.Reasons = append(rep.Reasons, *reason)
	}
	slices.SortFunc(rep.Reasons, func(a, b Reason) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Reason, b.Reason))
	})

	if sink != nil {
		rep.Sink, err = r.awaitDeliveries(ctx, sink, rep.Accepted)
	}
	prog.stop()
	return rep, err
}

func (cfg *Config) check() error {
	switch {
	case cfg.Count <= 0:
		return errors.New("--count must be at least 1")
	case cfg.Size < 0:
		return errors.New("--size must not be negative")
	case cfg.From == "":
		return errors.New("--from is empty")
	case len(cfg.To) == 0:
		return errors.New("--to names no recipient domain")
	case cfg.Concurrency <= 0:
		return errors.New("the concurrency (--sessions or --clients) must be at least 1")
	case cfg.SMTP.Addr == "" && cfg.API.Endpoint == "":
		return errors.New("give --smtp HOST:PORT or --api URL")
	case cfg.SMTP.Addr != "" && cfg.API.Endpoint != "":
		return errors.New("give --smtp or --api, not both")
	case cfg.Run != "" && !bench.ValidRun(cfg.Run):
		return fmt.Errorf("--run %q: 1 to 64 letters, digits, - or _", cfg.Run)
	}
	return nil
}

// senders returns the constructor of the workers' senders.
func (cfg *Config) senders() (func() sender, error) {
	if cfg.SMTP.Addr != "" {
		if cfg.SMTP.PerConnection <= 0 {
			cfg.SMTP.PerConnection = 1
		}
		return func() sender { return &smtpSender{cfg: cfg.SMTP, from: cfg.From} }, nil
	}
	client, err := cfg.API.client(cfg.Concurrency)
	if err != nil {
		return nil, err
	}
	return func() sender { return &apiSender{c: client, from: cfg.From, simple: cfg.API.Simple} }, nil
}

// run is the state of a run shared by its workers.
type run struct {
	cfg     Config
	body    []byte
	text    string
	domains []string // the recipient domain of message i is domains[i%len]
	start   time.Time

	next                     atomic.Int64
	sent, accepted, rejected atomic.Int64
	sending                  atomic.Bool

	mu      sync.Mutex
	reasons map[string]*Reason
}

// work submits messages until none are left or ctx ends.
func (r *run) work(ctx context.Context, s sender, lat *bench.Histogram) {
	defer s.close()
	m := &message{body: r.body, text: r.text}
	for ctx.Err() == nil {
		i := int(r.next.Add(1) - 1)
		if i >= r.cfg.Count {
			return
		}
		m.i = i
		m.to = fmt.Sprintf("user%d@%s", i, r.domains[i%len(r.domains)])
		m.sent = r.cfg.Clock.Now()
		m.stamp = bench.FormatSent(m.sent, r.cfg.Run)
		m.head = header(m.head[:0], r.cfg.From, m.to, r.cfg.Run, m.stamp, i, m.sent)
		r.sent.Add(1)
		// A submission under way finishes after ctx ends, so that ^C
		// does not count it as refused.
		err := s.send(context.WithoutCancel(ctx), m)
		if err != nil {
			r.rejected.Add(1)
			r.reject(err)
			continue
		}
		lat.RecordDuration(r.cfg.Clock.Now().Sub(m.sent))
		r.accepted.Add(1)
	}
}

// reject counts a refusal by its reason.
func (r *run) reject(err error) {
	key, example := classify(err)
	r.mu.Lock()
	defer r.mu.Unlock()
	reason := r.reasons[key]
	if reason == nil {
		reason = &Reason{Reason: key, Example: example}
		r.reasons[key] = reason
	}
	reason.Count++
}

// awaitDeliveries polls the sink until it has taken every accepted
// message of the run, Wait passed or ctx ended, and reports what it saw.
// After ctx ends (^C) it still asks the sink once, so the report says how
// far the run got.
func (r *run) awaitDeliveries(ctx context.Context, sink *sinkClient, want int64) (*SinkReport, error) {
	deadline := r.cfg.Clock.Now().Add(r.cfg.Wait)
	var rs *bench.RunStats
	for {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		st, err := sink.fetch(fctx)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("--sink-stats: %w", err)
		}
		rs = st
		if rs.Messages >= want || !r.cfg.Clock.Now().Before(deadline) || ctx.Err() != nil {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
	out := &SinkReport{URL: sink.url, Delivered: rs.Messages, Complete: rs.Messages >= want, Latency: rs.Latency.Percentiles()}
	if rs.Messages > 0 {
		out.ElapsedS = rs.Last.Sub(r.start).Seconds()
		if out.ElapsedS > 0 {
			out.DeliveredPerS = float64(rs.Messages) / out.ElapsedS
		}
	}
	return out, nil
}
