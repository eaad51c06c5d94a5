package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ses"
	sestypes "github.com/aws/aws-sdk-go-v2/service/ses/types"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/hikyaku/hikyaku/internal/dnstest"
)

// TestCustomMailFromDomain sets a custom MAIL FROM domain through the SES
// APIs and follows it to the wire: while its MX record is missing, mail
// falls back to the default return-path domain (USE_DEFAULT_VALUE) or is
// refused (REJECT_MESSAGE); once the record points at the inbound MX host,
// GetEmailIdentity says SUCCESS and smtp-sink sees MAIL FROM on the
// custom domain.
func TestCustomMailFromDomain(t *testing.T) {
	dns := newDNS(t)
	dump, err := os.MkdirTemp("", "hikyaku-sink")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dump) })
	port := smtpSink(t, dump)
	dns.SetMX("example.net", dnstest.MX{Host: "mx.example.net", Pref: 10})
	dns.SetA("mx.example.net", "127.0.0.1")

	n := startNode(t, "", "--resolver", dns.Addr(), "--mx-port", fmt.Sprint(port), "--delivery=true",
		"--return-path-domain", "bounces.hikyaku.test", "--mx-host", "mx.hikyaku.test")
	c := n.sesv2(bootKeyID, bootSecret)
	v1 := n.ses(bootKeyID, bootSecret)
	cx := ctx(t)
	out, err := c.CreateEmailIdentity(cx, &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String("example.com")})
	if err != nil {
		t.Fatal(err)
	}
	publishDKIM(t, dns, n.mustAdmin("identity", "records", "example.com"), out.DkimAttributes.Tokens[0])

	mailFrom := func(t *testing.T) *types.MailFromAttributes {
		t.Helper()
		got, err := c.GetEmailIdentity(cx, &sesv2.GetEmailIdentityInput{EmailIdentity: aws.String("example.com")})
		if err != nil {
			t.Fatal(err)
		}
		if !got.VerifiedForSendingStatus {
			t.Fatalf("example.com is not verified")
		}
		if got.MailFromAttributes == nil {
			t.Fatal("GetEmailIdentity has no MailFromAttributes")
		}
		return got.MailFromAttributes
	}
	put := func(t *testing.T, domain string, behavior types.BehaviorOnMxFailure) error {
		t.Helper()
		_, err := c.PutEmailIdentityMailFromAttributes(cx, &sesv2.PutEmailIdentityMailFromAttributesInput{
			EmailIdentity: aws.String("example.com"), MailFromDomain: aws.String(domain), BehaviorOnMxFailure: behavior,
		})
		return err
	}
	send := func(text string) (string, error) {
		sent, err := c.SendEmail(cx, &sesv2.SendEmailInput{
			FromEmailAddress: aws.String("news@example.com"),
			Destination:      &types.Destination{ToAddresses: []string{"alice@example.net"}},
			Content:          simple("MAIL FROM test", text),
		})
		if err != nil {
			return "", err
		}
		return aws.ToString(sent.MessageId), nil
	}

	t.Run("an identity without one reports SES's default behavior", func(t *testing.T) {
		got := mailFrom(t)
		if got.BehaviorOnMxFailure != types.BehaviorOnMxFailureUseDefaultValue || aws.ToString(got.MailFromDomain) != "" {
			t.Errorf("MailFromAttributes = %+v, want USE_DEFAULT_VALUE and no domain", got)
		}
	})

	t.Run("a domain that is not a subdomain of the identity is refused", func(t *testing.T) {
		err := put(t, "bounce.example.org", types.BehaviorOnMxFailureUseDefaultValue)
		var bad *types.BadRequestException
		if !errors.As(err, &bad) {
			t.Fatalf("PutEmailIdentityMailFromAttributes = %v, want BadRequestException", err)
		}
		if _, msg := apiCode(t, err); msg != "Provided MAIL-FROM domain <bounce.example.org> is not subdomain of the domain of the identity <example.com>." {
			t.Errorf("message = %q", msg)
		}
		_, err = v1.SetIdentityMailFromDomain(cx, &ses.SetIdentityMailFromDomainInput{
			Identity: aws.String("example.com"), MailFromDomain: aws.String("example.com"),
		})
		if code, _ := apiCode(t, err); code != "InvalidParameterValue" {
			t.Errorf("v1 SetIdentityMailFromDomain of the identity itself: code %s, want InvalidParameterValue", code)
		}
	})

	t.Run("while the MX record is missing, USE_DEFAULT_VALUE sends with the default return path", func(t *testing.T) {
		if err := put(t, "bounce.example.com", types.BehaviorOnMxFailureUseDefaultValue); err != nil {
			t.Fatal(err)
		}
		got := mailFrom(t)
		if aws.ToString(got.MailFromDomain) != "bounce.example.com" || got.MailFromDomainStatus != types.MailFromDomainStatusPending {
			t.Errorf("MailFromAttributes = %+v, want bounce.example.com PENDING", got)
		}
		// Admin commands read the same settings as serve (here as flags).
		records := n.mustAdmin("identity", "records", "example.com", "--hostname", "hikyaku.test", "--mx-host", "mx.hikyaku.test")
		for _, want := range []string{"bounce.example.com. 3600 IN MX 10 mx.hikyaku.test.",
			`bounce.example.com. 3600 IN TXT "v=spf1 a:hikyaku.test ~all"`} {
			if !strings.Contains(records, want) {
				t.Errorf("identity records lacks %q:\n%s", want, records)
			}
		}
		id, err := send("sent while pending")
		if err != nil {
			t.Fatal(err)
		}
		waitStatus(t, n, id, "delivered")
	})

	t.Run("while the MX record is missing, REJECT_MESSAGE refuses the send", func(t *testing.T) {
		if err := put(t, "bounce.example.com", types.BehaviorOnMxFailureRejectMessage); err != nil {
			t.Fatal(err)
		}
		_, err := send("never sent")
		var refused *types.MailFromDomainNotVerifiedException
		if !errors.As(err, &refused) {
			t.Fatalf("SendEmail = %v, want MailFromDomainNotVerifiedException", err)
		}
		_, err = v1.SendEmail(cx, &ses.SendEmailInput{
			Source:      aws.String("news@example.com"),
			Destination: &sestypes.Destination{ToAddresses: []string{"alice@example.net"}},
			Message: &sestypes.Message{Subject: &sestypes.Content{Data: aws.String("s")},
				Body: &sestypes.Body{Text: &sestypes.Content{Data: aws.String("never sent")}}},
		})
		var v1Refused *sestypes.MailFromDomainNotVerifiedException
		if !errors.As(err, &v1Refused) {
			t.Fatalf("v1 SendEmail = %v, want MailFromDomainNotVerifiedException", err)
		}
		attrs, err := v1.GetIdentityMailFromDomainAttributes(cx, &ses.GetIdentityMailFromDomainAttributesInput{
			Identities: []string{"example.com"}})
		if err != nil {
			t.Fatal(err)
		}
		if a := attrs.MailFromDomainAttributes["example.com"]; a.MailFromDomainStatus != sestypes.CustomMailFromStatusPending ||
			a.BehaviorOnMXFailure != sestypes.BehaviorOnMXFailureRejectMessage || aws.ToString(a.MailFromDomain) != "bounce.example.com" {
			t.Errorf("v1 attributes = %+v, want bounce.example.com Pending RejectMessage", a)
		}
	})

	t.Run("once its MX points at the inbound MX host the domain is verified and used", func(t *testing.T) {
		dns.SetMX("bounce.example.com", dnstest.MX{Host: "mx.hikyaku.test", Pref: 10})
		dns.SetTXT("bounce.example.com", "v=spf1 a:hikyaku.test ~all")
		if got := mailFrom(t); got.MailFromDomainStatus != types.MailFromDomainStatusSuccess ||
			got.BehaviorOnMxFailure != types.BehaviorOnMxFailureRejectMessage {
			t.Fatalf("MailFromAttributes = %+v, want SUCCESS with REJECT_MESSAGE", got)
		}
		id, err := send("sent with the custom domain")
		if err != nil {
			t.Fatal(err)
		}
		waitStatus(t, n, id, "delivered")
	})

	files := waitFiles(t, dump, 2)
	want := map[string]*regexp.Regexp{
		"sent while pending":          regexp.MustCompile(`(?m)^X-Mail-Args: <b-[a-z0-9-]+@bounces\.hikyaku\.test>`),
		"sent with the custom domain": regexp.MustCompile(`(?m)^X-Mail-Args: <b-[a-z0-9-]+@bounce\.example\.com>`),
	}
	seen := 0
	for _, f := range files {
		m, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(m, []byte("never sent")) {
			t.Errorf("a refused message was delivered:\n%s", head(m))
		}
		for text, re := range want {
			if bytes.Contains(m, []byte(text)) {
				seen++
				if !re.Match(m) {
					t.Errorf("%q: MAIL FROM does not match %s:\n%s", text, re, head(m))
				}
			}
		}
	}
	if seen != len(want) {
		t.Errorf("smtp-sink got %d of the %d messages sent", seen, len(want))
	}
}
