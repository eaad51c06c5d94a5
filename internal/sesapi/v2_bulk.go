package sesapi

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/hikyaku/hikyaku/internal/fault"
	"github.com/hikyaku/hikyaku/internal/intake"
	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/template"
)

// SendBulkEmail (SES v2): one template, up to 50 entries, one message per
// entry, each rendered with the default data merged with its own.

// maxBulkEntries is SES's limit of destinations per bulk call: "You can
// send email to up to 50 destinations in each call" (Developer Guide,
// send-personalized-email-api).
const maxBulkEntries = 50

// v2Template is the Template of SendEmail's Content and SendBulkEmail's
// DefaultContent.
type v2Template struct {
	TemplateName    string
	TemplateArn     string
	TemplateContent *v2TemplateContent
	TemplateData    string
	Headers         []v2Header
	Attachments     []v2Attachment
}

// content returns t as intake's template content, without data.
func (t *v2Template) content() *intake.TemplateContent {
	tc := &intake.TemplateContent{Name: t.TemplateName, ARN: t.TemplateArn,
		Headers: headersOf(t.Headers), Attachments: attachmentsOf(t.Attachments)}
	if c := t.TemplateContent; c != nil {
		tc.Inline = &template.Template{Subject: c.Subject, Text: c.Text, HTML: c.Html}
	}
	return tc
}

type v2BulkEntry struct {
	Destination *struct {
		ToAddresses, CcAddresses, BccAddresses []string
	}
	ReplacementTags         []struct{ Name, Value string }
	ReplacementEmailContent *struct {
		ReplacementTemplate *struct{ ReplacementTemplateData string }
	}
	ReplacementHeaders []v2Header
}

// v2BulkResult is BulkEmailEntryResult. SES leaves out what does not
// apply: a success has no Error, a failure no MessageId (as the AWS CLI
// shows them in a public SES quick note, 13_aws_ses_quick_note.md).
type v2BulkResult struct {
	Status    string
	Error     string `json:",omitempty"`
	MessageId string `json:",omitempty"`
}

