package sesapi

import (
	"errors"
	"net/http"
	"strconv"
	"sync"

	"github.com/hikyaku/hikyaku/internal/compose"
	"github.com/hikyaku/hikyaku/internal/fault"
	"github.com/hikyaku/hikyaku/internal/intake"
	"github.com/hikyaku/hikyaku/internal/sesapi/query"
	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/template"
	"github.com/hikyaku/hikyaku/internal/templates"
)

// Email templates and templated sends (SES v1): CreateTemplate,
// GetTemplate, ListTemplates, UpdateTemplate, DeleteTemplate,
// TestRenderTemplate, SendTemplatedEmail and SendBulkTemplatedEmail.
//
// Templates are the same templates.Service as v2's, as on SES, where a
// template made with CreateTemplate is listed by ListEmailTemplates. The
// faults templates and intake raise carry v1's codes (TemplateDoesNotExist,
// AlreadyExists, InvalidTemplate, MissingRenderingAttribute, ...) as
// V1Code, so the handlers here translate shapes, not errors.

func (s *Server) v1CreateTemplate(r *http.Request, c call, decode formDecoder) (any, error) {
	var in query.CreateTemplateInput
	if err := decode(&in); err != nil {
		return nil, err
	}
	svc, err := s.templateService()
	if err != nil {
		return nil, err
	}
	t := in.Template
	err = svc.Create(r.Context(), c.account.ID, &templates.Template{Name: t.TemplateName,
		Subject: t.SubjectPart, Text: t.TextPart, HTML: t.HtmlPart})
	if err != nil {
		return nil, err
	}
	return query.CreateTemplateOutput{}, nil
}

func (s *Server) v1GetTemplate(r *http.Request, c call, decode formDecoder) (any, error) {
	var in query.GetTemplateInput
	if err := decode(&in); err != nil {
		return nil, err
	}
	svc, err := s.templateService()
	if err != nil {
		return nil, err
	}
	t, err := svc.Get(r.Context(), c.account.ID, in.TemplateName)
	if err != nil {
		return nil, err
	}
	return query.GetTemplateOutput{Template: &query.Template{TemplateName: t.Name,
		SubjectPart: t.Subject, TextPart: t.Text, HtmlPart: t.HTML}}, nil
}

// v1ListTemplates is ListTemplates. MaxItems "must be at least 1 and less
// than or equal to 100. If more than 100 items are requested, the page size
// will automatically set to 100. If you do not specify a value, 10 is the
// default page size" (v1 model), the same sizes as v2's PageSize.
func (s *Server) v1ListTemplates(r *http.Request, c call, decode formDecoder) (any, error) {
	var in query.ListTemplatesInput
	if err := decode(&in); err != nil {
		return nil, err
	}
	svc, err := s.templateService()
	if err != nil {
		return nil, err
	}
	size := defaultTemplatePage
	if in.MaxItems != nil {
		if *in.MaxItems < 1 {
			return nil, fault.BadRequest("MaxItems must be at least 1; it is %d.", *in.MaxItems)
		}
		size = min(*in.MaxItems, maxTemplatePage)
	}
	after, err := decodeToken(in.NextToken)
	if err != nil {
		return nil, err
	}
	list, more, err := svc.List(r.Context(), c.account.ID, after, size)
	if err != nil {
		return nil, err
	}
	out := query.ListTemplatesOutput{TemplatesMetadata: []query.TemplateMetadata{}}
	for _, t := range list {
		out.TemplatesMetadata = append(out.TemplatesMetadata, query.TemplateMetadata{Name: t.Name, CreatedTimestamp: t.CreatedTimestamp})
	}
	if more {
		out.NextToken = encodeToken(list[len(list)-1].Name)
	}
	return out, nil
}

func (s *Server) v1UpdateTemplate(r *http.Request, c call, decode formDecoder) (any, error) {
	var in query.UpdateTemplateInput
	if err := decode(&in); err != nil {
		return nil, err
	}
	svc, err := s.templateService()
	if err != nil {
		return nil, err
	}
	t := in.Template
	err = svc.Update(r.Context(), c.account.ID, template.Template{Name: t.TemplateName,
		Subject: t.SubjectPart, Text: t.TextPart, HTML: t.HtmlPart})
	if err != nil {
		return nil, err
	}
	return query.UpdateTemplateOutput{}, nil
}

