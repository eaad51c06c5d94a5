package events

import (
	"net/mail"
	"strings"
)

// The values of ses:operation seen in SES's events.
const (
	OperationSendEmail              = "SendEmail"
	OperationSendRawEmail           = "SendRawEmail"
	OperationSendTemplatedEmail     = "SendTemplatedEmail"
	OperationSendBulkTemplatedEmail = "SendBulkTemplatedEmail"
	OperationSendSMTPEmail          = "SendSmtpEmail"
)

// Origin is what SES knows about a message when it tags it: how it came in
// and, for events after a delivery attempt, how it went out. Empty fields
// give no tag.
type Origin struct {
	// Operation is how the message came in (ses:operation): one of the
	// Operation constants. Recordings show the v1 action names and
	// SendSmtpEmail; which name API v2's SendEmail gives raw or templated
	// content is not documented.
	Operation string
	// ConfigurationSet is the configuration set's name
	// (ses:configuration-set).
	ConfigurationSet string
	// SourceIP is the client's address (ses:source-ip).
	SourceIP string
	// SourceTLSVersion is the TLS version of the client's connection in
	// Java's spelling, "TLSv1.3" (ses:source-tls-version).
	SourceTLSVersion string
	// FromDomain is the domain of the From header's address
	// (ses:from-domain; see FromDomain). SES gives no such tag to a raw
	// message without a From header.
	FromDomain string
	// CallerIdentity is the IAM user or role that signed the request, or
	// the SMTP credential's user (ses:caller-identity).
	CallerIdentity string
	// OutgoingIP is the address SES sent from (ses:outgoing-ip), and
	// OutgoingTLSVersion the TLS version of that connection
	// (ses:outgoing-tls-version). SES's recordings show them on Delivery
	// events only; its FAQ on managed dedicated IPs says bounces carry
	// ses:outgoing-ip too. Set them for the events that should have them.
	OutgoingIP         string
	OutgoingTLSVersion string
}

// AutoTags returns a message's tags for its events: the message's own tags
// (own is not modified) with SES's automatic "ses:" tags from o added, each
// a one-value list. An automatic tag replaces an own tag of the same name.
// The result is never nil.
func AutoTags(o Origin, own map[string][]string) map[string][]string {
	tags := make(map[string][]string, len(own)+8)
	for name, values := range own {
		tags[name] = append([]string{}, values...)
	}
	for _, t := range []struct{ name, value string }{
		{"ses:operation", o.Operation},
		{"ses:configuration-set", o.ConfigurationSet},
		{"ses:source-ip", o.SourceIP},
		{"ses:source-tls-version", o.SourceTLSVersion},
		{"ses:from-domain", o.FromDomain},
		{"ses:caller-identity", o.CallerIdentity},
		{"ses:outgoing-ip", o.OutgoingIP},
		{"ses:outgoing-tls-version", o.OutgoingTLSVersion},
	} {
		if t.value != "" {
			tags[t.name] = []string{t.value}
		}
	}
	return tags
}

// FromDomain returns the domain of the first address of the message's From
// header, as HeadersFrom reported it, for ses:from-domain; "" when there
// is none.
func FromDomain(c CommonHeaders) string {
	if len(c.From) == 0 {
		return ""
	}
	s := c.From[0]
	if a, err := mail.ParseAddress(s); err == nil {
		s = a.Address
	}
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return ""
	}
	return strings.TrimSuffix(s[at+1:], ">")
}
