package shaping

import (
	"context"
	"log/slog"
	"time"
)

// Throttled tells the site that it pushed back: a 421 reply, "too many
// connections", "rate limited", "try again later". The site's connection
// limit and message rate are cut by the throttle's factor for its duration,
// stacking with later signals down to the floors, then recover a cut at a
// time. Messages per connection and per hour are left as configured.
// reason is the reply text, kept for the log and Stats.
//
// Connections already open are not closed: the lower limit holds back new
// ones, and the caller should close the connection that got the 421.
func (s *Site) Throttled(reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.sh.clk.Now()
	s.refresh(now)
	s.lastUsed = now
	s.reason = reason
	s.sh.m.events.WithLabelValues(s.rule).Inc()
	t := s.throttle

	if s.level > 0 && now.Sub(s.lastCut) < t.StackAfter {
		s.nextStep = now.Add(t.Duration)
		s.logChange(slog.LevelInfo, "shaping: site throttle extended", reason, s.eff)
		return
	}
	if s.level == 0 {
		s.observed = s.sent.perSecond(now)
	}
	next := t.limitsAt(s.base, s.observed, s.level+1)
	if s.level > 0 && next == s.eff {
		s.nextStep = now.Add(t.Duration)
		s.logChange(slog.LevelInfo, "shaping: site throttle extended at its floor", reason, s.eff)
		return
	}
	old := s.eff
	s.level++
	s.lastCut = now
	s.nextStep = now.Add(t.Duration)
	s.apply(next)
	s.logChange(slog.LevelWarn, "shaping: site throttled", reason, old)
}

// refresh undoes the cuts whose time has come. Called with s.mu held.
func (s *Site) refresh(now time.Time) {
	for s.level > 0 && !now.Before(s.nextStep) {
		at := s.nextStep
		old := s.eff
		s.level--
		msg := "shaping: site recovering"
		if s.level == 0 {
			s.observed = 0
			s.nextStep = time.Time{}
			msg = "shaping: site recovered"
		} else {
			s.nextStep = at.Add(s.throttle.RecoverEvery)
		}
		s.apply(s.throttle.limitsAt(s.base, s.observed, s.level))
		s.logChange(slog.LevelInfo, msg, "", old, slog.Time("at", at))
	}
}

// recoveredBy is when the site will be back to its configured limits if no
// further signal comes. Called with s.mu held and s.level > 0.
func (s *Site) recoveredBy() time.Time {
	return s.nextStep.Add(time.Duration(s.level-1) * s.throttle.RecoverEvery)
}

// logChange logs a change of limits from old to the limits in force.
// Called with s.mu held.
func (s *Site) logChange(level slog.Level, msg, reason string, old Limits, extra ...slog.Attr) {
	attrs := []slog.Attr{
		slog.String("site", s.key),
		slog.String("rule", s.rule),
		slog.Int("level", s.level),
		slog.Int("old_max_connections", old.MaxConnections),
		slog.Int("max_connections", s.eff.MaxConnections),
		slog.Float64("old_messages_per_second", old.MessagesPerSecond),
		slog.Float64("messages_per_second", s.eff.MessagesPerSecond),
	}
	if reason != "" {
		attrs = append(attrs, slog.String("reason", reason))
	}
	if s.level > 0 {
		attrs = append(attrs, slog.Time("until", s.nextStep), slog.Time("recovered_by", s.recoveredBy()))
	}
	attrs = append(attrs, extra...)
	s.sh.log.LogAttrs(context.Background(), level, msg, attrs...)
}
