package events

import "time"

// Mail is SES's "mail" object: the message an event is about, as SES
// accepted it.
type Mail struct {
	// Timestamp is when SES accepted the message.
	Timestamp time.Time
	// Source is the sending address as the caller gave it (the envelope
	// sender, which may carry a display name: "Sender Name
	// <sender@example.com>").
	Source string
	// SourceArn is the ARN of the identity the message was sent under.
	// SES leaves it out of Open and Click events (as in every example and
	// recording of them) and of Send events of templated messages; it is
	// omitted here when empty, and always for Open and Click.
	SourceArn string
	// SourceIP and CallerIdentity are the client's address and the IAM
	// name it signed with. Notifications carry them as "sourceIp" and
	// "callerIdentity"; events carry them only as the ses:source-ip and
	// ses:caller-identity tags (see AutoTags).
	SourceIP         string
	CallerIdentity   string
	SendingAccountID string
	// MessageID is the ID SES returned for the message.
	MessageID   string
	Destination []string
	// Headers, CommonHeaders and HeadersTruncated are what HeadersFrom
	// returns for the message as submitted.
	Headers          []Header
	CommonHeaders    CommonHeaders
	HeadersTruncated bool
	// Tags are the message's tags with SES's automatic ones (AutoTags).
	// Events always carry them, as "tags"; notifications never do.
	Tags map[string][]string
}

// Header is one header field of the message as submitted.
type Header struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// CommonHeaders is SES's "commonHeaders": the usual fields, decoded.
// Address lists hold one string per address, each as JavaMail's
// InternetAddress.toUnicodeString writes it ("Jane Doe <jane@example.com>",
// display name decoded and quoted only when it must be). Empty fields are
// omitted, as SES omits the fields a message lacks (see
// [DG:receiving-email-notifications-contents] for the full set).
type CommonHeaders struct {
	// ReturnPath is the Return-Path address without its angle brackets.
	ReturnPath string   `json:"returnPath,omitempty"`
	From       []string `json:"from,omitempty"`
	Sender     string   `json:"sender,omitempty"`
	ReplyTo    []string `json:"replyTo,omitempty"`
	// Date is the Date field as written.
	Date string   `json:"date,omitempty"`
	To   []string `json:"to,omitempty"`
	Cc   []string `json:"cc,omitempty"`
	Bcc  []string `json:"bcc,omitempty"`
	// MessageID is the Message-ID field as written, brackets and all.
	// When the message has none, the marshalers write Mail.MessageID, as
	// SES does (every documented example and the recordings of messages
	// sent without one).
	MessageID string `json:"messageId"`
	// Subject is the Subject with its encoded words decoded.
	Subject string `json:"subject,omitempty"`
}
