package sesapi

import (
	"errors"
	"net/http"

	"github.com/hikyaku/hikyaku/internal/fault"
	"github.com/hikyaku/hikyaku/internal/sesapi/query"
	"github.com/hikyaku/hikyaku/internal/store"
)

// v1 spells the BehaviorOnMxFailure values in CamelCase.
var (
	v1Behavior = map[string]string{
		query.BehaviorOnMXFailureUseDefaultValue: store.BehaviorUseDefault,
		query.BehaviorOnMXFailureRejectMessage:   store.BehaviorReject,
	}
	v1BehaviorOf = map[string]string{
		store.BehaviorUseDefault: query.BehaviorOnMXFailureUseDefaultValue,
		store.BehaviorReject:     query.BehaviorOnMXFailureRejectMessage,
	}
)

// v1SetIdentityMailFromDomain is SetIdentityMailFromDomain.
func (s *Server) v1SetIdentityMailFromDomain(r *http.Request, c call, decode formDecoder) (any, error) {
	var in query.SetIdentityMailFromDomainInput
	if err := decode(&in); err != nil {
		return nil, err
	}
	name, err := identityName(in.Identity)
	if err != nil {
		return nil, v1InvalidParameter(err)
	}
	err = s.setMailFrom(r, c, name, in.MailFromDomain, v1Behavior[in.BehaviorOnMXFailure], func() error { return nil })
	if f := fault.As(err); f != nil && f.Code == "BadRequestException" {
		return nil, v1InvalidParameter(err)
	}
	if err != nil {
		return nil, err
	}
	return query.SetIdentityMailFromDomainOutput{}, nil
}

// v1InvalidParameter turns a v2 BadRequest into v1's InvalidParameterValue.
func v1InvalidParameter(err error) error {
	return &fault.Error{Code: "InvalidParameterValue", HTTPStatus: http.StatusBadRequest, Message: fault.As(err).Message}
}

// v1GetIdentityMailFromDomainAttributes is
// GetIdentityMailFromDomainAttributes; unknown identities are left out,
// as GetIdentityVerificationAttributes leaves them.
func (s *Server) v1GetIdentityMailFromDomainAttributes(r *http.Request, c call, decode formDecoder) (any, error) {
	var in query.GetIdentityMailFromDomainAttributesInput
	if err := decode(&in); err != nil {
		return nil, err
	}
	out := query.GetIdentityMailFromDomainAttributesOutput{MailFromDomainAttributes: map[string]query.IdentityMailFromDomainAttributes{}}
	for _, raw := range in.Identities {
		name, err := identityName(raw)
		if err != nil {
			continue
		}
		id, err := s.Identities.Get(r.Context(), c.account.ID, name)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		a := mailFromOf(id)
		v := query.IdentityMailFromDomainAttributes{MailFromDomain: a.MailFromDomain,
			BehaviorOnMXFailure: v1BehaviorOf[a.BehaviorOnMxFailure]}
		if a.MailFromDomainStatus != "" {
			v.MailFromDomainStatus = v1Status(a.MailFromDomainStatus)
		}
		out.MailFromDomainAttributes[raw] = v
	}
	return out, nil
}
