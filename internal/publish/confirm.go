package publish

import (
	"context"
	"time"

	"github.com/hikyaku/hikyaku/internal/sns"
	"github.com/hikyaku/hikyaku/internal/topic"
)

// confirmAttempts bounds the attempts to deliver a SubscriptionConfirmation
// (five, 2, 6, 18 and 54 seconds apart). SNS sends it once; a subscriber that
// missed it subscribes again, which sends it again.
const confirmAttempts = 5

// Confirm sends sub's SubscriptionConfirmation message to its endpoint in
// the background, retrying a few times (topic.Service's Confirm hook).
func (p *Publisher) Confirm(sub *topic.Subscription) {
	if sub.Protocol != topic.ProtocolHTTP && sub.Protocol != topic.ProtocolHTTPS {
		return
	}
	go func() {
		env := sns.NewSubscriptionConfirmation(p.cfg.Endpoints, sub.TopicARN, sns.NewMessageID(), sub.Token, p.clock.Now())
		if err := p.signer.Sign(env, p.cfg.SignatureVersion); err != nil {
			p.log.Error("sign subscription confirmation", "subscription", sub.ARN, "err", err)
			return
		}
		delay := 2 * time.Second
		for attempt := 1; ; attempt++ {
			ctx, cancel := context.WithTimeout(context.Background(), sns.DefaultTimeout)
			res := sns.Deliver(ctx, p.cfg.HTTP, sub.Endpoint, sns.SubscriptionInfo{ARN: sub.ARN}, env, false)
			cancel()
			if res.Outcome == sns.Delivered {
				p.log.Info("subscription confirmation sent", "subscription", sub.ARN, "endpoint", sub.Endpoint)
				return
			}
			if res.Outcome == sns.Permanent || attempt == confirmAttempts {
				p.log.Warn("subscription confirmation not delivered; subscribe again to resend it",
					"subscription", sub.ARN, "endpoint", sub.Endpoint, "reason", res.Reason, "attempts", attempt)
				return
			}
			time.Sleep(delay)
			delay *= 3
		}
	}()
}
