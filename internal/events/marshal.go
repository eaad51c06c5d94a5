package events

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// MarshalEvent returns e as the JSON SES publishes to a configuration set's
// event destinations: "eventType", "mail" and the type's object.
//
// The mail object always carries headersTruncated, headers, commonHeaders
// and tags: event publishing has no setting to leave headers out. Two types
// differ, as in SES's examples: a Rendering Failure has no headers or
// commonHeaders (the message was never rendered), and Open and Click have
// no sourceArn (a recording of a real Open event agrees). A DeliveryDelay
// keeps its headers, although AWS's abbreviated example of one has none.
//
// The JSON is compact, without a trailing newline, and writes <, > and &
// as they are, as SES does; a sink that needs records one per line adds
// the newline.
func MarshalEvent(e *Event) ([]byte, error) {
	if e == nil {
		return nil, errors.New("events: nil event")
	}
	w := wireEvent{EventType: e.Type}
	if err := setObject(&w, e); err != nil {
		return nil, err
	}
	w.Mail = baseMail(&e.Mail)
	if e.Type == TypeRenderingFailure {
		truncated := e.Mail.HeadersTruncated
		w.Mail.HeadersTruncated = &truncated
	} else {
		addHeaders(&w.Mail, &e.Mail)
	}
	if e.Type == TypeOpen || e.Type == TypeClick {
		w.Mail.SourceArn = ""
	}
	tags := copyTags(e.Mail.Tags)
	w.Mail.Tags = &tags
	return encode(&w)
}

// MarshalNotification returns e as the JSON of an identity's feedback
// notification (SetIdentityNotificationTopic): "notificationType", "mail"
// and the type's object. SES sends these for Bounce, Complaint and
// Delivery only; other types are an error.
//
// The mail object adds sourceIp and callerIdentity, never has tags ("If
// using feedback notifications directly on the identity, SES does not
// publish tags", [DG:event-publishing-retrieving-sns-examples]), and has
// headersTruncated, headers and commonHeaders only when includeHeaders,
// the identity's SetIdentityHeadersInNotificationsEnabled for this type.
func MarshalNotification(e *Event, includeHeaders bool) ([]byte, error) {
	if e == nil {
		return nil, errors.New("events: nil event")
	}
	switch e.Type {
	case TypeBounce, TypeComplaint, TypeDelivery:
	default:
		return nil, fmt.Errorf("events: SES sends no %q notification to an identity's topic, only Bounce, Complaint and Delivery", e.Type)
	}
	w := wireEvent{NotificationType: e.Type}
	if err := setObject(&w, e); err != nil {
		return nil, err
	}
	w.Mail = baseMail(&e.Mail)
	w.Mail.SourceIP = e.Mail.SourceIP
	w.Mail.CallerIdentity = e.Mail.CallerIdentity
	if includeHeaders {
		addHeaders(&w.Mail, &e.Mail)
	}
	return encode(&w)
}

// setObject puts the object of e's type into w, and refuses an event whose
// objects do not match its type: a bounce in a Delivery event is a bug in
// the caller, not something to publish.
func setObject(w *wireEvent, e *Event) error {
	missing := false
	switch e.Type {
	case TypeSend:
		w.Send = &struct{}{}
	case TypeReject:
		if missing = e.Reject == nil; !missing {
			w.Reject = &wireReject{Reason: e.Reject.Reason}
		}
	case TypeBounce:
		if missing = e.Bounce == nil; !missing {
			w.Bounce = bounceWire(e.Bounce)
		}
	case TypeComplaint:
		if missing = e.Complaint == nil; !missing {
			w.Complaint = complaintWire(e.Complaint)
		}
	case TypeDelivery:
		if missing = e.Delivery == nil; !missing {
			w.Delivery = deliveryWire(e.Delivery)
		}
	case TypeDeliveryDelay:
		if missing = e.DeliveryDelay == nil; !missing {
			w.DeliveryDelay = deliveryDelayWire(e.DeliveryDelay)
		}
	case TypeRenderingFailure:
		if missing = e.Failure == nil; !missing {
			w.Failure = &wireFailure{ErrorMessage: e.Failure.ErrorMessage, TemplateName: e.Failure.TemplateName}
		}
	case TypeOpen:
		if missing = e.Open == nil; !missing {
			w.Open = &wireOpen{IPAddress: e.Open.IPAddress, Timestamp: utcTime(e.Open.Timestamp), UserAgent: e.Open.UserAgent}
		}
	case TypeClick:
		if missing = e.Click == nil; !missing {
			w.Click = clickWire(e.Click)
		}
	case TypeSubscription:
		if missing = e.Subscription == nil; !missing {
			w.Subscription = subscriptionWire(e.Subscription)
		}
	default:
		return fmt.Errorf("events: unknown event type %q", e.Type)
	}
	if missing {
		return fmt.Errorf("events: %s event without its %q object", e.Type, objectKey(e.Type))
	}
	allowed := 1
	if e.Type == TypeSend {
		allowed = 0
	}
	if e.objectCount() > allowed {
		return fmt.Errorf("events: %s event carries the object of another type", e.Type)
	}
	return nil
}

// objectCount counts e's type objects that are set.
func (e *Event) objectCount() int {
	n := 0
	for _, set := range []bool{
		e.Bounce != nil, e.Complaint != nil, e.Delivery != nil, e.Reject != nil,
		e.DeliveryDelay != nil, e.Failure != nil, e.Open != nil, e.Click != nil,
		e.Subscription != nil,
	} {
		if set {
			n++
		}
	}
	return n
}

