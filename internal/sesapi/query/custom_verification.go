package query

// Inputs and outputs of the custom verification email template operations
// and SendCustomVerificationEmail, as the SES v1 model names them
// (CreateCustomVerificationEmailTemplateRequest and its siblings).

// CustomVerificationTemplate is CreateCustomVerificationEmailTemplate's
// request, UpdateCustomVerificationEmailTemplate's (where only the name is
// required) and GetCustomVerificationEmailTemplate's response.
type CustomVerificationTemplate struct {
	TemplateName          string `query:"TemplateName,required"`
	FromEmailAddress      string `query:"FromEmailAddress"`
	TemplateSubject       string `query:"TemplateSubject"`
	TemplateContent       string `query:"TemplateContent"`
	SuccessRedirectionURL string `query:"SuccessRedirectionURL"`
	FailureRedirectionURL string `query:"FailureRedirectionURL"`
}

// CustomVerificationTemplateName names one template (Get, Delete).
type CustomVerificationTemplateName struct {
	TemplateName string `query:"TemplateName,required"`
}

// ListCustomVerificationTemplatesInput pages through the templates.
type ListCustomVerificationTemplatesInput struct {
	NextToken  string `query:"NextToken"`
	MaxResults *int   `query:"MaxResults"`
}

// CustomVerificationTemplateMetadata is a listed template, without its
// content (the model's CustomVerificationEmailTemplate).
type CustomVerificationTemplateMetadata struct {
	TemplateName          string `query:"TemplateName"`
	FromEmailAddress      string `query:"FromEmailAddress"`
	TemplateSubject       string `query:"TemplateSubject"`
	SuccessRedirectionURL string `query:"SuccessRedirectionURL"`
	FailureRedirectionURL string `query:"FailureRedirectionURL"`
}

// ListCustomVerificationTemplatesOutput is one page.
type ListCustomVerificationTemplatesOutput struct {
	CustomVerificationEmailTemplates []CustomVerificationTemplateMetadata `query:"CustomVerificationEmailTemplates"`
	NextToken                        string                               `query:"NextToken"`
}

// SendCustomVerificationEmailInput is the address to verify and the
// template to mail it.
type SendCustomVerificationEmailInput struct {
	EmailAddress         string `query:"EmailAddress,required"`
	TemplateName         string `query:"TemplateName,required"`
	ConfigurationSetName string `query:"ConfigurationSetName"`
}

// SendCustomVerificationEmailOutput is the queued mail's ID.
type SendCustomVerificationEmailOutput struct {
	MessageId string `query:"MessageId"`
}
