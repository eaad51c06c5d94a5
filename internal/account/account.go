// Package account manages tenants and their credentials: creating accounts
// and access keys, the first-start bootstrap of DESIGN.md, and the lookup of
// a key's secret and account for every signed request.
package account

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"sync"
	"time"

	"github.com/hikyaku/hikyaku/internal/clock"
	"github.com/hikyaku/hikyaku/internal/store"
)

// Sealer encrypts secrets at rest (package secret's Box).
type Sealer interface {
	Seal(plaintext []byte) []byte
	Open(sealed []byte) ([]byte, error)
}

// Sandbox quotas of a new account, as SES's: 200 recipients per 24 hours,
// one per second.
const (
	SandboxMax24HourSend = 200
	SandboxMaxSendRate   = 1
)

// DefaultName is the bootstrap account's name.
const DefaultName = "default"

// cacheTTL bounds how stale a cached key or account may be, so admin
// commands run against the live store take effect within it.
const cacheTTL = 2 * time.Second

// Service manages accounts and keys.
type Service struct {
	store store.AccountStore
	box   Sealer
	clock clock.Clock
	log   *slog.Logger

	mu    sync.Mutex
	keys  map[string]cachedKey
	accts map[string]cachedAccount
}

type cachedKey struct {
	secret    string
	accountID string
	at        time.Time
}

type cachedAccount struct {
	a  *store.Account
	at time.Time
}

// New returns a Service.
func New(s store.AccountStore, box Sealer, c clock.Clock, log *slog.Logger) *Service {
	return &Service{store: s, box: box, clock: c, log: log,
		keys: map[string]cachedKey{}, accts: map[string]cachedAccount{}}
}

// Create makes a new account. Accounts start in the sandbox, as on SES,
// unless production is set.
func (s *Service) Create(ctx context.Context, name string, production bool) (*store.Account, error) {
	if name == "" {
		return nil, errors.New("account name is empty")
	}
	now := s.clock.Now().UTC().Truncate(time.Microsecond)
	a := &store.Account{
		Name:              name,
		Production:        production,
		SendingEnabled:    true,
		EnforcementStatus: "HEALTHY",
		Max24HourSend:     SandboxMax24HourSend,
		MaxSendRate:       SandboxMaxSendRate,
		SuppressedReasons: []string{store.ReasonBounce, store.ReasonComplaint},
		CreatedAt:         now,
		UpdatedAt:         now,
	}
	if production {
		a.Max24HourSend, a.MaxSendRate = 50000, 14
	}
	for range 5 {
		a.ID = newAccountID()
		err := s.store.CreateAccount(ctx, a)
		if err == nil {
			return a, nil
		}
		if !errors.Is(err, store.ErrExists) {
			return nil, fmt.Errorf("create account %q: %w", name, err)
		}
		if _, err := s.store.GetAccountByName(ctx, name); err == nil {
			return nil, fmt.Errorf("account %q already exists: %w", name, store.ErrExists)
		}
	}
	return nil, fmt.Errorf("create account %q: could not find a free account ID", name)
}

// newAccountID returns 12 random digits, like an AWS account ID.
func newAccountID() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(1e12))
	return fmt.Sprintf("%012d", n)
}

// Get returns the account with the given ID, cached for a short while.
func (s *Service) Get(ctx context.Context, id string) (*store.Account, error) {
	now := s.clock.Now()
	s.mu.Lock()
	c, ok := s.accts[id]
	s.mu.Unlock()
	if ok && now.Sub(c.at) < cacheTTL {
		return c.a, nil
	}
	a, err := s.store.GetAccount(ctx, id)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.accts[id] = cachedAccount{a: a, at: now}
	s.mu.Unlock()
	return a, nil
}

// Update stores a changed account and refreshes the cache.
func (s *Service) Update(ctx context.Context, a *store.Account) error {
	a.UpdatedAt = s.clock.Now().UTC().Truncate(time.Microsecond)
	if err := s.store.UpdateAccount(ctx, a); err != nil {
		return err
	}
	s.mu.Lock()
	s.accts[a.ID] = cachedAccount{a: a, at: s.clock.Now()}
	s.mu.Unlock()
	return nil
}

// ByName returns the named account, uncached (admin commands).
func (s *Service) ByName(ctx context.Context, name string) (*store.Account, error) {
	a, err := s.store.GetAccountByName(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("no account named %q (see `hikyaku account list`): %w", name, err)
	}
	return a, err
}

// List returns all accounts.
func (s *Service) List(ctx context.Context) ([]*store.Account, error) {
	return s.store.ListAccounts(ctx)
}
