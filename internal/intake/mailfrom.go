package intake

import (
	"context"

	"github.com/hikyaku/hikyaku/internal/address"
	"github.com/hikyaku/hikyaku/internal/fault"
	"github.com/hikyaku/hikyaku/internal/identity"
	"github.com/hikyaku/hikyaku/internal/store"
)

// MailFromSource finds the custom MAIL FROM setting that applies to a
// sender (package identity's Service, which caches the answer).
type MailFromSource interface {
	MailFromFor(ctx context.Context, accountID, addr string) (*identity.MailFrom, error)
}

// mailFromDomain chooses the return-path domain of a message from sender:
// the sender identity's custom MAIL FROM domain once it is verified, else
// the default (""), unless the identity asks for such mail to be refused
// (BehaviorOnMxFailure REJECT_MESSAGE), as SES does.
func (in *Intake) mailFromDomain(ctx context.Context, accountID string, sender address.Address) (string, error) {
	if in.mailFrom == nil {
		return "", nil
	}
	mf, err := in.mailFrom.MailFromFor(ctx, accountID, sender.String())
	switch {
	case err != nil:
		in.log.Error("look up MAIL FROM domain", "account", accountID, "err", err)
		return "", fault.Internal()
	case mf == nil:
		return "", nil
	case mf.Status == store.StatusSuccess:
		return mf.Domain, nil
	case mf.Behavior == store.BehaviorReject:
		in.log.Info("message refused: MAIL FROM domain not verified", "account", accountID,
			"identity", mf.Identity, "domain", mf.Domain, "status", mf.Status)
		return "", fault.MailFromDomainNotVerified()
	}
	return "", nil
}
