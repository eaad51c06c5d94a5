package intake

import (
	"bytes"
	"context"
	"strings"
	"time"

	"github.com/hikyaku/hikyaku/internal/address"
	"github.com/hikyaku/hikyaku/internal/compose"
	"github.com/hikyaku/hikyaku/internal/contacts"
	"github.com/hikyaku/hikyaku/internal/fault"
	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/template"
)

// List management on the sending path (Developer Guide,
// sending-email-subscription-management and sending-email-list-management).
// A send names a contact list and optionally a topic, in SendEmail's
// ListManagementOptions or in an X-SES-LIST-MANAGEMENT-OPTIONS header
// (raw content, SMTP, or a custom header of Simple or Template content,
// which is how a SendBulkEmail names one: its request has no
// ListManagementOptions). Then:
//
//   - each recipient that is not yet a contact of the list becomes one,
//     and one who unsubscribed from the topic or the list is not sent to:
//     status unsubscribed, with a Bounce event, as "Amazon SES will bounce
//     an email if it is sent to an unsubscribed contact";
//   - a message to a single recipient gets List-Unsubscribe (an https URL
//     and a mailto address) and List-Unsubscribe-Post: List-Unsubscribe=
//     One-Click, replacing any the caller wrote ("Amazon SES overrides
//     them"), before it is DKIM-signed, so the signature covers them; and
//     {{amazonSESUnsubscribeUrl}} in its text and HTML becomes the URL, at
//     most twice. A message to several recipients gets neither: "The
//     List-Unsubscribe header and footer link are added only if the email
//     is being sent to a single recipient."

// ListManagement is SendEmail's ListManagementOptions.
type ListManagement struct {
	ContactList string
	// Topic is "" for mail about the whole list.
	Topic string
}

// ListSource resolves the list management of a send (package contacts'
// Sending). PrepareSend fails with a fault for a list or topic that does
// not exist.
type ListSource interface {
	PrepareSend(ctx context.Context, accountID, list, topic string) (*contacts.Send, error)
}

// listHeader is the SES header that names a list in content.
const listHeader = "X-SES-LIST-MANAGEMENT-OPTIONS"

// UnsubscribedSubType is the bounce subtype of a recipient not sent to
// because they unsubscribed. SES says it bounces such mail but not with
// which subtype; hikyaku names it so that reputation, soft-bounce and
// suppression logic can tell it from a real bounce.
const UnsubscribedSubType = "UnsubscribedRecipient"

// listOptions returns the list management a request asks for, taking an
// X-SES-LIST-MANAGEMENT-OPTIONS header out of Simple or Template headers
// (the API parameter wins over it). req is copied, not changed.
func listOptions(req *Request) (*Request, *ListManagement, error) {
	lm := req.ListManagement
	hs := req.headers()
	i := -1
	for j, h := range hs {
		if strings.EqualFold(h.Name, listHeader) {
			i = j
		}
	}
	if i < 0 {
		return req, lm, nil
	}
	parsed, err := compose.ParseListManagement(hs[i].Value)
	if err != nil {
		return nil, nil, err
	}
	if lm == nil {
		lm = &ListManagement{ContactList: parsed.ContactListName, Topic: parsed.TopicName}
	}
	var kept []Header
	for _, h := range hs {
		if !strings.EqualFold(h.Name, listHeader) {
			kept = append(kept, h)
		}
	}
	r := *req
	if r.Simple != nil {
		s := *r.Simple
		s.Headers, r.Simple = kept, &s
	} else {
		t := *r.Template
		t.Headers, r.Template = kept, &t
	}
	return &r, lm, nil
}

// headers are the custom headers of Simple or Template content.
func (r *Request) headers() []Header {
	switch {
	case r.Simple != nil:
		return r.Simple.Headers
	case r.Template != nil:
		return r.Template.Headers
	}
	return nil
}

// prepareList resolves lm, or refuses the send.
func (in *Intake) prepareList(ctx context.Context, accountID string, lm *ListManagement) (*contacts.Send, error) {
	if lm == nil {
		return nil, nil
	}
	if in.lists == nil {
		return nil, fault.BadRequest("List management is not available on this server.")
	}
	p, err := in.lists.PrepareSend(ctx, accountID, lm.ContactList, lm.Topic)
	if err != nil {
		if fault.As(err) != nil {
			return nil, err
		}
		in.log.Error("look up contact list", "account", accountID, "list", lm.ContactList, "err", err)
		return nil, fault.Internal()
	}
	return p, nil
}

