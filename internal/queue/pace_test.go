package queue

import (
	"testing"
	"time"

	"github.com/hikyaku/hikyaku/internal/delivery"
	"github.com/hikyaku/hikyaku/internal/store"
)

// A site is judged failing on its last attempts only, so one that
// recovers is seen to at once, and not before minJudged attempts.
func TestPaceJudgesTheLatestAttempts(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	var p pace
	for i := range minJudged - 1 {
		p.add(now, false)
		if p.failing() {
			t.Fatalf("failing after %d attempts, fewer than minJudged", i+1)
		}
	}
	p.add(now, false)
	if !p.failing() {
		t.Fatal("not failing after minJudged failures")
	}
	for range 100 {
		p.add(now, false)
	}
	for range 33 {
		p.add(now, true)
	}
	if p.failing() {
		t.Fatal("still failing after 33 deliveries in the last 64 attempts")
	}
	if r := p.rate(now.Add(5 * time.Second)); r <= 0 {
		t.Errorf("rate %v, want > 0", r)
	}
}

// A suspended site that answers again is resumed and no longer failing,
// though most of its last 64 attempts failed: the backlog that comes back
// with it must not be given back for MaxBackoff.
func TestAResumedSiteIsNotFailing(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	var q siteQueue
	busy := outcome{res: delivery.Temporary, reply: delivery.Reply{Code: 450, Enhanced: "4.2.1"}, stage: delivery.StageRcpt}
	for i := range 64 {
		if began, _, _ := q.recordLocked(now, busy); began != (i == suspendAfter-1) {
			t.Fatalf("attempt %d: began %v", i+1, began)
		}
	}
	if !q.dead.active() || !q.pace.failing() {
		t.Fatal("64 failures: want suspended and failing")
	}
	if _, ended, _ := q.recordLocked(now, outcome{res: delivery.Delivered}); !ended {
		t.Fatal("a delivery did not end the suspension")
	}
	if q.dead.active() || q.pace.failing() {
		t.Error("resumed site still suspended or failing")
	}
}

// A suspended site holds back up to heldRate jobs a second on their own
// backoff (they give probes to try); past that, a backlog coming due is
// held for MaxBackoff, so that holding it back costs the same whatever
// its size.
func TestABigBacklogIsHeldLonger(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	var s suspension
	long := 0
	for i := range 1000 {
		if s.hold(now, store.RecipientKey{MessageID: "m", Index: i}).long {
			long++
		}
	}
	// The rate is over the last window (10 s): 500 are on their backoff.
	if long != 1000-heldRate*int(paceWindow/time.Second) {
		t.Errorf("%d of 1000 held for MaxBackoff, want %d", long, 1000-heldRate*int(paceWindow/time.Second))
	}
	if s.hold(now.Add(3*paceWindow), store.RecipientKey{MessageID: "n"}).long {
		t.Error("held for MaxBackoff after a quiet spell")
	}
}

// While a site is suspended one held job is always due at the next
// probe, even when the rest waits MaxBackoff, and it stays the one when
// it comes back early (`queue retry`): a backlog whose every recipient
// was held for an hour would leave nothing to probe with.
func TestAHeldJobIsDueForTheNextProbe(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	s := suspension{streak: suspendAfter, nextProbe: now.Add(probeEvery)}
	a, b := store.RecipientKey{MessageID: "a"}, store.RecipientKey{MessageID: "b"}
	if h := s.hold(now, a); h.wait != probeEvery {
		t.Errorf("first held: wait %v, want %v", h.wait, probeEvery)
	}
	if h := s.hold(now, b); h.wait != 0 {
		t.Errorf("second held: wait %v, want its own backoff", h.wait)
	}
	if h := s.hold(now.Add(time.Second), a); h.wait != probeEvery-time.Second {
		t.Errorf("the candidate held again: wait %v, want %v", h.wait, probeEvery-time.Second)
	}
}
