package feedback

import "time"

// Kind says what a received message is.
type Kind string

const (
	// KindUnknown is a message none of the decoders recognised.
	KindUnknown Kind = "Unknown"
	// KindBounce is a delivery failure or delay report.
	KindBounce Kind = "Bounce"
	// KindComplaint is a feedback-loop report (RFC 5965) or an SES complaint.
	KindComplaint Kind = "Complaint"
	// KindAutoReply is an automatic reply such as an out-of-office notice
	// (RFC 3834).
	KindAutoReply Kind = "AutoReply"
	// KindDelivery is a report of successful delivery (a DSN with
	// Action: delivered, an SES Delivery notification).
	KindDelivery Kind = "Delivery"
)

// Report is what Parse found in one message.
type Report struct {
	Kind Kind `json:"kind"`
	// Format names the decoder that read the message: "RFC3464", "ARF",
	// "RFC3834", or the MTA or provider whose own format it is ("Postfix",
	// "Exim", "Gmail", ...).
	Format string `json:"format,omitempty"`
	// ReportingMTA is the host that wrote the report, when it says.
	ReportingMTA string `json:"reportingMta,omitempty"`
	// ReturnedTo is where the report was delivered: the envelope recipient
	// the receiving MTA recorded (Delivered-To, X-Original-To) or the To:
	// field. For mail sent with a VERP return path this is that path, which
	// identifies the message and recipient without trusting the report's
	// content.
	ReturnedTo string `json:"returnedTo,omitempty"`
	// Subject and Date are the report's own.
	Subject string    `json:"subject,omitempty"`
	Date    time.Time `json:"date,omitzero"`
	// Original identifies the message the report is about, from the copy or
	// the header section the report returned.
	Original Original `json:"original"`
	// Recipients holds one entry per recipient the report is about.
	Recipients []Recipient `json:"recipients"`
	// Complaint holds the fields of an abuse report (RFC 5965 section 3), for
	// KindComplaint read from ARF.
	Complaint *Complaint `json:"complaint,omitempty"`
}

// Complaint is the machine-readable part of an abuse report (RFC 5965
// section 3.1 and 3.2).
type Complaint struct {
	FeedbackType     string    `json:"feedbackType,omitempty"` // abuse, auth-failure, fraud, not-spam, other, virus (IANA MARF registry)
	UserAgent        string    `json:"userAgent,omitempty"`
	Version          string    `json:"version,omitempty"`
	OriginalMailFrom string    `json:"originalMailFrom,omitempty"` // the envelope sender of the reported message
	OriginalRcptTo   []string  `json:"originalRcptTo,omitempty"`   // the complainants, when the provider does not redact them
	ArrivalDate      time.Time `json:"arrivalDate,omitzero"`       // when the reported message arrived
	SourceIP         string    `json:"sourceIp,omitempty"`         // the IP address the reported message came from
	ReportingMTA     string    `json:"reportingMta,omitempty"`
	ReportedDomain   string    `json:"reportedDomain,omitempty"`
}

// Original is what a report tells about the message it is about.
type Original struct {
	MessageID  string `json:"messageId,omitempty"` // without angle brackets
	From       string `json:"from,omitempty"`
	To         string `json:"to,omitempty"`
	Subject    string `json:"subject,omitempty"`
	Date       string `json:"date,omitempty"`
	ReturnPath string `json:"returnPath,omitempty"` // envelope sender; a VERP address when sent with one
	// Headers holds the fields that identify a send beyond the Message-ID:
	// X-SES-* and X-Hikyaku-* fields, Feedback-ID, List-Id,
	// X-Original-Message-ID. Keys are canonical field names.
	Headers map[string]string `json:"headers,omitempty"`
}

// Recipient is the outcome for one recipient.
type Recipient struct {
	// Address is the recipient the report is about (Final-Recipient).
	Address string `json:"address"`
	// OriginalAddress is the address before forwarding or aliasing
	// (Original-Recipient, X-Actual-Recipient), when it differs.
	OriginalAddress string `json:"originalAddress,omitempty"`
	// Action is the RFC 3464 action: failed, delayed, delivered, relayed,
	// expanded.
	Action string `json:"action,omitempty"`
	// Status is the enhanced status code (RFC 3463), from the report or, when
	// it carries none, inferred (StatusInferred): 5.0.911 reads "user unknown,
	// inferred from the text".
	Status         string `json:"status"`
	StatusInferred bool   `json:"statusInferred,omitempty"`
	// ReplyCode is the SMTP reply code of the remote server, when known.
	ReplyCode string `json:"replyCode,omitempty"`
	// Diagnostic is the remote server's reply or the reporting MTA's
	// explanation, tidied into one line.
	Diagnostic string `json:"diagnostic,omitempty"`
	// DiagnosticType is the Diagnostic-Code type: "SMTP" for a remote
	// server's reply, "X-UNIX" for a local program's error.
	DiagnosticType string `json:"diagnosticType,omitempty"`
	// RemoteMTA is the host that refused, when known.
	RemoteMTA string `json:"remoteMta,omitempty"`
	// Command is the SMTP command that failed (RCPT, DATA, ...), when known.
	Command string `json:"command,omitempty"`
	// LastAttempt is when delivery was last tried, when the report says.
	LastAttempt time.Time `json:"lastAttempt,omitzero"`
	// Reason says why, in Sisimai's vocabulary.
	Reason Reason `json:"reason"`
	// Hard is true only when the address itself is dead (see the package
	// documentation): the signal to suppress it.
	Hard bool `json:"hard"`
	// SESBounceType and SESBounceSubType are what an Amazon SES bounce
	// notification would say (Permanent, Transient, Undetermined; General,
	// NoEmail, Suppressed, MailboxFull, MessageTooLarge, ContentRejected,
	// AttachmentRejected). Empty for complaints, auto-replies and deliveries.
	SESBounceType    string `json:"sesBounceType,omitempty"`
	SESBounceSubType string `json:"sesBounceSubType,omitempty"`
	// FeedbackType is the ARF Feedback-Type of a complaint (abuse, fraud,
	// virus, other, not-spam, auth-failure, opt-out).
	FeedbackType string `json:"feedbackType,omitempty"`
}
