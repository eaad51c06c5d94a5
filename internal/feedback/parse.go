package feedback

import (
	"errors"
	"fmt"
	"strings"
)

// ErrNotMail is returned (wrapped) by Parse for input that is not a mail
// message at all: empty, or without a header section.
var ErrNotMail = errors.New("not a mail message")

// Parse reads one message (a bounce, a complaint, an auto-reply) and reports
// what it says about which recipients. Input may use CRLF or LF line ends and
// may start with an mbox "From " line. A message that is mail but none of the
// known kinds yields a Report of KindUnknown and no error. Parse does no I/O
// and is safe for concurrent use.
func Parse(raw []byte) (*Report, error) {
	m, err := readMessage(raw)
	if err != nil {
		return nil, fmt.Errorf("feedback: %w: %v", ErrNotMail, err)
	}
	return parseMessage(m), nil
}

// parseMessage runs the decoders on a read message and classifies what the
// first one that recognises it found.
func parseMessage(m *mailMessage) *Report {
	m.body = tidyBody(m.body)
	rep := &Report{
		Kind:       KindUnknown,
		Subject:    m.get("subject"),
		Date:       parseDate(m.get("date")),
		ReturnedTo: returnedTo(m),
	}
	subject := m.get("subject")
	if l := strings.ToLower(subject); strings.HasPrefix(l, "fwd:") || strings.HasPrefix(l, "fw:") {
		// A bounce forwarded by a person: drop the quoting.
		subject = strings.TrimSpace(subject[strings.IndexByte(subject, ':')+1:])
		m.header["subject"] = append([]string{subject}, m.header["subject"]...)
		m.body = strings.ReplaceAll(m.body, "\n> ", "\n")
		m.body = strings.ReplaceAll(m.body, "\n>\n", "\n\n")
	}

	res, format := runDecoders(m)
	if res == nil {
		return rep
	}
	rep.Format = format
	rep.Original = readOriginal(res.original)
	rep.Complaint = res.complaint
	for _, d := range res.deliveries {
		if d.recipient == "" {
			continue
		}
		r, ok := classify(m, d)
		if !ok {
			continue
		}
		rep.Recipients = append(rep.Recipients, r)
		if rep.ReportingMTA == "" && d.lhost != "" {
			rep.ReportingMTA = cleanHost(d.lhost)
		}
	}
	rep.Kind = kindOf(format, rep.Recipients)
	return rep
}

// kindOf decides the report's kind from its format and outcomes.
func kindOf(format string, rs []Recipient) Kind {
	if len(rs) == 0 {
		return KindUnknown
	}
	delivered := 0
	for _, r := range rs {
		switch r.Reason {
		case ReasonFeedback:
			return KindComplaint
		case ReasonVacation:
			return KindAutoReply
		case ReasonDelivered:
			delivered++
		}
	}
	if delivered == len(rs) {
		return KindDelivery
	}
	return KindBounce
}

// returnedTo returns the envelope recipient of the report itself.
func returnedTo(m *mailMessage) string {
	for _, k := range []string{"delivered-to", "x-original-to", "envelope-to", "to"} {
		if a := findAddress(m.get(k)); a != "" {
			return a
		}
	}
	return ""
}

// decoders are the readers of MTA- and provider-specific formats, by name.
var decoders = map[string]decoder{
	"AmazonSES":       decodeAmazonSES,
	"Domino":          decodeDomino,
	"DragonFly":       decodeDragonFly,
	"EZweb":           decodeEZweb,
	"Exchange2003":    decodeExchange2003,
	"Exchange2007":    decodeExchange2007,
	"Exim":            decodeExim,
	"Gmail":           decodeGmail,
	"GoogleGroups":    decodeGoogleGroups,
	"IMailServer":     decodeIMailServer,
	"MessagingServer": decodeMessagingServer,
	"Notes":           decodeNotes,
	"OpenSMTPD":       decodeOpenSMTPD,
	"Postfix":         decodePostfix,
	"Sendmail":        decodeSendmail,
	"V5sendmail":      decodeV5sendmail,
	"X2":              decodeX2,
	"X3":              decodeX3,
	"Zoho":            decodeZoho,
	"qmail":           decodeQmail,
}

