package identity

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hikyaku/hikyaku/internal/dkim"
	"github.com/hikyaku/hikyaku/internal/store"
)

// signerTTL bounds how long a parsed signing key is reused before the
// identity is read again (so turning signing off takes effect quickly).
const signerTTL = 10 * time.Second

// Signing is what is needed to sign a message with an identity's key.
type Signing struct {
	Domain   string
	Selector string
	Key      *dkim.Key
}

type cachedSigning struct {
	s  *Signing // nil: no signing for this domain
	at time.Time
}

// SigningFor returns the DKIM key to sign mail from fromDomain with, or nil
// when none applies: the domain, or its closest parent domain that is an
// identity of the account, must be verified with DKIM signing enabled and
// its DKIM status SUCCESS, as SES requires. DKIM is inherited by
// subdomains, as on SES.
func (s *Service) SigningFor(ctx context.Context, accountID, fromDomain string) (*Signing, error) {
	key := accountID + "\x00" + fromDomain
	now := s.Clock.Now()
	s.mu.Lock()
	c, ok := s.signing[key]
	s.mu.Unlock()
	if ok && now.Sub(c.at) < signerTTL {
		return c.s, nil
	}
	sg, err := s.lookupSigning(ctx, accountID, strings.ToLower(fromDomain))
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.signing == nil {
		s.signing = map[string]cachedSigning{}
	}
	s.signing[key] = cachedSigning{s: sg, at: now}
	s.mu.Unlock()
	return sg, nil
}

func (s *Service) lookupSigning(ctx context.Context, accountID, domain string) (*Signing, error) {
	// The domain, then its parents short of the TLD, as for sender
	// verification (the address itself has no key).
	for _, d := range senderNames("@" + domain)[1:] {
		id, err := s.Store.GetIdentity(ctx, accountID, d)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("look up identity %q: %w", d, err)
		}
		// The closest identity decides, signing or not.
		if !id.DkimSigningEnabled || id.DkimStatus != store.StatusSuccess {
			return nil, nil
		}
		k := activeKey(id)
		if k == nil {
			return nil, nil
		}
		der, err := s.Box.Open(k.SealedPrivateKey)
		if err != nil {
			return nil, fmt.Errorf("open DKIM key of %s (is the master key the one this store was made with?): %w", d, err)
		}
		parsed, err := dkim.ParsePrivateKey(der)
		if err != nil {
			return nil, fmt.Errorf("parse DKIM key of %s: %w", d, err)
		}
		return &Signing{Domain: d, Selector: k.Selector, Key: parsed}, nil
	}
	return nil, nil
}

// SetDkimSigning turns DKIM signing of a domain identity on or off
// (PutEmailIdentityDkimAttributes).
func (s *Service) SetDkimSigning(ctx context.Context, accountID, name string, enabled bool) error {
	id, err := s.Store.GetIdentity(ctx, accountID, name)
	if err != nil {
		return err
	}
	if id.Type != store.IdentityDomain && enabled {
		// SES: addresses inherit their domain's signing; enabling it on an
		// address alone has no key to sign with.
		parent := name[strings.LastIndexByte(name, '@')+1:]
		if _, err := s.Store.GetIdentity(ctx, accountID, parent); err != nil {
			return fmt.Errorf("%s has no DKIM key of its own; create the domain identity %s: %w", name, parent, store.ErrNotFound)
		}
	}
	id.DkimSigningEnabled = enabled
	if err := s.Store.UpdateIdentity(ctx, id); err != nil {
		return err
	}
	s.forget(accountID)
	return nil
}

// RotateDkimKey adds a new key with a new selector to a domain identity.
// Mail stays signed with the current key until the new key's record is
// seen in DNS; then the new key becomes active and the old one is kept
// (inactive) so its record can be removed later.
func (s *Service) RotateDkimKey(ctx context.Context, accountID, name string, bits int) (*store.DkimKey, error) {
	id, err := s.Store.GetIdentity(ctx, accountID, name)
	if err != nil {
		return nil, err
	}
	if id.Type != store.IdentityDomain {
		return nil, fmt.Errorf("%s is not a domain identity; only domains have DKIM keys", name)
	}
	old := s.KeyBits
	if bits != 0 {
		s.KeyBits = bits
	}
	k, err := s.newDkimKey()
	s.KeyBits = old
	if err != nil {
		return nil, err
	}
	k.Active = activeKey(id) == nil
	id.DkimKeys = append(id.DkimKeys, *k)
	if err := s.Store.UpdateIdentity(ctx, id); err != nil {
		return nil, err
	}
	s.checkRotation(ctx, id)
	return k, nil
}

// checkRotation activates the newest pending key whose record is
// published. It reports whether the identity changed.
func (s *Service) checkRotation(ctx context.Context, id *store.Identity) bool {
	n := len(id.DkimKeys)
	if n < 2 || id.DkimKeys[n-1].Active {
		return false
	}
	next := id.DkimKeys[n-1]
	st, _, err := dkim.CheckRecord(ctx, s.Resolver, next.Selector, id.Name, next.PublicKey)
	if err != nil || st != store.StatusSuccess {
		return false
	}
	for i := range id.DkimKeys {
		id.DkimKeys[i].Active = i == n-1
	}
	if err := s.Store.UpdateIdentity(ctx, id); err != nil {
		s.Log.Warn("store DKIM rotation", "identity", id.Name, "err", err)
		return false
	}
	s.Log.Info("DKIM key rotated", "account", id.AccountID, "identity", id.Name, "selector", next.Selector)
	s.forget(id.AccountID)
	return true
}

// ImportDkimKey installs an operator-provided key under selector (SES's
// Bring Your Own DKIM, SigningAttributesOrigin EXTERNAL). The key becomes
// the active one; its record must be published before the domain verifies.
func (s *Service) ImportDkimKey(ctx context.Context, accountID, name, selector string, der []byte) (*store.Identity, error) {
	id, err := s.Store.GetIdentity(ctx, accountID, name)
	if err != nil {
		return nil, err
	}
	if id.Type != store.IdentityDomain {
		return nil, fmt.Errorf("%s is not a domain identity; only domains have DKIM keys", name)
	}
	k, err := dkim.ParsePrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("DomainSigningPrivateKey: %w", err)
	}
	for i := range id.DkimKeys {
		id.DkimKeys[i].Active = false
	}
	id.DkimKeys = append(id.DkimKeys, store.DkimKey{
		Selector: selector, SealedPrivateKey: s.Box.Seal(k.PrivateKeyPKCS8()), PublicKey: k.PublicKeyBase64(),
		KeyLength: fmt.Sprintf("RSA_%d_BIT", k.Bits()), Active: true, CreatedAt: s.now(), External: true,
	})
	id.DkimStatus = store.StatusPending
	if err := s.Store.UpdateIdentity(ctx, id); err != nil {
		return nil, err
	}
	_ = s.check(ctx, id) // logged; the key is installed, its record looked for again later
	return id, nil
}
