package sesapi

import (
	"errors"
	"net/http"

	"github.com/hikyaku/hikyaku/internal/address"
	"github.com/hikyaku/hikyaku/internal/fault"
	"github.com/hikyaku/hikyaku/internal/identity"
	"github.com/hikyaku/hikyaku/internal/store"
)

// mailFromAttributes is SES v2's MailFromAttributes. SES returns it for
// every identity, with BehaviorOnMxFailure, even before a MAIL FROM domain
// is set (Terraform's aws_sesv2_email_identity_mail_from_attributes reads
// the behavior back from an identity without one); the domain and its
// status are left out while there is none.
type mailFromAttributes struct {
	MailFromDomain       string `json:",omitempty"`
	MailFromDomainStatus string `json:",omitempty"`
	BehaviorOnMxFailure  string
}

func mailFromOf(id *store.Identity) *mailFromAttributes {
	a := &mailFromAttributes{MailFromDomain: id.MailFromDomain, BehaviorOnMxFailure: id.BehaviorOnMxFailure}
	if a.BehaviorOnMxFailure == "" {
		a.BehaviorOnMxFailure = store.BehaviorUseDefault
	}
	if id.MailFromDomain != "" {
		a.MailFromDomainStatus = id.MailFromStatus
	}
	return a
}

// v2PutMailFromAttributes is PutEmailIdentityMailFromAttributes: set the
// identity's custom MAIL FROM domain, or remove it with an empty one.
func (s *Server) v2PutMailFromAttributes(w http.ResponseWriter, r *http.Request, c call) error {
	name, err := identityName(r.PathValue("EmailIdentity"))
	if err != nil {
		return err
	}
	var in struct{ MailFromDomain, BehaviorOnMxFailure string }
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	switch in.BehaviorOnMxFailure {
	case "", store.BehaviorUseDefault, store.BehaviorReject:
	default:
		return fault.BadRequest("1 validation error detected: Value '%s' at 'behaviorOnMxFailure' failed to satisfy constraint: Member must satisfy enum value set: [%s, %s]",
			in.BehaviorOnMxFailure, store.BehaviorReject, store.BehaviorUseDefault)
	}
	return s.setMailFrom(r, c, name, in.MailFromDomain, in.BehaviorOnMxFailure, func() error { return writeJSON(w, struct{}{}) })
}

// setMailFrom applies a MAIL FROM setting for both APIs, answering SES's
// refusals as faults; done writes the success.
func (s *Server) setMailFrom(r *http.Request, c call, name, domain, behavior string, done func() error) error {
	if domain != "" {
		d, err := address.Domain(domain)
		if err != nil {
			return fault.BadRequest("Invalid MAIL FROM domain %s.", domain)
		}
		domain = d
	}
	_, err := s.Identities.SetMailFrom(r.Context(), c.account.ID, name, domain, behavior)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return fault.NotFound("Email identity %s does not exist.", name)
	case errors.Is(err, identity.ErrInvalidMailFrom):
		return fault.BadRequest("%s", err.Error())
	case err != nil:
		return err
	}
	return done()
}