// defaultOrder is the order in which the MTA- and provider-specific decoders
// are tried when the subject does not point at one: first those with
// distinctive subjects, then the rest. The standard formats (RFC 3464, ARF,
// RFC 3834) come after all of them, because many MTAs wrap their own format in
// a multipart/report that would otherwise be read with less detail.
var defaultOrder = []string{
	"Exim", "Sendmail", "Exchange2007", "Exchange2003", "AmazonSES", "X2",
	"Postfix", "OpenSMTPD", "qmail", "MessagingServer", "Gmail", "Zoho", "Domino", "Notes", "IMailServer",
	"GoogleGroups", "V5sendmail", "EZweb", "DragonFly", "X3",
}

// subjectOrder maps the first words of a bounce's Subject to the decoders
// whose MTAs use them, to try first.
var subjectOrder = map[string][]string{
	"abuse-report":          {"ARF"},
	"auto":                  {"RFC3834"},
	"auto-reply":            {"RFC3834"},
	"automatic-reply":       {"RFC3834"},
	"aws-notification":      {"AmazonSES"},
	"complaint-about":       {"ARF"},
	"delivery-failure":      {"Domino", "X2"},
	"delivery-notification": {"MessagingServer"},
	"delivery-status":       {"OpenSMTPD", "Gmail", "GoogleGroups", "AmazonSES", "X3"},
	"dmarc-ietf-dmarc":      {"ARF"},
	"email-feedback":        {"ARF"},
	"failed-delivery":       {"X2"},
	"failure-delivery":      {"X2"},
	"failure-notice":        {"qmail"},
	"mail-delivery":         {"Exim", "DragonFly", "Zoho"},
	"mail-failure":          {"Exim"},
	"mail-system":           {"EZweb"},
	"message-frozen":        {"Exim"},
	"non-recapitabile":      {"Exchange2007"},
	"non-remis":             {"Exchange2007"},
	"postmaster-notify":     {"Sendmail"},
	"returned-mail":         {"Sendmail", "V5sendmail"},
	"undeliverable":         {"Exchange2007", "Exchange2003"},
	"undeliverable-mail":    {"IMailServer"},
	"undeliverable-message": {"Notes"},
	"undelivered-mail":      {"Postfix", "Zoho"},
	"warning":               {"Sendmail", "Exim"},
}

// orderBySubject returns the decoders to try, those the subject suggests
// first.
func orderBySubject(subject string) []string {
	if subject == "" {
		return defaultOrder
	}
	s := subjectSpaces.Replace(subject)
	s = squeeze(strings.TrimSpace(s))
	words := strings.SplitN(strings.ToLower(s), " ", 3)
	first := ""
	if i := strings.IndexByte(words[0], ':'); i > 0 {
		first = words[0][:i]
	} else if len(words) > 1 {
		first = words[0] + "-" + words[1]
	} else {
		first = words[0]
	}
	first = subjectPunct.Replace(first)
	list := subjectOrder[first]
	if len(list) == 0 {
		return defaultOrder
	}
	if list[0] == "ARF" || list[0] == "RFC3834" {
		return list
	}
	return append(append([]string{}, list...), defaultOrder...)
}

// runDecoders tries the decoders in order and returns the first result and
// the decoder's name.
func runDecoders(m *mailMessage) (*decoded, string) {
	tried := map[string]bool{}
	for _, name := range orderBySubject(m.get("subject")) {
		if tried[name] || name == "ARF" || name == "RFC3834" {
			continue
		}
		tried[name] = true
		fn, ok := decoders[name]
		if !ok {
			continue
		}
		if res := fn(m); res != nil && countRecipients(res.deliveries) > 0 {
			return res, name
		}
	}
	for _, e := range []struct {
		name string
		fn   decoder
	}{{"RFC3464", decodeDSN}, {"ARF", decodeARF}, {"RFC3834", decodeAutoReply}} {
		if res := e.fn(m); res != nil && countRecipients(res.deliveries) > 0 {
			return res, e.name
		}
	}
	return nil, ""
}
