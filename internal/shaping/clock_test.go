package shaping

import (
	"testing"
	"time"

	"github.com/hikyaku/hikyaku/internal/clock"
)

func TestFakeClockTimers(t *testing.T) {
	t.Parallel()
	clk := NewFakeClock(t0)
	select {
	case <-clk.After(0):
	default:
		t.Fatal("After(0) did not fire at once")
	}
	short, long := clk.After(time.Second), clk.After(time.Minute)
	clk.WaitTimers(2)
	clk.Advance(999 * time.Millisecond)
	select {
	case <-short:
		t.Fatal("a 1s timer fired after 999ms")
	default:
	}
	clk.Advance(time.Millisecond)
	if got := <-short; !got.Equal(t0.Add(time.Second)) {
		t.Errorf("timer fired with %v, want %v", got, t0.Add(time.Second))
	}
	if n := clk.Timers(); n != 1 {
		t.Errorf("%d timers pending, want 1", n)
	}
	clk.Set(t0.Add(time.Hour))
	<-long
	if n := clk.Timers(); n != 0 {
		t.Errorf("%d timers pending, want none", n)
	}
}

func TestWaiterFor(t *testing.T) {
	t.Parallel()
	if _, ok := waiterFor(clock.Real{}).(realAfter); !ok {
		t.Error("the real clock does not wait on runtime timers")
	}
	fake := NewFakeClock(t0)
	if w := waiterFor(fake); w != Waiter(fake) {
		t.Error("a clock with After is not used for waiting")
	}
}
