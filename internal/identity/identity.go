// Package identity manages the sender identities of an account: email
// addresses and domains, their DKIM keys, and their verification — a
// domain by its DKIM public key (or SES v1's _amazonses token) appearing in
// DNS, an address by a link mailed to it or by operator fiat.
package identity

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/hikyaku/hikyaku/internal/clock"
	"github.com/hikyaku/hikyaku/internal/dns"
	"github.com/hikyaku/hikyaku/internal/store"
)

// GiveUpAfter is how long a pending identity is re-checked before it is
// marked FAILED, as SES's 72 hours.
const GiveUpAfter = 72 * time.Hour

// verifiedTTL bounds how stale a cached "is this sender verified" answer is.
const verifiedTTL = 5 * time.Second

// Sealer encrypts DKIM private keys at rest (package secret's Box).
type Sealer interface {
	Seal(plaintext []byte) []byte
	Open(sealed []byte) ([]byte, error)
}

// Mailer sends the verification mail of an address identity.
type Mailer interface {
	SendVerification(ctx context.Context, accountID, to, link string) error
}

// Service manages identities.
type Service struct {
	Store    store.IdentityStore
	Box      Sealer
	Resolver dns.Resolver
	Clock    clock.Clock
	Log      *slog.Logger
	// Mailer sends verification links; nil leaves address identities
	// pending until verified by the operator.
	Mailer Mailer
	// BaseURL is where verification links point (".../verify?token=").
	BaseURL string
	// KeyBits is the DKIM key size (2048 when zero).
	KeyBits int
	// MXHost is the host name of the inbound MX (config mx_host): the MX
	// record of a custom MAIL FROM domain must point at it for bounces to
	// come back. Empty accepts any one MX record.
	MXHost string
	// Hostname is the host name outbound mail leaves from (config
	// hostname), named in the SPF record suggested for MAIL FROM domains.
	Hostname string

	mu       sync.Mutex
	verified map[string]cachedVerdict
	signing  map[string]cachedSigning
	mailFrom map[string]cachedMailFrom
	sets     map[string]cachedSet
}

type cachedVerdict struct {
	ok bool
	at time.Time
}

func (s *Service) now() time.Time { return s.Clock.Now().UTC().Truncate(time.Microsecond) }

// Create adds an identity: for a domain it generates the DKIM key pair and
// checks DNS at once; for an address it mails the verification link.
func (s *Service) Create(ctx context.Context, accountID, name string, tags []store.Tag) (*store.Identity, error) {
	id := s.newIdentity(accountID, name, tags)
	if IsDomain(name) {
		id.Type = store.IdentityDomain
		key, err := s.newDkimKey()
		if err != nil {
			return nil, err
		}
		id.DkimKeys = []store.DkimKey{*key}
		id.DkimSigningEnabled = true
		id.DkimStatus = store.StatusPending
	}
	if err := s.Store.CreateIdentity(ctx, id); err != nil {
		return nil, err
	}
	if id.Type == store.IdentityDomain {
		_ = s.check(ctx, id) // logged; the identity stays pending for the next check
	} else if s.Mailer != nil {
		if err := s.Mailer.SendVerification(ctx, accountID, name, s.link(id)); err != nil {
			s.Log.Warn("verification mail not queued", "identity", name, "err", err)
		}
	}
	return id, nil
}

// newIdentity returns a pending identity to create: an address identity,
// which Create turns into a domain's when name is one.
func (s *Service) newIdentity(accountID, name string, tags []store.Tag) *store.Identity {
	return &store.Identity{
		AccountID:          accountID,
		Name:               name,
		VerificationStatus: store.StatusPending,
		VerificationToken:  newToken(),
		Tags:               tags,
		// SES's default, kept even while no MAIL FROM domain is set.
		BehaviorOnMxFailure: store.BehaviorUseDefault,
		CreatedAt:           s.now(),
		Type:                store.IdentityEmail,
		DkimStatus:          store.StatusNotStarted,
	}
}

func (s *Service) link(id *store.Identity) string {
	return strings.TrimRight(s.BaseURL, "/") + "/verify?token=" + id.VerificationToken
}

// AddressToVerify is SendCustomVerificationEmail's identity: the address
// identity addr of the account, created pending if it does not exist
// ("Adds an email address to the list of identities for your Amazon SES
// account ... and attempts to verify it", API reference) but without
// hikyaku's own verification mail, since the caller sends a custom one. It
// returns the identity and its verification link, to which the caller may
// add query parameters.
func (s *Service) AddressToVerify(ctx context.Context, accountID, addr string) (*store.Identity, string, error) {
	if IsDomain(addr) {
		return nil, "", fmt.Errorf("%q is not an email address", addr)
	}
	id, err := s.Store.GetIdentity(ctx, accountID, addr)
	if errors.Is(err, store.ErrNotFound) {
		id = s.newIdentity(accountID, addr, nil)
		err = s.Store.CreateIdentity(ctx, id)
		if errors.Is(err, store.ErrExists) { // created meanwhile
			id, err = s.Store.GetIdentity(ctx, accountID, addr)
		}
	}
	if err != nil {
		return nil, "", err
	}
	if id.Type != store.IdentityEmail {
		return nil, "", fmt.Errorf("identity %q is not an email address", addr)
	}
	return id, s.link(id), nil
}

