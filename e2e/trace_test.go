package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/hikyaku/hikyaku/internal/smtptest"
)

// TestTraceToExplainsEachRecipient sends to four addresses whose fates
// differ (delivered, deferred, bounced, suppressed) and checks that
// `hikyaku trace --to`, and the signed HTTP endpoint behind it, tell each
// story in words.
func TestTraceToExplainsEachRecipient(t *testing.T) {
	dns := newDNS(t)
	sink := smtptest.Start(t, smtptest.Options{})
	sink.SetRcptFault("later", smtptest.MailboxBusy)
	sink.SetRcptFault("gone", smtptest.NoSuchUser)
	n := startNode(t, "", mtaArgs(dns.Addr(), sink, time.Minute)...)
	verifySender(t, n)
	c := n.sesv2(bootKeyID, bootSecret)
	cx := ctx(t)
	if _, err := c.PutSuppressedDestination(cx, &sesv2.PutSuppressedDestinationInput{
		EmailAddress: aws.String("blocked@" + mtaDomain), Reason: types.SuppressionListReasonComplaint}); err != nil {
		t.Fatal(err)
	}
	for _, local := range []string{"happy", "later", "gone", "blocked"} {
		if _, err := c.SendEmail(cx, &sesv2.SendEmailInput{FromEmailAddress: aws.String(mtaSender),
			Destination: &types.Destination{ToAddresses: []string{local + "@" + mtaDomain}},
			Content:     simple("trace me", "b")}); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string][]string{
		"happy":   {"delivered to", "250"},
		"later":   {"not delivered yet", "450", "next attempt at"},
		"gone":    {"bounced (Permanent/General)", "550 5.1.1"},
		"blocked": {"not sent", "suppression list", "COMPLAINT"},
	}
	for local, words := range want {
		addr := local + "@" + mtaDomain
		var out string
		for deadline := time.Now().Add(30 * time.Second); ; {
			out = n.mustAdmin("trace", "--to", strings.ToUpper(addr), "--since", "1h")
			if !strings.Contains(out, "waiting for its first delivery attempt") || time.Now().After(deadline) {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		for _, w := range words {
			if !strings.Contains(out, w) {
				t.Errorf("trace --to %s lacks %q:\n%s", addr, w, out)
			}
		}
		if !strings.Contains(out, "accepted from "+mtaSender+" through the SES v2 API") {
			t.Errorf("trace --to %s does not say how the mail came in:\n%s", addr, out)
		}
	}
	out := n.mustAdmin("trace", "--to", "blocked@"+mtaDomain)
	if !strings.Contains(out, "Suppressed: on the account's suppression list since") {
		t.Errorf("trace --to of a suppressed address does not say so:\n%s", out)
	}
	if out := n.mustAdmin("trace", "--to", "nobody@"+mtaDomain); !strings.Contains(out, "No mail to this address") {
		t.Errorf("trace --to of an unknown address:\n%s", out)
	}

	t.Run("the HTTP endpoint answers the same for the signing account only", func(t *testing.T) {
		req, _ := http.NewRequest("GET", n.url+"/hikyaku/trace?to=gone@"+mtaDomain+"&since=1h", nil)
		const emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
		creds := aws.Credentials{AccessKeyID: bootKeyID, SecretAccessKey: bootSecret}
		if err := v4.NewSigner().SignHTTP(cx, creds, req, emptyHash, "ses", "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var rep struct {
			Messages []struct {
				Status   string
				Summary  string
				Timeline []struct{ Kind, Text string }
			}
		}
		if err := json.Unmarshal(body, &rep); err != nil || resp.StatusCode != 200 || len(rep.Messages) != 1 ||
			rep.Messages[0].Status != "bounced" {
			t.Fatalf("GET /hikyaku/trace: %d %v\n%s", resp.StatusCode, err, body)
		}
		unsigned, err := http.Get(n.url + "/hikyaku/trace?to=gone@" + mtaDomain)
		if err != nil {
			t.Fatal(err)
		}
		unsigned.Body.Close()
		if unsigned.StatusCode != http.StatusForbidden {
			t.Errorf("unsigned trace request: %d, want 403", unsigned.StatusCode)
		}
	})
}
