package compose

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"time"

	"github.com/hikyaku/hikyaku/internal/address"
)

// Content is an SES Content: text and the charset to send it in (see
// charset.go for what SES does with the charset).
type Content struct {
	Data    string
	Charset string
}

// SimpleInput is everything a Simple message is made of. The addresses are
// already parsed (package address), so the caller has refused bad ones with
// SES's texts and knows the recipients.
type SimpleInput struct {
	From    address.Address
	To      []address.Address
	Cc      []address.Address
	ReplyTo []address.Address
	// Bcc recipients are not written: they are envelope recipients only.

	Subject Content
	// Text and HTML are the bodies; either or both may be nil. With both,
	// the message is multipart/alternative. With neither, it has an
	// empty text body.
	Text *Content
	HTML *Content

	// Headers are the caller's MessageHeaders, written after the
	// standard fields in the order given.
	Headers     []Header
	Attachments []Attachment

	// MessageID is the Message-ID to write, "id@domain" with or without
	// angle brackets. Required.
	MessageID string
	// Date is the Date to write. Required; SES uses its accept time in
	// UTC.
	Date time.Time

	// Rand supplies the multipart boundaries; nil means crypto/rand.
	// Tests give a fixed source so that output is repeatable.
	Rand io.Reader
}

// Simple builds the message for an SES v2 Simple content or a v1 SendEmail
// request. The result has CRLF line endings, lines within 998 characters,
// and parses back with any MIME reader.
//
// Refusals of the caller's content are *fault.Error values; a missing
// MessageID or Date is the calling code's mistake and comes back as a plain
// error.
func Simple(in SimpleInput) ([]byte, error) {
	if in.From.Domain == "" {
		return nil, errors.New("compose: SimpleInput.From is required")
	}
	msgID, ok := bareID(in.MessageID)
	if !ok {
		return nil, errors.New("compose: SimpleInput.MessageID must be id@domain")
	}
	if in.Date.IsZero() {
		return nil, errors.New("compose: SimpleInput.Date is required")
	}
	rnd := in.Rand
	if rnd == nil {
		rnd = rand.Reader
	}

	subjectCharset, err := lookupCharset(in.Subject.Charset)
	if err != nil {
		return nil, err
	}
	custom, err := customFields(in.Headers)
	if err != nil {
		return nil, err
	}
	body, err := bodyPart(in.Text, in.HTML)
	if err != nil {
		return nil, err
	}
	var inline, attached []*part
	for i := range in.Attachments {
		a := &in.Attachments[i]
		p, err := a.part()
		if err != nil {
			return nil, err
		}
		if a.related() {
			inline = append(inline, p)
		} else {
			attached = append(attached, p)
		}
	}
	if len(inline) > 0 {
		root := "text/html"
		if body.multipart != "" {
			root = "multipart/" + body.multipart
		}
		body = multipartOf("related", []param{{"type", root}}, append([]*part{body}, inline...)...)
	}
	msg := multipartOf("mixed", nil, append([]*part{body}, attached...)...)

	top := []field{
		{name: "Date", value: in.Date.Format(time.RFC1123Z)},
		{name: "From", value: in.From.Header()},
	}
	if len(in.To) > 0 {
		top = append(top, field{name: "To", value: address.FormatList(in.To)})
	}
	if len(in.Cc) > 0 {
		top = append(top, field{name: "Cc", value: address.FormatList(in.Cc)})
	}
	if len(in.ReplyTo) > 0 {
		top = append(top, field{name: "Reply-To", value: address.FormatList(in.ReplyTo)})
	}
	top = append(top,
		field{name: "Message-ID", value: "<" + msgID + ">"},
		field{name: "Subject", value: encodeText(in.Subject.Data, subjectCharset)},
	)
	top = append(top, custom...)
	top = append(top, field{name: "MIME-Version", value: "1.0"})

	g, err := newBoundaries(rnd)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.Grow(estimateSize(in))
	msg.write(&b, top, g)
	return b.Bytes(), nil
}

// bodyPart builds the text and HTML bodies.
func bodyPart(text, html *Content) (*part, error) {
	var parts []*part
	if text != nil || html == nil {
		if text == nil {
			text = &Content{}
		}
		p, err := textPart("text/plain", *text)
		if err != nil {
			return nil, err
		}
		parts = append(parts, p)
	}
	if html != nil {
		p, err := textPart("text/html", *html)
		if err != nil {
			return nil, err
		}
		parts = append(parts, p)
	}
	return multipartOf("alternative", nil, parts...), nil
}

// textPart builds one text body in its charset and transfer encoding.
func textPart(mediaTypeName string, c Content) (*part, error) {
	cs, err := lookupCharset(c.Charset)
	if err != nil {
		return nil, err
	}
	data := cs.encode(normalizeNewlines(c.Data))
	cte := chooseTextEncoding(data)
	if !cs.asciiCompatible() {
		cte = cteBase64
	}
	return &part{
		header: []field{
			{name: "Content-Type", value: mediaType(mediaTypeName, param{"charset", cs.name})},
			{name: "Content-Transfer-Encoding", value: cte},
		},
		body: encodeBody(data, cte, true),
	}, nil
}

// estimateSize guesses the message size so that the buffer grows once.
func estimateSize(in SimpleInput) int {
	n := 2048 + len(in.Subject.Data)*2
	if in.Text != nil {
		n += len(in.Text.Data) * 3 / 2
	}
	if in.HTML != nil {
		n += len(in.HTML.Data) * 3 / 2
	}
	for _, a := range in.Attachments {
		n += len(a.RawContent)*4/3 + 512
	}
	return n
}