// objectKey is the JSON key of typ's object.
func objectKey(typ string) string {
	switch typ {
	case TypeRenderingFailure:
		return "failure"
	case TypeDeliveryDelay:
		return "deliveryDelay"
	}
	if typ == "" {
		return ""
	}
	return string(typ[0]+'a'-'A') + typ[1:]
}

func baseMail(m *Mail) wireMail {
	return wireMail{
		Timestamp:        utcTime(m.Timestamp),
		Source:           m.Source,
		SourceArn:        m.SourceArn,
		SendingAccountID: m.SendingAccountID,
		MessageID:        m.MessageID,
		Destination:      nonNil(m.Destination),
	}
}

// addHeaders writes headersTruncated, headers and commonHeaders, the three
// fields that come and go together.
func addHeaders(w *wireMail, m *Mail) {
	truncated := m.HeadersTruncated
	headers := m.Headers
	if headers == nil {
		headers = []Header{}
	}
	common := m.CommonHeaders
	if common.MessageID == "" {
		common.MessageID = m.MessageID
	}
	w.HeadersTruncated = &truncated
	w.Headers = &headers
	w.CommonHeaders = &common
}

func bounceWire(b *Bounce) *wireBounce {
	w := &wireBounce{
		FeedbackID:        b.FeedbackID,
		BounceType:        b.BounceType,
		BounceSubType:     b.BounceSubType,
		BouncedRecipients: make([]wireBouncedRecipient, 0, len(b.BouncedRecipients)),
		Timestamp:         utcTime(b.Timestamp),
		RemoteMtaIP:       b.RemoteMtaIP,
		ReportingMTA:      b.ReportingMTA,
	}
	for _, r := range b.BouncedRecipients {
		w.BouncedRecipients = append(w.BouncedRecipients, wireBouncedRecipient(r))
	}
	return w
}

func complaintWire(c *Complaint) *wireComplaint {
	w := &wireComplaint{
		FeedbackID:            c.FeedbackID,
		ComplainedRecipients:  make([]wireEmailAddress, 0, len(c.ComplainedRecipients)),
		Timestamp:             utcTime(c.Timestamp),
		UserAgent:             c.UserAgent,
		ComplaintFeedbackType: c.FeedbackType,
	}
	if c.ComplaintSubType != "" {
		sub := c.ComplaintSubType
		w.ComplaintSubType = &sub
	}
	for _, r := range c.ComplainedRecipients {
		w.ComplainedRecipients = append(w.ComplainedRecipients, wireEmailAddress{EmailAddress: r})
	}
	if !c.ArrivalDate.IsZero() {
		d := zonedTime(c.ArrivalDate)
		w.ArrivalDate = &d
	}
	return w
}

func deliveryWire(d *Delivery) *wireDelivery {
	return &wireDelivery{
		Timestamp:            utcTime(d.Timestamp),
		ProcessingTimeMillis: d.ProcessingTime.Milliseconds(),
		Recipients:           nonNil(d.Recipients),
		SMTPResponse:         d.SMTPResponse,
		RemoteMtaIP:          d.RemoteMtaIP,
		ReportingMTA:         d.ReportingMTA,
	}
}

func deliveryDelayWire(d *DeliveryDelay) *wireDeliveryDelay {
	w := &wireDeliveryDelay{
		Timestamp:         utcTime(d.Timestamp),
		DelayType:         d.DelayType,
		ExpirationTime:    utcTime(d.ExpirationTime),
		DelayedRecipients: make([]wireDelayedRecipient, 0, len(d.DelayedRecipients)),
		ReportingMTA:      d.ReportingMTA,
	}
	for _, r := range d.DelayedRecipients {
		w.DelayedRecipients = append(w.DelayedRecipients, wireDelayedRecipient(r))
	}
	return w
}

func clickWire(c *Click) *wireClick {
	w := &wireClick{
		IPAddress: c.IPAddress,
		Link:      c.Link,
		Timestamp: utcTime(c.Timestamp),
		UserAgent: c.UserAgent,
	}
	if len(c.LinkTags) > 0 {
		w.LinkTags = copyTags(c.LinkTags)
	}
	return w
}

func subscriptionWire(s *Subscription) *wireSubscription {
	return &wireSubscription{
		ContactList:         s.ContactList,
		Timestamp:           utcTime(s.Timestamp),
		Source:              s.Source,
		NewTopicPreferences: topicPreferencesWire(s.New),
		OldTopicPreferences: topicPreferencesWire(s.Old),
	}
}

func topicPreferencesWire(p TopicPreferences) wireTopicPreferences {
	w := wireTopicPreferences{
		UnsubscribeAll:          p.UnsubscribeAll,
		TopicSubscriptionStatus: topicStatusWire(p.Topics),
	}
	if len(p.Defaults) > 0 {
		w.TopicDefaultSubscriptionStatus = topicStatusWire(p.Defaults)
	}
	return w
}

func topicStatusWire(list []TopicStatus) []wireTopicStatus {
	w := make([]wireTopicStatus, 0, len(list))
	for _, t := range list {
		w = append(w, wireTopicStatus{TopicName: t.TopicName, SubscriptionStatus: t.Status})
	}
	return w
}

// copyTags returns tags with no nil map or value, so that JSON has {} and
// [] where Go has nil.
func copyTags(tags map[string][]string) map[string][]string {
	out := make(map[string][]string, len(tags))
	for k, v := range tags {
		out[k] = append([]string{}, v...)
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// encode writes v as compact JSON. HTML escaping is off: SES writes
// "Sender Name <sender@example.com>", not "\u003csender@…".
func encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("events: encoding JSON: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
