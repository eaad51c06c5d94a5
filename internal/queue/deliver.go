package queue

import (
	"context"
	"errors"
	"time"

	"github.com/hikyaku/hikyaku/internal/delivery"
	"github.com/hikyaku/hikyaku/internal/eventlog"
	"github.com/hikyaku/hikyaku/internal/shaping"
	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/verp"
)

// deliver makes one attempt for one recipient: MAIL FROM is the
// recipient's VERP address, so a bounce that comes back later names it, on
// the message's custom MAIL FROM domain or else the default one.
//
// It returns the attempt's outcome, for the site's health.
func (s *Scheduler) deliver(ctx context.Context, shaped *shaping.Site, j *job) outcome {
	c := j.claim
	start := s.clock.Now()
	body, err := c.Body, error(nil)
	if body == nil {
		body, err = s.store.GetMessageBody(ctx, c.Recipient.MessageID)
	}
	if err != nil && ctx.Err() != nil {
		// Shutdown cancelled the read: no attempt was made.
		s.finish(c, j.site, nil, errStopped, start)
		return outcome{}
	}
	if err != nil {
		s.log.Error("read message body", "message_id", c.Recipient.MessageID, "err", err)
		s.finish(c, j.site, nil, &delivery.Error{Stage: delivery.StageLocal, Temporary: true,
			Enhanced: "4.3.0", Message: "message body could not be read"}, start)
		return outcome{}
	}
	returnPath := s.cfg.ReturnPathDomain
	if c.MailFromDomain != "" {
		returnPath = c.MailFromDomain
	}
	env := &delivery.Envelope{
		MailFrom: verp.Encode(c.Recipient.MessageID, c.Recipient.Index, returnPath, s.cfg.VERPKey),
		Rcpts:    []string{c.Recipient.Address},
		Data:     body,
	}
	// A delivery under way finishes even when shutdown begins: aborting
	// it would waste the attempt (the pool's timeouts bound it).
	site := *j.site
	limits := shaped.Stats().Limits
	site.MaxMessagesPerConn, site.MaxIdle = limits.MessagesPerConnection, limits.MaxConnections
	rep, err := s.transport.Deliver(context.WithoutCancel(ctx), &site, env)
	if rep != nil && rep.Throttled() {
		shaped.Throttled(throttleReason(rep, err))
		s.metrics.throttled.Inc()
	}
	s.finish(c, j.site, rep, err, start)
	res, reply, stage := outcomeOf(rep, err)
	return outcome{res, reply, stage}
}

func throttleReason(rep *delivery.Report, err error) string {
	if rep.Data != nil {
		return rep.Data.String()
	}
	for _, r := range rep.Rcpts {
		if r.Reply.Code != 0 {
			return r.Reply.String()
		}
	}
	if err != nil {
		return err.Error()
	}
	return "throttled"
}

// outcomeOf reads the recipient's result from a report or an error.
func outcomeOf(rep *delivery.Report, err error) (delivery.Result, delivery.Reply, delivery.Stage) {
	if rep != nil && len(rep.Rcpts) == 1 && rep.Rcpts[0].Result != 0 {
		r := rep.Rcpts[0]
		return r.Result, r.Reply, r.Stage
	}
	var de *delivery.Error
	if errors.As(err, &de) {
		return de.Result(), de.Reply(), de.Stage
	}
	if err != nil {
		return delivery.Temporary, delivery.Reply{Enhanced: "4.4.1", Text: err.Error()}, delivery.StageConnect
	}
	return delivery.Temporary, delivery.Reply{Enhanced: "4.4.1", Text: "no result"}, delivery.StageConnect
}

// siteBusy is the "error" of a recipient turned away by a full site queue.
type siteBusy struct{ delay time.Duration }

func (e *siteBusy) Error() string { return "site queue full; due again in " + e.delay.String() }

// giveBack returns a job turned away by its full site queue to the store.
func (s *Scheduler) giveBack(j *job, delay time.Duration) {
	defer s.wg.Done()
	s.gaveBack.Add(1)
	s.finish(j.claim, j.site, nil, &siteBusy{delay}, s.clock.Now())
}

// suspended defers a job of a suspended site without connecting.
func (s *Scheduler) suspended(j *job, err *heldBack) {
	defer s.wg.Done()
	s.metrics.heldSuspended.Inc()
	s.finish(j.claim, j.site, nil, err, s.clock.Now())
}

// heldBack is the failure of a job its suspended site was not offered:
// recorded as an attempt (with no host), with a DeliveryDelay event only
// when it is the recipient's first: after that, an outage of a big site
// would send a flood of them, an event per recipient per retry, each
// saying what the recipient's last one said.
//
// long says it waits MaxBackoff rather than its own backoff (hold).
// wait, when set, is when it is due: the next probe (hold).
type heldBack struct {
	err  *delivery.Error
	long bool
	wait time.Duration
}

