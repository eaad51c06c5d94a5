package identity

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hikyaku/hikyaku/internal/store"
)

type cachedSet struct {
	name string
	at   time.Time
}

// SetConfigurationSet makes set the default configuration set of mail from
// the identity (SES's PutEmailIdentityConfigurationSetAttributes); ""
// removes it.
func (s *Service) SetConfigurationSet(ctx context.Context, accountID, name, set string) error {
	id, err := s.Store.GetIdentity(ctx, accountID, name)
	if err != nil {
		return err
	}
	id.ConfigurationSet = set
	if err := s.Store.UpdateIdentity(ctx, id); err != nil {
		return err
	}
	s.mu.Lock()
	clear(s.sets)
	s.mu.Unlock()
	return nil
}

// DefaultConfigurationSet returns the configuration set that mail from
// addr gets when it names none: that of the closest identity (the address,
// its domain, a parent domain) that has one, as SES applies an identity's
// default configuration set. Cached for a few seconds, as the other
// per-message lookups are.
func (s *Service) DefaultConfigurationSet(ctx context.Context, accountID, addr string) (string, error) {
	key := accountID + "\x00" + addr
	now := s.Clock.Now()
	s.mu.Lock()
	c, ok := s.sets[key]
	s.mu.Unlock()
	if ok && now.Sub(c.at) < verifiedTTL {
		return c.name, nil
	}
	name := ""
	for _, n := range senderNames(addr) {
		id, err := s.Store.GetIdentity(ctx, accountID, n)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("look up identity %q: %w", n, err)
		}
		if id.ConfigurationSet != "" {
			name = id.ConfigurationSet
			break
		}
	}
	s.mu.Lock()
	if s.sets == nil {
		s.sets = map[string]cachedSet{}
	}
	s.sets[key] = cachedSet{name: name, at: now}
	s.mu.Unlock()
	return name, nil
}
