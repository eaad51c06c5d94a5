package query

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ses"
	"github.com/aws/aws-sdk-go-v2/service/ses/types"

	"github.com/hikyaku/hikyaku/internal/fault"
)

// roundTrip answers one SDK call from a server that decodes the request
// into a new value of in's type and writes output as the response, and
// returns what the server decoded and the body it sent.
func roundTrip(t *testing.T, in, output any, call func(context.Context, *ses.Client) error) (decoded any, body string) {
	t.Helper()
	type seen struct {
		decoded any
		body    string
	}
	seenc := make(chan seen, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		action, _, form, err := ParseRequest(r, b)
		if err != nil {
			WriteError(w, "req", fault.As(err))
			return
		}
		v := reflect.New(reflect.TypeOf(in).Elem()).Interface()
		if err := Decode(form, v); err != nil {
			WriteError(w, "req", fault.As(err))
			return
		}
		doc, err := MarshalResponse(action, "req", output)
		if err != nil {
			t.Errorf("MarshalResponse: %v", err)
		}
		seenc <- seen{v, string(doc)}
		w.Header().Set("Content-Type", "text/xml")
		_, _ = w.Write(doc)
	}))
	t.Cleanup(srv.Close)
	c := ses.New(ses.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), HTTPClient: srv.Client(),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""), Retryer: aws.NopRetryer{}})
	if err := call(t.Context(), c); err != nil {
		t.Fatalf("SDK call: %v", err)
	}
	got := <-seenc
	return got.decoded, got.body
}

func TestNotificationShapesWithTheSDK(t *testing.T) {
	t.Parallel()

	t.Run("GetIdentityNotificationAttributes leaves unset topics out and keeps every flag", func(t *testing.T) {
		t.Parallel()
		var got *ses.GetIdentityNotificationAttributesOutput
		in, body := roundTrip(t, &GetIdentityNotificationAttributesInput{}, GetIdentityNotificationAttributesOutput{
			NotificationAttributes: map[string]IdentityNotificationAttributes{
				"example.com":    {BounceTopic: "arn:aws:sns:us-east-1:1:b", ComplaintTopic: "arn:aws:sns:us-east-1:1:c", HeadersInBounceNotificationsEnabled: true},
				"me@example.com": {ForwardingEnabled: true},
			}},
			func(ctx context.Context, c *ses.Client) (err error) {
				got, err = c.GetIdentityNotificationAttributes(ctx, &ses.GetIdentityNotificationAttributesInput{
					Identities: []string{"example.com", "me@example.com"}})
				return err
			})
		if want := (&GetIdentityNotificationAttributesInput{Identities: []string{"example.com", "me@example.com"}}); !reflect.DeepEqual(in, want) {
			t.Errorf("decoded %+v, want %+v", in, want)
		}
		if strings.Contains(body, "<DeliveryTopic") || !strings.Contains(body, "<HeadersInDeliveryNotificationsEnabled>false<") {
			t.Errorf("body: %s", body)
		}
		want := map[string]types.IdentityNotificationAttributes{
			"example.com": {BounceTopic: aws.String("arn:aws:sns:us-east-1:1:b"), ComplaintTopic: aws.String("arn:aws:sns:us-east-1:1:c"),
				HeadersInBounceNotificationsEnabled: true},
			"me@example.com": {ForwardingEnabled: true},
		}
		if !reflect.DeepEqual(got.NotificationAttributes, want) {
			t.Errorf("SDK parsed %+v, want %+v", got.NotificationAttributes, want)
		}
	})

	t.Run("SetIdentityNotificationTopic without SnsTopic decodes as a clear", func(t *testing.T) {
		t.Parallel()
		in, _ := roundTrip(t, &SetIdentityNotificationTopicInput{}, SetIdentityNotificationTopicOutput{},
			func(ctx context.Context, c *ses.Client) error {
				_, err := c.SetIdentityNotificationTopic(ctx, &ses.SetIdentityNotificationTopicInput{
					Identity: aws.String("example.com"), NotificationType: types.NotificationTypeComplaint})
				return err
			})
		if want := (&SetIdentityNotificationTopicInput{Identity: "example.com", NotificationType: "Complaint"}); !reflect.DeepEqual(in, want) {
			t.Errorf("decoded %+v, want %+v", in, want)
		}
	})

	t.Run("a false Enabled is sent and decoded", func(t *testing.T) {
		t.Parallel()
		in, _ := roundTrip(t, &SetIdentityHeadersInNotificationsEnabledInput{}, SetIdentityHeadersInNotificationsEnabledOutput{},
			func(ctx context.Context, c *ses.Client) error {
				_, err := c.SetIdentityHeadersInNotificationsEnabled(ctx, &ses.SetIdentityHeadersInNotificationsEnabledInput{
					Identity: aws.String("example.com"), NotificationType: types.NotificationTypeDelivery, Enabled: false})
				return err
			})
		if want := (&SetIdentityHeadersInNotificationsEnabledInput{Identity: "example.com", NotificationType: "Delivery"}); !reflect.DeepEqual(in, want) {
			t.Errorf("decoded %+v, want %+v", in, want)
		}
	})
}