// Get returns an identity, re-checking DNS first when it (or its custom
// MAIL FROM domain) is still pending.
func (s *Service) Get(ctx context.Context, accountID, name string) (*store.Identity, error) {
	id, err := s.Store.GetIdentity(ctx, accountID, name)
	if err != nil {
		return nil, err
	}
	if needsCheck(id) {
		_ = s.check(ctx, id) // logged; the answer is what DNS said all the same
	}
	if id.Type == store.IdentityDomain {
		s.checkRotation(ctx, id)
	}
	return id, nil
}

// Delete removes an identity.
func (s *Service) Delete(ctx context.Context, accountID, name string) error {
	if err := s.Store.DeleteIdentity(ctx, accountID, name); err != nil {
		return err
	}
	s.forget(accountID)
	return nil
}

// Verify marks an identity verified by operator fiat.
func (s *Service) Verify(ctx context.Context, accountID, name string) (*store.Identity, error) {
	id, err := s.Store.GetIdentity(ctx, accountID, name)
	if err != nil {
		return nil, err
	}
	s.markVerified(id)
	if err := s.Store.UpdateIdentity(ctx, id); err != nil {
		return nil, err
	}
	s.forget(accountID)
	return id, nil
}

// VerifyToken verifies the address identity whose link carried token.
func (s *Service) VerifyToken(ctx context.Context, token string) (*store.Identity, error) {
	if token == "" {
		return nil, store.ErrNotFound
	}
	id, err := s.Store.GetIdentityByToken(ctx, token)
	if err != nil {
		return nil, err
	}
	if id.Type != store.IdentityEmail {
		return nil, store.ErrNotFound
	}
	if id.VerificationStatus != store.StatusSuccess {
		s.markVerified(id)
		if err := s.Store.UpdateIdentity(ctx, id); err != nil {
			return nil, err
		}
		s.forget(id.AccountID)
	}
	return id, nil
}

func (s *Service) markVerified(id *store.Identity) {
	now := s.now()
	id.VerificationStatus = store.StatusSuccess
	id.VerifiedAt = now
	id.CheckedAt = now
	if id.Type == store.IdentityDomain {
		id.DkimStatus = store.StatusSuccess
	}
}

// IsVerified reports whether the account may use addr (an address in
// local@domain form) as a sender or, in the sandbox, as a recipient: the
// address itself is a verified identity, or its domain or a parent domain
// is.
func (s *Service) IsVerified(ctx context.Context, accountID, addr string) (bool, error) {
	key := accountID + "\x00" + addr
	now := s.Clock.Now()
	s.mu.Lock()
	c, ok := s.verified[key]
	s.mu.Unlock()
	if ok && now.Sub(c.at) < verifiedTTL {
		return c.ok, nil
	}
	v, err := s.lookupVerified(ctx, accountID, addr)
	if err != nil {
		return false, err
	}
	s.mu.Lock()
	if s.verified == nil {
		s.verified = map[string]cachedVerdict{}
	}
	s.verified[key] = cachedVerdict{ok: v, at: now}
	s.mu.Unlock()
	return v, nil
}

// senderNames are the identities that may stand for a sender address,
// closest first: the address itself, its domain, then each parent domain
// short of the top-level domain.
func senderNames(addr string) []string {
	names := []string{addr}
	if at := strings.LastIndexByte(addr, '@'); at >= 0 {
		domain := strings.ToLower(addr[at+1:])
		for d := domain; d != ""; {
			names = append(names, d)
			i := strings.IndexByte(d, '.')
			if i < 0 {
				break
			}
			d = d[i+1:]
			if !strings.Contains(d, ".") {
				break // never a bare TLD
			}
		}
	}
	return names
}

func (s *Service) lookupVerified(ctx context.Context, accountID, addr string) (bool, error) {
	for _, n := range senderNames(addr) {
		id, err := s.Store.GetIdentity(ctx, accountID, n)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return false, fmt.Errorf("look up identity %q: %w", n, err)
		}
		if id.VerificationStatus == store.StatusSuccess {
			return true, nil
		}
	}
	return false, nil
}

// forget drops cached verdicts, signing keys and MAIL FROM settings of an
// account.
func (s *Service) forget(accountID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	prefix := accountID + "\x00"
	maps.DeleteFunc(s.verified, func(k string, _ cachedVerdict) bool { return strings.HasPrefix(k, prefix) })
	maps.DeleteFunc(s.signing, func(k string, _ cachedSigning) bool { return strings.HasPrefix(k, prefix) })
	maps.DeleteFunc(s.mailFrom, func(k string, _ cachedMailFrom) bool { return strings.HasPrefix(k, prefix) })
}

// IsDomain reports whether an identity name is a domain (no '@').
func IsDomain(name string) bool { return !strings.Contains(name, "@") }

func newToken() string {
	var b [20]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
