package sesapi

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/hikyaku/hikyaku/internal/address"
	"github.com/hikyaku/hikyaku/internal/fault"
	"github.com/hikyaku/hikyaku/internal/identity"
	"github.com/hikyaku/hikyaku/internal/store"
)

type tag struct {
	Key   string
	Value string
}

type dkimAttributes struct {
	SigningEnabled             bool
	Status                     string
	Tokens                     []string `json:",omitempty"`
	SigningAttributesOrigin    string   `json:",omitempty"`
	NextSigningKeyLength       string   `json:",omitempty"`
	CurrentSigningKeyLength    string   `json:",omitempty"`
	LastKeyGenerationTimestamp *epoch   `json:",omitempty"`
}

func dkimOf(id *store.Identity) dkimAttributes {
	d := dkimAttributes{SigningEnabled: id.DkimSigningEnabled, Status: id.DkimStatus}
	if d.Status == "" {
		d.Status = store.StatusNotStarted
	}
	// Tokens are the selectors in use: the active key's and any newer one
	// waiting for its DNS record (a rotation); retired keys are left out.
	for _, k := range identity.CurrentKeys(id) {
		d.Tokens = append(d.Tokens, k.Selector)
		if k.Active {
			d.SigningAttributesOrigin = "AWS_SES"
			if k.External {
				d.SigningAttributesOrigin = "EXTERNAL"
			}
			d.CurrentSigningKeyLength = k.KeyLength
			d.NextSigningKeyLength = k.KeyLength
			d.LastKeyGenerationTimestamp = epochOf(k.CreatedAt)
		} else {
			d.NextSigningKeyLength = k.KeyLength
		}
	}
	return d
}

