package events

import (
	"encoding/json"
	"time"
)

// The wire types hold every JSON key SES writes, in the order SES writes
// them (taken from recordings of real SES output where the documentation's
// examples differ; order carries no meaning in JSON, but a reader comparing
// with SES's output finds the same layout). A key that SES leaves out when
// it has no value is ",omitempty"; one that SES always writes is not.

// timeLayout is SES's timestamp: ISO 8601 with milliseconds, and "Z" for
// UTC ("2016-10-14T05:02:16.645Z"). Java truncates to milliseconds, and so
// does Format.
const timeLayout = "2006-01-02T15:04:05.000Z07:00"

// utcTime is a timestamp SES writes in UTC.
type utcTime time.Time

func (t utcTime) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Time(t).UTC().Format(timeLayout))
}

// zonedTime is a timestamp SES writes with the offset it came with (the
// complaint's arrivalDate).
type zonedTime time.Time

func (t zonedTime) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Time(t).Format(timeLayout))
}

type wireEvent struct {
	EventType        string `json:"eventType,omitempty"`
	NotificationType string `json:"notificationType,omitempty"`

	Bounce        *wireBounce        `json:"bounce,omitempty"`
	Complaint     *wireComplaint     `json:"complaint,omitempty"`
	Click         *wireClick         `json:"click,omitempty"`
	Mail          wireMail           `json:"mail"`
	Delivery      *wireDelivery      `json:"delivery,omitempty"`
	Send          *struct{}          `json:"send,omitempty"`
	Reject        *wireReject        `json:"reject,omitempty"`
	Open          *wireOpen          `json:"open,omitempty"`
	Failure       *wireFailure       `json:"failure,omitempty"`
	DeliveryDelay *wireDeliveryDelay `json:"deliveryDelay,omitempty"`
	Subscription  *wireSubscription  `json:"subscription,omitempty"`
}

type wireMail struct {
	Timestamp utcTime `json:"timestamp"`
	Source    string  `json:"source"`
	SourceArn string  `json:"sourceArn,omitempty"`
	// Notifications only.
	SourceIP         string   `json:"sourceIp,omitempty"`
	CallerIdentity   string   `json:"callerIdentity,omitempty"`
	SendingAccountID string   `json:"sendingAccountId"`
	MessageID        string   `json:"messageId"`
	Destination      []string `json:"destination"`
	// Pointers so that "headers": [] and "tags": {} can be written when
	// they are present but empty, as SES does for a raw message with no
	// headers (LocalStack's recording of SendRawEmail against AWS).
	HeadersTruncated *bool                `json:"headersTruncated,omitempty"`
	Headers          *[]Header            `json:"headers,omitempty"`
	CommonHeaders    *CommonHeaders       `json:"commonHeaders,omitempty"`
	Tags             *map[string][]string `json:"tags,omitempty"`
}

type wireBounce struct {
	FeedbackID        string                 `json:"feedbackId"`
	BounceType        string                 `json:"bounceType"`
	BounceSubType     string                 `json:"bounceSubType"`
	BouncedRecipients []wireBouncedRecipient `json:"bouncedRecipients"`
	Timestamp         utcTime                `json:"timestamp"`
	RemoteMtaIP       string                 `json:"remoteMtaIp,omitempty"`
	ReportingMTA      string                 `json:"reportingMTA,omitempty"`
}

type wireBouncedRecipient struct {
	EmailAddress   string `json:"emailAddress"`
	Action         string `json:"action,omitempty"`
	Status         string `json:"status,omitempty"`
	DiagnosticCode string `json:"diagnosticCode,omitempty"`
}

type wireComplaint struct {
	FeedbackID string `json:"feedbackId"`
	// A null complaintSubType is written, not omitted: SES has done so
	// since the field appeared (recordings from 2020 and 2026).
	ComplaintSubType      *string            `json:"complaintSubType"`
	ComplainedRecipients  []wireEmailAddress `json:"complainedRecipients"`
	Timestamp             utcTime            `json:"timestamp"`
	UserAgent             string             `json:"userAgent,omitempty"`
	ComplaintFeedbackType string             `json:"complaintFeedbackType,omitempty"`
	ArrivalDate           *zonedTime         `json:"arrivalDate,omitempty"`
}

type wireEmailAddress struct {
	EmailAddress string `json:"emailAddress"`
}

type wireDelivery struct {
	Timestamp            utcTime  `json:"timestamp"`
	ProcessingTimeMillis int64    `json:"processingTimeMillis"`
	Recipients           []string `json:"recipients"`
	SMTPResponse         string   `json:"smtpResponse"`
	RemoteMtaIP          string   `json:"remoteMtaIp,omitempty"`
	ReportingMTA         string   `json:"reportingMTA"`
}

type wireReject struct {
	Reason string `json:"reason"`
}

type wireOpen struct {
	IPAddress string  `json:"ipAddress"`
	Timestamp utcTime `json:"timestamp"`
	UserAgent string  `json:"userAgent"`
}

type wireClick struct {
	IPAddress string              `json:"ipAddress"`
	Link      string              `json:"link"`
	LinkTags  map[string][]string `json:"linkTags,omitempty"`
	Timestamp utcTime             `json:"timestamp"`
	UserAgent string              `json:"userAgent"`
}

type wireFailure struct {
	ErrorMessage string `json:"errorMessage"`
	TemplateName string `json:"templateName"`
}

type wireDeliveryDelay struct {
	Timestamp         utcTime                `json:"timestamp"`
	DelayType         string                 `json:"delayType"`
	ExpirationTime    utcTime                `json:"expirationTime"`
	DelayedRecipients []wireDelayedRecipient `json:"delayedRecipients"`
	ReportingMTA      string                 `json:"reportingMTA,omitempty"`
}

type wireDelayedRecipient struct {
	EmailAddress   string `json:"emailAddress"`
	Status         string `json:"status"`
	DiagnosticCode string `json:"diagnosticCode"`
}

type wireSubscription struct {
	ContactList         string               `json:"contactList"`
	Timestamp           utcTime              `json:"timestamp"`
	Source              string               `json:"source"`
	NewTopicPreferences wireTopicPreferences `json:"newTopicPreferences"`
	OldTopicPreferences wireTopicPreferences `json:"oldTopicPreferences"`
}

type wireTopicPreferences struct {
	UnsubscribeAll          bool              `json:"unsubscribeAll"`
	TopicSubscriptionStatus []wireTopicStatus `json:"topicSubscriptionStatus"`
	// topicDefaultSubscriptionStatus is in the field list of
	// [DG:event-publishing-retrieving-sns-contents] as the typed parsers
	// of SES events copy it; no example shows it, so it is written only
	// when there is something in it.
	TopicDefaultSubscriptionStatus []wireTopicStatus `json:"topicDefaultSubscriptionStatus,omitempty"`
}

type wireTopicStatus struct {
	TopicName          string `json:"topicName"`
	SubscriptionStatus string `json:"subscriptionStatus"`
}