// v1DeleteTemplate is DeleteTemplate. The v1 model lists no error for it,
// and SES answers 200 for a name that does not exist (boto/boto3#3140:
// "returning HTTP 200 on every with either correct and incorrect template
// name"), so deleting nothing succeeds, unlike v2's DeleteEmailTemplate.
func (s *Server) v1DeleteTemplate(r *http.Request, c call, decode formDecoder) (any, error) {
	var in query.DeleteTemplateInput
	if err := decode(&in); err != nil {
		return nil, err
	}
	svc, err := s.templateService()
	if err != nil {
		return nil, err
	}
	err = svc.Delete(r.Context(), c.account.ID, in.TemplateName)
	if f := fault.As(err); f != nil && f.QueryCode() == "TemplateDoesNotExist" {
		err = nil
	}
	if err != nil {
		return nil, err
	}
	return query.DeleteTemplateOutput{}, nil
}

// v1TestRenderTemplate renders a stored template and returns the MIME
// message, as v2's TestRenderEmailTemplate does. A rendering failure is
// the answer, with its v1 code: InvalidRenderingParameter for data that
// is not a JSON object, MissingRenderingAttribute ("Attribute 'name' is
// not present in the rendering data.") for a variable the data lacks.
func (s *Server) v1TestRenderTemplate(r *http.Request, c call, decode formDecoder) (any, error) {
	var in query.TestRenderTemplateInput
	if err := decode(&in); err != nil {
		return nil, err
	}
	svc, err := s.templateService()
	if err != nil {
		return nil, err
	}
	compiled, err := svc.Compile(r.Context(), c.account.ID, in.TemplateName)
	if err != nil {
		return nil, err
	}
	rendered, err := compiled.Render(in.TemplateData, template.Options{})
	if err != nil {
		var te *template.Error
		if errors.As(err, &te) {
			return nil, te.Fault()
		}
		return nil, err
	}
	mime, err := compose.Preview(rendered.Subject, rendered.Text, rendered.HTML, s.Clock.Now().UTC(), nil)
	if err != nil {
		return nil, err
	}
	return query.TestRenderTemplateOutput{RenderedTemplate: string(mime)}, nil
}

// v1TemplateData checks TemplateData (or a bulk send's default or
// replacement data) before anything is sent. SES v1 refuses data that is
// not a JSON object at once, with "The template data is invalid"
// (aws/aws-sdk-php#1454, where DefaultTemplateData was 'anything' and then
// a JSON array; boto/boto3#1795), rather than accepting the message and
// reporting a Rendering Failure as it does for a missing attribute. The
// code is InvalidParameterValue, the v1 API's answer to a bad parameter,
// since the model lists no template-data error for the sends.
func v1TemplateData(member, data string) (template.Data, error) {
	d, err := template.ParseData(data)
	var te *template.Error
	switch {
	case err == nil:
		return d, nil
	case !errors.As(err, &te):
		return template.Data{}, err
	case te.Kind == template.InvalidRenderingParameter:
		return template.Data{}, fault.BadRequest("The template data is invalid. %s: %s", member, te.Message)
	}
	return template.Data{}, te.Fault()
}

// v1SendTemplatedEmail sends one message from a stored template. A
// template that does not exist is TemplateDoesNotExist at once; data
// lacking an attribute the template needs is accepted, gets a message ID,
// is never sent, and yields a Rendering Failure event (intake's
// TemplateContent).
func (s *Server) v1SendTemplatedEmail(r *http.Request, c call, decode formDecoder) (any, error) {
	var in query.SendTemplatedEmailInput
	if err := decode(&in); err != nil {
		return nil, err
	}
	req := &intake.Request{
		Account: c.account, Origin: "api-v1", MaxSize: intake.MaxSizeV1,
		From: in.Source, To: in.Destination.ToAddresses, Cc: in.Destination.CcAddresses, Bcc: in.Destination.BccAddresses,
		ReplyTo: in.ReplyToAddresses, ReturnPath: in.ReturnPath, ConfigurationSet: in.ConfigurationSetName,
		Tags:     v1Tags(in.Tags),
		SourceIP: clientIP(r), CallerIdentity: c.accessKey, Operation: "SendTemplatedEmail",
		Template: &intake.TemplateContent{Name: in.Template, ARN: in.TemplateArn, Data: in.TemplateData},
	}
	if err := validateTags(req.Tags); err != nil {
		return nil, err
	}
	if _, err := v1TemplateData("TemplateData", in.TemplateData); err != nil {
		return nil, err
	}
	id, err := s.Intake.Send(r.Context(), req)
	if err != nil {
		return nil, err
	}
	s.metrics.accepted.WithLabelValues("api-v1").Inc()
	return query.SendTemplatedEmailOutput{MessageId: id}, nil
}

