package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/hikyaku/hikyaku/internal/smtptest"
)

// TestBouncesAreForwardedToTheSenderByEmail checks SES's default feedback
// forwarding: a bounce is mailed to the sender (here its feedback
// address), while a recipient skipped for the suppression list is not.
func TestBouncesAreForwardedToTheSenderByEmail(t *testing.T) {
	dns := newDNS(t)
	sink := smtptest.Start(t, smtptest.Options{})
	sink.SetRcptFault("gone", smtptest.NoSuchUser)
	n := startNode(t, "", mtaArgs(dns.Addr(), sink, time.Minute)...)
	n.mustAdmin("identity", "create", mtaDomain, "--account", "default")
	n.mustAdmin("identity", "verify", mtaDomain, "--account", "default")
	c := n.sesv2(bootKeyID, bootSecret)
	cx := ctx(t)
	out, err := c.SendEmail(cx, &sesv2.SendEmailInput{FromEmailAddress: aws.String("app@" + mtaDomain),
		FeedbackForwardingEmailAddress: aws.String("feedback@" + mtaDomain),
		Destination:                    &types.Destination{ToAddresses: []string{"gone@" + mtaDomain}},
		Content:                        simple("forward me", "b")})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(out.MessageId)
	var notice []byte
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline) && notice == nil; time.Sleep(100 * time.Millisecond) {
		for _, m := range sink.Messages() {
			if m.Rcpts[0] == "feedback@"+mtaDomain {
				notice = m.Data
			}
		}
	}
	if notice == nil {
		t.Fatalf("no bounce notice reached the feedback address; sink has %d messages", len(sink.Messages()))
	}
	for _, want := range []string{"Subject: Delivery Status Notification (Failure)", "gone@" + mtaDomain, "5.1.1", id} {
		if !strings.Contains(string(notice), want) {
			t.Errorf("the notice lacks %q:\n%s", want, notice)
		}
	}
	// Nothing more: the notice itself is hikyaku's own mail and has no
	// events, so no loop.
	time.Sleep(time.Second)
	count := 0
	for _, m := range sink.Messages() {
		if m.Rcpts[0] == "feedback@"+mtaDomain {
			count++
		}
	}
	if count != 1 {
		t.Errorf("%d notices, want 1", count)
	}
}
