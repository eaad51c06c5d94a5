package e2e

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/emersion/go-smtp"

	"github.com/hikyaku/hikyaku/internal/smtptest"
)

// arfComplaint is an RFC 5965 abuse report about original, as a mailbox
// provider's feedback loop sends it to the message's return path.
func arfComplaint(returnPath, rcpt, original string) string {
	header, _, _ := strings.Cut(strings.ReplaceAll(original, "\r\n", "\n"), "\n\n")
	return strings.ReplaceAll(`From: fbl@isp.example
To: `+returnPath+`
Subject: Abuse report
Date: `+time.Now().UTC().Format(time.RFC1123Z)+`
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="arf-b1"

--arf-b1
Content-Type: text/plain; charset=us-ascii

This is an email abuse report for an email message received from IP
192.0.2.1.

--arf-b1
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: ExampleFBL/1.0
Version: 1
Original-Mail-From: <`+returnPath+`>
Original-Rcpt-To: <`+rcpt+`>
Arrival-Date: `+time.Now().UTC().Format(time.RFC1123Z)+`

--arf-b1
Content-Type: text/rfc822-headers

`+header+`

--arf-b1--
`, "\n", "\r\n")
}

// TestABadStreamIsPausedWhileACleanOneFlows sends 10,000 messages on two
// configuration sets: "newsletter" to a list where 8% of addresses do not
// exist and 0.4% of recipients complain through a feedback loop, and
// "receipts" to good addresses. The newsletter stream must be paused, with
// its cause in `hikyaku reputation` and GetConfigurationSet, its later
// sends refused at intake; receipts must keep flowing; and every message
// accepted must reach an outcome.
func TestABadStreamIsPausedWhileACleanOneFlows(t *testing.T) {
	dns := newDNS(t)
	sink := smtptest.Start(t, smtptest.Options{})
	data := t.TempDir()
	policy := "window = \"168h\"\nmin_volume = 200\nevery = \"500ms\"\n" +
		"[stream_bounce]\nwarn = 0.025\npause = 0.05\n[stream_complaint]\nwarn = 0.0005\npause = 0.001\n" +
		"[account_bounce]\nwarn = 0.05\npause = 0.10\n[account_complaint]\nwarn = 0.001\npause = 0.005\n"
	if err := os.WriteFile(filepath.Join(data, "reputation.toml"), []byte(policy), 0o644); err != nil {
		t.Fatal(err)
	}
	n := startNode(t, data, mtaArgs(dns.Addr(), sink, time.Minute)...)
	verifySender(t, n)
	c := n.sesv2(bootKeyID, bootSecret)
	cx := ctx(t)
	for _, set := range []string{"newsletter", "receipts"} {
		if _, err := c.CreateConfigurationSet(cx, &sesv2.CreateConfigurationSetInput{ConfigurationSetName: aws.String(set)}); err != nil {
			t.Fatal(err)
		}
	}
	const perStream = 5000
	for i := range perStream {
		if i%25 == 3 { // 4% of the list...
			sink.SetRcptFault(fmt.Sprintf("news%d@%s", i, mtaDomain), smtptest.NoSuchUser)
		}
		if i%25 == 17 { // ...and another 4%: 8% hard bounces in all
			sink.SetRcptFault(fmt.Sprintf("news%d@%s", i, mtaDomain), smtptest.NoSuchUser)
		}
	}

	var (
		mu                sync.Mutex
		accepted          = map[string]string{} // message ID -> stream
		refusedNewsletter atomic.Int64
		wg                sync.WaitGroup
	)
	jobs := make(chan [2]string)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				set, to := j[0], j[1]
				out, err := c.SendEmail(cx, &sesv2.SendEmailInput{FromEmailAddress: aws.String(mtaSender),
					Destination: &types.Destination{ToAddresses: []string{to}}, Content: simple(set, "b"),
					ConfigurationSetName: aws.String(set)})
				var paused *types.SendingPausedException
				switch {
				case err == nil:
					mu.Lock()
					accepted[aws.ToString(out.MessageId)] = set
					mu.Unlock()
				case set == "newsletter" && errors.As(err, &paused):
					refusedNewsletter.Add(1)
				default:
					t.Errorf("SendEmail %s to %s: %v", set, to, err)
				}
			}
		}()
	}
	complained := 0
	used := map[string]bool{}
	for i := range perStream {
		jobs <- [2]string{"newsletter", fmt.Sprintf("news%d@%s", i, mtaDomain)}
		jobs <- [2]string{"receipts", fmt.Sprintf("buyer%d@%s", i, mtaDomain)}
		// 0.4% of newsletter recipients complain once delivered, through
		// the feedback loop to the message's return path.
		if i%250 == 249 && complained < perStream/250 {
			for _, m := range sink.Messages() {
				if strings.Contains(string(m.Data), "Subject: newsletter") && strings.HasPrefix(m.Rcpts[0], "news") && !used[m.Rcpts[0]] {
					used[m.Rcpts[0]] = true
					if complain(t, n, m) {
						complained++
					}
					break
				}
			}
		}
	}
	close(jobs)
	wg.Wait()
	if t.Failed() {
		return
	}

	if refusedNewsletter.Load() == 0 {
		t.Fatalf("the newsletter stream was never paused:\n%s", n.mustAdmin("reputation", "--account", "default"))
	}
	rep := n.mustAdmin("reputation", "--account", "default")
	if !strings.Contains(rep, "newsletter is PAUSED since") || !strings.Contains(rep, "reached the pause level") ||
		!strings.Contains(rep, "hikyaku reputation resume --account default --configuration-set newsletter") {
		t.Errorf("hikyaku reputation does not show the pause and its cause:\n%s", rep)
	}
	got, err := c.GetConfigurationSet(cx, &sesv2.GetConfigurationSetInput{ConfigurationSetName: aws.String("newsletter")})
	if err != nil || got.SendingOptions.SendingEnabled {
		t.Errorf("GetConfigurationSet(newsletter): sending %v, %v; want paused", got.SendingOptions.SendingEnabled, err)
	}
	got, err = c.GetConfigurationSet(cx, &sesv2.GetConfigurationSetInput{ConfigurationSetName: aws.String("receipts")})
	if err != nil || !got.SendingOptions.SendingEnabled {
		t.Errorf("GetConfigurationSet(receipts): sending %v, %v; want enabled", got.SendingOptions.SendingEnabled, err)
	}
	// Account-wide the complaints (20 of about 5,250 delivered, 0.4%) are
	// over SES's review level (0.1%) but under its pause level (0.5%): the
	// account is under review and still sends.
	acct, err := c.GetAccount(cx, &sesv2.GetAccountInput{})
	if err != nil || !acct.SendingEnabled || aws.ToString(acct.EnforcementStatus) != "PROBATION" {
		t.Errorf("GetAccount: sending %v, enforcement %s, %v; want sending, PROBATION",
			acct.SendingEnabled, aws.ToString(acct.EnforcementStatus), err)
	}
	if !strings.Contains(rep, "the account is PROBATION since") {
		t.Errorf("hikyaku reputation does not say why the account is under review:\n%s", rep)
	}
	receipts := 0
	for _, set := range accepted {
		if set == "receipts" {
			receipts++
		}
	}
	if receipts != perStream {
		t.Errorf("%d receipts accepted, want all %d", receipts, perStream)
	}

	// Nothing accepted is lost: every message reaches the sink or bounces.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		done := 0.0
		for labels, v := range n.scrape("hikyaku_mail_total") {
			if strings.Contains(labels, `event="delivered"`) || strings.Contains(labels, `event="bounced"`) {
				done += v
			}
		}
		if int(done) >= len(accepted) || time.Now().After(deadline) {
			if int(done) < len(accepted) {
				t.Errorf("%v of %d accepted messages reached an outcome", done, len(accepted))
			}
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Logf("newsletter: %d refused while paused; %d messages accepted in all; %d complaints; reputation:\n%s",
		refusedNewsletter.Load(), len(accepted), complained, rep)
}

// complain sends an ARF report about m to the node's MX, once per sink
// message.
func complain(t *testing.T, n *node, m smtptest.Message) bool {
	t.Helper()
	mc, err := smtp.Dial(n.mxAddr)
	if err != nil {
		t.Errorf("dial MX: %v", err)
		return false
	}
	defer mc.Close()
	if err := mc.SendMail("", []string{m.From}, strings.NewReader(arfComplaint(m.From, m.Rcpts[0], string(m.Data)))); err != nil {
		t.Errorf("deliver the complaint to the MX: %v", err)
		return false
	}
	return true
}
