package sns

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// fixedSource makes rand.Rand.Float64 return about 0 (fixedSource(0)) or
// about 1 (fixedSource(math.MaxUint64)): the two ends of the jitter.
type fixedSource uint64

func (s fixedSource) Uint64() uint64 { return uint64(s) }

func TestBackoffSchedule(t *testing.T) {
	t.Parallel()
	noJitter := rand.New(fixedSource(0))
	tests := []struct {
		attempt int
		want    time.Duration
	}{
		{0, 0}, {1, 0}, {2, 0}, {3, 0},
		{4, 10 * time.Second},
		{5, 20 * time.Second},
		{6, 40 * time.Second},
		{10, 640 * time.Second},
		{11, 20 * time.Minute},
		{50, 20 * time.Minute},
		{1 << 20, 20 * time.Minute},
	}
	for _, tt := range tests {
		if got := Backoff(tt.attempt, noJitter); got != tt.want {
			t.Errorf("Backoff(%d) = %v, want %v", tt.attempt, got, tt.want)
		}
	}
}

func TestBackoffJitter(t *testing.T) {
	t.Parallel()
	noJitter := rand.New(fixedSource(0))
	most := rand.New(fixedSource(math.MaxUint64))
	seeded := rand.New(rand.NewPCG(1, 2))
	for attempt := 1; attempt <= 200; attempt++ {
		nominal := Backoff(attempt, noJitter)
		lo := Backoff(attempt, most)
		if lo < nominal*8/10 || lo > nominal {
			t.Errorf("Backoff(%d) with most jitter = %v, want within [80%%, 100%%] of %v", attempt, lo, nominal)
		}
		for range 10 {
			d := Backoff(attempt, seeded)
			if d < nominal*8/10 || d > nominal || d > MaxDelay {
				t.Errorf("Backoff(%d) = %v, nominal %v", attempt, d, nominal)
			}
		}
		if d := Backoff(attempt, nil); d > nominal || d > MaxDelay {
			t.Errorf("Backoff(%d, nil) = %v, nominal %v", attempt, d, nominal)
		}
	}
}

// TestBackoffOutlastsMaxAge follows the schedule from the first attempt:
// with the shortest delays jitter can give it must take at least MaxAge
// (24 h) to reach its end in a bounded number of attempts, and with the
// longest ones it must still be attempting well before then.
func TestBackoffOutlastsMaxAge(t *testing.T) {
	t.Parallel()
	if MaxAge < 24*time.Hour {
		t.Fatalf("MaxAge = %v, want at least 24h", MaxAge)
	}
	for name, rnd := range map[string]*rand.Rand{
		"shortest delays": rand.New(fixedSource(math.MaxUint64)),
		"longest delays":  rand.New(fixedSource(0)),
		"random":          rand.New(rand.NewPCG(3, 4)),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			first := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
			now := first
			attempts := 1
			for !Expired(first, now) {
				now = now.Add(Backoff(attempts, rnd))
				attempts++
				if attempts > 150 {
					t.Fatalf("still not expired after %d attempts (%v)", attempts, now.Sub(first))
				}
			}
			if attempts < 60 {
				t.Errorf("expired after only %d attempts", attempts)
			}
			// The last attempt came within MaxDelay of the end.
			if over := now.Sub(first) - MaxAge; over > MaxDelay {
				t.Errorf("last attempt %v after MaxAge", over)
			}
			t.Logf("%d attempts over %v", attempts, now.Sub(first))
		})
	}
}

func TestExpired(t *testing.T) {
	t.Parallel()
	first := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		after time.Duration
		want  bool
	}{
		{0, false},
		{23*time.Hour + 59*time.Minute, false},
		{24 * time.Hour, true},
		{48 * time.Hour, true},
	}
	for _, tt := range tests {
		if got := Expired(first, first.Add(tt.after)); got != tt.want {
			t.Errorf("Expired after %v = %v, want %v", tt.after, got, tt.want)
		}
	}
}
