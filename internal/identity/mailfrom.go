package identity

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hikyaku/hikyaku/internal/dns"
	"github.com/hikyaku/hikyaku/internal/store"
)

// A custom MAIL FROM domain (SES's MailFromAttributes) is a subdomain of an
// identity that mail from the identity uses as its return-path domain, so
// that SPF passes for the sender's own domain and aligns for DMARC. Like
// SES, hikyaku trusts it once its MX record points at hikyaku's inbound
// MX host (bounces to its VERP addresses must come back), and asks for,
// but does not require, an SPF record.

// ErrInvalidMailFrom marks a MAIL FROM setting SES would refuse. The
// error's text is SES's, for the API to pass on as it is.
var ErrInvalidMailFrom = errors.New("invalid MAIL FROM setting")

type mailFromError string

func (e mailFromError) Error() string        { return string(e) }
func (e mailFromError) Is(target error) bool { return target == ErrInvalidMailFrom }

// SetMailFrom sets the custom MAIL FROM domain of an identity and what mail
// from it does while the domain is not verified (store.BehaviorUseDefault,
// the default when behavior is empty, or store.BehaviorReject), as SES's
// PutEmailIdentityMailFromAttributes and SetIdentityMailFromDomain do. An
// empty domain removes it (the behavior is kept, as SES does). Setting a
// domain, even the one already set, starts its verification over: it is
// PENDING until its MX record is seen, which is looked for at once.
//
// The domain must be a subdomain of the identity's domain (the part after
// the @ of an address identity), not that domain itself; SES's wording of
// the refusal, seen on the wire (InvalidParameterValue, quoted in public
// Terraform configurations), is "Provided MAIL-FROM domain <d> is not
// subdomain of the domain of the identity <i>."
func (s *Service) SetMailFrom(ctx context.Context, accountID, name, domain, behavior string) (*store.Identity, error) {
	domain = strings.TrimSuffix(strings.ToLower(domain), ".")
	switch behavior {
	case "":
		behavior = store.BehaviorUseDefault
	case store.BehaviorUseDefault, store.BehaviorReject:
	default:
		return nil, mailFromError(fmt.Sprintf("BehaviorOnMxFailure %q is not %s or %s.",
			behavior, store.BehaviorUseDefault, store.BehaviorReject))
	}
	id, err := s.Store.GetIdentity(ctx, accountID, name)
	if err != nil {
		return nil, err
	}
	if domain != "" && !isSubdomain(domain, identityDomain(id.Name)) {
		return nil, mailFromError(fmt.Sprintf("Provided MAIL-FROM domain <%s> is not subdomain of the domain of the identity <%s>.",
			domain, id.Name))
	}
	id.BehaviorOnMxFailure = behavior
	if domain == "" {
		id.MailFromDomain, id.MailFromStatus, id.MailFromSince = "", "", time.Time{}
		if err := s.Store.UpdateIdentity(ctx, id); err != nil {
			return nil, err
		}
		s.forget(accountID)
		return id, nil
	}
	id.MailFromDomain, id.MailFromStatus, id.MailFromSince = domain, store.StatusPending, s.now()
	if err := s.check(ctx, id); err != nil {
		return nil, err
	}
	return id, nil
}

// identityDomain is the domain of an identity: a domain identity's name,
// an address identity's part after the @.
func identityDomain(name string) string {
	return strings.ToLower(name[strings.LastIndexByte(name, '@')+1:])
}

// isSubdomain reports whether d is a proper subdomain of parent.
func isSubdomain(d, parent string) bool {
	return strings.HasSuffix(d, "."+parent) && len(d) > len(parent)+1
}

func mailFromPending(id *store.Identity) bool {
	if id.MailFromDomain == "" {
		return false
	}
	switch id.MailFromStatus {
	case store.StatusPending, store.StatusTemporaryFailure:
		return true
	}
	return false
}

// checkMailFrom looks for the MX record of the identity's MAIL FROM domain
// and sets MailFromStatus from what it finds: SUCCESS once the record is
// there, PENDING while it is not, TEMPORARY_FAILURE when DNS does not
// answer, and FAILED once it has been missing for 72 hours since the
// domain was set (then only setting it again restarts the checks, as on
// SES). A SUCCESS is not re-checked. The caller stores the identity.
func (s *Service) checkMailFrom(ctx context.Context, id *store.Identity, now time.Time) {
	status, why := s.lookupMailFrom(ctx, id.MailFromDomain)
	switch {
	case status == store.StatusSuccess:
		if id.MailFromStatus != store.StatusSuccess {
			s.Log.Info("MAIL FROM domain verified", "account", id.AccountID, "identity", id.Name, "domain", id.MailFromDomain)
		}
		s.warnWithoutSPF(ctx, id)
	case now.Sub(id.MailFromSince) > GiveUpAfter:
		status = store.StatusFailed
		s.Log.Warn("MAIL FROM domain not verified within 72 hours; set it again to retry",
			"account", id.AccountID, "identity", id.Name, "domain", id.MailFromDomain, "reason", why)
	default:
		s.Log.Debug("MAIL FROM domain not verified yet", "identity", id.Name, "domain", id.MailFromDomain,
			"status", status, "reason", why)
	}
	id.MailFromStatus = status
}

