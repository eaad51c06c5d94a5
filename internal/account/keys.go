package account

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hikyaku/hikyaku/internal/secret"
	"github.com/hikyaku/hikyaku/internal/store"
)

// Credentials are a freshly made access key: the only moment its secret
// exists in the clear outside the store.
type Credentials struct {
	AccountID       string
	AccessKeyID     string
	SecretAccessKey string
}

// CreateKey makes a new access key for the account. When id and secretKey
// are both non-empty they are used as given (bootstrap from the
// environment); otherwise fresh ones are generated.
func (s *Service) CreateKey(ctx context.Context, accountID, id, secretKey string) (*Credentials, error) {
	if id == "" || secretKey == "" {
		id, secretKey = secret.NewAccessKey()
	}
	sealed := s.box.Seal([]byte(secretKey))
	k := &store.AccessKey{ID: id, AccountID: accountID, SealedSecret: sealed, Active: true,
		CreatedAt: s.clock.Now().UTC().Truncate(time.Microsecond)}
	if err := s.store.CreateAccessKey(ctx, k); err != nil {
		return nil, fmt.Errorf("create access key: %w", err)
	}
	return &Credentials{AccountID: accountID, AccessKeyID: id, SecretAccessKey: secretKey}, nil
}

// ErrUnknownKey is returned for an access key ID that does not exist or is
// inactive.
var ErrUnknownKey = errors.New("unknown access key")

// Secret returns the secret of an active key and its account ID. Results
// are cached briefly; unknown keys are not cached, so a key created by an
// admin command works at once.
func (s *Service) Secret(ctx context.Context, accessKeyID string) (secretKey, accountID string, err error) {
	now := s.clock.Now()
	s.mu.Lock()
	c, ok := s.keys[accessKeyID]
	s.mu.Unlock()
	if ok && now.Sub(c.at) < cacheTTL {
		return c.secret, c.accountID, nil
	}
	k, err := s.store.GetAccessKey(ctx, accessKeyID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !k.Active) {
		return "", "", ErrUnknownKey
	}
	if err != nil {
		return "", "", err
	}
	plain, err := s.box.Open(k.SealedSecret)
	if err != nil {
		return "", "", fmt.Errorf("open secret of %s (is the master key the one this store was made with?): %w", accessKeyID, err)
	}
	s.mu.Lock()
	s.keys[accessKeyID] = cachedKey{secret: string(plain), accountID: k.AccountID, at: now}
	s.mu.Unlock()
	return string(plain), k.AccountID, nil
}
