package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ses"
	"github.com/aws/aws-sdk-go-v2/service/ses/types"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
)

// cliRunner returns a function that runs the AWS CLI v2 against n with the
// bootstrap key and fails the test when the command fails.
func cliRunner(t *testing.T, n *node) func(args ...string) string {
	t.Helper()
	if _, err := os.Stat(awsCLI); err != nil {
		t.Fatalf("%s not found: install Debian's awscli (make test does it)", awsCLI)
	}
	home := t.TempDir()
	return func(args ...string) string {
		t.Helper()
		cmd := exec.Command(awsCLI, append(args, "--endpoint-url", n.url, "--region", "us-east-1", "--output", "json")...)
		cmd.Env = []string{"HOME=" + home, "PATH=/usr/bin:/bin", "AWS_PAGER=",
			"AWS_ACCESS_KEY_ID=" + bootKeyID, "AWS_SECRET_ACCESS_KEY=" + bootSecret,
			"AWS_EC2_METADATA_DISABLED=true", "AWS_MAX_ATTEMPTS=1"}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
}

// createTopic creates an SNS topic with the AWS CLI and returns its ARN.
func createTopic(t *testing.T, cli func(...string) string, name string) string {
	t.Helper()
	var topic struct{ TopicArn string }
	if err := json.Unmarshal([]byte(cli("sns", "create-topic", "--name", name)), &topic); err != nil || topic.TopicArn == "" {
		t.Fatalf("create-topic %s: %v %+v", name, err, topic)
	}
	return topic.TopicArn
}

// wantCode checks that err is the API error code with a message holding
// each of parts.
func wantCode(t *testing.T, err error, code string, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("succeeded, want %s", code)
	}
	got, msg := apiCode(t, err)
	if got != code {
		t.Errorf("got %s %q, want %s", got, msg, code)
	}
	for _, p := range parts {
		if !strings.Contains(msg, p) {
			t.Errorf("message %q lacks %q", msg, p)
		}
	}
}