// identityName normalises an identity name the way SES stores it: domains
// lower-case in A-label form; addresses as given (SES treats them
// case-sensitively) but syntax-checked.
func identityName(raw string) (string, error) {
	if raw == "" {
		return "", fault.BadRequest("1 validation error detected: Value at 'emailIdentity' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	if strings.Contains(raw, "@") {
		a, err := address.Parse(raw)
		if err != nil {
			return "", fault.BadRequest("Invalid email address <%s>.", raw)
		}
		if a.Name != "" || strings.ContainsAny(raw, "<>") {
			return "", fault.BadRequest("Invalid email address <%s>.", raw)
		}
		return a.Local + "@" + a.Domain, nil
	}
	d, err := address.Domain(raw)
	if err != nil {
		return "", fault.BadRequest("Invalid domain name %s.", raw)
	}
	return d, nil
}

func (s *Server) v2CreateIdentity(w http.ResponseWriter, r *http.Request, c call) error {
	var in struct {
		EmailIdentity         string
		Tags                  []tag
		ConfigurationSetName  string
		DkimSigningAttributes *struct{ DomainSigningSelector, DomainSigningPrivateKey string }
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	name, err := identityName(in.EmailIdentity)
	if err != nil {
		return err
	}
	var byo []byte
	if a := in.DkimSigningAttributes; a != nil && a.DomainSigningPrivateKey != "" {
		if !identity.IsDomain(name) || a.DomainSigningSelector == "" {
			return fault.BadRequest("DkimSigningAttributes need a domain identity and a DomainSigningSelector.")
		}
		if byo, err = base64.StdEncoding.DecodeString(a.DomainSigningPrivateKey); err != nil {
			return fault.BadRequest("DomainSigningPrivateKey must be the base64 DER of an RSA private key (the PEM body without its BEGIN/END lines).")
		}
	}
	var tags []store.Tag
	for _, t := range in.Tags {
		tags = append(tags, store.Tag{Name: t.Key, Value: t.Value})
	}
	id, err := s.Identities.Create(r.Context(), c.account.ID, name, tags)
	if errors.Is(err, store.ErrExists) {
		return fault.AlreadyExists("Email identity %s already exist.", name)
	}
	if err != nil {
		return err
	}
	if in.ConfigurationSetName != "" {
		if err := s.setIdentityConfigurationSet(r, c, name, in.ConfigurationSetName); err != nil {
			_ = s.Identities.Delete(r.Context(), c.account.ID, name)
			return err
		}
		id.ConfigurationSet = in.ConfigurationSetName
	}
	if byo != nil {
		if id, err = s.Identities.ImportDkimKey(r.Context(), c.account.ID, name, in.DkimSigningAttributes.DomainSigningSelector, byo); err != nil {
			_ = s.Identities.Delete(r.Context(), c.account.ID, name)
			return fault.BadRequest("%s", err.Error())
		}
	}
	return writeJSON(w, struct {
		IdentityType             string
		VerifiedForSendingStatus bool
		DkimAttributes           dkimAttributes
	}{id.Type, id.VerificationStatus == store.StatusSuccess, dkimOf(id)})
}

func (s *Server) v2GetIdentity(w http.ResponseWriter, r *http.Request, c call) error {
	name, err := identityName(r.PathValue("EmailIdentity"))
	if err != nil {
		return err
	}
	id, err := s.Identities.Get(r.Context(), c.account.ID, name)
	if errors.Is(err, store.ErrNotFound) {
		return fault.NotFound("Email identity %s does not exist.", name)
	}
	if err != nil {
		return err
	}
	type verificationInfo struct {
		LastCheckedTimestamp *epoch `json:",omitempty"`
		LastSuccessTimestamp *epoch `json:",omitempty"`
	}
	out := struct {
		IdentityType             string
		FeedbackForwardingStatus bool
		VerifiedForSendingStatus bool
		DkimAttributes           dkimAttributes
		MailFromAttributes       *mailFromAttributes
		Policies                 map[string]string
		Tags                     []tag
		ConfigurationSetName     string `json:",omitempty"`
		VerificationStatus       string
		VerificationInfo         verificationInfo
	}{
		IdentityType:             id.Type,
		FeedbackForwardingStatus: true,
		VerifiedForSendingStatus: id.VerificationStatus == store.StatusSuccess,
		DkimAttributes:           dkimOf(id),
		MailFromAttributes:       mailFromOf(id),
		Policies:                 map[string]string{},
		Tags:                     []tag{},
		ConfigurationSetName:     id.ConfigurationSet,
		VerificationStatus:       id.VerificationStatus,
	}
	if !id.CheckedAt.IsZero() {
		out.VerificationInfo.LastCheckedTimestamp = epochOf(id.CheckedAt)
	}
	if !id.VerifiedAt.IsZero() {
		out.VerificationInfo.LastSuccessTimestamp = epochOf(id.VerifiedAt)
	}
	for _, t := range id.Tags {
		out.Tags = append(out.Tags, tag{Key: t.Name, Value: t.Value})
	}
	return writeJSON(w, out)
}

// v2ListIdentities serves both shapes of ListEmailIdentities: the
// original GET /v2/email/identities?PageSize=&NextToken= (AWS CLI 2.9 and
// older SDKs) and the newer POST /v2/email/list-identities with a JSON body
// that may carry a Filter (IDENTITY_NAME_CONTAINS, IDENTITY_TYPE,
// VERIFICATION_STATUS).
func (s *Server) v2ListIdentities(w http.ResponseWriter, r *http.Request, c call) error {
	var in struct {
		NextToken string
		PageSize  *int
		Filter    map[string]string
	}
	if r.Method == http.MethodPost {
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
	} else {
		q := r.URL.Query()
		in.NextToken = q.Get("NextToken")
		if v := q.Get("PageSize"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return fault.BadRequest("PageSize must be a number between 0 and 1000.")
			}
			in.PageSize = &n
		}
	}
	size := 100
	if in.PageSize != nil {
		if *in.PageSize < 0 || *in.PageSize > 1000 {
			return fault.BadRequest("PageSize must be between 0 and 1000.")
		}
		if *in.PageSize > 0 {
			size = *in.PageSize
		}
	}
	match, err := identityFilter(in.Filter)
	if err != nil {
		return err
	}
	after, err := decodeToken(in.NextToken)
	if err != nil {
		return err
	}
	type info struct {
		IdentityType       string
		IdentityName       string
		SendingEnabled     bool
		VerificationStatus string
	}
	out := struct {
		EmailIdentities []info
		NextToken       string `json:",omitempty"`
	}{EmailIdentities: []info{}}
	for {
		ids, err := s.Store.ListIdentities(r.Context(), c.account.ID, after, 500)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if !match(id) {
				after = id.Name
				continue
			}
			if len(out.EmailIdentities) == size {
				out.NextToken = encodeToken(after)
				return writeJSON(w, out)
			}
			after = id.Name
			out.EmailIdentities = append(out.EmailIdentities, info{id.Type, id.Name, true, id.VerificationStatus})
		}
		if len(ids) < 500 {
			return writeJSON(w, out)
		}
	}
}

func identityFilter(f map[string]string) (func(*store.Identity) bool, error) {
	for k := range f {
		switch k {
		case "IDENTITY_NAME_CONTAINS", "IDENTITY_TYPE", "VERIFICATION_STATUS":
		default:
			return nil, fault.BadRequest("Unknown filter key %s: use IDENTITY_NAME_CONTAINS, IDENTITY_TYPE or VERIFICATION_STATUS.", k)
		}
	}
	return func(id *store.Identity) bool {
		if v, ok := f["IDENTITY_NAME_CONTAINS"]; ok && !strings.Contains(id.Name, v) {
			return false
		}
		if v, ok := f["IDENTITY_TYPE"]; ok && id.Type != v {
			return false
		}
		if v, ok := f["VERIFICATION_STATUS"]; ok && id.VerificationStatus != v {
			return false
		}
		return true
	}, nil
}

func (s *Server) v2DeleteIdentity(w http.ResponseWriter, r *http.Request, c call) error {
	name, err := identityName(r.PathValue("EmailIdentity"))
	if err != nil {
		return err
	}
	err = s.Identities.Delete(r.Context(), c.account.ID, name)
	if errors.Is(err, store.ErrNotFound) {
		return fault.NotFound("Email identity %s does not exist.", name)
	}
	if err != nil {
		return err
	}
	return writeJSON(w, struct{}{})
}
