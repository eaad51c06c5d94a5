package compose

import (
	"bytes"
	"mime"
	"strings"

	messagecharset "github.com/emersion/go-message/charset"

	"github.com/hikyaku/hikyaku/internal/address"
	"github.com/hikyaku/hikyaku/internal/fault"
)

// Raw is a message written by the caller (v2 Raw content, v1
// SendRawEmail, SMTP DATA) after ParseRaw checked it.
type Raw struct {
	// From is the first mailbox of the From field (RFC 5322 allows
	// several; SES checks the identity of this one).
	From address.Address
	// Sender and ReturnPath are nil when the message has none. A
	// Return-Path of "<>" is nil too.
	Sender     *address.Address
	ReturnPath *address.Address
	ReplyTo    []address.Address
	// To, Cc and Bcc are the header recipients, groups flattened.
	To, Cc, Bcc []address.Address
	// Subject is the decoded subject.
	Subject string
	// MessageID is the caller's Message-ID without angle brackets, "" if
	// the message has none.
	MessageID string

	// The X-SES-* fields. Empty or nil when absent.
	ConfigurationSet string
	Tags             []Tag
	SourceARN        string
	FromARN          string
	ReturnPathARN    string
	ListManagement   *ListManagement

	fields []rawField
	body   []byte
}

// wordDecoder decodes RFC 2047 encoded words in every charset go-message
// knows.
var wordDecoder = &mime.WordDecoder{CharsetReader: messagecharset.Reader}

// ParseRaw checks a caller's message the way SES checks a raw message and
// collects what sending needs from it. The header may use CRLF or LF line
// endings. It refuses, with SES's texts where known:
//   - a line longer than 998 characters before its line ending;
//   - a header line that is not a field ("Illegal header '…'.",
//     "Empty header names are illegal.");
//   - a second instance of a single-instance field ("Duplicate header
//     'Subject'.");
//   - a missing or empty From ("Missing required header 'From'.");
//   - an address that does not parse (package address's texts);
//   - an attachment, at any depth of the MIME tree, whose file name has an
//     extension SES blocks;
//   - a malformed X-SES-MESSAGE-TAGS or X-SES-LIST-MANAGEMENT-OPTIONS.
//
// Whether the message has recipients, and how many, is for the caller to
// check: the request's Destinations may add to or replace them. SES's texts
// for those checks are "Missing required header 'To'." (no Destinations and
// no recipient fields; tastyigniter/TastyIgniter#895, aristidb/aws#73) and
// fault.TooManyRecipients.
//
// The Raw refers to data's bytes; data must not change while it is in use.
func ParseRaw(data []byte) (*Raw, error) {
	fields, body, err := splitMessage(data)
	if err != nil {
		return nil, err
	}
	r := &Raw{fields: fields, body: body}
	seen := make(map[string]bool, len(fields))
	for _, f := range fields {
		if _, single := singleInstance[f.key]; single && seen[f.key] {
			return nil, fault.InvalidMessage("Duplicate header '%s'.", canonicalName(f.name))
		}
		seen[f.key] = true
		if err := r.read(f); err != nil {
			return nil, err
		}
	}
	if r.From.Domain == "" {
		return nil, fault.InvalidMessage("Missing required header 'From'.")
	}
	if err := checkMIME(r.get("content-type"), r.get("content-disposition"), bytes.NewReader(body), 0); err != nil {
		return nil, err
	}
	return r, nil
}

// read takes what sending needs from one field.
func (r *Raw) read(f rawField) error {
	var err error
	switch f.key {
	case "from":
		var from []address.Address
		if from, err = address.ParseList(f.value); err == nil && len(from) > 0 {
			r.From = from[0]
		}
	case "sender":
		r.Sender, err = parseOptional(f.value)
	case "return-path":
		r.ReturnPath, err = parseOptional(f.value)
	case "reply-to":
		r.ReplyTo, err = address.ParseList(f.value)
	case "to":
		r.To, err = address.ParseList(f.value)
	case "cc":
		r.Cc, err = address.ParseList(f.value)
	case "bcc":
		r.Bcc, err = address.ParseList(f.value)
	case "subject":
		r.Subject = f.value
		if d, derr := wordDecoder.DecodeHeader(f.value); derr == nil {
			r.Subject = d
		}
	case "message-id":
		r.MessageID = strings.TrimSpace(f.value)
		if id, ok := bareID(r.MessageID); ok {
			r.MessageID = id
		}
	case fieldConfigurationSet:
		r.ConfigurationSet = first(r.ConfigurationSet, f.value)
	case fieldMessageTags:
		var tags []Tag
		tags, err = parseTags(f.value)
		r.Tags = append(r.Tags, tags...)
	case fieldSourceARN:
		r.SourceARN = first(r.SourceARN, f.value)
	case fieldFromARN:
		r.FromARN = first(r.FromARN, f.value)
	case fieldReturnPathARN:
		r.ReturnPathARN = first(r.ReturnPathARN, f.value)
	case fieldListManagement:
		if r.ListManagement == nil {
			r.ListManagement, err = parseListManagement(f.value)
		}
	}
	return err
}

// first returns old when it is set, else v: of repeated X-SES-* fields the
// first counts, as a header reader's Get would give it.
func first(old, v string) string {
	if old != "" {
		return old
	}
	return v
}

// parseOptional parses a single mailbox field; "<>" and an empty value
// mean none.
func parseOptional(v string) (*address.Address, error) {
	if v == "" || strings.ReplaceAll(v, " ", "") == "<>" {
		return nil, nil
	}
	a, err := address.Parse(v)
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// get returns the value of the first field called key (lower-case).
func (r *Raw) get(key string) string {
	for _, f := range r.fields {
		if f.key == key {
			return f.value
		}
	}
	return ""
}

// Recipients returns the header recipients: To, then Cc, then Bcc.
func (r *Raw) Recipients() []address.Address {
	out := make([]address.Address, 0, len(r.To)+len(r.Cc)+len(r.Bcc))
	out = append(out, r.To...)
	out = append(out, r.Cc...)
	return append(out, r.Bcc...)
}
