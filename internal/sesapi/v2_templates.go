package sesapi

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/hikyaku/hikyaku/internal/compose"
	"github.com/hikyaku/hikyaku/internal/fault"
	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/template"
	"github.com/hikyaku/hikyaku/internal/templates"
)

// Email templates (SES v2): CreateEmailTemplate, GetEmailTemplate,
// ListEmailTemplates, UpdateEmailTemplate, DeleteEmailTemplate and
// TestRenderEmailTemplate.

// v2TemplateContent is EmailTemplateContent.
type v2TemplateContent struct {
	Subject string `json:",omitempty"`
	Text    string `json:",omitempty"`
	Html    string `json:",omitempty"`
}

// ListEmailTemplates' PageSize: "at least 1, and can be no more than 100";
// without one SES returns 10 ("retrieve the next 10 email templates", the
// NextToken documentation).
const (
	defaultTemplatePage = 10
	maxTemplatePage     = 100
)

// notNull is the validation error AWS answers for a required member that
// is absent.
func notNull(member string) *fault.Error {
	return fault.BadRequest("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", member)
}

func (s *Server) templateService() (*templates.Service, error) {
	if s.Templates == nil {
		return nil, fault.NotFound("Email templates are not supported by this server.")
	}
	return s.Templates, nil
}

func (s *Server) v2CreateEmailTemplate(w http.ResponseWriter, r *http.Request, c call) error {
	svc, err := s.templateService()
	if err != nil {
		return err
	}
	var in struct {
		TemplateName    *string
		TemplateContent *v2TemplateContent
		Tags            []v2Tag
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	switch {
	case in.TemplateName == nil:
		return notNull("templateName")
	case in.TemplateContent == nil:
		return notNull("templateContent")
	}
	t := &templates.Template{Name: *in.TemplateName, Subject: in.TemplateContent.Subject,
		Text: in.TemplateContent.Text, HTML: in.TemplateContent.Html}
	for _, tag := range in.Tags {
		if len(tag.Key) < 1 || len(tag.Key) > 128 || len(tag.Value) > 256 {
			return fault.BadRequest("Invalid tag %q: a tag key has 1 to 128 characters and a value at most 256.", tag.Key)
		}
		t.Tags = append(t.Tags, store.Tag{Name: tag.Key, Value: tag.Value})
	}
	if err := svc.Create(r.Context(), c.account.ID, t); err != nil {
		return err
	}
	return writeJSON(w, struct{}{})
}

func (s *Server) v2GetEmailTemplate(w http.ResponseWriter, r *http.Request, c call) error {
	svc, err := s.templateService()
	if err != nil {
		return err
	}
	t, err := svc.Get(r.Context(), c.account.ID, r.PathValue("TemplateName"))
	if err != nil {
		return err
	}
	out := struct {
		TemplateName    string
		TemplateContent v2TemplateContent
		Tags            []v2Tag `json:",omitempty"`
	}{TemplateName: t.Name, TemplateContent: v2TemplateContent{Subject: t.Subject, Text: t.Text, Html: t.HTML}}
	for _, tag := range t.Tags {
		out.Tags = append(out.Tags, v2Tag{Key: tag.Name, Value: tag.Value})
	}
	return writeJSON(w, out)
}

func (s *Server) v2ListEmailTemplates(w http.ResponseWriter, r *http.Request, c call) error {
	svc, err := s.templateService()
	if err != nil {
		return err
	}
	size := defaultTemplatePage
	if p := r.URL.Query().Get("PageSize"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > maxTemplatePage {
			return fault.BadRequest("PageSize must be a number between 1 and %d.", maxTemplatePage)
		}
		size = n
	}
	after, err := decodeToken(r.URL.Query().Get("NextToken"))
	if err != nil {
		return err
	}
	list, more, err := svc.List(r.Context(), c.account.ID, after, size)
	if err != nil {
		return err
	}
	type metadata struct {
		TemplateName     string
		CreatedTimestamp *epoch
	}
	out := struct {
		TemplatesMetadata []metadata
		NextToken         string `json:",omitempty"`
	}{TemplatesMetadata: []metadata{}}
	for _, t := range list {
		out.TemplatesMetadata = append(out.TemplatesMetadata, metadata{TemplateName: t.Name, CreatedTimestamp: epochOf(t.CreatedTimestamp)})
	}
	if more {
		out.NextToken = encodeToken(list[len(list)-1].Name)
	}
	return writeJSON(w, out)
}

func (s *Server) v2UpdateEmailTemplate(w http.ResponseWriter, r *http.Request, c call) error {
	svc, err := s.templateService()
	if err != nil {
		return err
	}
	var in struct{ TemplateContent *v2TemplateContent }
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.TemplateContent == nil {
		return notNull("templateContent")
	}
	err = svc.Update(r.Context(), c.account.ID, template.Template{Name: r.PathValue("TemplateName"),
		Subject: in.TemplateContent.Subject, Text: in.TemplateContent.Text, HTML: in.TemplateContent.Html})
	if err != nil {
		return err
	}
	return writeJSON(w, struct{}{})
}

func (s *Server) v2DeleteEmailTemplate(w http.ResponseWriter, r *http.Request, c call) error {
	svc, err := s.templateService()
	if err != nil {
		return err
	}
	if err := svc.Delete(r.Context(), c.account.ID, r.PathValue("TemplateName")); err != nil {
		return err
	}
	return writeJSON(w, struct{}{})
}

// v2TestRenderEmailTemplate renders a stored template with TemplateData
// and returns the MIME message (compose.Preview). Unlike a send, a
// rendering failure is the answer: BadRequestException with the template
// package's message, such as "Attribute 'name' is not present in the
// rendering data." (the v1 API's MissingRenderingAttribute).
func (s *Server) v2TestRenderEmailTemplate(w http.ResponseWriter, r *http.Request, c call) error {
	svc, err := s.templateService()
	if err != nil {
		return err
	}
	var in struct{ TemplateData *string }
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.TemplateData == nil {
		return notNull("templateData")
	}
	compiled, err := svc.Compile(r.Context(), c.account.ID, r.PathValue("TemplateName"))
	if err != nil {
		return err
	}
	rendered, err := compiled.Render(*in.TemplateData, template.Options{})
	if err != nil {
		var te *template.Error
		if errors.As(err, &te) {
			return te.Fault()
		}
		return err
	}
	mime, err := compose.Preview(rendered.Subject, rendered.Text, rendered.HTML, s.Clock.Now().UTC(), nil)
	if err != nil {
		return err
	}
	return writeJSON(w, struct{ RenderedTemplate string }{string(mime)})
}
