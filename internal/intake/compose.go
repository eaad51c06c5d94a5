package intake

import (
	"time"

	"github.com/hikyaku/hikyaku/internal/address"
	"github.com/hikyaku/hikyaku/internal/compose"
	"github.com/hikyaku/hikyaku/internal/fault"
	"github.com/hikyaku/hikyaku/internal/msgid"
	"github.com/hikyaku/hikyaku/internal/store"
)

// composed is a message ready to commit, with what the policy checks.
type composed struct {
	body       []byte
	source     address.Address   // envelope sender identity
	from       address.Address   // the From header's address: the DKIM domain
	senders    []address.Address // every address that must be verified
	fromHeader string
	subject    string
	rcpts      []address.Address
	// From X-SES-* headers of raw content; API parameters win.
	configurationSet string
	tags             []store.Tag
	listManagement   *compose.ListManagement
}

func parseAll(list []string) ([]address.Address, error) {
	out := make([]address.Address, 0, len(list))
	for _, s := range list {
		a, err := address.Parse(s)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

func (in *Intake) compose(req *Request, id string, now time.Time) (*composed, error) {
	if req.Raw != nil {
		return in.composeRaw(req, id, now)
	}
	if req.Simple == nil {
		return nil, fault.BadRequest("The message has no content.")
	}
	from, err := address.Parse(req.From)
	if err != nil {
		return nil, err
	}
	to, err := parseAll(req.To)
	if err != nil {
		return nil, err
	}
	cc, err := parseAll(req.Cc)
	if err != nil {
		return nil, err
	}
	bcc, err := parseAll(req.Bcc)
	if err != nil {
		return nil, err
	}
	replyTo, err := parseAll(req.ReplyTo)
	if err != nil {
		return nil, err
	}
	m := &composed{source: from, from: from, senders: []address.Address{from}, fromHeader: from.Header(), subject: req.Simple.Subject}
	if req.ReturnPath != "" {
		rp, err := address.Parse(req.ReturnPath)
		if err != nil {
			return nil, err
		}
		m.senders = append(m.senders, rp)
	}
	m.rcpts = append(append(append(m.rcpts, to...), cc...), bcc...)
	if len(m.rcpts) > MaxRecipients {
		return nil, fault.TooManyRecipients(MaxRecipients)
	}
	m.body, err = in.simpleBody(id, now, from, to, cc, replyTo, req.Simple)
	if err != nil {
		return nil, err
	}
	if req.MaxSize > 0 && len(m.body) > req.MaxSize {
		return nil, tooLong(req.MaxSize, len(m.body))
	}
	return m, nil
}

func tooLong(limit, n int) error { return fault.MessageTooLong(limit, n) }

// buildSimple composes a Simple message from plain address strings (used
// for mail hikyaku sends itself).
func (in *Intake) buildSimple(id string, now time.Time, from string, to, cc, replyTo []string, s *Simple) ([]byte, error) {
	f, err := address.Parse(from)
	if err != nil {
		return nil, err
	}
	t, err := parseAll(to)
	if err != nil {
		return nil, err
	}
	c, err := parseAll(cc)
	if err != nil {
		return nil, err
	}
	r, err := parseAll(replyTo)
	if err != nil {
		return nil, err
	}
	return in.simpleBody(id, now, f, t, c, r, s)
}

func (in *Intake) simpleBody(id string, now time.Time, from address.Address, to, cc, replyTo []address.Address, s *Simple) ([]byte, error) {
	ci := compose.SimpleInput{
		From: from, To: to, Cc: cc, ReplyTo: replyTo,
		Subject:   compose.Content{Data: s.Subject, Charset: s.SubjectCharset},
		MessageID: msgid.Header(id, in.domain),
		Date:      now,
	}
	if s.Text != "" || s.HTML == "" {
		ci.Text = &compose.Content{Data: s.Text, Charset: s.TextCharset}
	}
	if s.HTML != "" {
		ci.HTML = &compose.Content{Data: s.HTML, Charset: s.HTMLCharset}
	}
	for _, h := range s.Headers {
		ci.Headers = append(ci.Headers, compose.Header{Name: h.Name, Value: h.Value})
	}
	for _, a := range s.Attachments {
		ci.Attachments = append(ci.Attachments, compose.Attachment{
			RawContent: a.Content, FileName: a.FileName, ContentType: a.ContentType,
			ContentDisposition: a.ContentDisposition, ContentID: a.ContentID,
			ContentDescription: a.ContentDescription, ContentTransferEncoding: a.ContentTransferEncoding,
		})
	}
	return compose.Simple(ci)
}

func (in *Intake) composeRaw(req *Request, id string, now time.Time) (*composed, error) {
	if req.MaxSize > 0 && len(req.Raw) > req.MaxSize {
		return nil, tooLong(req.MaxSize, len(req.Raw))
	}
	raw, err := compose.ParseRaw(req.Raw)
	if err != nil {
		return nil, err
	}
	m := &composed{subject: raw.Subject, configurationSet: raw.ConfigurationSet, listManagement: raw.ListManagement}
	for _, t := range raw.Tags {
		m.tags = append(m.tags, store.Tag{Name: t.Name, Value: t.Value})
	}
	m.fromHeader = raw.From.Header()
	m.source, m.from = raw.From, raw.From
	if req.From != "" {
		src, err := address.Parse(req.From)
		if err != nil {
			return nil, err
		}
		m.source = src
		m.senders = append(m.senders, src)
	}
	m.senders = append(m.senders, raw.From)
	if req.ReturnPath != "" {
		rp, err := address.Parse(req.ReturnPath)
		if err != nil {
			return nil, err
		}
		m.senders = append(m.senders, rp)
	}
	if len(req.To)+len(req.Cc)+len(req.Bcc) > 0 {
		for _, l := range [][]string{req.To, req.Cc, req.Bcc} {
			as, err := parseAll(l)
			if err != nil {
				return nil, err
			}
			m.rcpts = append(m.rcpts, as...)
		}
	} else {
		m.rcpts = append(append(append(m.rcpts, raw.To...), raw.Cc...), raw.Bcc...)
	}
	m.body = raw.FinalizeWith(msgid.Header(id, in.domain), now, compose.FinalizeOptions{KeepMessageID: in.keepMessageID})
	return m, nil
}
