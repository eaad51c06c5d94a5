package sns

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// DefaultTimeout bounds one delivery attempt when the caller's http.Client
// sets no Timeout: an endpoint that has not answered in 15 seconds has
// failed the attempt, as with SNS.
const DefaultTimeout = 15 * time.Second

// UserAgent is the User-Agent SNS sends [SNSDG: sns-message-and-json-formats].
const UserAgent = "Amazon Simple Notification Service Agent"

// DefaultContentType is the Content-Type of SNS's POSTs unless the delivery
// policy's headerContentType says otherwise.
const DefaultContentType = "text/plain; charset=UTF-8"

// SubscriptionInfo is what Deliver needs to know about the subscription.
type SubscriptionInfo struct {
	// ARN is sent in x-amz-sns-subscription-arn.
	ARN string
	// ContentType overrides DefaultContentType, like the headerContentType
	// of an SNS delivery policy (e.g. "application/json").
	ContentType string
}

// Outcome classifies a delivery attempt.
type Outcome int

// What became of a delivery attempt.
const (
	// Delivered: the endpoint answered 2xx.
	Delivered Outcome = iota
	// Retry: a server-side error (5xx, 408, 429, no connection, no answer
	// in time); try again on the Backoff schedule.
	Retry
	// Permanent: a client-side error (any other 4xx, a redirect, an
	// endpoint that cannot be requested); SNS does not retry these
	// [SNSDG: sns-dead-letter-queues], and neither should the caller.
	Permanent
)

func (o Outcome) String() string {
	switch o {
	case Delivered:
		return "delivered"
	case Retry:
		return "retry"
	case Permanent:
		return "permanent"
	}
	return "Outcome(" + strconv.Itoa(int(o)) + ")"
}

// Result is the outcome of one delivery attempt.
type Result struct {
	Outcome Outcome
	// StatusCode is the endpoint's HTTP status, 0 if it gave none.
	StatusCode int
	// Reason says why an attempt was not Delivered, for logs and for the
	// subscription's delivery status: the status line and the start of
	// the response body, or the network error.
	Reason string
	// RetryAfter is the delay the endpoint asked for in a Retry-After
	// header (seconds form) with a 429 or 503, or zero.
	RetryAfter time.Duration
}

// Deliver makes one attempt to POST e to endpoint as SNS does: with the
// x-amz-sns-* headers, SNS's User-Agent and Content-Type, and the JSON
// envelope as the body. With raw set (the subscription's
// RawMessageDelivery) a Notification's body is its Message alone and the
// header x-amz-sns-rawdelivery: true is added; confirmations are always
// sent as JSON [SNSDG: sns-large-payload-raw-message-delivery].
//
// e must be signed. client may be nil (http.DefaultClient's transport);
// without a client Timeout the attempt is bounded by DefaultTimeout.
// Redirects are not followed. Deliver does not retry: the caller records
// the Result and, on Retry, schedules the next attempt with Backoff.
func Deliver(ctx context.Context, client *http.Client, endpoint string, sub SubscriptionInfo, e *Envelope, raw bool) Result {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Result{Outcome: Permanent, Reason: fmt.Sprintf("endpoint %q is not an http or https URL", endpoint)}
	}
	body, err := e.Body()
	if err != nil {
		return Result{Outcome: Permanent, Reason: err.Error()}
	}
	raw = raw && e.Type == TypeNotification
	if raw {
		body = []byte(e.Message)
	}

	c := http.Client{}
	if client != nil {
		c = *client
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if c.Timeout == 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultTimeout)
		defer cancel()
	}

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return Result{Outcome: Permanent, Reason: "building request: " + err.Error()}
	}
	contentType := sub.ContentType
	if contentType == "" {
		contentType = DefaultContentType
	}
	// [SNSDG: sns-message-and-json-formats]: the subscription ARN is not
	// sent with a SubscriptionConfirmation (there is no subscription yet).
	h := req.Header
	h.Set("Content-Type", contentType)
	h.Set("User-Agent", UserAgent)
	h.Set("x-amz-sns-message-type", string(e.Type))
	h.Set("x-amz-sns-message-id", e.MessageId)
	h.Set("x-amz-sns-topic-arn", e.TopicArn)
	if e.Type != TypeSubscriptionConfirmation && sub.ARN != "" {
		h.Set("x-amz-sns-subscription-arn", sub.ARN)
	}
	if raw {
		h.Set("x-amz-sns-rawdelivery", "true")
	}

	resp, err := c.Do(req)
	if err != nil {
		return Result{Outcome: Retry, Reason: networkReason(err)}
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // Let the connection be reused.

	r := Result{StatusCode: resp.StatusCode}
	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		r.Outcome = Delivered
		return r
	case code >= 500, code == http.StatusRequestTimeout, code == http.StatusTooManyRequests:
		r.Outcome = Retry
		r.RetryAfter = retryAfter(resp.Header.Get("Retry-After"))
	case code >= 300 && code < 400:
		r.Outcome = Permanent
		r.Reason = fmt.Sprintf("HTTP %s: redirect to %q not followed; subscribe the final URL",
			resp.Status, resp.Header.Get("Location"))
		return r
	default:
		r.Outcome = Permanent
	}
	r.Reason = "HTTP " + resp.Status
	if s := printable(snippet); s != "" {
		r.Reason += ": " + s
	}
	return r
}

// networkReason describes a failed round trip, naming a timeout as such.
func networkReason(err error) string {
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return "no response in time: " + err.Error()
	}
	return err.Error()
}

// retryAfter reads a Retry-After header in its delay-seconds form.
func retryAfter(v string) time.Duration {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n <= 0 {
		return 0
	}
	return time.Duration(n) * time.Second
}

// printable makes the start of a response body fit for a log line.
func printable(b []byte) string {
	return strings.Join(strings.Fields(strings.ToValidUTF8(string(b), "")), " ")
}
