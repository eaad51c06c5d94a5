package sesapi

import (
	"errors"
	"net/http"

	"github.com/hikyaku/hikyaku/internal/fault"
	"github.com/hikyaku/hikyaku/internal/store"
)

// v2PutIdentityConfigurationSet is PutEmailIdentityConfigurationSetAttributes:
// the configuration set mail from the identity gets when it names none.
func (s *Server) v2PutIdentityConfigurationSet(w http.ResponseWriter, r *http.Request, c call) error {
	name, err := identityName(r.PathValue("EmailIdentity"))
	if err != nil {
		return err
	}
	var in struct{ ConfigurationSetName string }
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := s.setIdentityConfigurationSet(r, c, name, in.ConfigurationSetName); err != nil {
		return err
	}
	return writeJSON(w, struct{}{})
}

// setIdentityConfigurationSet checks that set exists (unless "") and makes
// it the identity's default.
func (s *Server) setIdentityConfigurationSet(r *http.Request, c call, identity, set string) error {
	if set != "" {
		if _, err := s.ConfigSets.Get(r.Context(), c.account.ID, set); err != nil {
			return err
		}
	}
	err := s.Identities.SetConfigurationSet(r.Context(), c.account.ID, identity, set)
	if errors.Is(err, store.ErrNotFound) {
		return fault.NotFound("Email identity %s does not exist.", identity)
	}
	return err
}
