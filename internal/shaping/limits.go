package shaping

import (
	"math"
	"time"
)

// Limits are what hikyaku allows itself towards one site.
type Limits struct {
	// MaxConnections is how many SMTP connections may be open to the site at
	// once. At least 1.
	MaxConnections int
	// MessagesPerConnection is how many messages one connection carries
	// before it is closed and a new one opened; 0 means no limit.
	MessagesPerConnection int
	// MessagesPerSecond paces messages to the site: at most
	// ceil(MessagesPerSecond) go at once, then one every 1/MessagesPerSecond
	// seconds. It may be fractional (0.5 is one every two seconds); 0 means
	// no limit.
	MessagesPerSecond float64
	// MessagesPerHour spreads messages over the hour: at most a minute's
	// share (MessagesPerHour/60, at least 1) at once, then evenly. 0 means no
	// limit.
	MessagesPerHour int
}

// DefaultLimits are the limits for a site that no rule matches, in the
// spirit of Postfix's defaults: default_destination_concurrency_limit = 20,
// no default_destination_rate_delay, and KumoMTA's default of 100
// deliveries per connection.
func DefaultLimits() Limits {
	return Limits{MaxConnections: 20, MessagesPerConnection: 100}
}

// Throttle is the adaptive slowdown applied when a site answers "421 too
// many connections", "rate limited" and the like. Each signal cuts the
// site's connection limit and message rate by Cut, down to the floors; the
// cut holds for Duration after the last signal, then one cut is undone every
// RecoverEvery, as Postfix grows a destination's concurrency back after
// congestion.
type Throttle struct {
	// Cut multiplies the limits on each signal: 0.5 halves them.
	Cut float64
	// Duration is how long a cut holds after the signal that made it.
	Duration time.Duration
	// RecoverEvery is the pause between undoing one cut and the next once
	// Duration is over.
	RecoverEvery time.Duration
	// StackAfter is the least time between two cuts: signals closer than
	// this to the last cut (typically every connection of a burst hitting
	// the same 421) only extend it, so one bad moment is one cut, not twenty.
	StackAfter time.Duration
	// MinConnections is the floor for the connection limit.
	MinConnections int
	// MinMessagesPerSecond is the floor for the message rate.
	MinMessagesPerSecond float64
}

// DefaultThrottle halves a site's limits for 15 minutes per signal, at most
// one cut a minute, down to one connection and one message a minute (the
// floor KumoMTA's shipped automation sets on "temporarily deferred"), then
// undoes one cut every 5 minutes.
func DefaultThrottle() Throttle {
	return Throttle{
		Cut:                  0.5,
		Duration:             15 * time.Minute,
		RecoverEvery:         5 * time.Minute,
		StackAfter:           time.Minute,
		MinConnections:       1,
		MinMessagesPerSecond: 1.0 / 60,
	}
}

// limitsAt returns the limits in force after level stacked cuts of base.
// A site with no rate limit is cut from observed, the rate it was sending at
// when first throttled.
func (t Throttle) limitsAt(base Limits, observed float64, level int) Limits {
	if level <= 0 {
		return base
	}
	f := math.Pow(t.Cut, float64(level))
	out := base
	out.MaxConnections = min(base.MaxConnections, max(t.MinConnections, int(float64(base.MaxConnections)*f)))
	rate := base.MessagesPerSecond
	if rate == 0 {
		rate = observed
	}
	rate = max(t.MinMessagesPerSecond, rate*f)
	if base.MessagesPerSecond > 0 {
		rate = min(rate, base.MessagesPerSecond)
	}
	out.MessagesPerSecond = rate
	return out
}
