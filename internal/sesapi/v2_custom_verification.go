package sesapi

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/hikyaku/hikyaku/internal/fault"
	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/templates"
)

// Custom verification email templates (SES v2):
// CreateCustomVerificationEmailTemplate, Get, List, Update, Delete, and
// SendCustomVerificationEmail, which mails one with the verification link
// of an address identity. The link is served by verifyLink, which
// redirects to the template's SuccessRedirectionURL or
// FailureRedirectionURL.

// v2CustomTemplate is the members CreateCustomVerificationEmailTemplate
// takes and GetCustomVerificationEmailTemplate returns.
type v2CustomTemplate struct {
	TemplateName          *string `json:",omitempty"`
	FromEmailAddress      *string `json:",omitempty"`
	TemplateSubject       *string `json:",omitempty"`
	TemplateContent       *string `json:",omitempty"`
	SuccessRedirectionURL *string `json:",omitempty"`
	FailureRedirectionURL *string `json:",omitempty"`
	Tags                  []v2Tag `json:",omitempty"`
}

// template checks that every required member is there (the API model's
// required list) and returns the stored form.
func (in *v2CustomTemplate) template() (*templates.CustomVerification, error) {
	for _, m := range []struct {
		name string
		v    *string
	}{{"templateName", in.TemplateName}, {"fromEmailAddress", in.FromEmailAddress}, {"templateSubject", in.TemplateSubject},
		{"templateContent", in.TemplateContent}, {"successRedirectionURL", in.SuccessRedirectionURL},
		{"failureRedirectionURL", in.FailureRedirectionURL}} {
		if m.v == nil {
			return nil, notNull(m.name)
		}
	}
	t := &templates.CustomVerification{Name: *in.TemplateName, FromAddress: *in.FromEmailAddress, Subject: *in.TemplateSubject,
		Content: *in.TemplateContent, SuccessURL: *in.SuccessRedirectionURL, FailureURL: *in.FailureRedirectionURL}
	for _, tag := range in.Tags {
		t.Tags = append(t.Tags, store.Tag{Name: tag.Key, Value: tag.Value})
	}
	return t, nil
}

func customOut(t *templates.CustomVerification, content bool) v2CustomTemplate {
	out := v2CustomTemplate{TemplateName: &t.Name, FromEmailAddress: &t.FromAddress, TemplateSubject: &t.Subject,
		SuccessRedirectionURL: &t.SuccessURL, FailureRedirectionURL: &t.FailureURL}
	if content {
		out.TemplateContent = &t.Content
		for _, tag := range t.Tags {
			out.Tags = append(out.Tags, v2Tag{Key: tag.Name, Value: tag.Value})
		}
	}
	return out
}

func (s *Server) v2CreateCustomTemplate(w http.ResponseWriter, r *http.Request, c call) error {
	svc, err := s.templateService()
	if err != nil {
		return err
	}
	var in v2CustomTemplate
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	t, err := in.template()
	if err != nil {
		return err
	}
	if err := svc.CreateCustom(r.Context(), c.account.ID, t); err != nil {
		return err
	}
	return writeJSON(w, struct{}{})
}

func (s *Server) v2GetCustomTemplate(w http.ResponseWriter, r *http.Request, c call) error {
	svc, err := s.templateService()
	if err != nil {
		return err
	}
	t, err := svc.GetCustom(r.Context(), c.account.ID, r.PathValue("TemplateName"))
	if err != nil {
		return err
	}
	return writeJSON(w, customOut(t, true))
}

// ListCustomVerificationEmailTemplates' PageSize: 1 to 50, SES's limit on
// templates, and 50 when absent.
const maxCustomTemplatePage = 50