// unsubscribeLinks are the links of a single-recipient list send.
type unsubscribeLinks struct {
	url, mailto string
}

// linksFor returns the links of a send to the one recipient addr, or nil
// when there is no list or addr is not one recipient.
func linksFor(p *contacts.Send, addr string, id string, now time.Time) *unsubscribeLinks {
	if p == nil || addr == "" {
		return nil
	}
	u, m := p.Links(addr, id, 0, now)
	return &unsubscribeLinks{url: u, mailto: m}
}

// singleDestination returns the one recipient of a request that names
// its recipients (Simple or Template content), or "".
func singleDestination(req *Request) string {
	all := append(append(append([]string(nil), req.To...), req.Cc...), req.Bcc...)
	if len(all) != 1 {
		return ""
	}
	a, err := address.Parse(all[0])
	if err != nil {
		return ""
	}
	return a.String()
}

// reserved returns the template options that fill
// {{amazonSESUnsubscribeUrl}} with the link.
func (l *unsubscribeLinks) reserved() template.Options {
	if l == nil {
		return template.Options{}
	}
	return template.Options{Reserved: map[string]string{template.UnsubscribeURL: l.url}}
}

// fillSimple replaces {{amazonSESUnsubscribeUrl}} in Simple content's
// text, then HTML, at most twice in all, as SES does for non-templated
// mail too ("You will need to use the {{amazonSESUnsubscribeUrl}}
// placeholder in templated and non-templated emails").
func (l *unsubscribeLinks) fillSimple(s *Simple) *Simple {
	if l == nil || s == nil {
		return s
	}
	const placeholder = "{{" + template.UnsubscribeURL + "}}"
	c := *s
	left := 2
	for _, part := range []*string{&c.Text, &c.HTML} {
		n := min(strings.Count(*part, placeholder), left)
		*part = strings.Replace(*part, placeholder, l.url, n)
		left -= n
	}
	return &c
}

// setHeaders puts the List-Unsubscribe fields at the top of msg, in the
// order the mailbox providers ask for (List-Unsubscribe first), after
// removing any the message had.
func (l *unsubscribeLinks) setHeaders(msg []byte) []byte {
	msg = removeFields(msg, "List-Unsubscribe", "List-Unsubscribe-Post")
	var b bytes.Buffer
	b.WriteString("List-Unsubscribe: <" + l.url + ">")
	if l.mailto != "" {
		// Folded before the second URI, so the line stays short.
		b.WriteString(",\r\n <mailto:" + l.mailto + ">")
	}
	b.WriteString("\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n") // RFC 8058 §3.1
	b.Write(msg)
	return b.Bytes()
}

// removeFields returns msg without the header fields named (with their
// continuation lines). msg has CRLF line ends.
func removeFields(msg []byte, names ...string) []byte {
	end := bytes.Index(msg, []byte("\r\n\r\n"))
	if end < 0 {
		return msg
	}
	head, rest := msg[:end+2], msg[end+2:]
	var out bytes.Buffer
	out.Grow(len(msg))
	drop := false
	for len(head) > 0 {
		i := bytes.Index(head, []byte("\r\n"))
		line := head[:i+2]
		head = head[i+2:]
		if line[0] != ' ' && line[0] != '\t' {
			drop = false
			for _, n := range names {
				if len(line) > len(n) && line[len(n)] == ':' && bytes.EqualFold(line[:len(n)], []byte(n)) {
					drop = true
				}
			}
		}
		if !drop {
			out.Write(line)
		}
	}
	out.Write(rest)
	return out.Bytes()
}

// unsubscribed gives a recipient the list send may not go to its outcome.
func unsubscribed(r *store.Recipient, why string) {
	r.Status = store.RcptUnsubscribed
	r.Outcome = store.Outcome{BounceType: "Permanent", BounceSubType: UnsubscribedSubType, Status: "5.7.1",
		Diagnostic: "Amazon SES did not send the message to this address because " + why + "."}
}
