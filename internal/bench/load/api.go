package load

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/hikyaku/hikyaku/internal/bench"
)

// API is how to submit through the SES v2 API.
type API struct {
	// Endpoint is the server's base URL, e.g. http://127.0.0.1:8080.
	Endpoint string
	// Region signs the requests; default AWS_REGION or us-east-1.
	Region string
	// AccessKeyID, SecretAccessKey and SessionToken sign the requests;
	// by default AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
	// AWS_SESSION_TOKEN from the environment.
	AccessKeyID, SecretAccessKey, SessionToken string
	// Simple sends Simple content (subject, text body and X-Bench-Sent in
	// Headers) instead of Raw content (the whole message, as over SMTP).
	Simple bool
}

// client makes the SES v2 client all workers share: SigV4 with the
// configured key, a connection per worker kept alive, and no retries,
// so that throttling shows in the report instead of being hidden by the
// SDK's backoff.
func (a API) client(workers int) (*sesv2.Client, error) {
	id, secret, token := a.AccessKeyID, a.SecretAccessKey, a.SessionToken
	if id == "" {
		id, secret, token = os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), os.Getenv("AWS_SESSION_TOKEN")
	}
	if id == "" || secret == "" {
		return nil, errors.New("--api needs credentials: --access-key-id and --secret-access-key, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY " +
			"(hikyaku writes the first key to DATA/credentials; `hikyaku key create` makes more)")
	}
	region := a.Region
	if region == "" {
		region = os.Getenv("AWS_REGION")
	}
	if region == "" {
		region = "us-east-1"
	}
	tr := &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        workers,
		MaxIdleConnsPerHost: workers,
		IdleConnTimeout:     90 * time.Second,
	}
	return sesv2.New(sesv2.Options{
		Region:       region,
		BaseEndpoint: aws.String(a.Endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider(id, secret, token),
		HTTPClient:   &http.Client{Transport: tr, Timeout: 2 * time.Minute},
		Retryer:      aws.NopRetryer{},
	}), nil
}

// apiSender submits with SendEmail; the client is shared.
type apiSender struct {
	c      *sesv2.Client
	from   string
	simple bool
	raw    []byte
}

func (s *apiSender) send(ctx context.Context, m *message) error {
	in := &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(s.from),
		Destination:      &types.Destination{ToAddresses: []string{m.to}},
	}
	if s.simple {
		in.Content = &types.EmailContent{Simple: &types.Message{
			Subject: &types.Content{Data: aws.String("bench")},
			Body:    &types.Body{Text: &types.Content{Data: aws.String(m.text)}},
			Headers: []types.MessageHeader{{Name: aws.String(bench.SentHeader), Value: aws.String(m.stamp)}},
		}}
	} else {
		s.raw = append(append(s.raw[:0], m.head...), m.body...)
		in.Content = &types.EmailContent{Raw: &types.RawMessage{Data: s.raw}}
	}
	_, err := s.c.SendEmail(ctx, in)
	return err
}

func (s *apiSender) close() {}
