package queue

import (
	"strconv"
	"time"

	"github.com/hikyaku/hikyaku/internal/delivery"
	"github.com/hikyaku/hikyaku/internal/store"
)

// suspendAfter is how many temporary failures in a row suspend a site.
const suspendAfter = 32

// probeEvery is how often a suspended site is offered one message.
const probeEvery = 10 * time.Second

// suspension is Postfix's dead destination ("delivery temporarily
// suspended"): a site whose last suspendAfter attempts all failed
// temporarily (connections refused or timed out, every recipient
// answered 4xx) is in an outage or refusing this sender, and offering it
// the rest of its queue only costs a transaction, a recorded attempt and
// an event each while mail to other sites waits for the CPU. While
// suspended, one recipient per probeEvery is attempted (the probe) by one
// worker, and what comes meanwhile waits in memory for its answer; when
// no probe is out, the site's mail is deferred without a connection, as
// attempts of their own (their backoff grows, MaxAge still bounces them),
// the reply naming the failure that suspended the site. The first attempt
// that does not fail temporarily (delivered, or a 5xx: the site answers)
// lifts it, and the mail that waited for the probe goes at once.
// Permanent failures break the streak, so a list full of unknown users
// never suspends a site; a throttle (421) counts, and the shaper slows
// the site down first.
type suspension struct {
	streak    int // temporary failures in a row
	last      delivery.Reply
	stage     delivery.Stage
	nextProbe time.Time
	// probing says a probe is out: its worker is the site's only one.
	probing bool
	// held counts the jobs deferred without a connection since the
	// site was suspended; flushed is when a resumption last made such
	// jobs due at once.
	held    int
	flushed time.Time
	// heldPace counts the jobs held back lately, for their rate.
	heldPace pace
	// candidate is the probe time a held job was last made due at, and
	// candidateKey that job.
	candidate    time.Time
	candidateKey store.RecipientKey
}

func (s *suspension) active() bool { return s.streak >= suspendAfter }

// holds reports whether a job offered now is to be deferred without an
// attempt: the site is suspended, no probe is out and none is due.
func (s *suspension) holds(now time.Time) bool {
	return s.active() && !s.probing && now.Before(s.nextProbe)
}

// verdict says what a worker does with the next job of a site.
type verdict int

const (
	attempt verdict = iota // deliver it
	probe                  // deliver it as the suspended site's probe
	hold                   // defer it without connecting
)

// judge decides for the next job, taking the probe's turn when one is
// due.
func (s *suspension) judge(now time.Time) verdict {
	switch {
	case !s.active():
		return attempt
	case now.Before(s.nextProbe):
		return hold
	}
	s.nextProbe, s.probing = now.Add(probeEvery), true
	return probe
}

// flushEvery is how often a resumed site's held mail is made due at once:
// a site that flaps (answers one probe, then fails 32 in a row again)
// does not have its backlog moved every probeEvery.
const flushEvery = 10 * time.Minute

// heldRate is how many jobs a second a suspended site holds back on
// their own backoff; above it, they wait MaxBackoff.
const heldRate = 50

// hold counts a job deferred without a connection and returns its
// failure. Held back on its own backoff (1 minute, then doubling), a
// big backlog would come back faster than it can be held back again
// (each a claim and a recorded attempt): a million recipients queued for
// a site in an outage cost three times their intake in the first ten
// minutes alone, and intake to every site fell to a few percent. So past
// heldRate a second the jobs are held for MaxBackoff instead: the load
// is bounded whatever the backlog, the recipients on their own backoff
// keep giving probes to try, and when a probe finds the site back, the
// whole backlog is made due at once (flush).
func (s *suspension) hold(now time.Time, k store.RecipientKey) *heldBack {
	s.held++
	s.heldPace.add(now, false)
	h := &heldBack{err: s.err(), long: s.heldPace.rate(now) > heldRate}
	if !s.candidate.Equal(s.nextProbe) || k == s.candidateKey {
		// The first job held for the next probe comes due for it, so
		// that there is one to try even when everything else waits
		// MaxBackoff (a backlog made due by `queue retry` while no
		// probe was due; then the candidate itself may come back early
		// and is made due for the probe again).
		s.candidate, s.candidateKey = s.nextProbe, k
		h.long, h.wait = false, max(s.nextProbe.Sub(now), time.Second)
	}
	return h
}

// record counts an attempt's result; began and ended say whether it
// suspended the site or lifted its suspension, and flush whether the
// mail held back meanwhile is to be made due at once: when the site
// answers again, what waits for it need not wait out its backoff, the
// last of it deferred a moment before the probe that found the site
// back (at most every flushEvery).
func (s *suspension) record(now time.Time, o outcome) (began, ended, flush bool) {
	if o.res != delivery.Temporary {
		ended = s.active()
		s.streak = 0
		if ended && s.held > 0 && now.Sub(s.flushed) >= flushEvery {
			flush, s.flushed = true, now
		}
		if ended {
			s.held = 0
		}
		return false, ended, flush
	}
	s.streak++
	s.last, s.stage = o.reply, o.stage
	if s.streak == suspendAfter {
		s.nextProbe = now.Add(probeEvery)
		return true, false, false
	}
	return false, false, false
}

// err is the failure a held job is deferred with: no server was asked,
// so no SMTP code; the status and text are those of the latest failure.
func (s *suspension) err() *delivery.Error {
	enh := s.last.Enhanced
	if enh == "" {
		enh = "4.4.1"
	}
	return &delivery.Error{Enhanced: enh, Temporary: true, Stage: delivery.StageLocal,
		Message: "delivery temporarily suspended after " + strconv.Itoa(s.streak) +
			" temporary failures in a row: " + replyText(s.last, s.stage)}
}

// outcome is what one attempt came to, for the site's health; res 0 when
// no attempt reached the site (shutdown, the body could not be read).
type outcome struct {
	res   delivery.Result
	reply delivery.Reply
	stage delivery.Stage
}
