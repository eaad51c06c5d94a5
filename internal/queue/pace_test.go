package queue

import (
	"testing"
	"time"
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
