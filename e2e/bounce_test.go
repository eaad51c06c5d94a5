package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/emersion/go-smtp"

	"github.com/hikyaku/hikyaku/internal/smtptest"
)

// bounceTrace is the part of `hikyaku trace --json` a bounce changes.
type bounceTrace struct {
	Recipients []struct {
		Address string `json:"address"`
		Status  string `json:"status"`
		Outcome struct {
			BounceType    string `json:"bounceType"`
			BounceSubType string `json:"bounceSubType"`
			Status        string `json:"status"`
			Diagnostic    string `json:"diagnostic"`
		} `json:"outcome"`
	} `json:"recipients"`
}

// TestBounceThroughTheMX sends a message that a sink accepts, then
// returns an RFC 3464 "user unknown" report for it to the node's MX at
// the VERP address it was sent from: the recipient becomes bounced with
// the report's status, and the address is suppressed, so the next message
// to it is not sent.
func TestBounceThroughTheMX(t *testing.T) {
	dns := newDNS(t)
	sink := smtptest.Start(t, smtptest.Options{})
	n := startNode(t, "", "--resolver", dns.Addr(), "--delivery=true",
		"--route", fmt.Sprintf("example.net=127.0.0.1:%d", sink.Port), "--return-path-domain", "bounces.hikyaku.test")
	if n.mxAddr == "" {
		t.Fatalf("no MX listener address in the log:\n%s", n.log())
	}
	c := n.sesv2(bootKeyID, bootSecret)
	cx := ctx(t)
	out, err := c.CreateEmailIdentity(cx, &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String("example.com")})
	if err != nil {
		t.Fatal(err)
	}
	publishDKIM(t, dns, n.mustAdmin("identity", "records", "example.com"), out.DkimAttributes.Tokens[0])
	if got, err := c.GetEmailIdentity(cx, &sesv2.GetEmailIdentityInput{EmailIdentity: aws.String("example.com")}); err != nil || !got.VerifiedForSendingStatus {
		t.Fatalf("identity not verified: %v", err)
	}
	sendTo := func(to string) string {
		t.Helper()
		sent, err := c.SendEmail(cx, &sesv2.SendEmailInput{
			FromEmailAddress: aws.String("news@example.com"),
			Destination:      &types.Destination{ToAddresses: []string{to}},
			Content:          simple("hello", "hello from the API"),
		})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(sent.MessageId)
	}

	id := sendTo("gone@example.net")
	waitStatus(t, n, id, "delivered")
	msgs := sink.Messages()
	if len(msgs) != 1 || !strings.HasPrefix(msgs[0].From, "b-") || !strings.HasSuffix(msgs[0].From, "@bounces.hikyaku.test") {
		t.Fatalf("sink got %d messages, MAIL FROM %q, want one with a VERP return path", len(msgs), msgs[0].From)
	}
	returnPath := msgs[0].From

	// A relay has no recipient of ours: the MX refuses it.
	mc, err := smtp.Dial(n.mxAddr)
	if err != nil {
		t.Fatal(err)
	}
	if err := mc.SendMail("", []string{"someone@example.org"}, strings.NewReader("Subject: x\r\n\r\nx\r\n")); err == nil {
		t.Error("the MX took mail for someone@example.org")
	}
	mc.Close()

	mc, err = smtp.Dial(n.mxAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer mc.Close()
	report := userUnknownDSN(returnPath, "gone@example.net", string(msgs[0].Data))
	if err := mc.SendMail("", []string{returnPath}, strings.NewReader(report)); err != nil {
		t.Fatalf("deliver the DSN to the MX: %v", err)
	}

	var tr bounceTrace
	deadline := time.Now().Add(30 * time.Second)
	for {
		if err := json.Unmarshal([]byte(n.mustAdmin("trace", id, "--json")), &tr); err != nil {
			t.Fatal(err)
		}
		if tr.Recipients[0].Status == "bounced" || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	r := tr.Recipients[0]
	if r.Status != "bounced" || r.Outcome.Status != "5.1.1" || r.Outcome.BounceType != "Permanent" {
		t.Fatalf("recipient after the DSN = %+v, want bounced Permanent 5.1.1\n%s", r, n.mustAdmin("trace", id))
	}

	// Suppressed: the next message to the address is not sent.
	id2 := sendTo("gone@example.net")
	waitStatus(t, n, id2, "suppressed")
}

// userUnknownDSN is a Postfix-style RFC 3464 report that the mailbox of
// rcpt does not exist, returning the original's header section.
func userUnknownDSN(returnPath, rcpt, original string) string {
	header, _, _ := strings.Cut(strings.ReplaceAll(original, "\r\n", "\n"), "\n\n")
	s := `From: MAILER-DAEMON@mx.example.net (Mail Delivery System)
To: ` + returnPath + `
Subject: Undelivered Mail Returned to Sender
Date: ` + time.Now().UTC().Format(time.RFC1123Z) + `
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="dsn-b1"

--dsn-b1
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<` + rcpt + `>: host mailbox.example.net[192.0.2.10] said: 550 5.1.1
    <` + rcpt + `>: Recipient address rejected: User unknown in local
    recipient table (in reply to RCPT TO command)

--dsn-b1
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net
X-Postfix-Queue-ID: 4Q1fXb2k3Vz9sW
Arrival-Date: ` + time.Now().UTC().Format(time.RFC1123Z) + `

Final-Recipient: rfc822; ` + rcpt + `
Original-Recipient: rfc822;` + rcpt + `
Action: failed
Status: 5.1.1
Remote-MTA: dns; mailbox.example.net
Diagnostic-Code: smtp; 550 5.1.1 <` + rcpt + `>: Recipient address rejected:
    User unknown in local recipient table

--dsn-b1
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

` + header + `

--dsn-b1--
`
	return strings.ReplaceAll(s, "\n", "\r\n")
}
