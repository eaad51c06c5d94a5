package events

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// shopMessage is the message every golden event is about: an order
// notice with an encoded-word subject, a folded To with three addresses
// (one display name needing quotes), an encoded display name in Cc, a
// Reply-To, and the X-SES headers an SMTP client would add.
const shopMessage = "From: \"Hikyaku Shop\" <shop@example.com>\r\n" +
	"To: \"Doe, Jane\" <jane@example.net>, Richard Roe <richard@example.org>,\r\n" +
	" mary@example.com\r\n" +
	"Cc: =?UTF-8?B?5bGx55Sw5aSq6YOO?= <taro@example.jp>\r\n" +
	"Reply-To: Support <support@example.com>\r\n" +
	"Subject: =?UTF-8?Q?Votre_commande_a_=C3=A9t=C3=A9_exp=C3=A9di=C3=A9e?=\r\n" +
	"Date: Tue, 14 Oct 2025 09:30:00 +0200\r\n" +
	"Message-ID: <20251014073000.4f1c@shop.example.com>\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/alternative; \r\n" +
	"\tboundary=\"b1_5f0c3e\"\r\n" +
	"X-SES-CONFIGURATION-SET: ConfigSet\r\n" +
	"X-SES-MESSAGE-TAGS: campaign=october\r\n" +
	"\r\n" +
	"--b1_5f0c3e\r\n" +
	"Content-Type: text/plain; charset=UTF-8\r\n" +
	"\r\n" +
	"Your order has shipped.\r\n" +
	"--b1_5f0c3e--\r\n"

// at is when SES accepted shopMessage; the events follow it.
var at = time.Date(2025, 10, 14, 7, 30, 0, 412_000_000, time.UTC)

// shopMail is the mail object of shopMessage; outgoing adds the tags of an
// event after a delivery attempt.
func shopMail(t *testing.T, outgoing bool) Mail {
	t.Helper()
	headers, common, truncated := HeadersFrom([]byte(shopMessage))
	origin := Origin{
		Operation:        OperationSendRawEmail,
		ConfigurationSet: "ConfigSet",
		SourceIP:         "198.51.100.7",
		SourceTLSVersion: "TLSv1.3",
		FromDomain:       FromDomain(common),
		CallerIdentity:   "shop-mailer",
	}
	if outgoing {
		origin.OutgoingIP = "203.0.113.25"
		origin.OutgoingTLSVersion = "TLSv1.3"
	}
	return Mail{
		Timestamp:        at,
		Source:           "shop@example.com",
		SourceArn:        "arn:aws:ses:us-east-1:123456789012:identity/example.com",
		SourceIP:         "198.51.100.7",
		CallerIdentity:   "shop-mailer",
		SendingAccountID: "123456789012",
		MessageID:        "010001a1b2c3d4e5-6f7a8b9c-0d1e-4f2a-9b3c-4d5e6f7a8b9c-000000",
		Destination:      []string{"jane@example.net", "richard@example.org", "mary@example.com", "taro@example.jp"},
		Headers:          headers,
		CommonHeaders:    common,
		HeadersTruncated: truncated,
		Tags:             AutoTags(origin, map[string][]string{"campaign": {"october"}}),
	}
}

func bounceEvent(t *testing.T) *Event {
	return &Event{Type: TypeBounce, Mail: shopMail(t, false), Bounce: &Bounce{
		BounceType:    "Permanent",
		BounceSubType: "General",
		BouncedRecipients: []BouncedRecipient{{
			EmailAddress:   "jane@example.net",
			Action:         "failed",
			Status:         "5.1.1",
			DiagnosticCode: "smtp; 550 5.1.1 <jane@example.net>: Recipient address rejected: User unknown",
		}},
		Timestamp:    at.Add(2*time.Second + 871*time.Millisecond),
		FeedbackID:   "010001a1b2c3e0f1-7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d-000000",
		RemoteMtaIP:  "192.0.2.25",
		ReportingMTA: "dns; mta1.hikyaku.example",
	}}
}

func complaintEvent(t *testing.T) *Event {
	return &Event{Type: TypeComplaint, Mail: shopMail(t, false), Complaint: &Complaint{
		ComplainedRecipients: []string{"richard@example.org"},
		Timestamp:            at.Add(3 * time.Hour),
		FeedbackID:           "010001a1b2c3f102-8b9c0d1e-2f3a-4b4c-9d5e-6f7a8b9c0d1e-000000",
		UserAgent:            "ExampleCorp Feedback Loop (V0.01)",
		FeedbackType:         "abuse",
		ArrivalDate:          at.Add(3 * time.Hour),
	}}
}

func deliveryEvent(t *testing.T) *Event {
	return &Event{Type: TypeDelivery, Mail: shopMail(t, true), Delivery: &Delivery{
		Timestamp:      at.Add(1234 * time.Millisecond),
		ProcessingTime: 1234 * time.Millisecond,
		Recipients:     []string{"jane@example.net", "richard@example.org", "mary@example.com", "taro@example.jp"},
		SMTPResponse:   "250 2.0.0 OK  1760427001 a1si1234567qkb.88 - gsmtp",
		ReportingMTA:   "mta1.hikyaku.example",
		RemoteMtaIP:    "192.0.2.25",
	}}
}