// lookupMailFrom checks the MX record of a MAIL FROM domain. SES asks for
// exactly one MX record, pointing at its feedback endpoint; here it must
// point at MXHost (any host when MXHost is empty), the inbound MX that
// reads the bounces coming back to the VERP addresses.
func (s *Service) lookupMailFrom(ctx context.Context, domain string) (status, why string) {
	mxs, err := s.Resolver.LookupMX(ctx, domain)
	switch {
	case dns.IsTemporary(err):
		return store.StatusTemporaryFailure, err.Error()
	case errors.Is(err, dns.ErrNullMX):
		return store.StatusPending, domain + " publishes a null MX: it must have one MX record pointing at " + s.MXHost
	case err != nil:
		return store.StatusPending, err.Error()
	case len(mxs) != 1:
		return store.StatusPending, fmt.Sprintf("%s has %d MX records; publish exactly one, pointing at %s", domain, len(mxs), s.MXHost)
	case s.MXHost != "" && !strings.EqualFold(strings.TrimSuffix(mxs[0].Host, "."), strings.TrimSuffix(s.MXHost, ".")):
		return store.StatusPending, fmt.Sprintf("the MX record of %s points at %s, not at %s", domain, mxs[0].Host, s.MXHost)
	}
	return store.StatusSuccess, ""
}

// warnWithoutSPF logs when a verified MAIL FROM domain publishes no SPF
// record: mail still goes out with it (the MX decides, as on SES), but
// receivers' SPF checks of the return path will not pass.
func (s *Service) warnWithoutSPF(ctx context.Context, id *store.Identity) {
	txts, err := s.Resolver.LookupTXT(ctx, id.MailFromDomain)
	if err != nil && !dns.IsNotFound(err) {
		s.Log.Debug("SPF record of MAIL FROM domain", "domain", id.MailFromDomain, "err", err)
		return
	}
	for _, t := range txts {
		if len(t) >= 6 && strings.EqualFold(t[:6], "v=spf1") && (len(t) == 6 || t[6] == ' ') {
			return
		}
	}
	s.Log.Warn("MAIL FROM domain has no SPF record; publish one so that receivers' SPF checks pass",
		"identity", id.Name, "domain", id.MailFromDomain, "record", s.spfRecord())
}

// spfRecord is the SPF policy to publish at a MAIL FROM domain: the
// addresses of the host mail leaves from pass, anything else soft-fails.
// A node sending from other addresses (several nodes, NAT) needs its own
// mechanisms (ip4:, ip6:, include:) instead.
func (s *Service) spfRecord() string {
	host := s.Hostname
	if host == "" {
		host = s.MXHost
	}
	if host == "" {
		return "v=spf1 ~all"
	}
	return "v=spf1 a:" + strings.TrimSuffix(host, ".") + " ~all"
}

// mailFromRecords are the zone-file lines a custom MAIL FROM domain needs:
// its one MX record, pointing at MXHost, and its SPF record.
func (s *Service) mailFromRecords(id *store.Identity) []string {
	if id.MailFromDomain == "" {
		return nil
	}
	var out []string
	if s.MXHost != "" {
		out = append(out, fmt.Sprintf("%s. 3600 IN MX 10 %s.", id.MailFromDomain, strings.TrimSuffix(s.MXHost, ".")))
	}
	return append(out, fmt.Sprintf("%s. 3600 IN TXT %q", id.MailFromDomain, s.spfRecord()))
}

// MailFrom is the custom MAIL FROM setting that applies to a sender.
type MailFrom struct {
	// Identity is the identity whose setting it is.
	Identity string
	// Domain is its MAIL FROM domain; Status that domain's
	// MailFromStatus, Behavior its BehaviorOnMxFailure.
	Domain, Status, Behavior string
}

type cachedMailFrom struct {
	mf *MailFrom // nil: no custom MAIL FROM applies
	at time.Time
}

// MailFromFor returns the custom MAIL FROM setting that applies to mail
// from addr (an address in local@domain form), or nil when none does: that
// of the closest verified identity — the address, its domain, a parent
// domain — that has a MAIL FROM domain, so an address inherits its
// domain's unless it has its own. Answers are cached for a few seconds,
// as IsVerified's are: intake asks for every message.
func (s *Service) MailFromFor(ctx context.Context, accountID, addr string) (*MailFrom, error) {
	key := accountID + "\x00" + addr
	now := s.Clock.Now()
	s.mu.Lock()
	c, ok := s.mailFrom[key]
	s.mu.Unlock()
	if ok && now.Sub(c.at) < verifiedTTL {
		return c.mf, nil
	}
	mf, err := s.lookupMailFromFor(ctx, accountID, addr)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.mailFrom == nil {
		s.mailFrom = map[string]cachedMailFrom{}
	}
	s.mailFrom[key] = cachedMailFrom{mf: mf, at: now}
	s.mu.Unlock()
	return mf, nil
}

func (s *Service) lookupMailFromFor(ctx context.Context, accountID, addr string) (*MailFrom, error) {
	for _, n := range senderNames(addr) {
		id, err := s.Store.GetIdentity(ctx, accountID, n)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("look up identity %q: %w", n, err)
		}
		if id.VerificationStatus != store.StatusSuccess || id.MailFromDomain == "" {
			continue
		}
		behavior := id.BehaviorOnMxFailure
		if behavior == "" {
			behavior = store.BehaviorUseDefault
		}
		return &MailFrom{Identity: id.Name, Domain: id.MailFromDomain, Status: id.MailFromStatus, Behavior: behavior}, nil
	}
	return nil, nil
}
