package events

import "time"

// Event types, spelled as SES spells them in "eventType" (and, for the first
// three, in "notificationType"). Note the space in "Rendering Failure".
const (
	TypeSend             = "Send"
	TypeReject           = "Reject"
	TypeBounce           = "Bounce"
	TypeComplaint        = "Complaint"
	TypeDelivery         = "Delivery"
	TypeDeliveryDelay    = "DeliveryDelay"
	TypeRenderingFailure = "Rendering Failure"
	TypeOpen             = "Open"
	TypeClick            = "Click"
	TypeSubscription     = "Subscription"
)

// Event is one thing that happened to a message: its Type, the message it
// happened to, and the object for that type. Exactly the object that
// matches Type is set; a Send event has none (SES writes "send": {}).
type Event struct {
	Type string
	Mail Mail

	Bounce        *Bounce
	Complaint     *Complaint
	Delivery      *Delivery
	Reject        *Reject
	DeliveryDelay *DeliveryDelay
	Failure       *RenderingFailure
	Open          *Open
	Click         *Click
	Subscription  *Subscription
}

// Bounce is SES's "bounce" object: a hard bounce, or a soft one SES stopped
// retrying.
type Bounce struct {
	// BounceType is Undetermined, Permanent or Transient.
	BounceType string
	// BounceSubType is Undetermined, General, NoEmail, Suppressed,
	// OnAccountSuppressionList (Permanent), or General, MailboxFull,
	// MessageTooLarge, ContentRejected, AttachmentRejected (Transient).
	BounceSubType     string
	BouncedRecipients []BouncedRecipient
	// Timestamp is when the receiving side sent the bounce.
	Timestamp time.Time
	// FeedbackID identifies this bounce.
	FeedbackID string
	// RemoteMtaIP is the address of the MTA SES tried to deliver to; empty
	// (and omitted) when SES never reached one, as for a bounce without a
	// DSN.
	RemoteMtaIP string
	// ReportingMTA is the DSN's Reporting-MTA with its type, as
	// "dns; a8-86.smtp-out.amazonses.com"; empty (and omitted) without a DSN.
	ReportingMTA string
}

// BouncedRecipient is one entry of "bouncedRecipients". Action, Status and
// DiagnosticCode come from the DSN and are omitted when empty.
type BouncedRecipient struct {
	EmailAddress   string
	Action         string
	Status         string
	DiagnosticCode string
}

// Complaint is SES's "complaint" object.
type Complaint struct {
	// ComplainedRecipients lists every recipient on the complaining domain,
	// since most ISPs redact who complained.
	ComplainedRecipients []string
	Timestamp            time.Time
	FeedbackID           string
	// ComplaintSubType is "" (written as null, as SES does) or
	// OnAccountSuppressionList.
	ComplaintSubType string
	// UserAgent, FeedbackType (abuse, auth-failure, fraud, not-spam, other,
	// virus) and ArrivalDate come from an attached ARF report and are
	// omitted when empty or zero.
	UserAgent    string
	FeedbackType string
	// ArrivalDate keeps its time zone: SES writes the report's
	// Arrival-Date with its offset ("2009-12-03T04:24:21.000-05:00" in
	// [DG:notification-contents]) or with Z when it is in UTC.
	ArrivalDate time.Time
}

// Delivery is SES's "delivery" object: the receiving MTA accepted the
// message for Recipients.
type Delivery struct {
	Timestamp time.Time
	// ProcessingTime is from acceptance by SES to acceptance by the
	// receiving MTA; it is written in whole milliseconds.
	ProcessingTime time.Duration
	Recipients     []string
	// SMTPResponse is the receiving MTA's reply, as "250 2.0.0 OK".
	SMTPResponse string
	// ReportingMTA is the host name of the sending MTA.
	ReportingMTA string
	// RemoteMtaIP is the receiving MTA's address, omitted when empty.
	RemoteMtaIP string
}

// Reject is SES's "reject" object. SES's only Reason is "Bad content" (a
// virus was found).
type Reject struct {
	Reason string
}

// DeliveryDelay is SES's "deliveryDelay" object: a temporary failure that
// SES is still retrying.
type DeliveryDelay struct {
	Timestamp time.Time
	// DelayType is InternalFailure, General, MailboxFull, SpamDetected,
	// RecipientServerError, IPFailure, TransientCommunicationFailure,
	// BYOIPHostNameLookupUnavailable, Undetermined or SendingDeferral.
	DelayType string
	// ExpirationTime is when SES will stop retrying.
	ExpirationTime    time.Time
	DelayedRecipients []DelayedRecipient
	// ReportingMTA is the MTA that reported the delay, omitted when empty.
	ReportingMTA string
}

// DelayedRecipient is one entry of "delayedRecipients".
type DelayedRecipient struct {
	EmailAddress   string
	Status         string
	DiagnosticCode string
}

// RenderingFailure is SES's "failure" object, for the "Rendering Failure"
// type: a template could not be rendered.
type RenderingFailure struct {
	TemplateName string
	ErrorMessage string
}

// Open is SES's "open" object: the tracking image was fetched.
type Open struct {
	IPAddress string
	Timestamp time.Time
	UserAgent string
}

// Click is SES's "click" object: a tracked link was followed.
type Click struct {
	IPAddress string
	Timestamp time.Time
	UserAgent string
	Link      string
	// LinkTags are the link's ses:tags attribute, omitted when empty.
	LinkTags map[string][]string
}

// Subscription is SES's "subscription" object: a contact changed its
// preferences through list management.
type Subscription struct {
	ContactList string
	Timestamp   time.Time
	// Source is how the change came, as "UnsubscribeHeader".
	Source string
	New    TopicPreferences
	Old    TopicPreferences
}

// TopicPreferences is "newTopicPreferences" or "oldTopicPreferences".
type TopicPreferences struct {
	UnsubscribeAll bool
	Topics         []TopicStatus
	// Defaults is "topicDefaultSubscriptionStatus", omitted when empty.
	Defaults []TopicStatus
}

// TopicStatus is one topic and its "subscriptionStatus", OptIn or OptOut
// (SES's spelling here, unlike the API's OPT_IN).
type TopicStatus struct {
	TopicName string
	Status    string
}