// goldenCases are every event type in the eventType dialect, and the three
// notification types with and without headers.
var goldenCases = []struct {
	name         string
	notification bool
	headers      bool // notifications only
	event        func(t *testing.T) *Event
}{
	{name: "event-send", event: func(t *testing.T) *Event {
		return &Event{Type: TypeSend, Mail: shopMail(t, false)}
	}},
	{name: "event-reject", event: func(t *testing.T) *Event {
		return &Event{Type: TypeReject, Mail: shopMail(t, false), Reject: &Reject{Reason: "Bad content"}}
	}},
	{name: "event-bounce", event: bounceEvent},
	{name: "event-complaint", event: complaintEvent},
	{name: "event-delivery", event: deliveryEvent},
	{name: "event-deliverydelay", event: func(t *testing.T) *Event {
		return &Event{Type: TypeDeliveryDelay, Mail: shopMail(t, false), DeliveryDelay: &DeliveryDelay{
			Timestamp:      at.Add(10 * time.Minute),
			DelayType:      "TransientCommunicationFailure",
			ExpirationTime: at.Add(14 * time.Hour),
			DelayedRecipients: []DelayedRecipient{{
				EmailAddress:   "taro@example.jp",
				Status:         "4.4.1",
				DiagnosticCode: "smtp; 421 4.4.1 Unable to connect to remote host",
			}},
		}}
	}},
	{name: "event-rendering-failure", event: func(t *testing.T) *Event {
		return &Event{Type: TypeRenderingFailure, Mail: shopMail(t, false), Failure: &RenderingFailure{
			TemplateName: "OrderShipped",
			ErrorMessage: "Attribute 'orderNumber' is not present in the rendering data.",
		}}
	}},
	{name: "event-open", event: func(t *testing.T) *Event {
		return &Event{Type: TypeOpen, Mail: shopMail(t, false), Open: &Open{
			IPAddress: "198.51.100.23",
			Timestamp: at.Add(42 * time.Minute),
			UserAgent: "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)",
		}}
	}},
	{name: "event-click", event: func(t *testing.T) *Event {
		return &Event{Type: TypeClick, Mail: shopMail(t, false), Click: &Click{
			IPAddress: "198.51.100.23",
			Timestamp: at.Add(43 * time.Minute),
			UserAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
			Link:      "https://shop.example.com/orders/4f1c?utm_source=mail&utm_campaign=october",
			LinkTags:  map[string][]string{"linkName": {"orderStatus"}, "campaign": {"october"}},
		}}
	}},
	{name: "event-subscription", event: func(t *testing.T) *Event {
		return &Event{Type: TypeSubscription, Mail: shopMail(t, false), Subscription: &Subscription{
			ContactList: "Customers",
			Timestamp:   at.Add(50 * time.Minute),
			Source:      "UnsubscribeHeader",
			New:         TopicPreferences{UnsubscribeAll: true, Topics: []TopicStatus{{TopicName: "Newsletter", Status: "OptOut"}}},
			Old:         TopicPreferences{Topics: []TopicStatus{{TopicName: "Newsletter", Status: "OptIn"}}},
		}}
	}},
	{name: "notification-bounce", notification: true, event: bounceEvent},
	{name: "notification-bounce-headers", notification: true, headers: true, event: bounceEvent},
	{name: "notification-complaint", notification: true, event: complaintEvent},
	{name: "notification-complaint-headers", notification: true, headers: true, event: complaintEvent},
	{name: "notification-delivery", notification: true, event: deliveryEvent},
	{name: "notification-delivery-headers", notification: true, headers: true, event: deliveryEvent},
}

// marshalCase encodes a golden case the way its dialect does.
func marshalCase(t *testing.T, notification, headers bool, e *Event) []byte {
	t.Helper()
	var out []byte
	var err error
	if notification {
		out, err = MarshalNotification(e, headers)
	} else {
		out, err = MarshalEvent(e)
	}
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestGolden compares each case with testdata/<name>.json, the output
// indented for reading; run with -update to rewrite them.
func TestGolden(t *testing.T) {
	t.Parallel()
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out := marshalCase(t, tc.notification, tc.headers, tc.event(t))
			if bytes.ContainsAny(out, "\n\t") {
				t.Errorf("output is not compact JSON: %s", out)
			}
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, out, "", "  "); err != nil {
				t.Fatalf("output is not JSON: %v\n%s", err, out)
			}
			pretty.WriteByte('\n')
			path := filepath.Join("testdata", tc.name+".json")
			if *update {
				if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./internal/events -run Golden -update)", err)
			}
			if !bytes.Equal(pretty.Bytes(), want) {
				t.Errorf("%s differs from the golden file; got:\n%s", path, pretty.Bytes())
			}
		})
	}
}
