// Package shaping holds outbound delivery to each destination site within
// limits: concurrent connections, messages per connection, messages per
// second and per hour, as Postfix's per-destination concurrency and rate
// delay and KumoMTA's shaping.toml do.
//
// A site is a destination's set of MX hosts, so all domains hosted by one
// provider share its limits. The limits come from the shaping file
// (shaping.toml in the data directory, written with shipped presets for
// Gmail, Microsoft, Yahoo, iCloud and the Japanese carriers on first start
// and reloaded when edited): rules match MX hosts by suffix, the longest
// suffix winning, with per-domain overrides and a default.
//
// The delivery code asks the Shaper for a Site, then takes a connection slot
// (AcquireConn), a message slot (Wait) for each message, closes connections
// that have carried enough (ConnExhausted), and reports pushback
// (Throttled): a 421, "too many connections" or "rate limited" cuts the
// site's limits for a while, stacking with further signals, and the limits
// come back a step at a time, as Postfix's destination concurrency does
// after congestion and KumoMTA's traffic shaping automation does.
//
// Time comes from an injected clock; FakeClock lets tests drive pacing and
// throttle timelines without sleeping.
package shaping