// TestIdentityNotificationsV1 wires an identity's Bounce and Complaint
// notifications as an SES v1 user does (SNS topic from the AWS CLI, the
// settings with the SDK), checks SES's refusals, and follows a simulated
// bounce to an HTTPS subscriber in the notificationType dialect.
func TestIdentityNotificationsV1(t *testing.T) {
	sub := newSNSSubscriber(t)
	n := &node{t: t, data: t.TempDir(), extraEnv: []string{"SSL_CERT_FILE=" + sub.caFile(t)}}
	n.start()
	t.Cleanup(n.stop)
	cli := cliRunner(t, n)
	topicARN := createTopic(t, cli, "ses-notifications")
	account := strings.Split(topicARN, ":")[4]
	cli("sns", "subscribe", "--topic-arn", topicARN, "--protocol", "https", "--notification-endpoint", sub.srv.URL+"/notify")
	for deadline := time.Now().Add(20 * time.Second); ; {
		if out := cli("sns", "list-subscriptions-by-topic", "--topic-arn", topicARN); strings.Contains(out, topicARN+":") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("subscription not confirmed:\n%s", n.log())
		}
		time.Sleep(100 * time.Millisecond)
	}
	n.mustAdmin("identity", "create", "notify.example", "--account", "default")
	n.mustAdmin("identity", "verify", "notify.example", "--account", "default")

	c := n.ses(bootKeyID, bootSecret)
	cx := ctx(t)
	setTopic := func(typ types.NotificationType, arn *string) error {
		_, err := c.SetIdentityNotificationTopic(cx, &ses.SetIdentityNotificationTopicInput{
			Identity: aws.String("notify.example"), NotificationType: typ, SnsTopic: arn})
		return err
	}
	forwarding := func(on bool) error {
		_, err := c.SetIdentityFeedbackForwardingEnabled(cx, &ses.SetIdentityFeedbackForwardingEnabledInput{
			Identity: aws.String("notify.example"), ForwardingEnabled: on})
		return err
	}
	attrs := func(t *testing.T) types.IdentityNotificationAttributes {
		t.Helper()
		out, err := c.GetIdentityNotificationAttributes(cx, &ses.GetIdentityNotificationAttributesInput{
			Identities: []string{"notify.example", "ghost.example"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := out.NotificationAttributes["ghost.example"]; ok || len(out.NotificationAttributes) != 1 {
			t.Errorf("NotificationAttributes = %+v, want notify.example alone", out.NotificationAttributes)
		}
		return out.NotificationAttributes["notify.example"]
	}

	t.Run("a new identity forwards feedback and has no topics", func(t *testing.T) {
		a := attrs(t)
		if !a.ForwardingEnabled || a.BounceTopic != nil || a.ComplaintTopic != nil || a.DeliveryTopic != nil ||
			a.HeadersInBounceNotificationsEnabled {
			t.Errorf("attributes = %+v", a)
		}
	})

	t.Run("an identity that is not the account's is InvalidParameterValue", func(t *testing.T) {
		_, err := c.SetIdentityNotificationTopic(cx, &ses.SetIdentityNotificationTopicInput{
			Identity: aws.String("ghost.example"), NotificationType: types.NotificationTypeBounce, SnsTopic: aws.String(topicARN)})
		wantCode(t, err, "InvalidParameterValue", "Identity ghost.example is invalid. Must be a verified email address or domain.")
		_, err = c.SetIdentityHeadersInNotificationsEnabled(cx, &ses.SetIdentityHeadersInNotificationsEnabledInput{
			Identity: aws.String("ghost.example"), NotificationType: types.NotificationTypeBounce, Enabled: true})
		wantCode(t, err, "InvalidParameterValue", "ghost.example")
	})

	t.Run("a topic that does not exist is InvalidParameterValue", func(t *testing.T) {
		err := setTopic(types.NotificationTypeBounce, aws.String("arn:aws:sns:us-east-1:"+account+":no-such-topic"))
		wantCode(t, err, "InvalidParameterValue", "no-such-topic")
	})

	t.Run("a notification type outside the enum is a ValidationError", func(t *testing.T) {
		err := setTopic("bounce", aws.String(topicARN))
		wantCode(t, err, "ValidationError", "Member must satisfy enum value set: [Bounce, Complaint, Delivery]")
	})

	t.Run("forwarding cannot be disabled before bounce and complaint topics are set", func(t *testing.T) {
		wantCode(t, forwarding(false), "InvalidParameterValue", "Bounce and Complaint")
		if err := setTopic(types.NotificationTypeBounce, aws.String(topicARN)); err != nil {
			t.Fatal(err)
		}
		wantCode(t, forwarding(false), "InvalidParameterValue")
	})

	t.Run("bounce and complaint topics read back", func(t *testing.T) {
		if err := setTopic(types.NotificationTypeComplaint, aws.String(topicARN)); err != nil {
			t.Fatal(err)
		}
		a := attrs(t)
		if aws.ToString(a.BounceTopic) != topicARN || aws.ToString(a.ComplaintTopic) != topicARN || a.DeliveryTopic != nil {
			t.Errorf("attributes = %+v", a)
		}
		// An identity ARN names the identity too.
		out, err := c.GetIdentityNotificationAttributes(cx, &ses.GetIdentityNotificationAttributesInput{
			Identities: []string{"arn:aws:ses:us-east-1:" + account + ":identity/notify.example"}})
		if err != nil {
			t.Fatal(err)
		}
		if a := out.NotificationAttributes["arn:aws:ses:us-east-1:"+account+":identity/notify.example"]; aws.ToString(a.BounceTopic) != topicARN {
			t.Errorf("by ARN: %+v", out.NotificationAttributes)
		}
	})

	t.Run("headers in bounce notifications can be turned on", func(t *testing.T) {
		if _, err := c.SetIdentityHeadersInNotificationsEnabled(cx, &ses.SetIdentityHeadersInNotificationsEnabledInput{
			Identity: aws.String("notify.example"), NotificationType: types.NotificationTypeBounce, Enabled: true}); err != nil {
			t.Fatal(err)
		}
		if a := attrs(t); !a.HeadersInBounceNotificationsEnabled || a.HeadersInComplaintNotificationsEnabled || a.HeadersInDeliveryNotificationsEnabled {
			t.Errorf("attributes = %+v", a)
		}
	})

	t.Run("with both topics forwarding can be disabled, and then the topics cannot be removed", func(t *testing.T) {
		if err := forwarding(false); err != nil {
			t.Fatal(err)
		}
		if a := attrs(t); a.ForwardingEnabled {
			t.Errorf("attributes = %+v", a)
		}
		wantCode(t, setTopic(types.NotificationTypeComplaint, nil), "InvalidParameterValue", "feedback forwarding")
		if err := forwarding(true); err != nil {
			t.Fatal(err)
		}
		if err := setTopic(types.NotificationTypeComplaint, nil); err != nil {
			t.Fatalf("clearing the complaint topic with forwarding on: %v", err)
		}
		if a := attrs(t); !a.ForwardingEnabled || a.ComplaintTopic != nil || aws.ToString(a.BounceTopic) != topicARN {
			t.Errorf("attributes = %+v", a)
		}
	})

	t.Run("a bounce reaches the bounce topic as a notification with headers", func(t *testing.T) {
		_, err := c.SendEmail(cx, &ses.SendEmailInput{
			Source:      aws.String("app@notify.example"),
			Destination: &types.Destination{ToAddresses: []string{"bounce@simulator.amazonses.com"}},
			Message: &types.Message{Subject: &types.Content{Data: aws.String("will bounce")},
				Body: &types.Body{Text: &types.Content{Data: aws.String("hello")}}},
		})
		if err != nil {
			t.Fatal(err)
		}
		sub.waitFor(t, 1, "bounce notification")
		time.Sleep(time.Second) // anything extra would arrive now
		sub.mu.Lock()
		defer sub.mu.Unlock()
		if len(sub.events) != 1 {
			t.Fatalf("%d messages, want the bounce alone: %v", len(sub.events), sub.events)
		}
		for _, ev := range sub.events {
			if ev["notificationType"] != "Bounce" || ev["eventType"] != nil {
				t.Errorf("not a Bounce notification: %v", ev)
			}
			b, _ := ev["bounce"].(map[string]any)
			if firstAddr(b["bouncedRecipients"]) != "bounce@simulator.amazonses.com" {
				t.Errorf("bounce = %v", b)
			}
			mail, _ := ev["mail"].(map[string]any)
			if mail["source"] != "app@notify.example" || mail["headers"] == nil {
				t.Errorf("mail = %v", mail)
			}
		}
	})
}

// TestConfigurationSetV1 manages configuration sets and their event
// destinations through the SES v1 API with the SDK, checks each of v1's
// error codes, and reads the result back through v2.
func TestConfigurationSetV1(t *testing.T) {
	n := startNode(t, "")
	cli := cliRunner(t, n)
	topicARN := createTopic(t, cli, "v1-events")
	account := strings.Split(topicARN, ":")[4]
	c := n.ses(bootKeyID, bootSecret)
	v2 := n.sesv2(bootKeyID, bootSecret)
	cx := ctx(t)
	create := func(name string) error {
		_, err := c.CreateConfigurationSet(cx, &ses.CreateConfigurationSetInput{ConfigurationSet: &types.ConfigurationSet{Name: aws.String(name)}})
		return err
	}
	describe := func(t *testing.T, name string, attrs ...types.ConfigurationSetAttribute) *ses.DescribeConfigurationSetOutput {
		t.Helper()
		out, err := c.DescribeConfigurationSet(cx, &ses.DescribeConfigurationSetInput{ConfigurationSetName: aws.String(name),
			ConfigurationSetAttributeNames: attrs})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	snsDest := func(name string, arn string, typ ...types.EventType) *types.EventDestination {
		return &types.EventDestination{Name: aws.String(name), Enabled: true, MatchingEventTypes: typ,
			SNSDestination: &types.SNSDestination{TopicARN: aws.String(arn)}}
	}
	createDest := func(set string, d *types.EventDestination) error {
		_, err := c.CreateConfigurationSetEventDestination(cx, &ses.CreateConfigurationSetEventDestinationInput{
			ConfigurationSetName: aws.String(set), EventDestination: d})
		return err
	}

	t.Run("sets are created once, with valid names", func(t *testing.T) {
		for _, name := range []string{"v1-set", "v1_other"} {
			if err := create(name); err != nil {
				t.Fatal(err)
			}
		}
		wantCode(t, create("v1-set"), "ConfigurationSetAlreadyExists", "v1-set")
		wantCode(t, create("bad name!"), "InvalidConfigurationSet", "bad name!")
		wantCode(t, create(""), "InvalidParameterValue", "must be specified")
	})

	t.Run("ListConfigurationSets pages with MaxItems", func(t *testing.T) {
		first, err := c.ListConfigurationSets(cx, &ses.ListConfigurationSetsInput{MaxItems: aws.Int32(1)})
		if err != nil {
			t.Fatal(err)
		}
		if len(first.ConfigurationSets) != 1 || aws.ToString(first.ConfigurationSets[0].Name) != "v1-set" || first.NextToken == nil {
			t.Fatalf("first page = %+v", first)
		}
		second, err := c.ListConfigurationSets(cx, &ses.ListConfigurationSetsInput{MaxItems: aws.Int32(1), NextToken: first.NextToken})
		if err != nil {
			t.Fatal(err)
		}
		if len(second.ConfigurationSets) != 1 || aws.ToString(second.ConfigurationSets[0].Name) != "v1_other" || second.NextToken != nil {
			t.Fatalf("second page = %+v", second)
		}
	})

	t.Run("a new set describes with its defaults", func(t *testing.T) {
		out := describe(t, "v1-set", types.ConfigurationSetAttributeEventDestinations, types.ConfigurationSetAttributeDeliveryOptions,
			types.ConfigurationSetAttributeReputationOptions, types.ConfigurationSetAttributeTrackingOptions)
		if aws.ToString(out.ConfigurationSet.Name) != "v1-set" || len(out.EventDestinations) != 0 || out.TrackingOptions != nil ||
			out.DeliveryOptions.TlsPolicy != types.TlsPolicyOptional || !out.ReputationOptions.SendingEnabled ||
			out.ReputationOptions.ReputationMetricsEnabled || out.ReputationOptions.LastFreshStart != nil {
			t.Errorf("DescribeConfigurationSet = %+v", out)
		}
		if out := describe(t, "v1-set"); out.DeliveryOptions != nil || out.ReputationOptions != nil {
			t.Errorf("without attribute names: %+v", out)
		}
		_, err := c.DescribeConfigurationSet(cx, &ses.DescribeConfigurationSetInput{ConfigurationSetName: aws.String("v1-set"),
			ConfigurationSetAttributeNames: []types.ConfigurationSetAttribute{"sendingOptions"}})
		wantCode(t, err, "ValidationError", "configurationSetAttributeNames")
		_, err = c.DescribeConfigurationSet(cx, &ses.DescribeConfigurationSetInput{ConfigurationSetName: aws.String("nope")})
		wantCode(t, err, "ConfigurationSetDoesNotExist", "Configuration set <nope> does not exist.")
	})

	t.Run("event destinations are created with v1's codes for each refusal", func(t *testing.T) {
		if err := createDest("v1-set", snsDest("to-sns", topicARN, types.EventTypeBounce, types.EventTypeComplaint, "deliveryDelay")); err != nil {
			t.Fatal(err)
		}
		wantCode(t, createDest("v1-set", snsDest("to-sns", topicARN, types.EventTypeSend)), "EventDestinationAlreadyExists", "to-sns")
		wantCode(t, createDest("v1-set", snsDest("missing-topic", "arn:aws:sns:us-east-1:"+account+":nope", types.EventTypeSend)),
			"InvalidSNSDestination", ":nope")
		wantCode(t, createDest("nope", snsDest("d", topicARN, types.EventTypeSend)), "ConfigurationSetDoesNotExist", "nope")
		wantCode(t, createDest("v1-set", snsDest("bad-type", topicARN, "BOUNCE")), "ValidationError", "matchingEventTypes")
		wantCode(t, createDest("v1-set", &types.EventDestination{Name: aws.String("nowhere"), MatchingEventTypes: []types.EventType{types.EventTypeSend}}),
			"InvalidParameterValue", "exactly one")
		err := createDest("v1-set", &types.EventDestination{Name: aws.String("to-cloudwatch"), MatchingEventTypes: []types.EventType{types.EventTypeSend},
			CloudWatchDestination: &types.CloudWatchDestination{DimensionConfigurations: []types.CloudWatchDimensionConfiguration{{
				DimensionName: aws.String("campaign"), DimensionValueSource: types.DimensionValueSourceMessageTag, DefaultDimensionValue: aws.String("none")}}}})
		if err != nil {
			t.Fatal(err)
		}

		out := describe(t, "v1-set", types.ConfigurationSetAttributeEventDestinations)
		if len(out.EventDestinations) != 2 {
			t.Fatalf("EventDestinations = %+v", out.EventDestinations)
		}
		cw, sns := out.EventDestinations[0], out.EventDestinations[1]
		if aws.ToString(sns.Name) != "to-sns" || !sns.Enabled || aws.ToString(sns.SNSDestination.TopicARN) != topicARN ||
			fmtTypes(sns.MatchingEventTypes) != "bounce,complaint,deliveryDelay" {
			t.Errorf("SNS destination = %+v", sns)
		}
		if aws.ToString(cw.Name) != "to-cloudwatch" || cw.Enabled || cw.CloudWatchDestination == nil ||
			cw.CloudWatchDestination.DimensionConfigurations[0].DimensionValueSource != types.DimensionValueSourceMessageTag {
			t.Errorf("CloudWatch destination = %+v", cw)
		}

		// v2 sees the same destinations, in its own spelling.
		got, err := v2.GetConfigurationSetEventDestinations(cx, &sesv2.GetConfigurationSetEventDestinationsInput{ConfigurationSetName: aws.String("v1-set")})
		if err != nil {
			t.Fatal(err)
		}
		if len(got.EventDestinations) != 2 {
			t.Fatalf("v2 sees %d destinations, want 2: %+v", len(got.EventDestinations), got.EventDestinations)
		}
		for _, d := range got.EventDestinations {
			switch aws.ToString(d.Name) {
			case "to-sns":
				if d.SnsDestination == nil || fmtTypes(d.MatchingEventTypes) != "BOUNCE,COMPLAINT,DELIVERY_DELAY" {
					t.Errorf("v2 sees %+v", d)
				}
			case "to-cloudwatch":
				if d.CloudWatchDestination == nil || string(d.CloudWatchDestination.DimensionConfigurations[0].DimensionValueSource) != "MESSAGE_TAG" {
					t.Errorf("v2 sees %+v", d)
				}
			default:
				t.Errorf("v2 sees an unexpected destination %+v", d)
			}
		}
	})

	t.Run("an event destination is updated and deleted by name", func(t *testing.T) {
		_, err := c.UpdateConfigurationSetEventDestination(cx, &ses.UpdateConfigurationSetEventDestinationInput{
			ConfigurationSetName: aws.String("v1-set"), EventDestination: snsDest("to-sns", topicARN, types.EventTypeDelivery)})
		if err != nil {
			t.Fatal(err)
		}
		out := describe(t, "v1-set", types.ConfigurationSetAttributeEventDestinations)
		if d := out.EventDestinations[1]; fmtTypes(d.MatchingEventTypes) != "delivery" {
			t.Errorf("after update: %+v", d)
		}
		_, err = c.UpdateConfigurationSetEventDestination(cx, &ses.UpdateConfigurationSetEventDestinationInput{
			ConfigurationSetName: aws.String("v1-set"), EventDestination: snsDest("ghost", topicARN, types.EventTypeSend)})
		wantCode(t, err, "EventDestinationDoesNotExist", "ghost")
		del := func(name string) error {
			_, err := c.DeleteConfigurationSetEventDestination(cx, &ses.DeleteConfigurationSetEventDestinationInput{
				ConfigurationSetName: aws.String("v1-set"), EventDestinationName: aws.String(name)})
			return err
		}
		if err := del("to-cloudwatch"); err != nil {
			t.Fatal(err)
		}
		wantCode(t, del("to-cloudwatch"), "EventDestinationDoesNotExist", "to-cloudwatch")
		if out := describe(t, "v1-set", types.ConfigurationSetAttributeEventDestinations); len(out.EventDestinations) != 1 {
			t.Errorf("after delete: %+v", out.EventDestinations)
		}
	})

	t.Run("sending, reputation metrics and TLS are switched per set", func(t *testing.T) {
		sending := func(on bool) {
			t.Helper()
			if _, err := c.UpdateConfigurationSetSendingEnabled(cx, &ses.UpdateConfigurationSetSendingEnabledInput{
				ConfigurationSetName: aws.String("v1-set"), Enabled: on}); err != nil {
				t.Fatal(err)
			}
		}
		sending(false)
		if r := describe(t, "v1-set", types.ConfigurationSetAttributeReputationOptions).ReputationOptions; r.SendingEnabled || r.LastFreshStart != nil {
			t.Errorf("paused: %+v", r)
		}
		sending(true)
		if r := describe(t, "v1-set", types.ConfigurationSetAttributeReputationOptions).ReputationOptions; !r.SendingEnabled || r.LastFreshStart == nil {
			t.Errorf("resumed: %+v", r)
		}
		if _, err := c.UpdateConfigurationSetReputationMetricsEnabled(cx, &ses.UpdateConfigurationSetReputationMetricsEnabledInput{
			ConfigurationSetName: aws.String("v1-set"), Enabled: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.PutConfigurationSetDeliveryOptions(cx, &ses.PutConfigurationSetDeliveryOptionsInput{
			ConfigurationSetName: aws.String("v1-set"), DeliveryOptions: &types.DeliveryOptions{TlsPolicy: types.TlsPolicyRequire}}); err != nil {
			t.Fatal(err)
		}
		out := describe(t, "v1-set", types.ConfigurationSetAttributeReputationOptions, types.ConfigurationSetAttributeDeliveryOptions)
		if !out.ReputationOptions.ReputationMetricsEnabled || out.DeliveryOptions.TlsPolicy != types.TlsPolicyRequire {
			t.Errorf("DescribeConfigurationSet = %+v %+v", out.ReputationOptions, out.DeliveryOptions)
		}
		got, err := v2.GetConfigurationSet(cx, &sesv2.GetConfigurationSetInput{ConfigurationSetName: aws.String("v1-set")})
		if err != nil {
			t.Fatal(err)
		}
		if string(got.DeliveryOptions.TlsPolicy) != "REQUIRE" || !got.ReputationOptions.ReputationMetricsEnabled {
			t.Errorf("v2 GetConfigurationSet = %+v %+v", got.DeliveryOptions, got.ReputationOptions)
		}
		for name, err := range map[string]error{
			"UpdateConfigurationSetSendingEnabled": func() error {
				_, err := c.UpdateConfigurationSetSendingEnabled(cx, &ses.UpdateConfigurationSetSendingEnabledInput{ConfigurationSetName: aws.String("nope")})
				return err
			}(),
			"UpdateConfigurationSetReputationMetricsEnabled": func() error {
				_, err := c.UpdateConfigurationSetReputationMetricsEnabled(cx, &ses.UpdateConfigurationSetReputationMetricsEnabledInput{ConfigurationSetName: aws.String("nope")})
				return err
			}(),
			"PutConfigurationSetDeliveryOptions": func() error {
				_, err := c.PutConfigurationSetDeliveryOptions(cx, &ses.PutConfigurationSetDeliveryOptionsInput{ConfigurationSetName: aws.String("nope")})
				return err
			}(),
		} {
			t.Run(name, func(t *testing.T) { wantCode(t, err, "ConfigurationSetDoesNotExist", "nope") })
		}
	})

	t.Run("DeleteConfigurationSet removes the set once", func(t *testing.T) {
		del := func() error {
			_, err := c.DeleteConfigurationSet(cx, &ses.DeleteConfigurationSetInput{ConfigurationSetName: aws.String("v1-set")})
			return err
		}
		if err := del(); err != nil {
			t.Fatal(err)
		}
		wantCode(t, del(), "ConfigurationSetDoesNotExist", "v1-set")
	})
}

// fmtTypes joins enum values with commas.
func fmtTypes[T ~string](ts []T) string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = string(t)
	}
	return strings.Join(out, ",")
}
