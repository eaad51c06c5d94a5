package query

import (
	"context"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ses"
	"github.com/aws/aws-sdk-go-v2/service/ses/types"

	"github.com/hikyaku/hikyaku/internal/fault"
)

func TestTemplateShapesWithTheSDK(t *testing.T) {
	t.Parallel()

	t.Run("CreateTemplate decodes the name and all three parts", func(t *testing.T) {
		t.Parallel()
		in, body := roundTrip(t, &CreateTemplateInput{}, CreateTemplateOutput{},
			func(ctx context.Context, c *ses.Client) error {
				_, err := c.CreateTemplate(ctx, &ses.CreateTemplateInput{Template: &types.Template{
					TemplateName: aws.String("Order"), SubjectPart: aws.String("Order {{order}}"),
					TextPart: aws.String("Dear {{name}},\r\nthanks."), HtmlPart: aws.String("<p>Dear {{name}}</p>")}})
				return err
			})
		want := &CreateTemplateInput{Template: Template{TemplateName: "Order", SubjectPart: "Order {{order}}",
			TextPart: "Dear {{name}},\r\nthanks.", HtmlPart: "<p>Dear {{name}}</p>"}}
		if !reflect.DeepEqual(in, want) {
			t.Errorf("decoded %+v, want %+v", in, want)
		}
		if !strings.Contains(body, "<CreateTemplateResult/>") {
			t.Errorf("body: %s", body)
		}
	})

	t.Run("GetTemplate leaves an empty part out", func(t *testing.T) {
		t.Parallel()
		var got *ses.GetTemplateOutput
		_, body := roundTrip(t, &GetTemplateInput{}, GetTemplateOutput{Template: &Template{TemplateName: "Order",
			SubjectPart: "Order {{order}}", HtmlPart: "<b>{{name}}</b>"}},
			func(ctx context.Context, c *ses.Client) (err error) {
				got, err = c.GetTemplate(ctx, &ses.GetTemplateInput{TemplateName: aws.String("Order")})
				return err
			})
		if strings.Contains(body, "TextPart") || !strings.Contains(body, "<HtmlPart>&lt;b&gt;{{name}}&lt;/b&gt;</HtmlPart>") {
			t.Errorf("body: %s", body)
		}
		want := &types.Template{TemplateName: aws.String("Order"), SubjectPart: aws.String("Order {{order}}"),
			HtmlPart: aws.String("<b>{{name}}</b>")}
		if !reflect.DeepEqual(got.Template, want) {
			t.Errorf("SDK parsed %+v, want %+v", got.Template, want)
		}
	})

	t.Run("ListTemplates pages with MaxItems and reads creation times", func(t *testing.T) {
		t.Parallel()
		created := time.Date(2026, 11, 22, 10, 0, 0, 123e6, time.UTC)
		var got *ses.ListTemplatesOutput
		in, _ := roundTrip(t, &ListTemplatesInput{}, ListTemplatesOutput{
			TemplatesMetadata: []TemplateMetadata{{Name: "A", CreatedTimestamp: created}, {Name: "B", CreatedTimestamp: created}},
			NextToken:         "Qg"},
			func(ctx context.Context, c *ses.Client) (err error) {
				got, err = c.ListTemplates(ctx, &ses.ListTemplatesInput{MaxItems: aws.Int32(2), NextToken: aws.String("QQ")})
				return err
			})
		if want := (&ListTemplatesInput{NextToken: "QQ", MaxItems: aws.Int(2)}); !reflect.DeepEqual(in, want) {
			t.Errorf("decoded %+v, want %+v", in, want)
		}
		if len(got.TemplatesMetadata) != 2 || aws.ToString(got.TemplatesMetadata[1].Name) != "B" ||
			!aws.ToTime(got.TemplatesMetadata[0].CreatedTimestamp).Equal(created) || aws.ToString(got.NextToken) != "Qg" {
			t.Errorf("SDK parsed %+v", got)
		}
	})

	t.Run("TestRenderTemplate returns the MIME message as text", func(t *testing.T) {
		t.Parallel()
		const mime = "Subject: Hi <Ada>\r\nMIME-Version: 1.0\r\n\r\nHello & welcome\r\n"
		var got *ses.TestRenderTemplateOutput
		in, _ := roundTrip(t, &TestRenderTemplateInput{}, TestRenderTemplateOutput{RenderedTemplate: mime},
			func(ctx context.Context, c *ses.Client) (err error) {
				got, err = c.TestRenderTemplate(ctx, &ses.TestRenderTemplateInput{TemplateName: aws.String("Hi"),
					TemplateData: aws.String(`{"name":"Ada"}`)})
				return err
			})
		if want := (&TestRenderTemplateInput{TemplateName: "Hi", TemplateData: `{"name":"Ada"}`}); !reflect.DeepEqual(in, want) {
			t.Errorf("decoded %+v, want %+v", in, want)
		}
		if aws.ToString(got.RenderedTemplate) != mime {
			t.Errorf("RenderedTemplate = %q", aws.ToString(got.RenderedTemplate))
		}
	})

	t.Run("SendTemplatedEmail decodes every member", func(t *testing.T) {
		t.Parallel()
		var got *ses.SendTemplatedEmailOutput
		in, _ := roundTrip(t, &SendTemplatedEmailInput{}, SendTemplatedEmailOutput{MessageId: "0100-abc"},
			func(ctx context.Context, c *ses.Client) (err error) {
				got, err = c.SendTemplatedEmail(ctx, &ses.SendTemplatedEmailInput{
					Source: aws.String("shop@example.com"),
					Destination: &types.Destination{ToAddresses: []string{"a@x.test"}, CcAddresses: []string{"c@x.test"},
						BccAddresses: []string{"b@x.test"}},
					ReplyToAddresses: []string{"help@example.com"}, ReturnPath: aws.String("bounce@example.com"),
					Tags:                 []types.MessageTag{{Name: aws.String("campaign"), Value: aws.String("autumn")}},
					ConfigurationSetName: aws.String("set"), Template: aws.String("Order"),
					TemplateArn:  aws.String("arn:aws:ses:us-east-1:111122223333:template/Order"),
					TemplateData: aws.String(`{"order":"A-1"}`),
				})
				return err
			})
		want := &SendTemplatedEmailInput{Source: "shop@example.com",
			Destination:      Destination{ToAddresses: []string{"a@x.test"}, CcAddresses: []string{"c@x.test"}, BccAddresses: []string{"b@x.test"}},
			ReplyToAddresses: []string{"help@example.com"}, ReturnPath: "bounce@example.com",
			Tags: []MessageTag{{Name: "campaign", Value: "autumn"}}, ConfigurationSetName: "set", Template: "Order",
			TemplateArn: "arn:aws:ses:us-east-1:111122223333:template/Order", TemplateData: `{"order":"A-1"}`}
		if !reflect.DeepEqual(in, want) {
			t.Errorf("decoded\n%+v\nwant\n%+v", in, want)
		}
		if aws.ToString(got.MessageId) != "0100-abc" {
			t.Errorf("MessageId = %q", aws.ToString(got.MessageId))
		}
	})

	t.Run("SendBulkTemplatedEmail decodes destinations and answers one status each", func(t *testing.T) {
		t.Parallel()
		var got *ses.SendBulkTemplatedEmailOutput
		in, body := roundTrip(t, &SendBulkTemplatedEmailInput{}, SendBulkTemplatedEmailOutput{Status: []BulkEmailDestinationStatus{
			{Status: BulkSuccess, MessageId: "0100-1"},
			{Status: BulkInvalidParameterValue, Error: "Missing final '@domain'"},
			{Status: BulkAccountSendingPaused, Error: "paused"},
		}}, func(ctx context.Context, c *ses.Client) (err error) {
			got, err = c.SendBulkTemplatedEmail(ctx, &ses.SendBulkTemplatedEmailInput{
				Source: aws.String("shop@example.com"), Template: aws.String("Order"),
				DefaultTemplateData: aws.String(`{"shop":"Hikyaku"}`),
				DefaultTags:         []types.MessageTag{{Name: aws.String("campaign"), Value: aws.String("autumn")}},
				Destinations: []types.BulkEmailDestination{
					{Destination: &types.Destination{ToAddresses: []string{"a@x.test"}},
						ReplacementTags:         []types.MessageTag{{Name: aws.String("campaign"), Value: aws.String("winter")}},
						ReplacementTemplateData: aws.String(`{"name":"Ada"}`)},
					{Destination: &types.Destination{BccAddresses: []string{"b@x.test"}}},
					{Destination: &types.Destination{CcAddresses: []string{"c@x.test"}}},
				},
			})
			return err
		})
		want := &SendBulkTemplatedEmailInput{Source: "shop@example.com", Template: "Order", DefaultTemplateData: `{"shop":"Hikyaku"}`,
			DefaultTags: []MessageTag{{Name: "campaign", Value: "autumn"}},
			Destinations: []BulkEmailDestination{
				{Destination: Destination{ToAddresses: []string{"a@x.test"}},
					ReplacementTags: []MessageTag{{Name: "campaign", Value: "winter"}}, ReplacementTemplateData: `{"name":"Ada"}`},
				{Destination: Destination{BccAddresses: []string{"b@x.test"}}},
				{Destination: Destination{CcAddresses: []string{"c@x.test"}}},
			}}
		if !reflect.DeepEqual(in, want) {
			t.Errorf("decoded\n%+v\nwant\n%+v", in, want)
		}
		if strings.Count(body, "<member>") != 3 || strings.Contains(body, "<Error></Error>") {
			t.Errorf("body: %s", body)
		}
		s := got.Status
		if len(s) != 3 || s[0].Status != types.BulkEmailStatusSuccess || aws.ToString(s[0].MessageId) != "0100-1" || s[0].Error != nil ||
			s[1].Status != types.BulkEmailStatusInvalidParameterValue || s[1].MessageId != nil ||
			s[2].Status != types.BulkEmailStatusAccountSendingPaused {
			t.Errorf("SDK parsed %+v", s)
		}
	})
}