func TestConfigurationSetShapesWithTheSDK(t *testing.T) {
	t.Parallel()

	t.Run("an event destination with every kind of target decodes whole", func(t *testing.T) {
		t.Parallel()
		in, _ := roundTrip(t, &CreateConfigurationSetEventDestinationInput{}, CreateConfigurationSetEventDestinationOutput{},
			func(ctx context.Context, c *ses.Client) error {
				_, err := c.CreateConfigurationSetEventDestination(ctx, &ses.CreateConfigurationSetEventDestinationInput{
					ConfigurationSetName: aws.String("set"),
					EventDestination: &types.EventDestination{Name: aws.String("d"), Enabled: true,
						MatchingEventTypes: []types.EventType{types.EventTypeSend, types.EventTypeRenderingFailure},
						SNSDestination:     &types.SNSDestination{TopicARN: aws.String("arn:aws:sns:us-east-1:1:t")},
						CloudWatchDestination: &types.CloudWatchDestination{DimensionConfigurations: []types.CloudWatchDimensionConfiguration{
							{DimensionName: aws.String("campaign"), DimensionValueSource: types.DimensionValueSourceMessageTag, DefaultDimensionValue: aws.String("none")},
						}},
						KinesisFirehoseDestination: &types.KinesisFirehoseDestination{IAMRoleARN: aws.String("role"), DeliveryStreamARN: aws.String("stream")},
					}})
				return err
			})
		want := &CreateConfigurationSetEventDestinationInput{ConfigurationSetName: "set", EventDestination: EventDestination{
			Name: "d", Enabled: true, MatchingEventTypes: []string{"send", "renderingFailure"},
			SNSDestination: &SNSDestination{TopicARN: "arn:aws:sns:us-east-1:1:t"},
			CloudWatchDestination: &CloudWatchDestination{DimensionConfigurations: []CloudWatchDimensionConfiguration{
				{DimensionName: "campaign", DimensionValueSource: "messageTag", DefaultDimensionValue: "none"}}},
			KinesisFirehoseDestination: &KinesisFirehoseDestination{IAMRoleARN: "role", DeliveryStreamARN: "stream"},
		}}
		if !reflect.DeepEqual(in, want) {
			t.Errorf("decoded\n%+v\nwant\n%+v", in, want)
		}
	})

	t.Run("DescribeConfigurationSet's attributes reach the SDK", func(t *testing.T) {
		t.Parallel()
		fresh := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		var got *ses.DescribeConfigurationSetOutput
		_, body := roundTrip(t, &DescribeConfigurationSetInput{}, DescribeConfigurationSetOutput{
			ConfigurationSet: &ConfigurationSet{Name: "set"},
			EventDestinations: []EventDestination{{Name: "d", MatchingEventTypes: []string{"bounce"},
				SNSDestination: &SNSDestination{TopicARN: "arn:aws:sns:us-east-1:1:t"}}},
			DeliveryOptions:   &DeliveryOptions{TlsPolicy: TLSPolicyRequire},
			ReputationOptions: &ReputationOptions{SendingEnabled: true, LastFreshStart: fresh},
		}, func(ctx context.Context, c *ses.Client) (err error) {
			got, err = c.DescribeConfigurationSet(ctx, &ses.DescribeConfigurationSetInput{ConfigurationSetName: aws.String("set"),
				ConfigurationSetAttributeNames: []types.ConfigurationSetAttribute{types.ConfigurationSetAttributeEventDestinations}})
			return err
		})
		if strings.Contains(body, "TrackingOptions") || !strings.Contains(body, "<Enabled>false</Enabled>") {
			t.Errorf("body: %s", body)
		}
		if aws.ToString(got.ConfigurationSet.Name) != "set" || len(got.EventDestinations) != 1 ||
			got.EventDestinations[0].MatchingEventTypes[0] != types.EventTypeBounce ||
			aws.ToString(got.EventDestinations[0].SNSDestination.TopicARN) != "arn:aws:sns:us-east-1:1:t" ||
			got.DeliveryOptions.TlsPolicy != types.TlsPolicyRequire || !got.ReputationOptions.SendingEnabled ||
			!aws.ToTime(got.ReputationOptions.LastFreshStart).Equal(fresh) || got.TrackingOptions != nil {
			t.Errorf("SDK parsed %+v", got)
		}
	})

	t.Run("UpdateConfigurationSetSendingEnabled has no result element", func(t *testing.T) {
		t.Parallel()
		in, body := roundTrip(t, &UpdateConfigurationSetSendingEnabledInput{}, nil,
			func(ctx context.Context, c *ses.Client) error {
				_, err := c.UpdateConfigurationSetSendingEnabled(ctx, &ses.UpdateConfigurationSetSendingEnabledInput{
					ConfigurationSetName: aws.String("set"), Enabled: false})
				return err
			})
		if want := (&UpdateConfigurationSetSendingEnabledInput{ConfigurationSetName: "set"}); !reflect.DeepEqual(in, want) {
			t.Errorf("decoded %+v, want %+v", in, want)
		}
		if strings.Contains(body, "Result") {
			t.Errorf("body: %s", body)
		}
	})
}

