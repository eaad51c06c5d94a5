package query

// Inputs and outputs of SendEmail and SendRawEmail. Member names and
// required members follow the SES v1 model (SendEmailRequest,
// SendRawEmailRequest and the shapes they use).

// SendEmailInput is SendEmail's request: a message SES formats from its
// parts.
type SendEmailInput struct {
	Source               string       `query:"Source,required"`
	Destination          Destination  `query:"Destination,required"`
	Message              Message      `query:"Message,required"`
	ReplyToAddresses     []string     `query:"ReplyToAddresses"`
	ReturnPath           string       `query:"ReturnPath"`
	SourceArn            string       `query:"SourceArn"`
	ReturnPathArn        string       `query:"ReturnPathArn"`
	Tags                 []MessageTag `query:"Tags"`
	ConfigurationSetName string       `query:"ConfigurationSetName"`
}

// SendEmailOutput is SendEmail's answer.
type SendEmailOutput struct {
	MessageId string `query:"MessageId,required"`
}

// Destination holds a formatted message's recipients; at least one list
// should be non-empty, which the model does not require and the API checks.
type Destination struct {
	ToAddresses  []string `query:"ToAddresses"`
	CcAddresses  []string `query:"CcAddresses"`
	BccAddresses []string `query:"BccAddresses"`
}

// Message is a formatted message's subject and body.
type Message struct {
	Subject Content `query:"Subject,required"`
	Body    Body    `query:"Body,required"`
}

// Body is a formatted message's text part, HTML part, or both.
type Body struct {
	Text *Content `query:"Text"`
	Html *Content `query:"Html"`
}

// Content is text with its character set; an empty Charset means the
// client left it to SES (7-bit ASCII, or UTF-8 if needed).
type Content struct {
	Data    string `query:"Data,required"`
	Charset string `query:"Charset"`
}

// MessageTag is a name/value pair attached to a send, published with its
// events.
type MessageTag struct {
	Name  string `query:"Name,required"`
	Value string `query:"Value,required"`
}

// SendRawEmailInput is SendRawEmail's request: a complete MIME message.
// Destinations, when given, replace the recipients found in the message's
// headers.
type SendRawEmailInput struct {
	Source               string       `query:"Source"`
	Destinations         []string     `query:"Destinations"`
	RawMessage           RawMessage   `query:"RawMessage,required"`
	FromArn              string       `query:"FromArn"`
	SourceArn            string       `query:"SourceArn"`
	ReturnPathArn        string       `query:"ReturnPathArn"`
	Tags                 []MessageTag `query:"Tags"`
	ConfigurationSetName string       `query:"ConfigurationSetName"`
}

// RawMessage is the message of SendRawEmail, decoded from base64.
type RawMessage struct {
	Data []byte `query:"Data,required"`
}

// SendRawEmailOutput is SendRawEmail's answer.
type SendRawEmailOutput struct {
	MessageId string `query:"MessageId,required"`
}
