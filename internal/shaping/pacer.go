package shaping

import (
	"math"
	"time"
)

// pacer spaces messages with the generic cell rate algorithm (the one
// behind KumoMTA's throttles and redis-cell): after an idle spell up to
// burst messages go at once, then one every interval. Arithmetic is on
// time.Duration, so a fake clock gives exact, repeatable delays.
type pacer struct {
	interval time.Duration // 0: no limit
	burst    int
	tat      time.Time // theoretical arrival time of the next message
}

// perSecond configures the pacer for rate messages a second (0: no limit),
// with bursts of one second's worth.
func (p *pacer) perSecond(rate float64) {
	if rate <= 0 {
		p.interval, p.burst = 0, 0
		return
	}
	p.interval = max(1, time.Duration(math.Round(float64(time.Second)/rate)))
	p.burst = max(1, int(math.Ceil(rate)))
}

// perHour configures the pacer for n messages an hour (0: no limit), with
// bursts of one minute's share.
func (p *pacer) perHour(n int) {
	if n <= 0 {
		p.interval, p.burst = 0, 0
		return
	}
	p.interval = time.Hour / time.Duration(n)
	p.burst = max(1, (n+59)/60)
}

// reserve books the next message not before at and returns when it may
// be sent.
func (p *pacer) reserve(at time.Time) time.Time {
	if p.interval == 0 {
		return at
	}
	tat := p.tat
	if tat.Before(at) {
		tat = at
	}
	allowAt := tat.Add(-p.interval * time.Duration(p.burst-1))
	p.tat = tat.Add(p.interval)
	if allowAt.After(at) {
		return allowAt
	}
	return at
}

// cancel gives back a reservation that was not used.
func (p *pacer) cancel() {
	if p.interval > 0 {
		p.tat = p.tat.Add(-p.interval)
	}
}

// meter estimates the recent sending rate with a sliding one-minute window
// (two fixed minutes, the older weighted by how much of it still overlaps).
type meter struct {
	start     time.Time
	cur, prev int
}

func (m *meter) roll(now time.Time) {
	switch d := now.Sub(m.start); {
	case m.start.IsZero() || d >= 2*time.Minute:
		m.start, m.cur, m.prev = now, 0, 0
	case d >= time.Minute:
		m.start, m.prev, m.cur = m.start.Add(time.Minute), m.cur, 0
	}
}

func (m *meter) add(now time.Time) {
	m.roll(now)
	m.cur++
}

// perSecond is the estimated rate over the last minute.
func (m *meter) perSecond(now time.Time) float64 {
	m.roll(now)
	frac := float64(now.Sub(m.start)) / float64(time.Minute)
	return (float64(m.prev)*(1-frac) + float64(m.cur)) / 60
}
