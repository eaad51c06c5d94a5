package events_test

import (
	"fmt"
	"time"

	"github.com/hikyaku/hikyaku/internal/events"
)

func ExampleMarshalNotification() {
	raw := []byte("From: \"John Doe\" <john@example.com>\r\n" +
		"To: jane@example.com\r\n" +
		"Subject: =?UTF-8?Q?Caf=C3=A9?=\r\n" +
		"\r\n" +
		"Hello\r\n")
	headers, common, truncated := events.HeadersFrom(raw)
	e := &events.Event{
		Type: events.TypeDelivery,
		Mail: events.Mail{
			Timestamp:        time.Date(2016, 1, 27, 14, 59, 38, 237e6, time.UTC),
			Source:           "john@example.com",
			SourceArn:        "arn:aws:ses:us-east-1:123456789012:identity/example.com",
			SourceIP:         "192.0.2.1",
			CallerIdentity:   "mailer",
			SendingAccountID: "123456789012",
			MessageID:        "0000014644fe5ef6-9a483358-9170-4cb4-a269-f5dcdf415321-000000",
			Destination:      []string{"jane@example.com"},
			Headers:          headers,
			CommonHeaders:    common,
			HeadersTruncated: truncated,
		},
		Delivery: &events.Delivery{
			Timestamp:      time.Date(2016, 1, 27, 14, 59, 38, 783e6, time.UTC),
			ProcessingTime: 546 * time.Millisecond,
			Recipients:     []string{"jane@example.com"},
			SMTPResponse:   "250 ok:  Message 64111812 accepted",
			ReportingMTA:   "a8-70.smtp-out.example.com",
		},
	}
	out, err := events.MarshalNotification(e, false)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(out))
	fmt.Println(common.From[0], "|", common.Subject)
	// Output:
	// {"notificationType":"Delivery","mail":{"timestamp":"2016-01-27T14:59:38.237Z","source":"john@example.com","sourceArn":"arn:aws:ses:us-east-1:123456789012:identity/example.com","sourceIp":"192.0.2.1","callerIdentity":"mailer","sendingAccountId":"123456789012","messageId":"0000014644fe5ef6-9a483358-9170-4cb4-a269-f5dcdf415321-000000","destination":["jane@example.com"]},"delivery":{"timestamp":"2016-01-27T14:59:38.783Z","processingTimeMillis":546,"recipients":["jane@example.com"],"smtpResponse":"250 ok:  Message 64111812 accepted","reportingMTA":"a8-70.smtp-out.example.com"}}
	// John Doe <john@example.com> | Café
}
