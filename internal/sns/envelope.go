package sns

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// MessageType is the Type of an envelope, also sent in the
// x-amz-sns-message-type header.
type MessageType string

// The three kinds of message SNS POSTs to an HTTP(S) subscriber.
const (
	TypeNotification             MessageType = "Notification"
	TypeSubscriptionConfirmation MessageType = "SubscriptionConfirmation"
	TypeUnsubscribeConfirmation  MessageType = "UnsubscribeConfirmation"
)

// Signature versions: the topic attribute SignatureVersion chooses the hash
// SNS signs with; 1 is SNS's default [SNSDG: sns-verify-signature-of-message].
const (
	SignatureVersion1 = "1" // SHA1withRSA
	SignatureVersion2 = "2" // SHA256withRSA
)

// Envelope is the JSON document SNS POSTs to an HTTP(S) subscriber. Which
// fields a message carries depends on its Type; Body writes exactly those.
// Field names and JSON tags are SNS's, so json.Unmarshal reads a body back.
type Envelope struct {
	Type      MessageType `json:"Type"`
	MessageId string      `json:"MessageId"`
	// Token confirms (or re-confirms) a subscription; confirmations only.
	Token    string `json:"Token,omitempty"`
	TopicArn string `json:"TopicArn"`
	// Subject is optional on a Notification and absent when empty; SNS
	// never sends it on a confirmation.
	Subject string `json:"Subject,omitempty"`
	Message string `json:"Message"`
	// SubscribeURL confirms the subscription when fetched; confirmations only.
	SubscribeURL string `json:"SubscribeURL,omitempty"`
	// Timestamp is when the message was published, in SNS's format
	// (Timestamp makes one). It is signed as this exact string.
	Timestamp        string `json:"Timestamp"`
	SignatureVersion string `json:"SignatureVersion"`
	Signature        string `json:"Signature"`
	SigningCertURL   string `json:"SigningCertURL"`
	// UnsubscribeURL unsubscribes the endpoint when fetched; notifications only.
	UnsubscribeURL string `json:"UnsubscribeURL,omitempty"`
	// MessageAttributes are the publisher's attributes; notifications only,
	// not signed, and dropped by raw delivery.
	MessageAttributes map[string]MessageAttribute `json:"MessageAttributes,omitempty"`
}

// MessageAttribute is one message attribute as it appears in a
// notification: Type is "String", "String.Array", "Number" or "Binary"
// (Value then holds base64).
type MessageAttribute struct {
	Type  string `json:"Type"`
	Value string `json:"Value"`
}

// timestampLayout is SNS's: UTC with milliseconds, e.g.
// "2012-05-02T00:54:06.655Z" [SNSDG: sns-message-and-json-formats].
const timestampLayout = "2006-01-02T15:04:05.000Z"

// Timestamp formats t as SNS writes the Timestamp field.
func Timestamp(t time.Time) string { return t.UTC().Format(timestampLayout) }

// field is one name/value pair of an envelope, in the order SNS writes it.
type field struct{ name, value string }

// fields returns the envelope's string fields in SNS's order for its Type.
// The orders are those of SNS's own examples [SNSDG:
// sns-message-and-json-formats]; a Notification has no Token or
// SubscribeURL and a confirmation has no Subject or UnsubscribeURL, so a
// consumer that signs every field it finds (as AWS's PHP and JS validators
// do) builds the same string to sign as we do.
func (e *Envelope) fields() ([]field, error) {
	switch e.Type {
	case TypeNotification:
		fs := []field{{"Type", string(e.Type)}, {"MessageId", e.MessageId}, {"TopicArn", e.TopicArn}}
		if e.Subject != "" {
			fs = append(fs, field{"Subject", e.Subject})
		}
		return append(fs,
			field{"Message", e.Message},
			field{"Timestamp", e.Timestamp},
			field{"SignatureVersion", e.SignatureVersion},
			field{"Signature", e.Signature},
			field{"SigningCertURL", e.SigningCertURL},
			field{"UnsubscribeURL", e.UnsubscribeURL},
		), nil
	case TypeSubscriptionConfirmation, TypeUnsubscribeConfirmation:
		return []field{
			{"Type", string(e.Type)},
			{"MessageId", e.MessageId},
			{"Token", e.Token},
			{"TopicArn", e.TopicArn},
			{"Message", e.Message},
			{"SubscribeURL", e.SubscribeURL},
			{"Timestamp", e.Timestamp},
			{"SignatureVersion", e.SignatureVersion},
			{"Signature", e.Signature},
			{"SigningCertURL", e.SigningCertURL},
		}, nil
	}
	return nil, fmt.Errorf("sns: unknown message type %q", e.Type)
}

// check reports what keeps the envelope from being signed or sent: an
// unknown type, a required field left empty, or a value that is not UTF-8
// (JSON would change it, and the signature with it).
func (e *Envelope) check() error {
	fs, err := e.fields()
	if err != nil {
		return err
	}
	var missing []string
	for _, f := range fs {
		switch f.name {
		case "Subject", "SignatureVersion", "Signature":
			// Optional, or filled in by Sign.
		default:
			if f.value == "" {
				missing = append(missing, f.name)
			}
		}
		if !utf8.ValidString(f.value) {
			return fmt.Errorf("sns: %s is not valid UTF-8", f.name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("sns: %s envelope lacks %s", e.Type, strings.Join(missing, ", "))
	}
	return nil
}

// Body returns the envelope as SNS writes it in the body of its POST:
// fields in SNS's order, only those of the envelope's Type, laid out as
// SNS lays them out ("Name" : "value", two-space indent). It fails on an
// unknown Type, or on an envelope that has not been signed.
func (e *Envelope) Body() ([]byte, error) {
	if err := e.check(); err != nil {
		return nil, err
	}
	if e.Signature == "" || e.SignatureVersion == "" {
		return nil, errors.New("sns: envelope is not signed")
	}
	fs, _ := e.fields()
	var b bytes.Buffer
	b.WriteString("{\n")
	for i, f := range fs {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, "  %s : %s", quote(f.name), quote(f.value))
	}
	if e.Type == TypeNotification && len(e.MessageAttributes) > 0 {
		b.WriteString(",\n  \"MessageAttributes\" : {\n")
		names := make([]string, 0, len(e.MessageAttributes))
		for name := range e.MessageAttributes {
			names = append(names, name)
		}
		slices.Sort(names)
		for i, name := range names {
			if i > 0 {
				b.WriteString(",\n")
			}
			a := e.MessageAttributes[name]
			fmt.Fprintf(&b, "    %s : {\"Type\":%s,\"Value\":%s}", quote(name), quote(a.Type), quote(a.Value))
		}
		b.WriteString("\n  }")
	}
	b.WriteString("\n}")
	return b.Bytes(), nil
}

// MarshalJSON writes the same fields as Body, in the same order.
// (encoding/json compacts the layout.)
func (e *Envelope) MarshalJSON() ([]byte, error) { return e.Body() }

// quote returns s as a JSON string. Unlike json.Marshal it leaves <, > and
// & alone, as SNS does: a SubscribeURL keeps its literal "&Token=".
func quote(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // A string always encodes.
	return strings.TrimSuffix(b.String(), "\n")
}