func TestEnumLists(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want string
	}{
		{
			name: "v1 event types, including the two v2 added, pass",
			err:  (&EventDestination{MatchingEventTypes: []string{"send", "renderingFailure", "deliveryDelay", "subscription"}}).Validate(),
		},
		{
			name: "v2's spelling of an event type is refused with the whole list quoted",
			err:  (&EventDestination{MatchingEventTypes: []string{"send", "BOUNCE"}}).Validate(),
			want: "1 validation error detected: Value '[send, BOUNCE]' at 'eventDestination.matchingEventTypes' failed to satisfy constraint: " +
				"Member must satisfy constraint: [Member must satisfy enum value set: [send, reject, bounce, complaint, delivery, open, click, " +
				"renderingFailure, deliveryDelay, subscription]]",
		},
		{
			name: "no attribute names ask for the name only",
			err:  (&DescribeConfigurationSetInput{}).Validate(),
		},
		{
			name: "an unknown attribute name is refused",
			err:  (&DescribeConfigurationSetInput{ConfigurationSetAttributeNames: []string{"sendingOptions"}}).Validate(),
			want: "1 validation error detected: Value '[sendingOptions]' at 'configurationSetAttributeNames' failed to satisfy constraint: " +
				"Member must satisfy constraint: [Member must satisfy enum value set: [eventDestinations, trackingOptions, deliveryOptions, reputationOptions]]",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.want == "" {
				if tt.err != nil {
					t.Fatalf("got %v", tt.err)
				}
				return
			}
			f := fault.As(tt.err)
			if f == nil || f.QueryCode() != CodeValidationError || f.Message != tt.want {
				t.Errorf("got %v, want ValidationError: %s", tt.err, tt.want)
			}
		})
	}
}