func (s *Server) v2ListCustomTemplates(w http.ResponseWriter, r *http.Request, c call) error {
	svc, err := s.templateService()
	if err != nil {
		return err
	}
	size := maxCustomTemplatePage
	if p := r.URL.Query().Get("PageSize"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > maxCustomTemplatePage {
			return fault.BadRequest("PageSize must be a number between 1 and %d.", maxCustomTemplatePage)
		}
		size = n
	}
	after, err := decodeToken(r.URL.Query().Get("NextToken"))
	if err != nil {
		return err
	}
	list, more, err := svc.ListCustom(r.Context(), c.account.ID, after, size)
	if err != nil {
		return err
	}
	out := struct {
		CustomVerificationEmailTemplates []v2CustomTemplate
		NextToken                        string `json:",omitempty"`
	}{CustomVerificationEmailTemplates: []v2CustomTemplate{}}
	for _, t := range list {
		out.CustomVerificationEmailTemplates = append(out.CustomVerificationEmailTemplates, customOut(t, false))
	}
	if more {
		out.NextToken = encodeToken(list[len(list)-1].Name)
	}
	return writeJSON(w, out)
}

func (s *Server) v2UpdateCustomTemplate(w http.ResponseWriter, r *http.Request, c call) error {
	svc, err := s.templateService()
	if err != nil {
		return err
	}
	var in v2CustomTemplate
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	name := r.PathValue("TemplateName")
	in.TemplateName = &name
	t, err := in.template()
	if err != nil {
		return err
	}
	if err := svc.UpdateCustom(r.Context(), c.account.ID, t); err != nil {
		return err
	}
	return writeJSON(w, struct{}{})
}

func (s *Server) v2DeleteCustomTemplate(w http.ResponseWriter, r *http.Request, c call) error {
	svc, err := s.templateService()
	if err != nil {
		return err
	}
	if err := svc.DeleteCustom(r.Context(), c.account.ID, r.PathValue("TemplateName")); err != nil {
		return err
	}
	return writeJSON(w, struct{}{})
}

func (s *Server) v2SendCustomVerification(w http.ResponseWriter, r *http.Request, c call) error {
	var in struct {
		EmailAddress         *string
		TemplateName         *string
		ConfigurationSetName string
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	switch {
	case in.EmailAddress == nil:
		return notNull("emailAddress")
	case in.TemplateName == nil:
		return notNull("templateName")
	}
	id, err := s.sendCustomVerification(r.Context(), c.account.ID, *in.EmailAddress, *in.TemplateName, in.ConfigurationSetName)
	if err != nil {
		return err
	}
	return writeJSON(w, struct{ MessageId string }{id})
}

// sendCustomVerification is SendCustomVerificationEmail, v2 and v1: the
// template must exist and its From address be verified for the account
// (v1's FromEmailAddressNotVerified; the v2 model lists no such error,
// so v2 answers MessageRejected); the address identity is created pending
// if need be, and the mail queued with its link, which names the
// template so that verifyLink knows where to redirect.
func (s *Server) sendCustomVerification(ctx context.Context, accountID, addr, name, configSet string) (string, error) {
	svc, err := s.templateService()
	if err != nil {
		return "", err
	}
	if s.System == nil {
		return "", fault.NotFound("Custom verification emails are not supported by this server.")
	}
	t, err := svc.GetCustom(ctx, accountID, name)
	if err != nil {
		return "", err
	}
	if configSet != "" && s.ConfigSets != nil {
		if _, err := s.ConfigSets.Get(ctx, accountID, configSet); err != nil {
			return "", err
		}
	}
	ok, err := s.Identities.IsVerified(ctx, accountID, t.FromAddress)
	if err != nil {
		return "", err
	}
	if !ok {
		f := fault.MessageRejected("Email address is not verified. The following identities failed the check in region %s: %s",
			s.Region, t.FromAddress)
		f.V1Code = "FromEmailAddressNotVerified"
		return "", f
	}
	addr, err = identityName(addr)
	if err != nil {
		return "", err
	}
	if !strings.Contains(addr, "@") {
		return "", fault.BadRequest("Invalid email address <%s>.", addr)
	}
	_, link, err := s.Identities.AddressToVerify(ctx, accountID, addr)
	if err != nil {
		return "", err
	}
	link += "&" + url.Values{"template": {t.Name}, "account": {accountID}}.Encode()
	return s.System.SendCustomVerification(ctx, accountID, t.FromAddress, addr, t.Subject, t.Content, link, configSet)
}
