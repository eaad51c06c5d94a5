package identity

import (
	"context"
	"time"

	"github.com/hikyaku/hikyaku/internal/dkim"
	"github.com/hikyaku/hikyaku/internal/store"
)

// domainPending reports whether a domain identity's verification or DKIM
// record is still to be found.
func domainPending(id *store.Identity) bool {
	if id.Type != store.IdentityDomain {
		return false
	}
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

// needsCheck reports whether DNS may still change what is known of the
// identity: a pending domain, or a pending custom MAIL FROM domain.
func needsCheck(id *store.Identity) bool { return domainPending(id) || mailFromPending(id) }

// check consults DNS for what of the identity is still pending and stores
// the result: a domain's verification and DKIM record (checkDomain), a
// custom MAIL FROM domain's MX record (checkMailFrom). An address identity
// still waiting for its link is given up after 72 hours. A failure to
// store is logged and returned.
func (s *Service) check(ctx context.Context, id *store.Identity) error {
	now := s.now()
	id.CheckedAt = now
	if domainPending(id) {
		s.checkDomain(ctx, id, now)
	}
	if mailFromPending(id) {
		s.checkMailFrom(ctx, id, now)
	}
	if id.Type == store.IdentityEmail && id.VerificationStatus == store.StatusPending && now.Sub(id.CreatedAt) > GiveUpAfter {
		// An address is verified only by its link.
		id.VerificationStatus = store.StatusFailed
	}
	if err := s.Store.UpdateIdentity(ctx, id); err != nil {
		s.Log.Warn("store identity check", "identity", id.Name, "err", err)
		return err
	}
	s.forget(id.AccountID)
	return nil
}

// checkDomain looks for a domain identity's proof of ownership: it is
// verified when the active DKIM key is published at
// <selector>._domainkey.<domain>, or when SES v1's _amazonses.<domain> TXT
// carries its verification token. The caller stores the identity.
func (s *Service) checkDomain(ctx context.Context, id *store.Identity, now time.Time) {
	status := store.StatusPending
	if k := activeKey(id); k != nil {
		st, _, err := dkim.CheckRecord(ctx, s.Resolver, k.Selector, id.Name, k.PublicKey)
		if err != nil {
			s.Log.Debug("dkim record check", "domain", id.Name, "selector", k.Selector, "err", err)
		}
		status = st
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

// CheckPending re-checks identities that are still pending (see check),
// oldest check first, up to limit of them. It returns how many it checked.
func (s *Service) CheckPending(ctx context.Context, olderThan time.Duration, limit int) (int, error) {
	ids, err := s.Store.ListIdentitiesToCheck(ctx, s.Clock.Now().Add(-olderThan), limit)
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		if err := s.check(ctx, id); err != nil {
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
