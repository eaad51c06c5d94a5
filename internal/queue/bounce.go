package queue

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/hikyaku/hikyaku/internal/delivery"
	"github.com/hikyaku/hikyaku/internal/softbounce"
	"github.com/hikyaku/hikyaku/internal/store"
)

// bounce ends a recipient with a Permanent bounce, counts it in the
// account's statistics, and suppresses the address when the failure says
// the address itself is dead and the account suppresses bounces.
func (s *Scheduler) bounce(ctx context.Context, c *store.Claim, r *store.Recipient, reply delivery.Reply, stage delivery.Stage, host string) {
	sub := bounceSubType(reply)
	r.Status = store.RcptBounced
	r.Outcome = store.Outcome{BounceType: "Permanent", BounceSubType: sub, Status: reply.Enhanced,
		SMTPReply: reply.String(), RemoteMTA: host, Diagnostic: "smtp; " + replyText(reply, stage)}
	s.metrics.bounced.Inc()
	if c.Origin == "system" {
		return
	}
	if err := s.store.AddStats(ctx, c.AccountID, s.clock.Now(), store.StatBucket{Bounces: 1}); err != nil {
		s.log.Warn("count bounce", "err", err)
	}
	why := "the address does not exist"
	if !addressDead(reply) {
		due, soft, err := softbounce.Default.Due(ctx, s.store, c.AccountID, r.Address, s.clock.Now(), true)
		if err != nil {
			s.log.Warn("count soft bounces", "err", err)
		}
		if !due {
			return
		}
		why = soft
	}
	acct, err := s.store.GetAccount(ctx, c.AccountID)
	if err != nil {
		s.log.Warn("look up account for suppression", "account", c.AccountID, "err", err)
		return
	}
	reasons := acct.SuppressedReasons
	if s.cfg.SuppressedReasons != nil {
		reasons = s.cfg.SuppressedReasons(ctx, acct, c.ConfigurationSet)
	}
	if !slices.Contains(reasons, store.ReasonBounce) {
		return
	}
	err = s.store.PutSuppressed(ctx, &store.Suppressed{AccountID: c.AccountID, Address: strings.ToLower(r.Address),
		Reason: store.ReasonBounce, MessageID: r.MessageID, LastUpdate: s.clock.Now().UTC().Truncate(time.Microsecond)})
	if err != nil {
		s.log.Warn("suppress bounced address", "err", err)
		return
	}
	s.log.Info("address suppressed", "account", c.AccountID, "reason", store.ReasonBounce, "message_id", r.MessageID, "why", why)
}

// addressDead reports a failure that says the address itself does not
// exist (unknown user, mailbox moved, no such domain, null MX): the only
// permanent failures that lead to suppression. Blocks, content filtering
// and full mailboxes say nothing about whether the address lives.
func addressDead(r delivery.Reply) bool {
	return strings.HasPrefix(r.Enhanced, "5.1.1") || r.Enhanced == "5.1.2" || r.Enhanced == "5.1.10" || r.Enhanced == "5.1.6"
}

// bounceSubType maps a permanent failure to SES's bounceSubType. SES
// reports an unknown user as General (its documented example: 5.1.1 "user
// unknown" is Permanent/General), as the feedback classifier does; NoEmail
// is kept for a domain that does not exist or takes no mail.
func bounceSubType(r delivery.Reply) string {
	switch {
	case r.Enhanced == "5.1.2", r.Enhanced == "5.1.10":
		return "NoEmail"
	case r.Enhanced == "5.2.2":
		return "MailboxFull"
	case r.Enhanced == "5.3.4", r.Enhanced == "5.2.3":
		return "MessageTooLarge"
	case r.Enhanced == "5.7.1" && containsAny(r.Text, "attachment"):
		return "AttachmentRejected"
	case r.Enhanced == "5.7.1" && containsAny(r.Text, "spam", "content", "policy"):
		return "ContentRejected"
	}
	return "General"
}

// delayType maps a temporary failure to SES's DeliveryDelay delayType.
func delayType(r delivery.Reply, stage delivery.Stage) string {
	switch {
	case delivery.Throttled(r):
		return "SendingDeferral"
	case r.Enhanced == "4.2.2" || r.Code == 452:
		return "MailboxFull"
	case strings.HasPrefix(r.Enhanced, "4.7.") && containsAny(r.Text, "spam"):
		return "SpamDetected"
	case stage == delivery.StageResolve:
		return "Undetermined"
	case stage == delivery.StageConnect || stage == delivery.StageGreeting || stage == delivery.StageTLS || r.Code == 0:
		return "TransientCommunicationFailure"
	case r.Code >= 400:
		return "RecipientServerError"
	}
	return "General"
}

func containsAny(s string, words ...string) bool {
	s = strings.ToLower(s)
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}
