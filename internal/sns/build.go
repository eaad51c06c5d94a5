package sns

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Endpoints are the public URLs of hikyaku's SNS emulation that appear in
// envelopes.
type Endpoints struct {
	// API is the URL SubscribeURL and UnsubscribeURL point at, where
	// hikyaku answers Action=ConfirmSubscription and Action=Unsubscribe
	// (SNS's is "https://sns.<region>.amazonaws.com/").
	API string
	// SigningCert is the URL the signing certificate is served at. AWS's
	// validators insist that it is https and ends in ".pem" (see
	// Signer.CertFileName).
	SigningCert string
}

// Publication is one message published to a topic.
type Publication struct {
	// MessageID is the message's UUID; it stays the same on every retry
	// of every subscription (see NewMessageID).
	MessageID string
	TopicARN  string
	// Subject is optional; SNS omits it when empty.
	Subject string
	Message string
	// Attributes are sent in the JSON envelope, not with raw delivery.
	Attributes map[string]MessageAttribute
	// Time is when the message was published.
	Time time.Time
}

// NewNotification returns the unsigned Notification envelope that delivers
// p to the subscription subscriptionARN.
func NewNotification(ep Endpoints, subscriptionARN string, p Publication) *Envelope {
	return &Envelope{
		Type:              TypeNotification,
		MessageId:         p.MessageID,
		TopicArn:          p.TopicARN,
		Subject:           p.Subject,
		Message:           p.Message,
		Timestamp:         Timestamp(p.Time),
		SigningCertURL:    ep.SigningCert,
		UnsubscribeURL:    UnsubscribeURL(ep.API, subscriptionARN),
		MessageAttributes: p.Attributes,
	}
}

// NewSubscriptionConfirmation returns the unsigned envelope that asks the
// owner of a new subscription to topicARN to confirm it, with SNS's wording
// [SNSDG: http-subscription-confirmation-json].
func NewSubscriptionConfirmation(ep Endpoints, topicARN, messageID, token string, at time.Time) *Envelope {
	return &Envelope{
		Type:      TypeSubscriptionConfirmation,
		MessageId: messageID,
		Token:     token,
		TopicArn:  topicARN,
		Message: "You have chosen to subscribe to the topic " + topicARN + ".\n" +
			"To confirm the subscription, visit the SubscribeURL included in this message.",
		SubscribeURL:   SubscribeURL(ep.API, topicARN, token),
		Timestamp:      Timestamp(at),
		SigningCertURL: ep.SigningCert,
	}
}

// NewUnsubscribeConfirmation returns the unsigned envelope that tells the
// endpoint of subscriptionARN it has been unsubscribed; token re-confirms
// it, with SNS's wording [SNSDG: http-unsubscribe-confirmation-json].
func NewUnsubscribeConfirmation(ep Endpoints, subscriptionARN, messageID, token string, at time.Time) *Envelope {
	topicARN := subscriptionARN[:max(strings.LastIndexByte(subscriptionARN, ':'), 0)]
	return &Envelope{
		Type:      TypeUnsubscribeConfirmation,
		MessageId: messageID,
		Token:     token,
		TopicArn:  topicARN,
		Message: "You have chosen to deactivate subscription " + subscriptionARN + ".\n" +
			"To cancel this operation and restore the subscription, visit the SubscribeURL included in this message.",
		SubscribeURL:   SubscribeURL(ep.API, topicARN, token),
		Timestamp:      Timestamp(at),
		SigningCertURL: ep.SigningCert,
	}
}

// SubscribeURL is the URL that confirms a subscription to topicARN with
// token: api?Action=ConfirmSubscription&TopicArn=…&Token=….
func SubscribeURL(api, topicARN, token string) string {
	return withQuery(api, "Action=ConfirmSubscription&TopicArn="+escape(topicARN)+"&Token="+escape(token))
}

// UnsubscribeURL is the URL that ends the subscription subscriptionARN:
// api?Action=Unsubscribe&SubscriptionArn=….
func UnsubscribeURL(api, subscriptionARN string) string {
	return withQuery(api, "Action=Unsubscribe&SubscriptionArn="+escape(subscriptionARN))
}

func withQuery(api, query string) string {
	if strings.Contains(api, "?") {
		return api + "&" + query
	}
	return api + "?" + query
}

// escape query-escapes s but keeps the colons of an ARN literal, as SNS
// writes them ("SubscriptionArn=arn:aws:sns:…"); a colon is legal in a
// query.
func escape(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "%3A", ":") }

// NewMessageID returns a random (version 4) UUID, the form of SNS's
// MessageId.
func NewMessageID() string {
	var u [16]byte
	_, _ = rand.Read(u[:]) // crypto/rand.Read never fails.
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	h := hex.EncodeToString(u[:])
	return fmt.Sprintf("%s-%s-%s-%s-%s", h[0:8], h[8:12], h[12:16], h[16:20], h[20:32])
}

// NewToken returns a random subscription confirmation token: 128 hex
// digits, unguessable, and shaped like SNS's (which are long hex strings).
func NewToken() string {
	var b [64]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
