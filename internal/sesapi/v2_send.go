package sesapi

import (
	"net/http"

	"github.com/hikyaku/hikyaku/internal/fault"
	"github.com/hikyaku/hikyaku/internal/intake"
	"github.com/hikyaku/hikyaku/internal/store"
)

type v2Content struct {
	Data    string
	Charset string
}

// v2Header is MessageHeader.
type v2Header struct{ Name, Value string }

// v2Attachment is Attachment.
type v2Attachment struct {
	RawContent              []byte
	FileName                string
	ContentType             string
	ContentDisposition      string
	ContentId               string
	ContentDescription      string
	ContentTransferEncoding string
}

func headersOf(hs []v2Header) []intake.Header {
	var out []intake.Header
	for _, h := range hs {
		out = append(out, intake.Header{Name: h.Name, Value: h.Value})
	}
	return out
}

func attachmentsOf(as []v2Attachment) []intake.Attachment {
	var out []intake.Attachment
	for _, a := range as {
		out = append(out, intake.Attachment{
			Content: a.RawContent, FileName: a.FileName, ContentType: a.ContentType,
			ContentDisposition: a.ContentDisposition, ContentID: a.ContentId,
			ContentDescription: a.ContentDescription, ContentTransferEncoding: a.ContentTransferEncoding,
		})
	}
	return out
}

type v2SendEmailInput struct {
	FromEmailAddress string
	Destination      *struct {
		ToAddresses, CcAddresses, BccAddresses []string
	}
	ReplyToAddresses               []string
	FeedbackForwardingEmailAddress string
	Content                        *struct {
		Simple *struct {
			Subject *v2Content
			Body    *struct {
				Text *v2Content
				Html *v2Content
			}
			Headers     []v2Header
			Attachments []v2Attachment
		}
		Raw *struct {
			Data []byte
		}
		Template *v2Template
	}
	EmailTags             []struct{ Name, Value string }
	ConfigurationSetName  string
	ListManagementOptions *struct{ ContactListName, TopicName string }
}

func (s *Server) v2SendEmail(w http.ResponseWriter, r *http.Request, c call) error {
	var in v2SendEmailInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	req := &intake.Request{
		Account:          c.account,
		Origin:           "api-v2",
		MaxSize:          intake.MaxSizeV2,
		From:             in.FromEmailAddress,
		ReplyTo:          in.ReplyToAddresses,
		ReturnPath:       in.FeedbackForwardingEmailAddress,
		ConfigurationSet: in.ConfigurationSetName,
		SourceIP:         clientIP(r),
		CallerIdentity:   c.accessKey,
		Operation:        "SendEmail",
	}
	if in.Content != nil && in.Content.Raw != nil {
		req.Operation = "SendRawEmail"
	}
	if lm := in.ListManagementOptions; lm != nil {
		req.ListManagement = &intake.ListManagement{ContactList: lm.ContactListName, Topic: lm.TopicName}
	}
	if d := in.Destination; d != nil {
		req.To, req.Cc, req.Bcc = d.ToAddresses, d.CcAddresses, d.BccAddresses
	}
	for _, t := range in.EmailTags {
		req.Tags = append(req.Tags, store.Tag{Name: t.Name, Value: t.Value})
	}
	if err := validateTags(req.Tags); err != nil {
		return err
	}
	switch {
	case in.Content == nil:
		return fault.BadRequest("1 validation error detected: Value null at 'content' failed to satisfy constraint: Member must not be null")
	case in.Content.Simple != nil:
		sm := in.Content.Simple
		if sm.Subject == nil || sm.Body == nil {
			return fault.BadRequest("1 validation error detected: Value null at 'content.simple.%s' failed to satisfy constraint: Member must not be null",
				map[bool]string{true: "subject", false: "body"}[sm.Subject == nil])
		}
		simple := &intake.Simple{Subject: sm.Subject.Data, SubjectCharset: sm.Subject.Charset}
		if t := sm.Body.Text; t != nil {
			simple.Text, simple.TextCharset = t.Data, t.Charset
		}
		if h := sm.Body.Html; h != nil {
			simple.HTML, simple.HTMLCharset = h.Data, h.Charset
		}
		simple.Headers = headersOf(sm.Headers)
		simple.Attachments = attachmentsOf(sm.Attachments)
		req.Simple = simple
	case in.Content.Raw != nil:
		req.Raw = in.Content.Raw.Data
	case in.Content.Template != nil:
		req.Template = in.Content.Template.content()
		req.Template.Data = in.Content.Template.TemplateData
		req.Operation = "SendTemplatedEmail"
	default:
		return fault.BadRequest("Content must contain exactly one of Simple, Raw or Template.")
	}
	if (req.Simple != nil || req.Template != nil) && req.From == "" {
		return fault.BadRequest("1 validation error detected: Value null at 'fromEmailAddress' failed to satisfy constraint: Member must not be null")
	}
	id, err := s.Intake.Send(r.Context(), req)
	if err != nil {
		return err
	}
	s.metrics.accepted.WithLabelValues("api-v2").Inc()
	return writeJSON(w, struct{ MessageId string }{id})
}

// validateTags applies SES's MessageTag rules: names and values of
// ASCII letters, digits, '_' and '-', at most 256 characters.
func validateTags(tags []store.Tag) error {
	for _, t := range tags {
		for _, v := range []string{t.Name, t.Value} {
			if len(v) == 0 || len(v) > 256 {
				return fault.BadRequest("Tag name and value must be between 1 and 256 characters.")
			}
			for _, r := range v {
				if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
					return fault.BadRequest("Invalid tag %q: tag names and values can contain only ASCII letters (a-z, A-Z), numbers (0-9), underscores (_), or dashes (-).", v)
				}
			}
		}
	}
	return nil
}
