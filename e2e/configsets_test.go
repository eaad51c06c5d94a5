package e2e

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
)

// TestConfigurationSetsWithTheGoSDK drives the v2 configuration set
// operations and their effect on sending with aws-sdk-go-v2.
func TestConfigurationSetsWithTheGoSDK(t *testing.T) {
	n := startNode(t, "")
	c := n.sesv2(bootKeyID, bootSecret)
	cx := ctx(t)
	n.mustAdmin("identity", "create", "sets.example", "--account", "default")
	n.mustAdmin("identity", "verify", "sets.example", "--account", "default")

	_, err := c.CreateConfigurationSet(cx, &sesv2.CreateConfigurationSetInput{
		ConfigurationSetName: aws.String("marketing"),
		DeliveryOptions:      &types.DeliveryOptions{TlsPolicy: types.TlsPolicyRequire, MaxDeliverySeconds: aws.Int64(3600)},
		ReputationOptions:    &types.ReputationOptions{ReputationMetricsEnabled: true},
		SuppressionOptions:   &types.SuppressionOptions{SuppressedReasons: []types.SuppressionListReason{types.SuppressionListReasonComplaint}},
		Tags:                 []types.Tag{{Key: aws.String("team"), Value: aws.String("growth")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var exists *types.AlreadyExistsException
	if _, err := c.CreateConfigurationSet(cx, &sesv2.CreateConfigurationSetInput{ConfigurationSetName: aws.String("marketing")}); !errors.As(err, &exists) {
		t.Errorf("second create: %v, want AlreadyExistsException", err)
	}
	var bad *types.BadRequestException
	if _, err := c.CreateConfigurationSet(cx, &sesv2.CreateConfigurationSetInput{ConfigurationSetName: aws.String("no spaces")}); !errors.As(err, &bad) {
		t.Errorf("bad name: %v, want BadRequestException", err)
	}
	got, err := c.GetConfigurationSet(cx, &sesv2.GetConfigurationSetInput{ConfigurationSetName: aws.String("marketing")})
	if err != nil {
		t.Fatal(err)
	}
	if got.DeliveryOptions.TlsPolicy != types.TlsPolicyRequire || aws.ToInt64(got.DeliveryOptions.MaxDeliverySeconds) != 3600 ||
		!got.ReputationOptions.ReputationMetricsEnabled || !got.SendingOptions.SendingEnabled ||
		len(got.SuppressionOptions.SuppressedReasons) != 1 || len(got.Tags) != 1 {
		t.Errorf("GetConfigurationSet = %+v %+v %+v %+v", got.DeliveryOptions, got.ReputationOptions, got.SendingOptions, got.SuppressionOptions)
	}
	var notFound *types.NotFoundException
	if _, err := c.GetConfigurationSet(cx, &sesv2.GetConfigurationSetInput{ConfigurationSetName: aws.String("nope")}); !errors.As(err, &notFound) {
		t.Errorf("get missing: %v, want NotFoundException", err)
	}
	for _, name := range []string{"a1", "a2", "a3"} {
		if _, err := c.CreateConfigurationSet(cx, &sesv2.CreateConfigurationSetInput{ConfigurationSetName: aws.String(name)}); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	in := &sesv2.ListConfigurationSetsInput{PageSize: aws.Int32(2)}
	for {
		page, err := c.ListConfigurationSets(cx, in)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, page.ConfigurationSets...)
		if page.NextToken == nil {
			break
		}
		in.NextToken = page.NextToken
	}
	if len(names) != 4 || names[0] != "a1" || names[3] != "marketing" {
		t.Errorf("ListConfigurationSets pages = %v", names)
	}

	send := func(set string) error {
		in := &sesv2.SendEmailInput{FromEmailAddress: aws.String("app@sets.example"),
			Destination: &types.Destination{ToAddresses: []string{"success@simulator.amazonses.com"}}, Content: simple("s", "b")}
		if set != "" {
			in.ConfigurationSetName = aws.String(set)
		}
		out, err := c.SendEmail(cx, in)
		if err != nil {
			return err
		}
		if tr := n.trace(aws.ToString(out.MessageId)); set != "" && tr.ConfigurationSet != set {
			t.Errorf("trace configurationSet = %q, want %q", tr.ConfigurationSet, set)
		}
		return nil
	}
	if err := send("nope"); !errors.As(err, &notFound) {
		t.Errorf("send with a missing set: %v, want NotFoundException", err)
	}
	if _, err := c.PutConfigurationSetSendingOptions(cx, &sesv2.PutConfigurationSetSendingOptionsInput{
		ConfigurationSetName: aws.String("marketing"), SendingEnabled: false}); err != nil {
		t.Fatal(err)
	}
	var paused *types.SendingPausedException
	if err := send("marketing"); !errors.As(err, &paused) {
		t.Errorf("send with a paused set: %v, want SendingPausedException", err)
	}
	if _, err := c.PutConfigurationSetSendingOptions(cx, &sesv2.PutConfigurationSetSendingOptionsInput{
		ConfigurationSetName: aws.String("marketing"), SendingEnabled: true}); err != nil {
		t.Fatal(err)
	}
	if err := send("marketing"); err != nil {
		t.Errorf("send after resuming: %v", err)
	}

	// The identity's default set applies to mail that names none.
	if _, err := c.PutEmailIdentityConfigurationSetAttributes(cx, &sesv2.PutEmailIdentityConfigurationSetAttributesInput{
		EmailIdentity: aws.String("sets.example"), ConfigurationSetName: aws.String("a2")}); err != nil {
		t.Fatal(err)
	}
	id, err := c.GetEmailIdentity(cx, &sesv2.GetEmailIdentityInput{EmailIdentity: aws.String("sets.example")})
	if err != nil || aws.ToString(id.ConfigurationSetName) != "a2" {
		t.Fatalf("GetEmailIdentity ConfigurationSetName = %q, %v", aws.ToString(id.ConfigurationSetName), err)
	}
	out, err := c.SendEmail(cx, &sesv2.SendEmailInput{FromEmailAddress: aws.String("app@sets.example"),
		Destination: &types.Destination{ToAddresses: []string{"success@simulator.amazonses.com"}}, Content: simple("s", "b")})
	if err != nil {
		t.Fatal(err)
	}
	// The identity cache lasts a few seconds; the set was put before any
	// send from the identity, so it applies at once.
	if tr := n.trace(aws.ToString(out.MessageId)); tr.ConfigurationSet != "a2" {
		t.Errorf("mail without a set got %q, want the identity's a2", tr.ConfigurationSet)
	}
	if _, err := c.PutEmailIdentityConfigurationSetAttributes(cx, &sesv2.PutEmailIdentityConfigurationSetAttributesInput{
		EmailIdentity: aws.String("sets.example"), ConfigurationSetName: aws.String("missing")}); !errors.As(err, &notFound) {
		t.Errorf("identity default to a missing set: %v, want NotFoundException", err)
	}

	if _, err := c.DeleteConfigurationSet(cx, &sesv2.DeleteConfigurationSetInput{ConfigurationSetName: aws.String("a3")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteConfigurationSet(cx, &sesv2.DeleteConfigurationSetInput{ConfigurationSetName: aws.String("a3")}); !errors.As(err, &notFound) {
		t.Errorf("second delete: %v, want NotFoundException", err)
	}
}
