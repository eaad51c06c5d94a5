package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/smithy-go"

	"github.com/hikyaku/hikyaku/internal/dnstest"
)

// trace runs `hikyaku trace --json` and decodes it.
type traceJSON struct {
	MessageID        string `json:"messageId"`
	Subject          string `json:"subject"`
	ConfigurationSet string `json:"configurationSet"`
	Recipients       []struct {
		Address string `json:"address"`
		Status  string `json:"status"`
		Outcome struct {
			BounceType    string `json:"bounceType"`
			BounceSubType string `json:"bounceSubType"`
			Simulated     bool   `json:"simulated"`
		} `json:"outcome"`
	} `json:"recipients"`
}

func (n *node) trace(id string) traceJSON {
	n.t.Helper()
	out := n.mustAdmin("trace", id, "--json")
	var tr traceJSON
	if err := json.Unmarshal([]byte(out), &tr); err != nil {
		n.t.Fatalf("trace output is not JSON: %v\n%s", err, out)
	}
	return tr
}

func apiCode(t *testing.T, err error) (string, string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error %v is not an API error", err)
	}
	return ae.ErrorCode(), ae.ErrorMessage()
}

func TestSESv2WithTheGoSDK(t *testing.T) {
	dns := newDNS(t)
	n := startNode(t, "", "--resolver", dns.Addr())
	c := n.sesv2(bootKeyID, bootSecret)
	cx := ctx(t)

	t.Run("the bootstrap account is in production without quotas", func(t *testing.T) {
		acct, err := c.GetAccount(cx, &sesv2.GetAccountInput{})
		if err != nil {
			t.Fatal(err)
		}
		if !acct.ProductionAccessEnabled || !acct.SendingEnabled || aws.ToString(acct.EnforcementStatus) != "HEALTHY" {
			t.Errorf("GetAccount = %+v", acct)
		}
		if acct.SendQuota.Max24HourSend != -1 {
			t.Errorf("Max24HourSend = %v, want -1", acct.SendQuota.Max24HourSend)
		}
		if len(acct.SuppressionAttributes.SuppressedReasons) != 2 {
			t.Errorf("SuppressedReasons = %v", acct.SuppressionAttributes.SuppressedReasons)
		}
	})

	var tokens []string
	t.Run("a domain identity gets a DKIM key and verifies once its TXT record is published", func(t *testing.T) {
		out, err := c.CreateEmailIdentity(cx, &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String("example.com")})
		if err != nil {
			t.Fatal(err)
		}
		if out.IdentityType != types.IdentityTypeDomain || out.VerifiedForSendingStatus {
			t.Fatalf("CreateEmailIdentity = %+v", out)
		}
		tokens = out.DkimAttributes.Tokens
		if len(tokens) != 1 || out.DkimAttributes.Status != types.DkimStatusPending {
			t.Fatalf("DkimAttributes = %+v", out.DkimAttributes)
		}
		records := n.mustAdmin("identity", "records", "example.com", "--account", "default")
		txt := publishDKIM(t, dns, records, tokens[0])
		if !strings.Contains(txt, "p=") {
			t.Fatalf("records without a key:\n%s", records)
		}
		got, err := c.GetEmailIdentity(cx, &sesv2.GetEmailIdentityInput{EmailIdentity: aws.String("example.com")})
		if err != nil {
			t.Fatal(err)
		}
		if !got.VerifiedForSendingStatus || got.VerificationStatus != types.VerificationStatusSuccess ||
			got.DkimAttributes.Status != types.DkimStatusSuccess {
			t.Fatalf("after publishing: %+v %+v", got, got.DkimAttributes)
		}
	})

	t.Run("a second create of the same identity is AlreadyExists", func(t *testing.T) {
		_, err := c.CreateEmailIdentity(cx, &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String("example.com")})
		var ae *types.AlreadyExistsException
		if !errors.As(err, &ae) {
			t.Fatalf("err = %v, want AlreadyExistsException", err)
		}
	})

	t.Run("an address identity stays pending until verified", func(t *testing.T) {
		if _, err := c.CreateEmailIdentity(cx, &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String("person@other.test")}); err != nil {
			t.Fatal(err)
		}
		got, err := c.GetEmailIdentity(cx, &sesv2.GetEmailIdentityInput{EmailIdentity: aws.String("person@other.test")})
		if err != nil {
			t.Fatal(err)
		}
		if got.VerificationStatus != types.VerificationStatusPending || got.IdentityType != types.IdentityTypeEmailAddress {
			t.Fatalf("GetEmailIdentity = %+v", got)
		}
		n.mustAdmin("identity", "verify", "person@other.test", "--account", "default")
		got, err = c.GetEmailIdentity(cx, &sesv2.GetEmailIdentityInput{EmailIdentity: aws.String("person@other.test")})
		if err != nil || got.VerificationStatus != types.VerificationStatusSuccess {
			t.Fatalf("after verify: %+v, %v", got, err)
		}
	})

	t.Run("ListEmailIdentities pages", func(t *testing.T) {
		var names []string
		p := sesv2.NewListEmailIdentitiesPaginator(c, &sesv2.ListEmailIdentitiesInput{PageSize: aws.Int32(1)})
		for p.HasMorePages() {
			page, err := p.NextPage(cx)
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range page.EmailIdentities {
				names = append(names, aws.ToString(id.IdentityName))
			}
		}
		if strings.Join(names, ",") != "example.com,person@other.test" {
			t.Errorf("identities = %v", names)
		}
	})

	t.Run("Simple content is accepted and queued", func(t *testing.T) {
		out, err := c.SendEmail(cx, &sesv2.SendEmailInput{
			FromEmailAddress: aws.String("送信者 <news@example.com>"),
			Destination:      &types.Destination{ToAddresses: []string{"a@recipient.test"}, CcAddresses: []string{"b@recipient.test"}, BccAddresses: []string{"c@recipient.test"}},
			Content: &types.EmailContent{Simple: &types.Message{
				Subject:     &types.Content{Data: aws.String("こんにちは")},
				Body:        &types.Body{Text: &types.Content{Data: aws.String("本文")}, Html: &types.Content{Data: aws.String("<p>本文</p>")}},
				Headers:     []types.MessageHeader{{Name: aws.String("X-Campaign"), Value: aws.String("autumn")}},
				Attachments: []types.Attachment{{FileName: aws.String("a.txt"), RawContent: []byte("hello")}},
			}},
			EmailTags: []types.MessageTag{{Name: aws.String("campaign"), Value: aws.String("autumn")}},
		})
		if err != nil {
			t.Fatal(err)
		}
		tr := n.trace(aws.ToString(out.MessageId))
		if tr.Subject != "こんにちは" || len(tr.Recipients) != 3 {
			t.Fatalf("trace = %+v", tr)
		}
		for _, r := range tr.Recipients {
			if r.Status != "queued" {
				t.Errorf("%s: status %s, want queued", r.Address, r.Status)
			}
		}
	})

	t.Run("Raw content is accepted", func(t *testing.T) {
		raw := "From: news@example.com\r\nTo: d@recipient.test\r\nSubject: raw\r\n\r\nbody\r\n"
		out, err := c.SendEmail(cx, &sesv2.SendEmailInput{Content: &types.EmailContent{Raw: &types.RawMessage{Data: []byte(raw)}}})
		if err != nil {
			t.Fatal(err)
		}
		tr := n.trace(aws.ToString(out.MessageId))
		if len(tr.Recipients) != 1 || tr.Recipients[0].Address != "d@recipient.test" {
			t.Fatalf("trace = %+v", tr)
		}
	})

	t.Run("an internationalised recipient domain is queued in A-label form", func(t *testing.T) {
		out, err := c.SendEmail(cx, &sesv2.SendEmailInput{
			FromEmailAddress: aws.String("news@example.com"),
			Destination:      &types.Destination{ToAddresses: []string{"taro@例え.jp"}},
			Content:          simple("IDN", "hello"),
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := n.trace(aws.ToString(out.MessageId)).Recipients[0].Address; got != "taro@xn--r8jz45g.jp" {
			t.Errorf("recipient = %q, want taro@xn--r8jz45g.jp", got)
		}
		_, err = c.SendEmail(cx, &sesv2.SendEmailInput{
			FromEmailAddress: aws.String("news@example.com"),
			Destination:      &types.Destination{ToAddresses: []string{"太郎@example.jp"}},
			Content:          simple("IDN", "hello"),
		})
		if code, _ := apiCode(t, err); code != "BadRequestException" {
			t.Errorf("non-ASCII local part: %s, want BadRequestException (SES has no SMTPUTF8)", code)
		}
	})

	t.Run("mailbox simulator addresses get their outcomes at once", func(t *testing.T) {
		want := map[string]string{
			"success@simulator.amazonses.com":         "delivered",
			"bounce+x@simulator.amazonses.com":        "bounced",
			"ooto@simulator.amazonses.com":            "delivered",
			"complaint@simulator.amazonses.com":       "complained",
			"suppressionlist@simulator.amazonses.com": "suppressed",
		}
		var to []string
		for a := range want {
			to = append(to, a)
		}
		out, err := c.SendEmail(cx, &sesv2.SendEmailInput{
			FromEmailAddress: aws.String("news@example.com"),
			Destination:      &types.Destination{ToAddresses: to},
			Content:          simple("sim", "sim"),
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range n.trace(aws.ToString(out.MessageId)).Recipients {
			if r.Status != want[r.Address] || !r.Outcome.Simulated {
				t.Errorf("%s: %s (simulated %v), want %s", r.Address, r.Status, r.Outcome.Simulated, want[r.Address])
			}
		}
	})

	rejections := []struct {
		name string
		in   *sesv2.SendEmailInput
		code string
		msg  string
	}{
		{"an unverified sender is MessageRejected", &sesv2.SendEmailInput{
			FromEmailAddress: aws.String("someone@unverified.test"),
			Destination:      &types.Destination{ToAddresses: []string{"a@recipient.test"}},
			Content:          simple("s", "b"),
		}, "MessageRejected", "Email address is not verified. The following identities failed the check in region US-EAST-1: someone@unverified.test"},
		{"51 recipients are refused", &sesv2.SendEmailInput{
			FromEmailAddress: aws.String("news@example.com"),
			Destination:      &types.Destination{ToAddresses: manyRecipients(51)},
			Content:          simple("s", "b"),
		}, "BadRequestException", "Recipient count exceeds 50."},
		{"a message over 40 MB is refused", &sesv2.SendEmailInput{
			Content: &types.EmailContent{Raw: &types.RawMessage{Data: bigMessage(40*1024*1024 + 10)}},
		}, "MessageRejected", "Message length is more than 41943040 bytes long"},
		{"a malformed recipient is rejected", &sesv2.SendEmailInput{
			FromEmailAddress: aws.String("news@example.com"),
			Destination:      &types.Destination{ToAddresses: []string{"not an address"}},
			Content:          simple("s", "b"),
		}, "", ""},
	}
	for _, tt := range rejections {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.SendEmail(cx, tt.in)
			if err == nil {
				t.Fatal("accepted")
			}
			code, msg := apiCode(t, err)
			if tt.code != "" && code != tt.code {
				t.Errorf("code = %s (%s), want %s", code, msg, tt.code)
			}
			if tt.msg != "" && !strings.Contains(msg, tt.msg) {
				t.Errorf("message = %q, want it to contain %q", msg, tt.msg)
			}
		})
	}

	t.Run("a paused account is refused with SendingPausedException", func(t *testing.T) {
		if _, err := c.PutAccountSendingAttributes(cx, &sesv2.PutAccountSendingAttributesInput{SendingEnabled: false}); err != nil {
			t.Fatal(err)
		}
		_, err := c.SendEmail(cx, &sesv2.SendEmailInput{FromEmailAddress: aws.String("news@example.com"),
			Destination: &types.Destination{ToAddresses: []string{"a@recipient.test"}}, Content: simple("s", "b")})
		var pe *types.SendingPausedException
		if !errors.As(err, &pe) {
			t.Fatalf("err = %v, want SendingPausedException", err)
		}
		if _, err := c.PutAccountSendingAttributes(cx, &sesv2.PutAccountSendingAttributesInput{SendingEnabled: true}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("a wrong secret is SignatureDoesNotMatch and an unknown key is refused", func(t *testing.T) {
		_, err := n.sesv2(bootKeyID, "wrong"+bootSecret[5:]).GetAccount(cx, &sesv2.GetAccountInput{})
		if code, _ := apiCode(t, err); code != "InvalidSignatureException" {
			t.Errorf("wrong secret: %s", code)
		}
		_, err = n.sesv2("AKIANOSUCHKEY0000000", bootSecret).GetAccount(cx, &sesv2.GetAccountInput{})
		if code, _ := apiCode(t, err); code != "UnrecognizedClientException" && code != "InvalidClientTokenId" {
			t.Errorf("unknown key: %s", code)
		}
	})

	t.Run("DeleteEmailIdentity removes it", func(t *testing.T) {
		if _, err := c.DeleteEmailIdentity(cx, &sesv2.DeleteEmailIdentityInput{EmailIdentity: aws.String("person@other.test")}); err != nil {
			t.Fatal(err)
		}
		_, err := c.GetEmailIdentity(cx, &sesv2.GetEmailIdentityInput{EmailIdentity: aws.String("person@other.test")})
		var nf *types.NotFoundException
		if !errors.As(err, &nf) {
			t.Fatalf("err = %v, want NotFoundException", err)
		}
	})
}

func TestSandboxAccount(t *testing.T) {
	dns := newDNS(t)
	n := startNode(t, "", "--resolver", dns.Addr())
	keyID, secret := n.newAccount("tenant", false)
	c := n.sesv2(keyID, secret)
	cx := ctx(t)
	n.mustAdmin("identity", "create", "sender@tenant.test", "--account", "tenant")
	n.mustAdmin("identity", "verify", "sender@tenant.test", "--account", "tenant")

	acct, err := c.GetAccount(cx, &sesv2.GetAccountInput{})
	if err != nil {
		t.Fatal(err)
	}
	if acct.ProductionAccessEnabled || acct.SendQuota.Max24HourSend != 200 || acct.SendQuota.MaxSendRate != 1 {
		t.Fatalf("new account: production=%v quota=%+v", acct.ProductionAccessEnabled, acct.SendQuota)
	}

	_, err = c.SendEmail(cx, &sesv2.SendEmailInput{FromEmailAddress: aws.String("sender@tenant.test"),
		Destination: &types.Destination{ToAddresses: []string{"stranger@elsewhere.test"}}, Content: simple("s", "b")})
	code, msg := apiCode(t, err)
	if code != "MessageRejected" || !strings.Contains(msg, "stranger@elsewhere.test") {
		t.Errorf("sandbox recipient: %s %q", code, msg)
	}

	// The simulator works in the sandbox; the send rate is one per second.
	_, err = c.SendEmail(cx, &sesv2.SendEmailInput{FromEmailAddress: aws.String("sender@tenant.test"),
		Destination: &types.Destination{ToAddresses: []string{"success@simulator.amazonses.com"}}, Content: simple("s", "b")})
	if err != nil {
		t.Fatalf("simulator in sandbox: %v", err)
	}
	_, err = c.SendEmail(cx, &sesv2.SendEmailInput{FromEmailAddress: aws.String("sender@tenant.test"),
		Destination: &types.Destination{ToAddresses: []string{"success@simulator.amazonses.com"}}, Content: simple("s", "b")})
	if code, msg := apiCode(t, err); code != "TooManyRequestsException" || msg != "Maximum sending rate exceeded." {
		t.Errorf("second send within a second: %s %q", code, msg)
	}
}

// newDNS starts the fake DNS server with TTL 0, so a record published
// mid-test is seen at once rather than after a cached absence expires.
func newDNS(t *testing.T) *dnstest.Server {
	dns := dnstest.Start(t)
	dns.SetTTL(0)
	return dns
}

func publishDKIM(t *testing.T, dns *dnstest.Server, records, selector string) string {
	t.Helper()
	for _, line := range strings.Split(records, "\n") {
		if !strings.HasPrefix(line, selector+"._domainkey.") {
			continue
		}
		// Join the quoted strings of the zone line into the TXT value.
		var b strings.Builder
		in := false
		for _, r := range line[strings.Index(line, "TXT")+3:] {
			switch {
			case r == '"':
				in = !in
			case in:
				b.WriteRune(r)
			}
		}
		name := strings.TrimSuffix(strings.Fields(line)[0], ".")
		dns.SetTXT(name, b.String())
		return b.String()
	}
	t.Fatalf("no record for selector %s in:\n%s", selector, records)
	return ""
}

func simple(subject, text string) *types.EmailContent {
	return &types.EmailContent{Simple: &types.Message{
		Subject: &types.Content{Data: aws.String(subject)},
		Body:    &types.Body{Text: &types.Content{Data: aws.String(text)}},
	}}
}

func manyRecipients(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("r%d@recipient.test", i)
	}
	return out
}

func bigMessage(size int) []byte {
	head := "From: news@example.com\r\nTo: a@recipient.test\r\nSubject: big\r\n\r\n"
	b := make([]byte, 0, size)
	b = append(b, head...)
	line := strings.Repeat("x", 76) + "\r\n"
	for len(b) < size {
		b = append(b, line...)
	}
	return b
}