func (s *Server) v2SendBulkEmail(w http.ResponseWriter, r *http.Request, c call) error {
	var in struct {
		FromEmailAddress               string
		ReplyToAddresses               []string
		FeedbackForwardingEmailAddress string
		DefaultEmailTags               []struct{ Name, Value string }
		DefaultContent                 *struct{ Template *v2Template }
		BulkEmailEntries               []v2BulkEntry
		ConfigurationSetName           string
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	switch {
	case in.DefaultContent == nil:
		return notNull("defaultContent")
	case in.DefaultContent.Template == nil:
		return notNull("defaultContent.template")
	case in.BulkEmailEntries == nil:
		return notNull("bulkEmailEntries")
	case len(in.BulkEmailEntries) == 0:
		return fault.BadRequest("BulkEmailEntries must have at least one entry.")
	case len(in.BulkEmailEntries) > maxBulkEntries:
		return fault.BadRequest("BulkEmailEntries has %d entries; the limit is %d.", len(in.BulkEmailEntries), maxBulkEntries)
	case in.FromEmailAddress == "":
		return notNull("fromEmailAddress")
	}
	for i, e := range in.BulkEmailEntries {
		if e.Destination == nil {
			return notNull("bulkEmailEntries." + strconv.Itoa(i+1) + ".member.destination")
		}
	}
	var defaultTags []store.Tag
	for _, t := range in.DefaultEmailTags {
		defaultTags = append(defaultTags, store.Tag{Name: t.Name, Value: t.Value})
	}
	if err := validateTags(defaultTags); err != nil {
		return err
	}

	// The template is found and compiled once for all entries, and the
	// default data parsed once. Default data that is not a JSON object
	// refuses the request (hikyaku's choice: SES does not document it);
	// an entry's own bad data is that entry's Rendering Failure.
	base := in.DefaultContent.Template.content()
	defaults, err := template.ParseData(in.DefaultContent.Template.TemplateData)
	if err != nil {
		var te *template.Error
		if errors.As(err, &te) {
			return te.Fault()
		}
		return err
	}
	base.Defaults = &defaults
	if err := s.Intake.ResolveTemplate(r.Context(), c.account.ID, base); err != nil {
		return err
	}

	results := make([]v2BulkResult, len(in.BulkEmailEntries))
	var wg sync.WaitGroup
	for i := range in.BulkEmailEntries {
		wg.Go(func() {
			results[i] = s.sendBulkEntry(r, c, &in.BulkEmailEntries[i], base, defaultTags,
				in.FromEmailAddress, in.ReplyToAddresses, in.FeedbackForwardingEmailAddress, in.ConfigurationSetName)
		})
	}
	wg.Wait()
	return writeJSON(w, struct{ BulkEmailEntryResults []v2BulkResult }{results})
}

// sendBulkEntry sends one entry through intake and reports its result.
func (s *Server) sendBulkEntry(r *http.Request, c call, e *v2BulkEntry, base *intake.TemplateContent, defaultTags []store.Tag,
	from string, replyTo []string, feedback, configSet string) v2BulkResult {
	tc := *base
	if rc := e.ReplacementEmailContent; rc != nil && rc.ReplacementTemplate != nil {
		tc.Data = rc.ReplacementTemplate.ReplacementTemplateData
	}
	tc.Headers = replaceHeaders(base.Headers, e.ReplacementHeaders)
	tags := replaceTags(defaultTags, e.ReplacementTags)
	if err := validateTags(tags); err != nil {
		return bulkResult("", err)
	}
	req := &intake.Request{
		Account: c.account, Origin: "api-v2", MaxSize: intake.MaxSizeV2,
		From: from, ReplyTo: replyTo, ReturnPath: feedback, ConfigurationSet: configSet,
		To: e.Destination.ToAddresses, Cc: e.Destination.CcAddresses, Bcc: e.Destination.BccAddresses,
		Tags: tags, SourceIP: clientIP(r), CallerIdentity: c.accessKey, Operation: "SendBulkTemplatedEmail",
		Template: &tc,
	}
	id, err := s.Intake.Send(r.Context(), req)
	if err == nil {
		s.metrics.accepted.WithLabelValues("api-v2").Inc()
	}
	return bulkResult(id, err)
}

// replaceHeaders applies an entry's ReplacementHeaders to the template's
// Headers: "If a header is specified in BulkEmailEntry, it takes
// precedence over any header of the same name specified in Template",
// and one the template lacks is added (the model's ReplacementHeaders
// documentation). Header names compare case-insensitively, as in RFC 5322.
func replaceHeaders(base []intake.Header, repl []v2Header) []intake.Header {
	if len(repl) == 0 {
		return base
	}
	out := make([]intake.Header, 0, len(base)+len(repl))
	for _, h := range base {
		if !containsHeader(repl, h.Name) {
			out = append(out, h)
		}
	}
	return append(out, headersOf(repl)...)
}

func containsHeader(hs []v2Header, name string) bool {
	for _, h := range hs {
		if strings.EqualFold(h.Name, name) {
			return true
		}
	}
	return false
}

// replaceTags applies an entry's ReplacementTags to DefaultEmailTags. SES
// does not document how the two combine; hikyaku keeps the default tags
// whose names the entry does not set.
func replaceTags(def []store.Tag, repl []struct{ Name, Value string }) []store.Tag {
	if len(repl) == 0 {
		return def
	}
	set := map[string]bool{}
	var out []store.Tag
	for _, t := range repl {
		set[t.Name] = true
	}
	for _, t := range def {
		if !set[t.Name] {
			out = append(out, t)
		}
	}
	for _, t := range repl {
		out = append(out, store.Tag{Name: t.Name, Value: t.Value})
	}
	return out
}

// Bulk entry statuses: the model's BulkEmailStatus enum. (Its field
// documentation still names CONFIGURATION_SET_DOES_NOT_EXIST and
// TEMPLATE_DOES_NOT_EXIST; the enum, which SDKs check, wins.)
const (
	bulkSuccess                = "SUCCESS"
	bulkMessageRejected        = "MESSAGE_REJECTED"
	bulkMailFromNotVerified    = "MAIL_FROM_DOMAIN_NOT_VERIFIED"
	bulkConfigSetNotFound      = "CONFIGURATION_SET_NOT_FOUND"
	bulkTemplateNotFound       = "TEMPLATE_NOT_FOUND"
	bulkAccountSuspended       = "ACCOUNT_SUSPENDED"
	bulkAccountThrottled       = "ACCOUNT_THROTTLED"
	bulkDailyQuotaExceeded     = "ACCOUNT_DAILY_QUOTA_EXCEEDED"
	bulkAccountSendingPaused   = "ACCOUNT_SENDING_PAUSED"
	bulkConfigSetSendingPaused = "CONFIGURATION_SET_SENDING_PAUSED"
	bulkInvalidParameter       = "INVALID_PARAMETER"
	bulkTransientFailure       = "TRANSIENT_FAILURE"
	bulkFailed                 = "FAILED"
	// INVALID_SENDING_POOL_NAME needs dedicated IP pools, which hikyaku
	// does not have.
)

// bulkResult maps one entry's outcome to its BulkEmailEntryResult: the
// refusal the same message would get from SendEmail becomes the status
// that names it, with the refusal's message as Error.
func bulkResult(id string, err error) v2BulkResult {
	if err == nil {
		return v2BulkResult{Status: bulkSuccess, MessageId: id}
	}
	f := fault.As(err)
	if f == nil {
		f = fault.Internal()
	}
	return v2BulkResult{Status: bulkStatus(f), Error: f.Message}
}

func bulkStatus(f *fault.Error) string {
	switch f.Code {
	case "MessageRejected":
		return bulkMessageRejected
	case "MailFromDomainNotVerifiedException":
		return bulkMailFromNotVerified
	case "NotFoundException":
		switch f.V1Code {
		case "ConfigurationSetDoesNotExist":
			return bulkConfigSetNotFound
		case "TemplateDoesNotExist":
			return bulkTemplateNotFound
		}
		return bulkFailed
	case "AccountSuspendedException":
		return bulkAccountSuspended
	case "TooManyRequestsException":
		return bulkAccountThrottled
	case "LimitExceededException":
		return bulkDailyQuotaExceeded
	case "SendingPausedException":
		if f.V1Code == "ConfigurationSetSendingPausedException" {
			return bulkConfigSetSendingPaused
		}
		return bulkAccountSendingPaused
	case "BadRequestException", "SerializationException":
		return bulkInvalidParameter
	case "InternalServiceErrorException":
		return bulkTransientFailure
	}
	if f.Temporary {
		return bulkTransientFailure
	}
	return bulkFailed
}
