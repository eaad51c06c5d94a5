package query

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ses"
	"github.com/aws/aws-sdk-go-v2/service/ses/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"

	"github.com/hikyaku/hikyaku/internal/fault"
)

// newInput returns a pointer to the input struct of each action the fake
// server understands.
var newInput = map[string]func() any{
	"SendEmail":                           func() any { return new(SendEmailInput) },
	"SendRawEmail":                        func() any { return new(SendRawEmailInput) },
	"GetSendQuota":                        func() any { return new(GetSendQuotaInput) },
	"GetSendStatistics":                   func() any { return new(GetSendStatisticsInput) },
	"VerifyEmailIdentity":                 func() any { return new(VerifyEmailIdentityInput) },
	"VerifyDomainIdentity":                func() any { return new(VerifyDomainIdentityInput) },
	"VerifyDomainDkim":                    func() any { return new(VerifyDomainDkimInput) },
	"ListIdentities":                      func() any { return new(ListIdentitiesInput) },
	"GetIdentityVerificationAttributes":   func() any { return new(GetIdentityVerificationAttributesInput) },
	"DeleteIdentity":                      func() any { return new(DeleteIdentityInput) },
	"SetIdentityMailFromDomain":           func() any { return new(SetIdentityMailFromDomainInput) },
	"GetIdentityMailFromDomainAttributes": func() any { return new(GetIdentityMailFromDomainAttributesInput) },
}

// fakeSES is an SES v1 endpoint built from this package: it decodes each
// request into its action's input, records it, and answers with a fixed
// output or fault. It checks no signature.
type fakeSES struct {
	action string
	output any
	fault  *fault.Error
	inputs chan any
}

func (s *fakeSES) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	requestID := "req-" + s.action
	body, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	if err != nil {
		WriteError(w, requestID, fault.Internal())
		return
	}
	action, _, form, err := ParseRequest(r, body)
	if err != nil {
		WriteError(w, requestID, fault.As(err))
		return
	}
	in := newInput[action]()
	if err := Decode(form, in); err != nil {
		WriteError(w, requestID, fault.As(err))
		return
	}
	s.inputs <- in
	if s.fault != nil {
		WriteError(w, requestID, s.fault)
		return
	}
	if err := WriteResponse(w, action, requestID, s.output); err != nil {
		panic(err)
	}
}

// newClient starts a fake SES on 127.0.0.1 and returns an SDK client for it.
func newClient(t *testing.T, s *fakeSES) *ses.Client {
	t.Helper()
	s.inputs = make(chan any, 1)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	cfg := aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""),
		HTTPClient:  srv.Client(),
		Retryer:     func() aws.Retryer { return aws.NopRetryer{} },
	}
	return ses.NewFromConfig(cfg, func(o *ses.Options) { o.BaseEndpoint = aws.String(srv.URL) })
}

// output strips an SDK output of its metadata, keeping the request ID.
func output[T any](out *T, err error) (any, string, error) {
	if out == nil {
		return nil, "", err
	}
	md := reflect.ValueOf(out).Elem().FieldByName("ResultMetadata")
	id, _ := awsmiddleware.GetRequestIDMetadata(md.Interface().(middleware.Metadata))
	md.SetZero()
	return out, id, err
}

