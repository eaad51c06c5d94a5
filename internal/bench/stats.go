package bench

import "time"

// Stats is the document a bench sink serves on GET /stats: what it took
// and refused since it started. Counts of recipients are by the reply that
// decided them: a recipient refused at RCPT TO counts once, with that
// reply; the recipients of a message refused at the end of DATA count
// with that reply.
type Stats struct {
	// Listen is the sink's SMTP address.
	Listen string `json:"listen"`
	// Started is when the sink started, Now when the document was made.
	Started time.Time `json:"started"`
	Now     time.Time `json:"now"`
	// Connections counts the SMTP connections accepted, Open those open
	// now, TLS the sessions that ran STARTTLS.
	Connections int64 `json:"connections"`
	Open        int64 `json:"open"`
	TLS         int64 `json:"tls"`
	// Messages counts the messages taken (250 to the end of DATA), Bytes
	// their size as received.
	Messages int64 `json:"messages"`
	Bytes    int64 `json:"bytes"`
	// Recipients counts the recipients of the messages taken; Deferred and
	// Rejected those answered with a 4xx or 5xx reply; Aborted those
	// accepted at RCPT TO whose transaction never finished (RSET, a 421,
	// a connection lost).
	Recipients int64 `json:"recipients"`
	Deferred   int64 `json:"deferred"`
	Rejected   int64 `json:"rejected"`
	Aborted    int64 `json:"aborted"`
	// First and Last are when the first and the latest message were
	// taken; zero before any.
	First time.Time `json:"first"`
	Last  time.Time `json:"last"`
	// Domains holds the counts per recipient domain (lower case).
	Domains map[string]*DomainStats `json:"domains"`
	// Latency is the histogram of arrival − X-Bench-Sent in microseconds
	// over every stamped message; Unstamped counts the messages without a
	// valid X-Bench-Sent.
	Latency   *Histogram `json:"latency_us"`
	Unstamped int64      `json:"unstamped"`
	// Runs holds the figures of the runs named in X-Bench-Sent: the one
	// asked for with ?run=, or the most recent ones.
	Runs map[string]*RunStats `json:"runs"`
}

// DomainStats are a sink's counts for one recipient domain.
type DomainStats struct {
	// Messages counts the messages taken with at least one recipient in
	// the domain.
	Messages int64 `json:"messages"`
	// Accepted, Deferred, Rejected and Aborted count recipients, as in
	// Stats.
	Accepted int64 `json:"accepted"`
	Deferred int64 `json:"deferred"`
	Rejected int64 `json:"rejected"`
	Aborted  int64 `json:"aborted"`
	// Replies counts the recipients by the reply code that decided them.
	Replies map[int]int64 `json:"replies"`
}

// RunStats are a sink's figures for the messages of one run.
type RunStats struct {
	// Messages and Recipients count what was taken.
	Messages   int64 `json:"messages"`
	Recipients int64 `json:"recipients"`
	// First and Last are when the first and the latest message arrived.
	First time.Time `json:"first"`
	Last  time.Time `json:"last"`
	// Latency is arrival − X-Bench-Sent, in microseconds.
	Latency *Histogram `json:"latency_us"`
}
