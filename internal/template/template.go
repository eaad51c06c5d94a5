package template

import (
	"fmt"
)

// Template is SES's template content: a name and three parts. Any part may
// be empty, but not all of them.
type Template struct {
	// Name is the TemplateName (v1) or EmailTemplateName (v2).
	Name string
	// Subject, Text and HTML are EmailTemplateContent's Subject, Text and
	// Html (v1 SubjectPart, TextPart, HtmlPart).
	Subject, Text, HTML string
}

// Rendered is a template rendered for one message. A part that was empty in
// the template is empty here.
type Rendered struct {
	Subject, Text, HTML string
}

// Options adjust one rendering. The zero value renders as SES does.
type Options struct {
	// Reserved are variables SES provides itself, outside the caller's
	// TemplateData. A {{name}} whose name is a key here renders the value,
	// wherever it stands and whatever TemplateData says; the subject never
	// takes reserved values. The one SES defines is UnsubscribeURL.
	Reserved map[string]string
	// EscapeHTML HTML-escapes {{value}} (not {{{value}}}) in the HTML part,
	// as Handlebars does by default. SES does not: "SES doesn't escape HTML
	// content when rendering the HTML template for a message" (Developer
	// Guide, send-personalized-email-advanced), so the default is off.
	EscapeHTML bool
}

// UnsubscribeURL is the placeholder SES replaces with a link to its
// subscription preference page when a send gives ListManagementOptions
// (Developer Guide, sending-email-subscription-management): in the text and
// HTML parts only, and "If used more than two times, only the first two
// occurrences are replaced." Without a value in Options.Reserved the
// placeholder is left as written, so that a later stage (or nothing) can
// replace it; it is never a missing attribute.
const UnsubscribeURL = "amazonSESUnsubscribeUrl"

// maxUnsubscribeReplacements is how many {{amazonSESUnsubscribeUrl}} SES
// replaces in one message.
const maxUnsubscribeReplacements = 2

// Limits SES documents for templates.
const (
	// MaxTemplateSize is a stored template's limit: "Each template can be
	// up to 500 KB in size, including both the text and HTML parts"
	// (Developer Guide, send-personalized-email-api). The subject is
	// counted too; SES does not say whether KB means 1000 or 1024 bytes.
	MaxTemplateSize = 500 * 1024
	// MaxInlineSize is the limit for inline content: "Each input JSON file
	// can be up to 1 MB in size, including both the text and HTML parts".
	MaxInlineSize = 1024 * 1024
	// MaxNameLength and the name's characters follow AWS::SES::Template
	// TemplateName (pattern ^[a-zA-Z0-9_-]{1,64}$); the API models only
	// say "min": 1.
	MaxNameLength = 64
)

// Validate checks a template as CreateEmailTemplate (v1 CreateTemplate)
// would: the name, that there is content, the size limit, and that every
// part parses and refers only to partials it defines. It returns an *Error.
func Validate(t Template) error {
	_, err := Compile(t)
	return err
}

// Render renders all parts of t with dataJSON, the TemplateData string. It
// returns an *Error whose Kind and Message are what SES reports: a
// MissingRenderingAttribute is what a send reports as a Rendering Failure
// event. For many recipients, Compile once (or use a Cache) and Execute.
func Render(t Template, dataJSON string, opts Options) (Rendered, error) {
	c, err := Compile(t)
	if err != nil {
		return Rendered{}, err
	}
	return c.Render(dataJSON, opts)
}

// Render parses dataJSON and renders c with it.
func (c *Compiled) Render(dataJSON string, opts Options) (Rendered, error) {
	d, err := ParseData(dataJSON)
	if err != nil {
		if e, ok := err.(*Error); ok {
			e.Template = c.name
		}
		return Rendered{}, err
	}
	return c.Execute(d, opts)
}

// Execute renders c with parsed data. It is what a bulk send calls once
// per destination.
func (c *Compiled) Execute(d Data, opts Options) (Rendered, error) {
	return c.execute(d, opts, newState())
}

func (c *Compiled) execute(d Data, opts Options, st *state) (Rendered, error) {
	var out [numParts]string
	// Text before HTML: the order in which the two
	// {{amazonSESUnsubscribeUrl}} replacements are counted.
	for _, i := range [numParts]int{partSubject, partText, partHTML} {
		p := c.parts[i]
		if p == nil {
			continue
		}
		s, err := execute(p, d.root(), &opts, st)
		if err != nil {
			err.Template = c.name
			err.Part = partNames[i]
			return Rendered{}, err
		}
		out[i] = s
	}
	return Rendered{Subject: out[partSubject], Text: out[partText], HTML: out[partHTML]}, nil
}

func checkName(name string) *Error {
	if name == "" {
		return &Error{Kind: InvalidParameter, Message: "Template name must be specified."}
	}
	ok := len(name) <= MaxNameLength
	for i := 0; ok && i < len(name); i++ {
		c := name[i]
		ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
	}
	if !ok {
		return &Error{Kind: InvalidParameter, Template: name, Message: fmt.Sprintf(
			"Template name '%s' is invalid: use 1 to %d letters, digits, underscores (_) or hyphens (-).",
			name, MaxNameLength)}
	}
	return nil
}

func checkSize(t Template, limit int) *Error {
	if t.Subject == "" && t.Text == "" && t.HTML == "" {
		return &Error{Kind: InvalidParameter, Template: t.Name,
			Message: "The template must have a subject, a text part or an HTML part."}
	}
	if n := len(t.Subject) + len(t.Text) + len(t.HTML); n > limit {
		return &Error{Kind: InvalidParameter, Template: t.Name, Message: fmt.Sprintf(
			"The template is %d bytes; the limit is %d bytes (%d KB) for the subject, text and HTML parts together.",
			n, limit, limit/1024)}
	}
	return nil
}
