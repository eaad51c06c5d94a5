package intake

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/hikyaku/hikyaku/internal/eventlog"
	"github.com/hikyaku/hikyaku/internal/fault"
	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/template"
)

// TemplateContent is SES's Template content (v2 SendEmail's
// Content.Template, SendBulkEmail's DefaultContent.Template, v1
// SendTemplatedEmail): a stored template named by Name or ARN, or Inline
// content, and the data one message is rendered with.
//
// SES checks the template synchronously (a stored template that does not
// exist is NotFoundException, inline content beyond plain substitutions is
// BadRequestException) but renders after accepting: a message whose data
// lacks an attribute, or is not a JSON object, still gets a message ID, is
// never sent, and yields a Rendering Failure event (SendTemplatedEmail's
// documentation, v1 API reference: "if Amazon SES can't render the email
// because the template contains errors, it doesn't send the email";
// aws/aws-sdk-js#2239). Intake does the same.
type TemplateContent struct {
	// Exactly one of Name, ARN and Inline. An ARN is
	// arn:aws:ses:REGION:ACCOUNT:template/NAME, of the sender's account.
	Name, ARN string
	Inline    *template.Template
	// Data is the TemplateData JSON, or for a bulk entry its
	// ReplacementTemplateData; empty is the empty object.
	Data string
	// Defaults is, for a bulk entry, SendBulkEmail's parsed
	// DefaultTemplateData, which Data is merged over (template.MergeData).
	Defaults *template.Data
	// Headers and Attachments are added to every message, as in Simple
	// content.
	Headers     []Header
	Attachments []Attachment

	// compiled is the resolved template (ResolveTemplate).
	compiled *template.Compiled
}

// TemplateSource finds stored templates and compiles inline ones (package
// templates' Service). Compile fails with a NotFound fault for a template
// that does not exist; both fail with a BadRequest fault for content that
// does not compile.
type TemplateSource interface {
	Compile(ctx context.Context, accountID, name string) (*template.Compiled, error)
	CompileInline(t template.Template) (*template.Compiled, error)
}

// ResolveTemplate finds and compiles t's template, once: SendBulkEmail
// resolves its template before its entries and gives each entry a copy of
// t, so the template is read and parsed once per request. Send resolves a
// template not resolved yet. Every refusal is a *fault.Error.
func (in *Intake) ResolveTemplate(ctx context.Context, accountID string, t *TemplateContent) error {
	if t.compiled != nil {
		return nil
	}
	name := t.Name
	if t.ARN != "" {
		n, err := templateFromARN(accountID, t.ARN)
		if err != nil {
			return err
		}
		if name != "" && name != n {
			return fault.BadRequest("TemplateName %s and TemplateArn %s name different templates; give one of them.", name, t.ARN)
		}
		name = n
	}
	switch {
	case name != "" && t.Inline != nil:
		return fault.BadRequest("Give either the name or ARN of a stored template or the template content, not both.")
	case name == "" && t.Inline == nil:
		return fault.BadRequest("The template must have a TemplateName, a TemplateArn or TemplateContent.")
	case in.templates == nil:
		return fault.BadRequest("Templates are not available on this server.")
	}
	var (
		c   *template.Compiled
		err error
	)
	if t.Inline != nil {
		c, err = in.templates.CompileInline(*t.Inline)
	} else {
		c, err = in.templates.Compile(ctx, accountID, name)
	}
	if err != nil {
		if fault.As(err) != nil {
			return err
		}
		in.log.Error("compile template", "account", accountID, "template", name, "err", err)
		return fault.Internal()
	}
	t.compiled = c
	return nil
}

// templateFromARN returns the template name of a template ARN of the
// account. The region is not checked: a node may serve several.
func templateFromARN(accountID, arn string) (string, error) {
	// arn:aws:ses:REGION:ACCOUNT:template/NAME
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "ses" || !strings.HasPrefix(parts[5], "template/") {
		return "", fault.BadRequest("Invalid template ARN %s: expected arn:aws:ses:REGION:ACCOUNT:template/NAME.", arn)
	}
	name := strings.TrimPrefix(parts[5], "template/")
	if parts[4] != accountID {
		// Another account's template needs sending authorization,
		// which hikyaku does not have.
		return "", fault.NotFound("Template %s does not exist.", arn)
	}
	return name, nil
}

// render renders req's template for one message into Simple content. A
// failure SES reports asynchronously comes back as failure, with Simple
// content holding only the template's headers and attachments, so that
// the message can be committed and its Rendering Failure recorded; a
// refusal SES makes at once (data over the length limit) is err.
func (in *Intake) render(ctx context.Context, accountID string, t *TemplateContent, opts template.Options) (s *Simple, failure *template.Error, err error) {
	if err := in.ResolveTemplate(ctx, accountID, t); err != nil {
		return nil, nil, err
	}
	s = &Simple{Headers: t.Headers, Attachments: t.Attachments}
	r, err := in.renderData(t, opts)
	var te *template.Error
	switch {
	case err == nil:
		s.Subject, s.Text, s.HTML = r.Subject, r.Text, r.HTML
		return s, nil, nil
	case !errors.As(err, &te):
		in.log.Error("render template", "account", accountID, "template", t.compiled.Name(), "err", err)
		return nil, nil, fault.Internal()
	case te.Kind == template.InvalidParameter:
		return nil, nil, te.Fault()
	}
	if te.Template == "" {
		te.Template = t.compiled.Name()
	}
	return &Simple{Headers: t.Headers}, te, nil
}

func (in *Intake) renderData(t *TemplateContent, opts template.Options) (template.Rendered, error) {
	data, err := template.ParseData(t.Data)
	if err != nil {
		return template.Rendered{}, err
	}
	if t.Defaults != nil {
		data = template.MergeData(*t.Defaults, data)
	}
	return t.compiled.Execute(data, opts)
}

// commitFailed commits a message whose template did not render, after it
// passed every check a sent message passes: its recipients are final in
// status failed (the queue never claims them), it takes no sending quota,
// and its events are Send, as SES publishes for every accepted message,
// then Rendering Failure. Its body is what could be made without the
// template: the header fields and an empty text part.
func (in *Intake) commitFailed(ctx context.Context, req *Request, m *composed, id string, now time.Time,
	configSet, mailFrom string, failure *template.Error) (string, error) {
	rcpts := make([]store.Recipient, len(m.rcpts))
	for i, a := range m.rcpts {
		rcpts[i] = store.Recipient{MessageID: id, Index: i, Address: a.String(), Domain: a.Domain,
			Status: store.RcptFailed, NextAttemptAt: now, UpdatedAt: now,
			Outcome: store.Outcome{Diagnostic: failure.Message}}
	}
	msg := newMessage(req, m, id, now, configSet, mailFrom, rcpts)
	msg.Events = append(in.events(msg),
		eventlog.RenderingFailure(eventlog.MessageOf(msg), now, failure.Template, failure.Message))
	if err := in.commit(ctx, msg); err != nil {
		in.log.Error("commit message", "account", req.Account.ID, "err", err)
		return "", fault.Internal()
	}
	in.log.Debug("message accepted, not sent: its template did not render", "account", req.Account.ID,
		"message_id", id, "template", failure.Template, "err", failure.Message)
	return id, nil
}
