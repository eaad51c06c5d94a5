package smtpd

import (
	"context"
	"errors"
	"fmt"

	"github.com/hikyaku/hikyaku/internal/account"
	"github.com/hikyaku/hikyaku/internal/secret"
	"github.com/hikyaku/hikyaku/internal/store"
)

// Authenticator checks SMTP credentials.
//
// Authenticate returns the account the credentials belong to. It returns
// an error wrapping ErrBadCredentials when they are wrong (an unknown or
// inactive user name, a wrong password); the client is then told 535. Any
// other error means they could not be checked, and the client is told to
// try again later (454). Implementations must not log or wrap the password.
type Authenticator interface {
	Authenticate(ctx context.Context, username, password string) (*store.Account, error)
}

// ErrBadCredentials is an Authenticator's answer to wrong credentials.
var ErrBadCredentials = errors.New("smtp credentials invalid")

// AccountAuth authenticates as SES's SMTP endpoint does: the user name is
// an access key ID and the password is derived from that key's secret for
// Region (secret.SMTPPassword), so a password made for one region does
// not work in another.
type AccountAuth struct {
	Accounts *account.Service
	Region   string
}

// Authenticate implements Authenticator.
func (a AccountAuth) Authenticate(ctx context.Context, username, password string) (*store.Account, error) {
	key, accountID, err := a.Accounts.Secret(ctx, username)
	if errors.Is(err, account.ErrUnknownKey) {
		return nil, fmt.Errorf("access key %q: %w", username, ErrBadCredentials)
	}
	if err != nil {
		return nil, fmt.Errorf("look up access key %q: %w", username, err)
	}
	if !secret.SMTPPasswordMatches(password, key, a.Region) {
		return nil, fmt.Errorf("password of access key %q for region %s: %w", username, a.Region, ErrBadCredentials)
	}
	acct, err := a.Accounts.Get(ctx, accountID)
	if err != nil {
		return nil, fmt.Errorf("account %s of access key %q: %w", accountID, username, err)
	}
	return acct, nil
}

// loginServer is the server side of the LOGIN mechanism
// (draft-murchison-sasl-login), which go-sasl implements only as a client.
// SES's own walkthrough uses it (DG:send-email-smtp-client-command-line),
// and so do many mail libraries.
type loginServer struct {
	step         int
	username     string
	authenticate func(identity, username, password string) error
}

var errLoginStep = errors.New("sasl: unexpected LOGIN response")

// Next implements sasl.Server. A client may send the user name as the
// initial response of "AUTH LOGIN <base64>"; otherwise it is asked for.
func (l *loginServer) Next(response []byte) (challenge []byte, done bool, err error) {
	switch l.step {
	case 0:
		if response == nil {
			l.step = 1
			return []byte("Username:"), false, nil
		}
		l.username, l.step = string(response), 2
		return []byte("Password:"), false, nil
	case 1:
		l.username, l.step = string(response), 2
		return []byte("Password:"), false, nil
	case 2:
		l.step = 3
		return nil, true, l.authenticate("", l.username, string(response))
	}
	return nil, false, errLoginStep
}
