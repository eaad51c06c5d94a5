package bench

import (
	"strconv"
	"strings"
	"time"
)

// SentHeader is the header field that carries the send time and run of a
// benchmark message.
const SentHeader = "X-Bench-Sent"

// FormatSent is the value of SentHeader for a message whose submission
// began at t, in run.
func FormatSent(t time.Time, run string) string {
	return strconv.FormatInt(t.UnixMicro(), 10) + " " + run
}

// ParseSent reads a SentHeader value. ok is false when it is not
// "MICROS RUN" with a positive MICROS and a valid run.
func ParseSent(v string) (sent time.Time, run string, ok bool) {
	micros, run, found := strings.Cut(strings.TrimSpace(v), " ")
	if !found {
		return time.Time{}, "", false
	}
	n, err := strconv.ParseInt(micros, 10, 64)
	run = strings.TrimSpace(run)
	if err != nil || n <= 0 || !ValidRun(run) {
		return time.Time{}, "", false
	}
	return time.UnixMicro(n), run, true
}

// ValidRun reports whether s can name a run: 1 to 64 ASCII letters,
// digits, '-' or '_'.
func ValidRun(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range []byte(s) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}
