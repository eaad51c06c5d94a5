package query

import "time"

// Inputs and outputs of the email template operations (CreateTemplate,
// GetTemplate, ListTemplates, UpdateTemplate, DeleteTemplate,
// TestRenderTemplate) and of the templated sends (SendTemplatedEmail,
// SendBulkTemplatedEmail). Names and required members follow the SES v1
// model (CreateTemplateRequest, SendBulkTemplatedEmailResponse and the
// shapes they use).

// Template is a stored template: its name and the three parts, any of
// which may be empty (but not all).
type Template struct {
	TemplateName string `query:"TemplateName,required"`
	SubjectPart  string `query:"SubjectPart"`
	TextPart     string `query:"TextPart"`
	HtmlPart     string `query:"HtmlPart"`
}

// CreateTemplateInput stores a new template.
type CreateTemplateInput struct {
	Template Template `query:"Template,required"`
}

// CreateTemplateOutput has no members, but is modeled.
type CreateTemplateOutput struct{}

// GetTemplateInput names the template to return.
type GetTemplateInput struct {
	TemplateName string `query:"TemplateName,required"`
}

// GetTemplateOutput is the stored template.
type GetTemplateOutput struct {
	Template *Template `query:"Template"`
}

// ListTemplatesInput pages through the account's templates. MaxItems is nil
// when the client did not send it.
type ListTemplatesInput struct {
	NextToken string `query:"NextToken"`
	MaxItems  *int   `query:"MaxItems"`
}

// ListTemplatesOutput is one page of templates; NextToken is empty on the
// last page.
type ListTemplatesOutput struct {
	TemplatesMetadata []TemplateMetadata `query:"TemplatesMetadata"`
	NextToken         string             `query:"NextToken"`
}

// TemplateMetadata is a template's name and when it was created.
type TemplateMetadata struct {
	Name             string    `query:"Name"`
	CreatedTimestamp time.Time `query:"CreatedTimestamp"`
}

// UpdateTemplateInput replaces the parts of the template of the same name.
type UpdateTemplateInput struct {
	Template Template `query:"Template,required"`
}

// UpdateTemplateOutput has no members, but is modeled.
type UpdateTemplateOutput struct{}

// DeleteTemplateInput names the template to delete.
type DeleteTemplateInput struct {
	TemplateName string `query:"TemplateName,required"`
}

// DeleteTemplateOutput has no members, but is modeled.
type DeleteTemplateOutput struct{}

// TestRenderTemplateInput renders a stored template with TemplateData, a
// JSON object.
type TestRenderTemplateInput struct {
	TemplateName string `query:"TemplateName,required"`
	TemplateData string `query:"TemplateData,required"`
}

// TestRenderTemplateOutput is the rendered MIME message.
type TestRenderTemplateOutput struct {
	RenderedTemplate string `query:"RenderedTemplate"`
}

// SendTemplatedEmailInput sends one message made from a stored template,
// named by Template or TemplateArn (the model requires Template; a client
// giving both must name the same template).
type SendTemplatedEmailInput struct {
	Source               string       `query:"Source,required"`
	Destination          Destination  `query:"Destination,required"`
	ReplyToAddresses     []string     `query:"ReplyToAddresses"`
	ReturnPath           string       `query:"ReturnPath"`
	SourceArn            string       `query:"SourceArn"`
	ReturnPathArn        string       `query:"ReturnPathArn"`
	Tags                 []MessageTag `query:"Tags"`
	ConfigurationSetName string       `query:"ConfigurationSetName"`
	Template             string       `query:"Template,required"`
	TemplateArn          string       `query:"TemplateArn"`
	TemplateData         string       `query:"TemplateData,required"`
}

// SendTemplatedEmailOutput is SendTemplatedEmail's answer. The message ID
// is returned even when the template later fails to render.
type SendTemplatedEmailOutput struct {
	MessageId string `query:"MessageId,required"`
}

// SendBulkTemplatedEmailInput sends one message per destination, all from
// one template, each rendered with DefaultTemplateData merged with the
// destination's ReplacementTemplateData.
type SendBulkTemplatedEmailInput struct {
	Source               string                 `query:"Source,required"`
	SourceArn            string                 `query:"SourceArn"`
	ReplyToAddresses     []string               `query:"ReplyToAddresses"`
	ReturnPath           string                 `query:"ReturnPath"`
	ReturnPathArn        string                 `query:"ReturnPathArn"`
	ConfigurationSetName string                 `query:"ConfigurationSetName"`
	DefaultTags          []MessageTag           `query:"DefaultTags"`
	Template             string                 `query:"Template,required"`
	TemplateArn          string                 `query:"TemplateArn"`
	DefaultTemplateData  string                 `query:"DefaultTemplateData,required"`
	Destinations         []BulkEmailDestination `query:"Destinations,required"`
}

// BulkEmailDestination is one message of a bulk send: its recipients, and
// the tags and data that replace the defaults for it.
type BulkEmailDestination struct {
	Destination             Destination  `query:"Destination,required"`
	ReplacementTags         []MessageTag `query:"ReplacementTags"`
	ReplacementTemplateData string       `query:"ReplacementTemplateData"`
}

// SendBulkTemplatedEmailOutput has one status per destination, in the
// order of the request.
type SendBulkTemplatedEmailOutput struct {
	Status []BulkEmailDestinationStatus `query:"Status,required"`
}

// BulkEmailDestinationStatus is the outcome of one destination: a message
// ID on success, an error description otherwise.
type BulkEmailDestinationStatus struct {
	Status    string `query:"Status"`
	Error     string `query:"Error"`
	MessageId string `query:"MessageId"`
}

// BulkEmailStatus values, v1's spelling of v2's SUCCESS, MESSAGE_REJECTED
// and so on. The enum says AccountSendingPaused and
// ConfigurationSetSendingPaused, without the "Exception" of the error codes
// of the same name.
const (
	BulkSuccess                       = "Success"
	BulkMessageRejected               = "MessageRejected"
	BulkMailFromDomainNotVerified     = "MailFromDomainNotVerified"
	BulkConfigurationSetDoesNotExist  = "ConfigurationSetDoesNotExist"
	BulkTemplateDoesNotExist          = "TemplateDoesNotExist"
	BulkAccountSuspended              = "AccountSuspended"
	BulkAccountThrottled              = "AccountThrottled"
	BulkAccountDailyQuotaExceeded     = "AccountDailyQuotaExceeded"
	BulkInvalidSendingPoolName        = "InvalidSendingPoolName"
	BulkAccountSendingPaused          = "AccountSendingPaused"
	BulkConfigurationSetSendingPaused = "ConfigurationSetSendingPaused"
	BulkInvalidParameterValue         = "InvalidParameterValue"
	BulkTransientFailure              = "TransientFailure"
	BulkFailed                        = "Failed"
)
