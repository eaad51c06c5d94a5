package shaping

import (
	"sync"
	"time"

	"github.com/hikyaku/hikyaku/internal/clock"
)

// Waiter is a clock.Clock that can also wait. The shaper needs timers to
// pace messages and to poll the shaping file; clock.Clock only tells the
// time, so a clock that also has After is used for waiting, and any other
// clock (clock.Real) waits with the runtime's timers.
type Waiter interface {
	clock.Clock
	// After returns a channel that receives the time once d has passed
	// on this clock.
	After(d time.Duration) <-chan time.Time
}

// realAfter waits on the runtime's timers; used for clocks without After.
type realAfter struct{ clock.Clock }

func (r realAfter) After(d time.Duration) <-chan time.Time { return time.After(d) }

func waiterFor(c clock.Clock) Waiter {
	if w, ok := c.(Waiter); ok {
		return w
	}
	return realAfter{c}
}

// FakeClock is a clock.Fake whose timers fire when the test moves it, so
// pacing and throttle timelines are tested without sleeping. Tests that need
// a goroutine to be parked on a timer before moving time call WaitTimers.
type FakeClock struct {
	*clock.Fake

	mu     sync.Mutex
	timers []fakeTimer
	added  chan struct{} // closed and replaced when a timer is added
}

type fakeTimer struct {
	at time.Time
	ch chan time.Time
}

// NewFakeClock returns a fake clock set to t.
func NewFakeClock(t time.Time) *FakeClock {
	return &FakeClock{Fake: clock.NewFake(t), added: make(chan struct{})}
}

// After returns a channel that receives the fake time once the clock has
// been moved d past now. A d of zero or less fires at once.
func (f *FakeClock) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.Fake.Now()
	if d <= 0 {
		ch <- now
		return ch
	}
	f.timers = append(f.timers, fakeTimer{at: now.Add(d), ch: ch})
	close(f.added)
	f.added = make(chan struct{})
	return ch
}

// Advance moves the clock forward by d and fires the timers that are due.
func (f *FakeClock) Advance(d time.Duration) {
	f.Fake.Advance(d)
	f.fire()
}

// Set moves the clock to t and fires the timers that are due.
func (f *FakeClock) Set(t time.Time) {
	f.Fake.Set(t)
	f.fire()
}

// Timers reports how many timers are waiting to fire.
func (f *FakeClock) Timers() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.timers)
}

// WaitTimers blocks until at least n timers are waiting, that is until the
// goroutines under test have parked on the clock.
func (f *FakeClock) WaitTimers(n int) {
	for {
		f.mu.Lock()
		if len(f.timers) >= n {
			f.mu.Unlock()
			return
		}
		ch := f.added
		f.mu.Unlock()
		<-ch
	}
}

func (f *FakeClock) fire() {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.Fake.Now()
	kept := f.timers[:0]
	for _, t := range f.timers {
		if t.at.After(now) {
			kept = append(kept, t)
			continue
		}
		t.ch <- now
	}
	clear(f.timers[len(kept):])
	f.timers = kept
}
