package sink

import (
	"maps"
	"sync"
	"time"

	"github.com/hikyaku/hikyaku/internal/bench"
)

// keepRuns is how many runs the sink remembers; older ones are forgotten
// as new ones arrive.
const keepRuns = 64

// counter holds what the sink has seen, behind one lock: a few hundred
// nanoseconds per recipient and per message, far below what an SMTP
// transaction costs.
type counter struct {
	mu      sync.Mutex
	s       bench.Stats
	runs    map[string]*bench.RunStats
	order   []string // runs, oldest first
	stopAt  int64    // close reached after this many messages; 0: never
	reached chan struct{}
}

func newCounter(listen string, started time.Time, stopAt int64) *counter {
	return &counter{
		s: bench.Stats{Listen: listen, Started: started, Domains: map[string]*bench.DomainStats{},
			Latency: &bench.Histogram{}},
		runs:    map[string]*bench.RunStats{},
		stopAt:  stopAt,
		reached: make(chan struct{}),
	}
}

// domain returns the counts of d, creating them. Called with mu held.
func (c *counter) domain(d string) *bench.DomainStats {
	ds := c.s.Domains[d]
	if ds == nil {
		ds = &bench.DomainStats{Replies: map[int]int64{}}
		c.s.Domains[d] = ds
	}
	return ds
}

// connected counts a new connection; closed counts one out.
func (c *counter) connected() {
	c.mu.Lock()
	c.s.Connections++
	c.s.Open++
	c.mu.Unlock()
}

func (c *counter) closed() {
	c.mu.Lock()
	c.s.Open--
	c.mu.Unlock()
}

func (c *counter) startedTLS() {
	c.mu.Lock()
	c.s.TLS++
	c.mu.Unlock()
}

// refused counts recipients of the given domains refused with code.
func (c *counter) refused(code int, domains ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, d := range domains {
		ds := c.domain(d)
		ds.Replies[code]++
		if code >= 500 {
			ds.Rejected++
			c.s.Rejected++
		} else {
			ds.Deferred++
			c.s.Deferred++
		}
	}
}

// aborted counts recipients accepted at RCPT TO whose transaction did
// not finish.
func (c *counter) aborted(domains ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, d := range domains {
		c.domain(d).Aborted++
		c.s.Aborted++
	}
}

// arrival is one message the sink took.
type arrival struct {
	domains []string // one per recipient
	bytes   int64
	at      time.Time
	// sent and run are from X-Bench-Sent; stamped says it was valid.
	sent    time.Time
	run     string
	stamped bool
}

// took counts a message taken.
func (c *counter) took(a arrival) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := &c.s
	s.Messages++
	s.Bytes += a.bytes
	s.Recipients += int64(len(a.domains))
	if s.First.IsZero() {
		s.First = a.at
	}
	s.Last = a.at
	for i, d := range a.domains {
		ds := c.domain(d)
		ds.Accepted++
		ds.Replies[250]++
		if !containsBefore(a.domains, i, d) {
			ds.Messages++
		}
	}
	if a.stamped {
		lat := a.at.Sub(a.sent)
		s.Latency.RecordDuration(lat)
		r := c.run(a.run)
		r.Messages++
		r.Recipients += int64(len(a.domains))
		if r.First.IsZero() {
			r.First = a.at
		}
		r.Last = a.at
		r.Latency.RecordDuration(lat)
	} else {
		s.Unstamped++
	}
	if s.Messages == c.stopAt {
		close(c.reached)
	}
}

// containsBefore reports whether d is among the first i domains.
func containsBefore(domains []string, i int, d string) bool {
	for _, x := range domains[:i] {
		if x == d {
			return true
		}
	}
	return false
}

// run returns the figures of run id, creating them and forgetting the
// oldest run if there are too many. Called with mu held.
func (c *counter) run(id string) *bench.RunStats {
	r := c.runs[id]
	if r == nil {
		if len(c.order) == keepRuns {
			delete(c.runs, c.order[0])
			c.order = c.order[1:]
		}
		r = &bench.RunStats{Latency: &bench.Histogram{}}
		c.runs[id] = r
		c.order = append(c.order, id)
	}
	return r
}

// snapshot copies the figures: for run alone, or every run if run is "".
func (c *counter) snapshot(run string, now time.Time) bench.Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.s
	s.Now = now
	s.Latency = c.s.Latency.Clone()
	s.Domains = make(map[string]*bench.DomainStats, len(c.s.Domains))
	for d, ds := range c.s.Domains {
		cp := *ds
		cp.Replies = maps.Clone(ds.Replies)
		s.Domains[d] = &cp
	}
	s.Runs = map[string]*bench.RunStats{}
	for id, r := range c.runs {
		if run != "" && id != run {
			continue
		}
		cp := *r
		cp.Latency = r.Latency.Clone()
		s.Runs[id] = &cp
	}
	return s
}