func (e *heldBack) Error() string { return e.err.Error() }
func (e *heldBack) Unwrap() error { return e.err }

// finish records the attempt and moves the recipient on: delivered,
// deferred with backoff, or bounced (a 5xx, or retries past MaxAge).
func (s *Scheduler) finish(c *store.Claim, site *delivery.Site, rep *delivery.Report, err error, start time.Time) {
	defer s.done(c)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	now := s.clock.Now()
	r := c.Recipient
	r.UpdatedAt = now.UTC().Truncate(time.Microsecond)

	if errors.Is(err, errStopped) {
		// Shutting down before an attempt: give the recipient back as it
		// was, due now, for this node's next start or another node.
		r.NextAttemptAt = r.UpdatedAt
		s.record(ctx, c, &r, nil)
		return
	}
	var busy *siteBusy
	if errors.As(err, &busy) {
		// Its site's queue in memory is full: back to the store as it
		// was, due once the site should have caught up. No attempt.
		r.NextAttemptAt = now.Add(busy.delay).UTC().Truncate(time.Microsecond)
		s.record(ctx, c, &r, nil)
		s.metrics.givenBack.Inc()
		return
	}

	res, reply, stage := outcomeOf(rep, err)
	host := ""
	if rep != nil {
		host = rep.Host
	}
	a := &store.Attempt{At: start.UTC().Truncate(time.Microsecond), Duration: now.Sub(start), Host: host, Reply: replyText(reply, stage)}
	r.Attempts++
	switch res {
	case delivery.Delivered:
		r.Status = store.RcptDelivered
		r.Outcome = store.Outcome{Status: reply.Enhanced, SMTPReply: reply.String(), RemoteMTA: host,
			ProcessingTimeMillis: now.Sub(c.MessageCreatedAt).Milliseconds()}
		s.metrics.delivered.Inc()
	case delivery.Permanent:
		s.bounce(ctx, c, &r, reply, stage, host)
	default:
		if now.Sub(c.MessageCreatedAt) >= s.cfg.MaxAge {
			reply.Text = "retries exhausted after " + s.cfg.MaxAge.String() + "; last reply: " + replyText(reply, stage)
			if reply.Enhanced == "" || reply.Enhanced[0] != '5' {
				reply.Enhanced = "5.4.7" // RFC 3463: delivery time expired
			}
			s.bounce(ctx, c, &r, reply, stage, host)
			break
		}
		r.Status = store.RcptDeferred
		wait := backoff(s.cfg.Backoff, s.cfg.MaxBackoff, r.Attempts)
		if held := (*heldBack)(nil); errors.As(err, &held) {
			switch {
			case held.wait > 0:
				wait = held.wait
			case held.long:
				// No later than the recipient expires, so it bounces on time.
				wait = min(backoff(s.cfg.MaxBackoff, s.cfg.MaxBackoff, 1), c.MessageCreatedAt.Add(s.cfg.MaxAge).Sub(now))
			}
		}
		r.NextAttemptAt = now.Add(wait).UTC().Truncate(time.Microsecond)
		r.Outcome = store.Outcome{Status: reply.Enhanced, SMTPReply: reply.String(), RemoteMTA: host,
			Diagnostic: replyText(reply, stage), DelayType: delayType(reply, stage)}
		s.metrics.deferred.Inc()
	}
	a.Status = r.Status
	var evs []*store.Event
	if c.Origin != "system" && (c.Recipient.Attempts == 0 || !errors.As(err, new(*heldBack))) {
		remote := ""
		if rep != nil {
			remote = rep.Addr
		}
		evs = eventlog.Outcome(eventlog.ClaimMessage(c), &r, now, eventlog.Options{ReportingMTA: s.cfg.Hostname,
			RemoteAddr: remote, Expiration: c.MessageCreatedAt.Add(s.cfg.MaxAge)})
	}
	s.record(ctx, c, &r, a, evs...)
}

// record stores the recipient's new state under the lease, with the
// events it produced.
func (s *Scheduler) record(ctx context.Context, c *store.Claim, r *store.Recipient, a *store.Attempt, evs ...*store.Event) {
	err := s.store.FinishAttempt(ctx, s.cfg.Owner, r, a, evs...)
	switch {
	case errors.Is(err, store.ErrLeaseLost):
		s.metrics.leaseLost.Inc()
		s.log.Warn("lease lost before the attempt was recorded; another node has the recipient",
			"message_id", r.MessageID, "recipient", r.Index)
	case err != nil:
		s.log.Error("record attempt", "message_id", r.MessageID, "recipient", r.Index, "err", err)
	default:
		if a != nil {
			s.log.Debug("attempt", "message_id", r.MessageID, "recipient", r.Index, "status", r.Status,
				"host", a.Host, "reply", a.Reply, "attempts", r.Attempts)
		}
	}
}

func replyText(r delivery.Reply, stage delivery.Stage) string {
	s := r.String()
	if stage != "" {
		s = string(stage) + ": " + s
	}
	return s
}
