package feedback_test

import (
	"fmt"

	"github.com/hikyaku/hikyaku/internal/feedback"
)

func ExampleParse() {
	raw := []byte("From: MAILER-DAEMON@mx.example.net\r\n" +
		"To: b-3-xjgbcq7r@bounces.example.com\r\n" +
		"Subject: Delivery Status Notification (Failure)\r\n" +
		"Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n" +
		"\r\n" +
		"--b\r\n" +
		"Content-Type: message/delivery-status\r\n" +
		"\r\n" +
		"Reporting-MTA: dns; mx.example.net\r\n" +
		"\r\n" +
		"Final-Recipient: rfc822; nobody@example.net\r\n" +
		"Action: failed\r\n" +
		"Status: 5.1.1\r\n" +
		"Diagnostic-Code: smtp; 550 5.1.1 <nobody@example.net>: user unknown\r\n" +
		"\r\n" +
		"--b\r\n" +
		"Content-Type: text/rfc822-headers\r\n" +
		"\r\n" +
		"Message-ID: <m1@example.com>\r\n" +
		"From: news@example.com\r\n" +
		"\r\n" +
		"--b--\r\n")
	rep, err := feedback.Parse(raw)
	if err != nil {
		panic(err)
	}
	fmt.Println(rep.Kind, rep.Original.MessageID, rep.ReturnedTo)
	for _, r := range rep.Recipients {
		fmt.Println(r.Address, r.Status, r.Reason, r.Hard, r.SESBounceType, r.SESBounceSubType)
	}
	// Output:
	// Bounce m1@example.com b-3-xjgbcq7r@bounces.example.com
	// nobody@example.net 5.1.1 userunknown true Permanent General
}
