package sesapi

import (
	"net/http"

	"github.com/hikyaku/hikyaku/internal/fault"
	"github.com/hikyaku/hikyaku/internal/sesapi/query"
	"github.com/hikyaku/hikyaku/internal/templates"
)

// Custom verification email templates and SendCustomVerificationEmail in
// the SES v1 Query API, on the same store as v2's.

func (s *Server) v1CreateCustomTemplate(r *http.Request, c call, decode formDecoder) (any, error) {
	var in query.CustomVerificationTemplate
	if err := decode(&in); err != nil {
		return nil, err
	}
	svc, err := s.templateService()
	if err != nil {
		return nil, err
	}
	err = svc.CreateCustom(r.Context(), c.account.ID, &templates.CustomVerification{Name: in.TemplateName,
		FromAddress: in.FromEmailAddress, Subject: in.TemplateSubject, Content: in.TemplateContent,
		SuccessURL: in.SuccessRedirectionURL, FailureURL: in.FailureRedirectionURL})
	return struct{}{}, err
}

func (s *Server) v1GetCustomTemplate(r *http.Request, c call, decode formDecoder) (any, error) {
	var in query.CustomVerificationTemplateName
	if err := decode(&in); err != nil {
		return nil, err
	}
	svc, err := s.templateService()
	if err != nil {
		return nil, err
	}
	t, err := svc.GetCustom(r.Context(), c.account.ID, in.TemplateName)
	if err != nil {
		return nil, err
	}
	return query.CustomVerificationTemplate{TemplateName: t.Name, FromEmailAddress: t.FromAddress, TemplateSubject: t.Subject,
		TemplateContent: t.Content, SuccessRedirectionURL: t.SuccessURL, FailureRedirectionURL: t.FailureURL}, nil
}

func (s *Server) v1ListCustomTemplates(r *http.Request, c call, decode formDecoder) (any, error) {
	var in query.ListCustomVerificationTemplatesInput
	if err := decode(&in); err != nil {
		return nil, err
	}
	svc, err := s.templateService()
	if err != nil {
		return nil, err
	}
	size := maxCustomTemplatePage
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > maxCustomTemplatePage {
			return nil, fault.BadRequest("MaxResults must be between 1 and %d.", maxCustomTemplatePage)
		}
		size = *in.MaxResults
	}
	after, err := decodeToken(in.NextToken)
	if err != nil {
		return nil, err
	}
	list, more, err := svc.ListCustom(r.Context(), c.account.ID, after, size)
	if err != nil {
		return nil, err
	}
	out := query.ListCustomVerificationTemplatesOutput{CustomVerificationEmailTemplates: []query.CustomVerificationTemplateMetadata{}}
	for _, t := range list {
		out.CustomVerificationEmailTemplates = append(out.CustomVerificationEmailTemplates, query.CustomVerificationTemplateMetadata{
			TemplateName: t.Name, FromEmailAddress: t.FromAddress, TemplateSubject: t.Subject,
			SuccessRedirectionURL: t.SuccessURL, FailureRedirectionURL: t.FailureURL})
	}
	if more {
		out.NextToken = encodeToken(list[len(list)-1].Name)
	}
	return out, nil
}

// v1UpdateCustomTemplate changes the members given; v1's model requires
// only the name.
func (s *Server) v1UpdateCustomTemplate(r *http.Request, c call, decode formDecoder) (any, error) {
	var in query.CustomVerificationTemplate
	if err := decode(&in); err != nil {
		return nil, err
	}
	svc, err := s.templateService()
	if err != nil {
		return nil, err
	}
	t, err := svc.GetCustom(r.Context(), c.account.ID, in.TemplateName)
	if err != nil {
		return nil, err
	}
	for _, m := range []struct {
		dst *string
		v   string
	}{{&t.FromAddress, in.FromEmailAddress}, {&t.Subject, in.TemplateSubject}, {&t.Content, in.TemplateContent},
		{&t.SuccessURL, in.SuccessRedirectionURL}, {&t.FailureURL, in.FailureRedirectionURL}} {
		if m.v != "" {
			*m.dst = m.v
		}
	}
	return struct{}{}, svc.UpdateCustom(r.Context(), c.account.ID, t)
}

func (s *Server) v1DeleteCustomTemplate(r *http.Request, c call, decode formDecoder) (any, error) {
	var in query.CustomVerificationTemplateName
	if err := decode(&in); err != nil {
		return nil, err
	}
	svc, err := s.templateService()
	if err != nil {
		return nil, err
	}
	return struct{}{}, svc.DeleteCustom(r.Context(), c.account.ID, in.TemplateName)
}

func (s *Server) v1SendCustomVerification(r *http.Request, c call, decode formDecoder) (any, error) {
	var in query.SendCustomVerificationEmailInput
	if err := decode(&in); err != nil {
		return nil, err
	}
	id, err := s.sendCustomVerification(r.Context(), c.account.ID, in.EmailAddress, in.TemplateName, in.ConfigurationSetName)
	if err != nil {
		return nil, err
	}
	return query.SendCustomVerificationEmailOutput{MessageId: id}, nil
}
