package identity

import (
	"context"
	"time"

	"github.com/hikyaku/hikyaku/internal/dkim"
	"github.com/hikyaku/hikyaku/internal/store"
)

func needsCheck(id *store.Identity) bool {
	switch id.VerificationStatus {
	case store.StatusPending, store.StatusTemporaryFailure:
		return true
	}
	switch id.DkimStatus {
	case store.StatusPending, store.StatusTemporaryFailure:
		return true
	}
	return false
}

// check consults DNS for a domain identity: it is verified when the active
// DKIM key is published at <selector>._domainkey.<domain>, or when SES v1's
// _amazonses.<domain> TXT carries its verification token. The result is
// stored; failures to store are logged.
func (s *Service) check(ctx context.Context, id *store.Identity) {
	if id.Type != store.IdentityDomain {
		return
	}
	now := s.now()
	id.CheckedAt = now
	status, errType := store.StatusPending, ""
	if k := activeKey(id); k != nil {
		st, et, err := dkim.CheckRecord(ctx, s.Resolver, k.Selector, id.Name, k.PublicKey)
		if err != nil {
			s.Log.Debug("dkim record check", "domain", id.Name, "selector", k.Selector, "err", err)
		}
		status, errType = st, et
	}
	id.DkimStatus = status
	if status == store.StatusSuccess || s.tokenPublished(ctx, id) {
		if id.VerificationStatus != store.StatusSuccess {
			id.VerifiedAt = now
			s.Log.Info("identity verified", "account", id.AccountID, "identity", id.Name)
		}
		id.VerificationStatus = store.StatusSuccess
	} else if id.VerificationStatus != store.StatusSuccess {
		id.VerificationStatus = status
		if status != store.StatusFailed && now.Sub(id.CreatedAt) > GiveUpAfter {
			id.VerificationStatus = store.StatusFailed
			if id.DkimStatus != store.StatusSuccess {
				id.DkimStatus = store.StatusFailed
			}
		}
	}
	_ = errType
	if err := s.Store.UpdateIdentity(ctx, id); err != nil {
		s.Log.Warn("store identity check", "identity", id.Name, "err", err)
		return
	}
	s.forget(id.AccountID)
}

// tokenPublished reports whether _amazonses.<domain> carries the token.
func (s *Service) tokenPublished(ctx context.Context, id *store.Identity) bool {
	txts, err := s.Resolver.LookupTXT(ctx, "_amazonses."+id.Name)
	if err != nil {
		return false
	}
	for _, t := range txts {
		if t == id.VerificationToken {
			return true
		}
	}
	return false
}

func activeKey(id *store.Identity) *store.DkimKey {
	for i := range id.DkimKeys {
		if id.DkimKeys[i].Active {
			return &id.DkimKeys[i]
		}
	}
	return nil
}

// CheckPending re-checks identities that are still pending, oldest check
// first, up to limit of them. It returns how many it checked.
func (s *Service) CheckPending(ctx context.Context, olderThan time.Duration, limit int) (int, error) {
	ids, err := s.Store.ListIdentitiesToCheck(ctx, s.Clock.Now().Add(-olderThan), limit)
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		if id.Type == store.IdentityDomain {
			s.check(ctx, id)
			continue
		}
		// An address is verified only by its link; give up after 72 hours.
		if s.Clock.Now().Sub(id.CreatedAt) > GiveUpAfter && id.VerificationStatus == store.StatusPending {
			id.VerificationStatus = store.StatusFailed
		}
		id.CheckedAt = s.now()
		if err := s.Store.UpdateIdentity(ctx, id); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

// Run re-checks pending identities every interval until ctx ends.
func (s *Service) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := s.CheckPending(ctx, interval, 100); err != nil {
				s.Log.Warn("identity check", "err", err)
			} else if n > 0 {
				s.Log.Debug("identities checked", "count", n)
			}
		}
	}
}
