package sesapi

import (
	"encoding/base64"
	"errors"
	"net/http"

	"github.com/hikyaku/hikyaku/internal/fault"
	"github.com/hikyaku/hikyaku/internal/store"
)

// v2PutDkimAttributes is PutEmailIdentityDkimAttributes: signing on or off.
func (s *Server) v2PutDkimAttributes(w http.ResponseWriter, r *http.Request, c call) error {
	name, err := identityName(r.PathValue("EmailIdentity"))
	if err != nil {
		return err
	}
	var in struct{ SigningEnabled bool }
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	err = s.Identities.SetDkimSigning(r.Context(), c.account.ID, name, in.SigningEnabled)
	if errors.Is(err, store.ErrNotFound) {
		return fault.NotFound("Email identity %s does not exist.", name)
	}
	if err != nil {
		return err
	}
	return writeJSON(w, struct{}{})
}

// v2PutDkimSigningAttributes is PutEmailIdentityDkimSigningAttributes:
// AWS_SES rotates to a newly generated key (NextSigningKeyLength), EXTERNAL
// installs the caller's key and selector (Bring Your Own DKIM).
func (s *Server) v2PutDkimSigningAttributes(w http.ResponseWriter, r *http.Request, c call) error {
	name, err := identityName(r.PathValue("EmailIdentity"))
	if err != nil {
		return err
	}
	var in struct {
		SigningAttributesOrigin string
		SigningAttributes       *struct {
			DomainSigningSelector   string
			DomainSigningPrivateKey string
			NextSigningKeyLength    string
		}
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ctx := r.Context()
	var id *store.Identity
	switch in.SigningAttributesOrigin {
	case "AWS_SES":
		bits := 0
		if in.SigningAttributes != nil {
			switch in.SigningAttributes.NextSigningKeyLength {
			case "", "RSA_2048_BIT":
				bits = 2048
			case "RSA_1024_BIT":
				bits = 1024
			default:
				return fault.BadRequest("NextSigningKeyLength must be RSA_1024_BIT or RSA_2048_BIT.")
			}
		}
		if _, err = s.Identities.RotateDkimKey(ctx, c.account.ID, name, bits); err == nil {
			id, err = s.Identities.Get(ctx, c.account.ID, name)
		}
	case "EXTERNAL":
		a := in.SigningAttributes
		if a == nil || a.DomainSigningSelector == "" || a.DomainSigningPrivateKey == "" {
			return fault.BadRequest("EXTERNAL signing needs SigningAttributes with DomainSigningSelector and DomainSigningPrivateKey.")
		}
		der, derr := base64.StdEncoding.DecodeString(a.DomainSigningPrivateKey)
		if derr != nil {
			return fault.BadRequest("DomainSigningPrivateKey must be the base64 DER of an RSA private key (the PEM body without its BEGIN/END lines).")
		}
		id, err = s.Identities.ImportDkimKey(ctx, c.account.ID, name, a.DomainSigningSelector, der)
	default:
		return fault.BadRequest("SigningAttributesOrigin must be AWS_SES or EXTERNAL.")
	}
	if errors.Is(err, store.ErrNotFound) {
		return fault.NotFound("Email identity %s does not exist.", name)
	}
	if err != nil {
		if fault.As(err) == nil && !errors.Is(err, store.ErrExists) {
			return fault.BadRequest("%s", err.Error())
		}
		return err
	}
	d := dkimOf(id)
	return writeJSON(w, struct {
		DkimStatus string
		DkimTokens []string
	}{d.Status, d.Tokens})
}
