package sns

import (
	"math/rand/v2"
	"time"
)

// MaxAge is how long hikyaku keeps retrying a notification that meets
// server-side errors: 24 hours from the first attempt. SNS's own default
// for HTTP(S) gives up after three retries 20 seconds apart, and its
// delivery policies cannot exceed an hour [SNSDG:
// sns-message-delivery-retries]; hikyaku outlasts a day-long outage of a
// subscriber instead, since the events (bounces, complaints) matter.
const MaxAge = 24 * time.Hour

// The retry schedule: immediateRetries attempts with no delay (a dropped
// connection often succeeds at once, as in SNS's "immediate retry
// phase"), then firstDelay doubling per attempt up to MaxDelay. Attempts
// then come every 16 to 20 minutes until MaxAge, some 80 to 100 attempts in all.
const (
	immediateRetries = 3
	firstDelay       = 10 * time.Second
	// MaxDelay is the longest wait between two attempts.
	MaxDelay = 20 * time.Minute
)

// Backoff returns how long to wait before retry number attempt (1 for the
// first retry, after the first failed attempt). Delays past the immediate
// retries are jittered down by up to 20% with rnd (nil means math/rand/v2's
// source) so that a subscriber coming back is not hit by every retry at
// once; no delay exceeds MaxDelay.
func Backoff(attempt int, rnd *rand.Rand) time.Duration {
	if attempt <= immediateRetries {
		return 0
	}
	d := firstDelay
	for i := immediateRetries + 1; i < attempt && d < MaxDelay; i++ {
		d *= 2
	}
	d = min(d, MaxDelay)
	f := rand.Float64
	if rnd != nil {
		f = rnd.Float64
	}
	return d - time.Duration(0.2*f()*float64(d))
}

// Expired reports whether a notification first attempted at first should
// be given up at now, after a failed attempt: MaxAge has passed.
func Expired(first, now time.Time) bool { return now.Sub(first) >= MaxAge }
