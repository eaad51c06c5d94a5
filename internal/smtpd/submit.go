package smtpd

import (
	"context"

	"github.com/hikyaku/hikyaku/internal/intake"
	"github.com/hikyaku/hikyaku/internal/store"
)

// Submitter accepts a message received over SMTP.
//
// Submit is called once per transaction, after the whole DATA was read.
// mailFrom is the envelope sender and rcpts the envelope recipients, each in
// the form local@domain; data is the message exactly as received (headers
// such as X-SES-CONFIGURATION-SET included, dot-stuffing removed), valid
// only until Submit returns: the buffer is reused for the next message, so
// keep a copy of anything needed later. It returns the message ID only
// once the message is durably accepted.
// Refusals should be *fault.Error values, which are reported to the client
// with SES's wording; any other error is answered "451 Temporary service
// failure" and logged.
type Submitter interface {
	Submit(ctx context.Context, acct *store.Account, mailFrom string, rcpts []string, data []byte) (messageID string, err error)
}

// IntakeSubmitter submits through package intake, as SES's SMTP endpoint
// submits through SendRawEmail: the envelope sender is the Source (it must
// be a verified identity), the envelope recipients are the Destinations,
// and the size limit is the v2 API's.
type IntakeSubmitter struct {
	Intake *intake.Intake
	// Accounts, when set, re-reads the account for every message, so a
	// pause or quota change reaches long sessions and trusted networks
	// (the account was looked up at AUTH time, or at start-up).
	Accounts interface {
		Get(ctx context.Context, id string) (*store.Account, error)
	}
}

// Submit implements Submitter.
func (s IntakeSubmitter) Submit(ctx context.Context, acct *store.Account, mailFrom string, rcpts []string, data []byte) (string, error) {
	if s.Accounts != nil {
		fresh, err := s.Accounts.Get(ctx, acct.ID)
		if err != nil {
			return "", err
		}
		acct = fresh
	}
	return s.Intake.Send(ctx, &intake.Request{
		Account: acct,
		Origin:  "smtp",
		MaxSize: intake.MaxSizeV2,
		From:    mailFrom,
		To:      rcpts,
		Raw:     data,
		// SES's name for mail that came in over SMTP.
		Operation: "SendSmtpEmail",
	})
}
