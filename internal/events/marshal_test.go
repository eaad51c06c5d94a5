package events

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// decode turns marshaled JSON back into maps for inspection.
func decode(t *testing.T, data []byte) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	return v
}

func TestMarshalRefusesMismatchedEvents(t *testing.T) {
	t.Parallel()
	mail := Mail{MessageID: "id"}
	tests := []struct {
		name         string
		event        *Event
		notification bool
		want         string
	}{
		{name: "no event", event: nil, want: "nil event"},
		{name: "an unknown type", event: &Event{Type: "Sent", Mail: mail}, want: `unknown event type "Sent"`},
		{name: "a type without its object", event: &Event{Type: TypeBounce, Mail: mail}, want: `Bounce event without its "bounce" object`},
		{name: "a rendering failure without its object", event: &Event{Type: TypeRenderingFailure, Mail: mail}, want: `without its "failure" object`},
		{name: "a send with another type's object", event: &Event{Type: TypeSend, Mail: mail, Open: &Open{}}, want: "carries the object of another type"},
		{name: "a delivery with a bounce too", event: &Event{Type: TypeDelivery, Mail: mail, Delivery: &Delivery{}, Bounce: &Bounce{}}, want: "carries the object of another type"},
		{name: "a notification of a type SES does not notify", event: &Event{Type: TypeSend, Mail: mail}, notification: true, want: `no "Send" notification`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var err error
			if tt.notification {
				_, err = MarshalNotification(tt.event, true)
			} else {
				_, err = MarshalEvent(tt.event)
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestMarshalEventOfARawMessageWithoutHeaders(t *testing.T) {
	t.Parallel()
	// As LocalStack recorded from AWS for SendRawEmail of a message with
	// no header fields: "headers": [], commonHeaders with only the SES
	// message ID, and the tags object present.
	headers, common, truncated := HeadersFrom([]byte("\r\njust a body"))
	out, err := MarshalEvent(&Event{Type: TypeSend, Mail: Mail{
		MessageID: "0100-ses-id", Headers: headers, CommonHeaders: common, HeadersTruncated: truncated,
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"destination":[]`, `"headersTruncated":false`, `"headers":[]`,
		`"commonHeaders":{"messageId":"0100-ses-id"}`, `"tags":{}`, `"send":{}`,
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("missing %s in %s", want, out)
		}
	}
}

func TestMarshalEventFollowsSESPerType(t *testing.T) {
	t.Parallel()
	mail := Mail{
		SourceArn: "arn:aws:ses:us-east-1:123456789012:identity/example.com",
		MessageID: "id",
		Headers:   []Header{{Name: "Subject", Value: "Hi"}},
	}
	t.Run("open and click events have no sourceArn", func(t *testing.T) {
		t.Parallel()
		for _, e := range []*Event{
			{Type: TypeOpen, Mail: mail, Open: &Open{}},
			{Type: TypeClick, Mail: mail, Click: &Click{}},
		} {
			out, err := MarshalEvent(e)
			if err != nil {
				t.Fatal(err)
			}
			if m := decode(t, out)["mail"].(map[string]any); m["sourceArn"] != nil {
				t.Errorf("%s event has sourceArn: %s", e.Type, out)
			}
		}
	})
	t.Run("a rendering failure has no headers but says they are not truncated", func(t *testing.T) {
		t.Parallel()
		out, err := MarshalEvent(&Event{Type: TypeRenderingFailure, Mail: mail, Failure: &RenderingFailure{}})
		if err != nil {
			t.Fatal(err)
		}
		m := decode(t, out)["mail"].(map[string]any)
		if m["headers"] != nil || m["commonHeaders"] != nil || m["headersTruncated"] != false || m["sourceArn"] == nil {
			t.Errorf("mail = %s", out)
		}
	})
	t.Run("events never carry sourceIp or callerIdentity", func(t *testing.T) {
		t.Parallel()
		m := mail
		m.SourceIP, m.CallerIdentity = "192.0.2.1", "user"
		out, err := MarshalEvent(&Event{Type: TypeSend, Mail: m})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(out), "sourceIp") || strings.Contains(string(out), "callerIdentity") {
			t.Errorf("event has notification-only fields: %s", out)
		}
	})
}

func TestMarshalNotificationHeadersAndTags(t *testing.T) {
	t.Parallel()
	e := &Event{Type: TypeDelivery, Mail: Mail{
		MessageID: "id",
		Headers:   []Header{{Name: "Subject", Value: "Hi"}},
		Tags:      map[string][]string{"ses:configuration-set": {"c"}},
	}, Delivery: &Delivery{}}
	without, err := MarshalNotification(e, false)
	if err != nil {
		t.Fatal(err)
	}
	m := decode(t, without)["mail"].(map[string]any)
	for _, key := range []string{"headersTruncated", "headers", "commonHeaders", "tags"} {
		if _, ok := m[key]; ok {
			t.Errorf("notification without headers has %q: %s", key, without)
		}
	}
	with, err := MarshalNotification(e, true)
	if err != nil {
		t.Fatal(err)
	}
	m = decode(t, with)["mail"].(map[string]any)
	for _, key := range []string{"headersTruncated", "headers", "commonHeaders"} {
		if _, ok := m[key]; !ok {
			t.Errorf("notification with headers lacks %q: %s", key, with)
		}
	}
	if _, ok := m["tags"]; ok {
		t.Errorf("notification has tags: %s", with)
	}
}

func TestMarshalTimestamps(t *testing.T) {
	t.Parallel()
	tokyo := time.FixedZone("JST", 9*3600)
	newYork := time.FixedZone("EST", -5*3600)
	e := &Event{
		Type: TypeComplaint,
		Mail: Mail{Timestamp: time.Date(2016, 10, 14, 14, 2, 16, 645_999_999, tokyo)},
		Complaint: &Complaint{
			Timestamp:        time.Date(2017, 8, 5, 0, 41, 2, 0, time.UTC),
			ArrivalDate:      time.Date(2009, 12, 3, 4, 24, 21, 0, newYork),
			ComplaintSubType: "OnAccountSuppressionList",
		},
	}
	out, err := MarshalEvent(e)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		// UTC, milliseconds, truncated rather than rounded.
		`"timestamp":"2016-10-14T05:02:16.645Z"`,
		`"timestamp":"2017-08-05T00:41:02.000Z"`,
		// The report's own offset, as in [DG:notification-contents].
		`"arrivalDate":"2009-12-03T04:24:21.000-05:00"`,
		`"complaintSubType":"OnAccountSuppressionList"`,
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("missing %s in %s", want, out)
		}
	}
}

func TestMarshalWritesAngleBracketsAsTheyAre(t *testing.T) {
	t.Parallel()
	out, err := MarshalEvent(&Event{Type: TypeSend, Mail: Mail{Source: "Sender Name <sender@example.com>"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `"source":"Sender Name <sender@example.com>"`) {
		t.Errorf("source escaped: %s", out)
	}
}
