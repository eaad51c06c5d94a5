package e2e

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ses"
	"github.com/aws/aws-sdk-go-v2/service/ses/types"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
)

func TestSESv1WithTheGoSDK(t *testing.T) {
	dns := newDNS(t)
	n := startNode(t, "", "--resolver", dns.Addr())
	c := n.ses(bootKeyID, bootSecret)
	cx := ctx(t)

	t.Run("VerifyDomainIdentity returns a token that verifies the domain once published", func(t *testing.T) {
		out, err := c.VerifyDomainIdentity(cx, &ses.VerifyDomainIdentityInput{Domain: aws.String("legacy.test")})
		if err != nil {
			t.Fatal(err)
		}
		tok := aws.ToString(out.VerificationToken)
		if tok == "" {
			t.Fatal("no token")
		}
		attrs, err := c.GetIdentityVerificationAttributes(cx, &ses.GetIdentityVerificationAttributesInput{Identities: []string{"legacy.test"}})
		if err != nil {
			t.Fatal(err)
		}
		if a := attrs.VerificationAttributes["legacy.test"]; a.VerificationStatus != types.VerificationStatusPending || aws.ToString(a.VerificationToken) != tok {
			t.Fatalf("before publishing: %+v", a)
		}
		dns.SetTXT("_amazonses.legacy.test", tok)
		attrs, err = c.GetIdentityVerificationAttributes(cx, &ses.GetIdentityVerificationAttributesInput{Identities: []string{"legacy.test"}})
		if err != nil {
			t.Fatal(err)
		}
		if a := attrs.VerificationAttributes["legacy.test"]; a.VerificationStatus != types.VerificationStatusSuccess {
			t.Fatalf("after publishing: %+v", a)
		}
	})

	t.Run("VerifyDomainDkim returns the selectors", func(t *testing.T) {
		out, err := c.VerifyDomainDkim(cx, &ses.VerifyDomainDkimInput{Domain: aws.String("legacy.test")})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.DkimTokens) != 1 || len(out.DkimTokens[0]) != 32 {
			t.Errorf("DkimTokens = %v", out.DkimTokens)
		}
	})

	t.Run("VerifyEmailIdentity creates a pending address", func(t *testing.T) {
		if _, err := c.VerifyEmailIdentity(cx, &ses.VerifyEmailIdentityInput{EmailAddress: aws.String("me@mail.test")}); err != nil {
			t.Fatal(err)
		}
		list, err := c.ListIdentities(cx, &ses.ListIdentitiesInput{IdentityType: types.IdentityTypeEmailAddress})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(list.Identities, ",") != "me@mail.test" {
			t.Errorf("ListIdentities(EmailAddress) = %v", list.Identities)
		}
	})

	t.Run("SendEmail and SendRawEmail are accepted from a verified domain", func(t *testing.T) {
		out, err := c.SendEmail(cx, &ses.SendEmailInput{
			Source:      aws.String("app@legacy.test"),
			Destination: &types.Destination{ToAddresses: []string{"x@recipient.test"}},
			Message: &types.Message{Subject: &types.Content{Data: aws.String("v1")},
				Body: &types.Body{Text: &types.Content{Data: aws.String("hello")}}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if tr := n.trace(aws.ToString(out.MessageId)); len(tr.Recipients) != 1 {
			t.Fatalf("trace = %+v", tr)
		}
		raw := "From: app@legacy.test\r\nTo: y@recipient.test\r\nSubject: raw v1\r\nX-SES-CONFIGURATION-SET: legacy-set\r\n\r\nbody\r\n"
		_, err = c.SendRawEmail(cx, &ses.SendRawEmailInput{RawMessage: &types.RawMessage{Data: []byte(raw)}})
		if code, msg := apiCode(t, err); code != "ConfigurationSetDoesNotExist" || msg != "Configuration set <legacy-set> does not exist." {
			t.Errorf("SendRawEmail with an unknown configuration set: %s %q", code, msg)
		}
		if _, err := n.sesv2(bootKeyID, bootSecret).CreateConfigurationSet(cx, &sesv2.CreateConfigurationSetInput{
			ConfigurationSetName: aws.String("legacy-set")}); err != nil {
			t.Fatal(err)
		}
		rout, err := c.SendRawEmail(cx, &ses.SendRawEmailInput{RawMessage: &types.RawMessage{Data: []byte(raw)}})
		if err != nil {
			t.Fatal(err)
		}
		if tr := n.trace(aws.ToString(rout.MessageId)); tr.Recipients[0].Address != "y@recipient.test" || tr.ConfigurationSet != "legacy-set" {
			t.Fatalf("trace = %+v", tr)
		}
	})

	t.Run("a raw message over 10 MB is refused by the v1 API", func(t *testing.T) {
		_, err := c.SendRawEmail(cx, &ses.SendRawEmailInput{RawMessage: &types.RawMessage{Data: bigMessage(10*1024*1024 + 1)}})
		code, msg := apiCode(t, err)
		if code != "MessageRejected" || !strings.Contains(msg, "10485760") {
			t.Errorf("got %s %q", code, msg)
		}
	})

	t.Run("GetSendQuota and GetSendStatistics count recipients", func(t *testing.T) {
		q, err := c.GetSendQuota(cx, &ses.GetSendQuotaInput{})
		if err != nil {
			t.Fatal(err)
		}
		if q.SentLast24Hours != 2 || q.Max24HourSend != -1 {
			t.Errorf("GetSendQuota = %+v", q)
		}
		st, err := c.GetSendStatistics(cx, &ses.GetSendStatisticsInput{})
		if err != nil {
			t.Fatal(err)
		}
		var attempts, rejects int64
		for _, p := range st.SendDataPoints {
			attempts += p.DeliveryAttempts
			rejects += p.Rejects
		}
		if attempts != 2 || rejects != 1 {
			t.Errorf("statistics: %d attempts, %d rejects; want 2 and 1", attempts, rejects)
		}
	})

	t.Run("DeleteIdentity removes it", func(t *testing.T) {
		if _, err := c.DeleteIdentity(cx, &ses.DeleteIdentityInput{Identity: aws.String("me@mail.test")}); err != nil {
			t.Fatal(err)
		}
		list, err := c.ListIdentities(cx, &ses.ListIdentitiesInput{})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(list.Identities, ",") != "legacy.test" {
			t.Errorf("ListIdentities = %v", list.Identities)
		}
	})
}
