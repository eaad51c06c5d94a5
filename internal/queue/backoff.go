package queue

import (
	"math/rand/v2"
	"time"
)

// backoff is the delay before retry number attempts (1 for the first
// retry): base doubling per attempt up to limit, jittered by ±20% so that
// recipients deferred together do not come back together.
func backoff(base, limit time.Duration, attempts int) time.Duration {
	d := base
	for i := 1; i < attempts && d < limit; i++ {
		d *= 2
	}
	d = min(d, limit)
	jitter := time.Duration((rand.Float64()*0.4 - 0.2) * float64(d))
	return d + jitter
}