func TestTemplateInputsRequireTheModelsMembers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   any
		form url.Values
		want string
	}{
		{
			name: "CreateTemplate without a Template",
			in:   &CreateTemplateInput{},
			form: url.Values{},
			want: "1 validation error detected: Value null at 'template' failed to satisfy constraint: Member must not be null",
		},
		{
			name: "CreateTemplate with parts but no name",
			in:   &CreateTemplateInput{},
			form: url.Values{"Template.SubjectPart": {"x"}},
			want: "1 validation error detected: Value null at 'template.templateName' failed to satisfy constraint: Member must not be null",
		},
		{
			name: "TestRenderTemplate without TemplateData",
			in:   &TestRenderTemplateInput{},
			form: url.Values{"TemplateName": {"Order"}},
			want: "1 validation error detected: Value null at 'templateData' failed to satisfy constraint: Member must not be null",
		},
		{
			name: "SendTemplatedEmail without Template and TemplateData",
			in:   &SendTemplatedEmailInput{},
			form: url.Values{"Source": {"a@example.com"}, "Destination.ToAddresses.member.1": {"b@example.com"}},
			want: "2 validation errors detected: Value null at 'template' failed to satisfy constraint: Member must not be null; " +
				"Value null at 'templateData' failed to satisfy constraint: Member must not be null",
		},
		{
			name: "a bulk destination without its Destination",
			in:   &SendBulkTemplatedEmailInput{},
			form: url.Values{"Source": {"a@example.com"}, "Template": {"Order"}, "DefaultTemplateData": {"{}"},
				"Destinations.member.1.ReplacementTemplateData": {"{}"}},
			want: "1 validation error detected: Value null at 'destinations.1.member.destination' failed to satisfy constraint: Member must not be null",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is a ValidationError", func(t *testing.T) {
			t.Parallel()
			err := Decode(tt.form, tt.in)
			f := fault.As(err)
			if f == nil || f.QueryCode() != CodeValidationError || f.Message != tt.want {
				t.Errorf("Decode = %v, want ValidationError: %s", err, tt.want)
			}
		})
	}
}