func TestSDKRoundTrip(t *testing.T) {
	t.Parallel()
	raw := rawMessage(2 << 20)
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		action    string
		call      func(context.Context, *ses.Client) (any, string, error)
		wantInput any
		output    any
		want      any
	}{
		{
			name:   "SendEmail carries every recipient list, a UTF-8 subject and both bodies",
			action: "SendEmail",
			call: func(ctx context.Context, c *ses.Client) (any, string, error) {
				return output(c.SendEmail(ctx, &ses.SendEmailInput{
					Source: aws.String(`"Shop" <shop@example.com>`),
					Destination: &types.Destination{
						ToAddresses:  []string{"a@example.com", "b@example.org"},
						CcAddresses:  []string{"c@example.net"},
						BccAddresses: []string{"d@example.com", "e@example.com", "f@example.com"},
					},
					Message: &types.Message{
						Subject: &types.Content{Data: aws.String("ご注文ありがとうございます — 100% & <ok>"), Charset: aws.String("UTF-8")},
						Body: &types.Body{
							Text: &types.Content{Data: aws.String("Hello,\r\nline two + plus"), Charset: aws.String("UTF-8")},
							Html: &types.Content{Data: aws.String("<p>Hello &amp; welcome</p>"), Charset: aws.String("ISO-8859-1")},
						},
					},
					ReplyToAddresses:     []string{"support@example.com"},
					ReturnPath:           aws.String("bounces@example.com"),
					SourceArn:            aws.String("arn:aws:ses:us-east-1:123456789012:identity/example.com"),
					ReturnPathArn:        aws.String("arn:aws:ses:us-east-1:123456789012:identity/example.com"),
					Tags:                 []types.MessageTag{{Name: aws.String("campaign"), Value: aws.String("spring")}, {Name: aws.String("kind"), Value: aws.String("order")}},
					ConfigurationSetName: aws.String("transactional"),
				}))
			},
			wantInput: &SendEmailInput{
				Source: `"Shop" <shop@example.com>`,
				Destination: Destination{
					ToAddresses:  []string{"a@example.com", "b@example.org"},
					CcAddresses:  []string{"c@example.net"},
					BccAddresses: []string{"d@example.com", "e@example.com", "f@example.com"},
				},
				Message: Message{
					Subject: Content{Data: "ご注文ありがとうございます — 100% & <ok>", Charset: "UTF-8"},
					Body: Body{
						Text: &Content{Data: "Hello,\r\nline two + plus", Charset: "UTF-8"},
						Html: &Content{Data: "<p>Hello &amp; welcome</p>", Charset: "ISO-8859-1"},
					},
				},
				ReplyToAddresses:     []string{"support@example.com"},
				ReturnPath:           "bounces@example.com",
				SourceArn:            "arn:aws:ses:us-east-1:123456789012:identity/example.com",
				ReturnPathArn:        "arn:aws:ses:us-east-1:123456789012:identity/example.com",
				Tags:                 []MessageTag{{Name: "campaign", Value: "spring"}, {Name: "kind", Value: "order"}},
				ConfigurationSetName: "transactional",
			},
			output: &SendEmailOutput{MessageId: "0100019b7a2c6d1e-5b1e8f0a-3c4d-4e5f-8a9b-0c1d2e3f4a5b-000000"},
			want:   &ses.SendEmailOutput{MessageId: aws.String("0100019b7a2c6d1e-5b1e8f0a-3c4d-4e5f-8a9b-0c1d2e3f4a5b-000000")},
		},
		{
			name:   "SendRawEmail carries a 2 MB binary message, destinations and tags",
			action: "SendRawEmail",
			call: func(ctx context.Context, c *ses.Client) (any, string, error) {
				return output(c.SendRawEmail(ctx, &ses.SendRawEmailInput{
					RawMessage:           &types.RawMessage{Data: raw},
					Source:               aws.String("shop@example.com"),
					Destinations:         []string{"a@example.com", "b@example.com", "c@example.com"},
					FromArn:              aws.String("arn:aws:ses:us-east-1:123456789012:identity/example.com"),
					SourceArn:            aws.String("arn:aws:ses:us-east-1:123456789012:identity/shop@example.com"),
					ReturnPathArn:        aws.String("arn:aws:ses:us-east-1:123456789012:identity/bounce.example.com"),
					Tags:                 []types.MessageTag{{Name: aws.String("k"), Value: aws.String("v=1&x")}},
					ConfigurationSetName: aws.String("bulk"),
				}))
			},
			wantInput: &SendRawEmailInput{
				RawMessage:           RawMessage{Data: raw},
				Source:               "shop@example.com",
				Destinations:         []string{"a@example.com", "b@example.com", "c@example.com"},
				FromArn:              "arn:aws:ses:us-east-1:123456789012:identity/example.com",
				SourceArn:            "arn:aws:ses:us-east-1:123456789012:identity/shop@example.com",
				ReturnPathArn:        "arn:aws:ses:us-east-1:123456789012:identity/bounce.example.com",
				Tags:                 []MessageTag{{Name: "k", Value: "v=1&x"}},
				ConfigurationSetName: "bulk",
			},
			output: SendRawEmailOutput{MessageId: "raw-1"},
			want:   &ses.SendRawEmailOutput{MessageId: aws.String("raw-1")},
		},
		{
			name:   "GetSendQuota returns doubles",
			action: "GetSendQuota",
			call: func(ctx context.Context, c *ses.Client) (any, string, error) {
				return output(c.GetSendQuota(ctx, &ses.GetSendQuotaInput{}))
			},
			wantInput: &GetSendQuotaInput{},
			output:    &GetSendQuotaOutput{Max24HourSend: 200, MaxSendRate: 0.5, SentLast24Hours: 0},
			want:      &ses.GetSendQuotaOutput{Max24HourSend: 200, MaxSendRate: 0.5, SentLast24Hours: 0},
		},
		{
			name:   "GetSendStatistics returns several data points",
			action: "GetSendStatistics",
			call: func(ctx context.Context, c *ses.Client) (any, string, error) {
				return output(c.GetSendStatistics(ctx, &ses.GetSendStatisticsInput{}))
			},
			wantInput: &GetSendStatisticsInput{},
			output: &GetSendStatisticsOutput{SendDataPoints: []SendDataPoint{
				{Timestamp: day, DeliveryAttempts: 10, Bounces: 1},
				{Timestamp: day.Add(15 * time.Minute), DeliveryAttempts: 7, Complaints: 2, Rejects: 1},
				{Timestamp: day.Add(30*time.Minute + 250*time.Millisecond), DeliveryAttempts: 1 << 40},
			}},
			want: &ses.GetSendStatisticsOutput{SendDataPoints: []types.SendDataPoint{
				{Timestamp: aws.Time(day), DeliveryAttempts: 10, Bounces: 1},
				{Timestamp: aws.Time(day.Add(15 * time.Minute)), DeliveryAttempts: 7, Complaints: 2, Rejects: 1},
				{Timestamp: aws.Time(day.Add(30*time.Minute + 250*time.Millisecond)), DeliveryAttempts: 1 << 40},
			}},
		},
		{
			name:   "VerifyEmailIdentity answers an empty result",
			action: "VerifyEmailIdentity",
			call: func(ctx context.Context, c *ses.Client) (any, string, error) {
				return output(c.VerifyEmailIdentity(ctx, &ses.VerifyEmailIdentityInput{EmailAddress: aws.String("me@example.com")}))
			},
			wantInput: &VerifyEmailIdentityInput{EmailAddress: "me@example.com"},
			output:    &VerifyEmailIdentityOutput{},
			want:      &ses.VerifyEmailIdentityOutput{},
		},
		{
			name:   "VerifyDomainIdentity returns the token",
			action: "VerifyDomainIdentity",
			call: func(ctx context.Context, c *ses.Client) (any, string, error) {
				return output(c.VerifyDomainIdentity(ctx, &ses.VerifyDomainIdentityInput{Domain: aws.String("example.com")}))
			},
			wantInput: &VerifyDomainIdentityInput{Domain: "example.com"},
			output:    &VerifyDomainIdentityOutput{VerificationToken: "QTKknzFg2J4ygwa+XvHAxUl1hyHoY0gVfZdfjIedHZ0="},
			want:      &ses.VerifyDomainIdentityOutput{VerificationToken: aws.String("QTKknzFg2J4ygwa+XvHAxUl1hyHoY0gVfZdfjIedHZ0=")},
		},
		{
			name:   "VerifyDomainDkim returns three tokens",
			action: "VerifyDomainDkim",
			call: func(ctx context.Context, c *ses.Client) (any, string, error) {
				return output(c.VerifyDomainDkim(ctx, &ses.VerifyDomainDkimInput{Domain: aws.String("example.com")}))
			},
			wantInput: &VerifyDomainDkimInput{Domain: "example.com"},
			output:    &VerifyDomainDkimOutput{DkimTokens: []string{"tok1", "tok2", "tok3"}},
			want:      &ses.VerifyDomainDkimOutput{DkimTokens: []string{"tok1", "tok2", "tok3"}},
		},
		{
			name:   "ListIdentities pages with NextToken",
			action: "ListIdentities",
			call: func(ctx context.Context, c *ses.Client) (any, string, error) {
				return output(c.ListIdentities(ctx, &ses.ListIdentitiesInput{
					IdentityType: types.IdentityTypeDomain, NextToken: aws.String("page/2=="), MaxItems: aws.Int32(2),
				}))
			},
			wantInput: &ListIdentitiesInput{IdentityType: "Domain", NextToken: "page/2==", MaxItems: aws.Int(2)},
			output:    &ListIdentitiesOutput{Identities: []string{"example.com", "example.org"}, NextToken: "page/3=="},
			want:      &ses.ListIdentitiesOutput{Identities: []string{"example.com", "example.org"}, NextToken: aws.String("page/3==")},
		},
		{
			name:   "ListIdentities with no identities answers an empty list",
			action: "ListIdentities",
			call: func(ctx context.Context, c *ses.Client) (any, string, error) {
				return output(c.ListIdentities(ctx, &ses.ListIdentitiesInput{}))
			},
			wantInput: &ListIdentitiesInput{},
			output:    &ListIdentitiesOutput{},
			want:      &ses.ListIdentitiesOutput{Identities: []string{}},
		},
		{
			name:   "GetIdentityVerificationAttributes maps two identities",
			action: "GetIdentityVerificationAttributes",
			call: func(ctx context.Context, c *ses.Client) (any, string, error) {
				return output(c.GetIdentityVerificationAttributes(ctx, &ses.GetIdentityVerificationAttributesInput{
					Identities: []string{"example.com", "me@example.com", "unknown@example.com"},
				}))
			},
			wantInput: &GetIdentityVerificationAttributesInput{Identities: []string{"example.com", "me@example.com", "unknown@example.com"}},
			output: &GetIdentityVerificationAttributesOutput{VerificationAttributes: map[string]IdentityVerificationAttributes{
				"example.com":    {VerificationStatus: VerificationStatusPending, VerificationToken: "tok"},
				"me@example.com": {VerificationStatus: VerificationStatusSuccess},
			}},
			want: &ses.GetIdentityVerificationAttributesOutput{VerificationAttributes: map[string]types.IdentityVerificationAttributes{
				"example.com":    {VerificationStatus: types.VerificationStatusPending, VerificationToken: aws.String("tok")},
				"me@example.com": {VerificationStatus: types.VerificationStatusSuccess},
			}},
		},
		{
			name:   "SetIdentityMailFromDomain carries the domain and the behavior",
			action: "SetIdentityMailFromDomain",
			call: func(ctx context.Context, c *ses.Client) (any, string, error) {
				return output(c.SetIdentityMailFromDomain(ctx, &ses.SetIdentityMailFromDomainInput{
					Identity: aws.String("example.com"), MailFromDomain: aws.String("bounce.example.com"),
					BehaviorOnMXFailure: types.BehaviorOnMXFailureRejectMessage,
				}))
			},
			wantInput: &SetIdentityMailFromDomainInput{Identity: "example.com", MailFromDomain: "bounce.example.com",
				BehaviorOnMXFailure: BehaviorOnMXFailureRejectMessage},
			output: nil,
			want:   &ses.SetIdentityMailFromDomainOutput{},
		},
		{
			name:   "SetIdentityMailFromDomain without a domain removes it",
			action: "SetIdentityMailFromDomain",
			call: func(ctx context.Context, c *ses.Client) (any, string, error) {
				return output(c.SetIdentityMailFromDomain(ctx, &ses.SetIdentityMailFromDomainInput{Identity: aws.String("me@example.com")}))
			},
			wantInput: &SetIdentityMailFromDomainInput{Identity: "me@example.com"},
			output:    nil,
			want:      &ses.SetIdentityMailFromDomainOutput{},
		},
		{
			name:   "GetIdentityMailFromDomainAttributes maps identities with and without a domain",
			action: "GetIdentityMailFromDomainAttributes",
			call: func(ctx context.Context, c *ses.Client) (any, string, error) {
				return output(c.GetIdentityMailFromDomainAttributes(ctx, &ses.GetIdentityMailFromDomainAttributesInput{
					Identities: []string{"example.com", "me@example.com", "unknown@example.com"},
				}))
			},
			wantInput: &GetIdentityMailFromDomainAttributesInput{Identities: []string{"example.com", "me@example.com", "unknown@example.com"}},
			output: &GetIdentityMailFromDomainAttributesOutput{MailFromDomainAttributes: map[string]IdentityMailFromDomainAttributes{
				"example.com": {MailFromDomain: "bounce.example.com", MailFromDomainStatus: MailFromStatusSuccess,
					BehaviorOnMXFailure: BehaviorOnMXFailureRejectMessage},
				"me@example.com": {BehaviorOnMXFailure: BehaviorOnMXFailureUseDefaultValue},
			}},
			want: &ses.GetIdentityMailFromDomainAttributesOutput{MailFromDomainAttributes: map[string]types.IdentityMailFromDomainAttributes{
				"example.com": {MailFromDomain: aws.String("bounce.example.com"), MailFromDomainStatus: types.CustomMailFromStatusSuccess,
					BehaviorOnMXFailure: types.BehaviorOnMXFailureRejectMessage},
				"me@example.com": {BehaviorOnMXFailure: types.BehaviorOnMXFailureUseDefaultValue},
			}},
		},
		{
			name:   "DeleteIdentity answers an empty result",
			action: "DeleteIdentity",
			call: func(ctx context.Context, c *ses.Client) (any, string, error) {
				return output(c.DeleteIdentity(ctx, &ses.DeleteIdentityInput{Identity: aws.String("example.com")}))
			},
			wantInput: &DeleteIdentityInput{Identity: "example.com"},
			output:    nil,
			want:      &ses.DeleteIdentityOutput{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := &fakeSES{action: tt.action, output: tt.output}
			c := newClient(t, s)
			got, requestID, err := tt.call(t.Context(), c)
			if err != nil {
				t.Fatalf("%s: %v", tt.action, err)
			}
			if in := <-s.inputs; !reflect.DeepEqual(in, tt.wantInput) {
				t.Errorf("server decoded\n%s\nwant\n%s", brief(in), brief(tt.wantInput))
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("SDK parsed\n%s\nwant\n%s", brief(got), brief(tt.want))
			}
			if want := "req-" + tt.action; requestID != want {
				t.Errorf("request ID %q, want %q", requestID, want)
			}
		})
	}
}

func TestSDKErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		action      string
		call        func(context.Context, *ses.Client) error
		fault       *fault.Error
		wantCode    string
		wantStatus  int
		wantMessage string
	}{
		{
			name:   "MessageRejected reaches the SDK with SES's code and message",
			action: "SendEmail",
			call: func(ctx context.Context, c *ses.Client) error {
				_, err := c.SendEmail(ctx, &ses.SendEmailInput{
					Source:      aws.String("shop@example.com"),
					Destination: &types.Destination{ToAddresses: []string{"x@example.net"}},
					Message: &types.Message{
						Subject: &types.Content{Data: aws.String("s")},
						Body:    &types.Body{Text: &types.Content{Data: aws.String("b")}},
					},
				})
				return err
			},
			fault:       fault.MessageRejected("Email address is not verified. The following identities failed the check in region US-EAST-1: x@example.net"),
			wantCode:    "MessageRejected",
			wantStatus:  http.StatusBadRequest,
			wantMessage: "Email address is not verified. The following identities failed the check in region US-EAST-1: x@example.net",
		},
		{
			name:   "a MAIL FROM domain not verified is SES's MailFromDomainNotVerifiedException",
			action: "SendEmail",
			call: func(ctx context.Context, c *ses.Client) error {
				_, err := c.SendEmail(ctx, &ses.SendEmailInput{
					Source:      aws.String("shop@example.com"),
					Destination: &types.Destination{ToAddresses: []string{"x@example.net"}},
					Message: &types.Message{
						Subject: &types.Content{Data: aws.String("s")},
						Body:    &types.Body{Text: &types.Content{Data: aws.String("b")}},
					},
				})
				var typed *types.MailFromDomainNotVerifiedException
				if !errors.As(err, &typed) {
					return fmt.Errorf("not the SDK's MailFromDomainNotVerifiedException: %v", err) // fails the APIError check
				}
				return err
			},
			fault:       fault.MailFromDomainNotVerified(),
			wantCode:    "MailFromDomainNotVerifiedException",
			wantStatus:  http.StatusBadRequest,
			wantMessage: fault.MailFromDomainNotVerified().Message,
		},
		{
			name:   "throttling is a 400 with the v1 code Throttling",
			action: "SendRawEmail",
			call: func(ctx context.Context, c *ses.Client) error {
				_, err := c.SendRawEmail(ctx, &ses.SendRawEmailInput{RawMessage: &types.RawMessage{Data: []byte("Subject: x\r\n\r\nhi\r\n")}})
				return err
			},
			fault:       fault.SendRateExceeded(),
			wantCode:    "Throttling",
			wantStatus:  http.StatusBadRequest,
			wantMessage: "Maximum sending rate exceeded.",
		},
		{
			name:   "an internal failure is a 500 InternalFailure",
			action: "GetSendQuota",
			call: func(ctx context.Context, c *ses.Client) error {
				_, err := c.GetSendQuota(ctx, &ses.GetSendQuotaInput{})
				return err
			},
			fault:       fault.Internal(),
			wantCode:    "InternalFailure",
			wantStatus:  http.StatusInternalServerError,
			wantMessage: "An internal error occurred. Try again later.",
		},
		{
			name:   "an authentication failure keeps its 403",
			action: "DeleteIdentity",
			call: func(ctx context.Context, c *ses.Client) error {
				_, err := c.DeleteIdentity(ctx, &ses.DeleteIdentityInput{Identity: aws.String("example.com")})
				return err
			},
			fault: &fault.Error{Code: "SignatureDoesNotMatch", HTTPStatus: http.StatusForbidden,
				Message: "The request signature we calculated does not match the signature you provided."},
			wantCode:    "SignatureDoesNotMatch",
			wantStatus:  http.StatusForbidden,
			wantMessage: "The request signature we calculated does not match the signature you provided.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := &fakeSES{action: tt.action, fault: tt.fault}
			err := tt.call(t.Context(), newClient(t, s))
			var apiErr smithy.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("error %v is not a smithy.APIError", err)
			}
			if apiErr.ErrorCode() != tt.wantCode || apiErr.ErrorMessage() != tt.wantMessage {
				t.Errorf("SDK saw %s: %q, want %s: %q", apiErr.ErrorCode(), apiErr.ErrorMessage(), tt.wantCode, tt.wantMessage)
			}
			var respErr *awshttp.ResponseError
			if !errors.As(err, &respErr) {
				t.Fatalf("error %v carries no HTTP response", err)
			}
			if respErr.HTTPStatusCode() != tt.wantStatus {
				t.Errorf("status %d, want %d", respErr.HTTPStatusCode(), tt.wantStatus)
			}
			if want := "req-" + tt.action; respErr.ServiceRequestID() != want {
				t.Errorf("request ID %q, want %q", respErr.ServiceRequestID(), want)
			}
		})
	}
}

// rawMessage returns an n-byte message whose body holds every byte value,
// so that the base64 round trip is tested on binary data.
func rawMessage(n int) []byte {
	var b bytes.Buffer
	b.WriteString("From: shop@example.com\r\nTo: a@example.com\r\nSubject: big\r\nContent-Type: application/octet-stream\r\n\r\n")
	r := rand.New(rand.NewPCG(1, 2))
	for b.Len() < n {
		b.WriteByte(byte(r.Uint32()))
	}
	return b.Bytes()[:n]
}

// brief prints v for a failure message without flooding the log with a
// 2 MB message.
func brief(v any) string {
	s := fmt.Sprintf("%+v", v)
	if len(s) > 2000 {
		s = s[:2000] + fmt.Sprintf("... (%d bytes)", len(s))
	}
	return s
}