// v1SendBulkTemplatedEmail sends one message per destination, as v2's
// SendBulkEmail does: the template is resolved once (one that does not
// exist refuses the whole request, TemplateDoesNotExist being an error of
// the operation in the model), and each destination then succeeds or
// fails on its own, reported in Status in the request's order.
func (s *Server) v1SendBulkTemplatedEmail(r *http.Request, c call, decode formDecoder) (any, error) {
	var in query.SendBulkTemplatedEmailInput
	if err := decode(&in); err != nil {
		return nil, err
	}
	switch n := len(in.Destinations); {
	case n == 0:
		return nil, fault.BadRequest("Destinations must have at least one destination.")
	case n > maxBulkEntries:
		return nil, fault.BadRequest("Destinations has %d destinations; the limit is %d.", n, maxBulkEntries)
	}
	defaultTags := v1Tags(in.DefaultTags)
	if err := validateTags(defaultTags); err != nil {
		return nil, err
	}
	defaults, err := v1TemplateData("DefaultTemplateData", in.DefaultTemplateData)
	if err != nil {
		return nil, err
	}
	for i, d := range in.Destinations {
		member := "Destinations.member." + strconv.Itoa(i+1) + ".ReplacementTemplateData"
		if _, err := v1TemplateData(member, d.ReplacementTemplateData); err != nil {
			return nil, err
		}
	}
	base := &intake.TemplateContent{Name: in.Template, ARN: in.TemplateArn, Defaults: &defaults}
	if err := s.Intake.ResolveTemplate(r.Context(), c.account.ID, base); err != nil {
		return nil, err
	}

	out := query.SendBulkTemplatedEmailOutput{Status: make([]query.BulkEmailDestinationStatus, len(in.Destinations))}
	var wg sync.WaitGroup
	for i := range in.Destinations {
		wg.Go(func() {
			out.Status[i] = s.v1SendBulkDestination(r, c, &in, &in.Destinations[i], base, defaultTags)
		})
	}
	wg.Wait()
	return out, nil
}

// v1SendBulkDestination sends one destination's message through intake.
func (s *Server) v1SendBulkDestination(r *http.Request, c call, in *query.SendBulkTemplatedEmailInput,
	d *query.BulkEmailDestination, base *intake.TemplateContent, defaultTags []store.Tag) query.BulkEmailDestinationStatus {
	tc := *base
	tc.Data = d.ReplacementTemplateData
	var repl []struct{ Name, Value string }
	for _, t := range d.ReplacementTags {
		repl = append(repl, struct{ Name, Value string }{t.Name, t.Value})
	}
	tags := replaceTags(defaultTags, repl)
	if err := validateTags(tags); err != nil {
		return v1BulkStatus("", err)
	}
	req := &intake.Request{
		Account: c.account, Origin: "api-v1", MaxSize: intake.MaxSizeV1,
		From: in.Source, ReplyTo: in.ReplyToAddresses, ReturnPath: in.ReturnPath, ConfigurationSet: in.ConfigurationSetName,
		To: d.Destination.ToAddresses, Cc: d.Destination.CcAddresses, Bcc: d.Destination.BccAddresses,
		Tags: tags, SourceIP: clientIP(r), CallerIdentity: c.accessKey, Operation: "SendBulkTemplatedEmail",
		Template: &tc,
	}
	id, err := s.Intake.Send(r.Context(), req)
	if err == nil {
		s.metrics.accepted.WithLabelValues("api-v1").Inc()
	}
	return v1BulkStatus(id, err)
}

// v1BulkStatuses spells v2's BulkEmailStatus values as v1 does.
// InvalidSendingPoolName never occurs: hikyaku has no dedicated IP pools.
var v1BulkStatuses = map[string]string{
	bulkSuccess:                query.BulkSuccess,
	bulkMessageRejected:        query.BulkMessageRejected,
	bulkMailFromNotVerified:    query.BulkMailFromDomainNotVerified,
	bulkConfigSetNotFound:      query.BulkConfigurationSetDoesNotExist,
	bulkTemplateNotFound:       query.BulkTemplateDoesNotExist,
	bulkAccountSuspended:       query.BulkAccountSuspended,
	bulkAccountThrottled:       query.BulkAccountThrottled,
	bulkDailyQuotaExceeded:     query.BulkAccountDailyQuotaExceeded,
	bulkAccountSendingPaused:   query.BulkAccountSendingPaused,
	bulkConfigSetSendingPaused: query.BulkConfigurationSetSendingPaused,
	bulkInvalidParameter:       query.BulkInvalidParameterValue,
	bulkTransientFailure:       query.BulkTransientFailure,
	bulkFailed:                 query.BulkFailed,
}

// v1BulkStatus is one destination's BulkEmailDestinationStatus: the same
// classification of a refusal as v2's bulkResult, in v1's spelling.
func v1BulkStatus(id string, err error) query.BulkEmailDestinationStatus {
	res := bulkResult(id, err)
	status, ok := v1BulkStatuses[res.Status]
	if !ok {
		status = query.BulkFailed
	}
	return query.BulkEmailDestinationStatus{Status: status, Error: res.Error, MessageId: res.MessageId}
}
