package compose_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/hikyaku/hikyaku/internal/address"
	"github.com/hikyaku/hikyaku/internal/compose"
)

func ExampleSimple() {
	from, _ := address.Parse("Shop <shop@example.com>")
	to, _ := address.Parse("customer@example.net")
	msg, err := compose.Simple(compose.SimpleInput{
		From:      from,
		To:        []address.Address{to},
		Subject:   compose.Content{Data: "Your order", Charset: "UTF-8"},
		Text:      &compose.Content{Data: "Thanks for your order."},
		MessageID: "0100-example-000000@us-east-1.amazonses.com",
		Date:      time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC),
	})
	if err != nil {
		panic(err)
	}
	// The message has CRLF line endings; print it with LF.
	fmt.Print(strings.ReplaceAll(string(msg), "\r\n", "\n"))
	// Output:
	// Date: Sat, 14 Mar 2026 15:09:26 +0000
	// From: Shop <shop@example.com>
	// To: customer@example.net
	// Message-ID: <0100-example-000000@us-east-1.amazonses.com>
	// Subject: Your order
	// MIME-Version: 1.0
	// Content-Type: text/plain; charset=UTF-8
	// Content-Transfer-Encoding: 7bit
	//
	// Thanks for your order.
}

func ExampleParseRaw() {
	raw, err := compose.ParseRaw([]byte("From: app@example.com\n" +
		"To: a@example.net\n" +
		"Bcc: audit@example.com\n" +
		"X-SES-CONFIGURATION-SET: transactional\n" +
		"Subject: =?UTF-8?Q?Caf=C3=A9?=\n" +
		"\n" +
		"Hello\n"))
	if err != nil {
		panic(err)
	}
	fmt.Println(raw.Subject, raw.ConfigurationSet, raw.Recipients())
	fmt.Printf("%q\n", raw.Finalize("0100-new-000000@us-east-1.amazonses.com", time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)))
	// Output:
	// Café transactional [a@example.net audit@example.com]
	// "Message-ID: <0100-new-000000@us-east-1.amazonses.com>\r\nDate: Sat, 14 Mar 2026 15:09:26 +0000\r\nFrom: app@example.com\r\nTo: a@example.net\r\nSubject: =?UTF-8?Q?Caf=C3=A9?=\r\n\r\nHello\r\n"
}
