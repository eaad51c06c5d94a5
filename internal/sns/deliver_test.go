package sns

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder is an HTTP(S) subscriber that answers with a fixed status and
// keeps the last request it got.
type recorder struct {
	status int
	header http.Header // added to the response

	mu     sync.Mutex
	method string
	got    http.Header
	body   []byte
}

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.method, rc.got, rc.body = r.Method, r.Header.Clone(), body
	rc.mu.Unlock()
	for k, v := range rc.header {
		w.Header()[k] = v
	}
	w.WriteHeader(rc.status)
	_, _ = io.WriteString(w, "  endpoint\nsays   hi  ")
}

func (rc *recorder) request() (string, http.Header, []byte) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.method, rc.got, rc.body
}

func signed(t *testing.T, name, version string) *Envelope {
	t.Helper()
	s, _ := testSigner(t)
	e := *testEnvelopes()[name]
	if err := s.Sign(&e, version); err != nil {
		t.Fatal(err)
	}
	return &e
}

func TestDeliverRequest(t *testing.T) {
	t.Parallel()
	_, cert := testSigner(t)
	sub := SubscriptionInfo{ARN: testSub}
	tests := []struct {
		name     string
		envelope string
		raw      bool
		sub      SubscriptionInfo
		// wantSubARN is the x-amz-sns-subscription-arn expected, "" for none.
		wantSubARN string
		wantRaw    bool
		wantType   string
		wantCT     string
	}{
		{"notification", "notification", false, sub, testSub, false, "Notification", DefaultContentType},
		{"notification raw", "notification", true, sub, testSub, true, "Notification", DefaultContentType},
		{"subscription confirmation", "subscription-confirmation", false, sub, "", false, "SubscriptionConfirmation", DefaultContentType},
		{"subscription confirmation ignores raw", "subscription-confirmation", true, sub, "", false, "SubscriptionConfirmation", DefaultContentType},
		{"unsubscribe confirmation", "unsubscribe-confirmation", false, sub, testSub, false, "UnsubscribeConfirmation", DefaultContentType},
		{"content type override", "notification", false, SubscriptionInfo{ARN: testSub, ContentType: "application/json"},
			testSub, false, "Notification", "application/json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rc := &recorder{status: http.StatusOK}
			srv := httptest.NewServer(rc)
			defer srv.Close()
			e := signed(t, tt.envelope, SignatureVersion2)

			res := Deliver(context.Background(), srv.Client(), srv.URL+"/hook?x=1", tt.sub, e, tt.raw)
			if res.Outcome != Delivered || res.StatusCode != 200 || res.Reason != "" {
				t.Fatalf("Deliver = %+v, want delivered", res)
			}

			method, h, body := rc.request()
			if method != http.MethodPost {
				t.Errorf("method %s", method)
			}
			want := map[string]string{
				"Content-Type":               tt.wantCT,
				"User-Agent":                 "Amazon Simple Notification Service Agent",
				"X-Amz-Sns-Message-Type":     tt.wantType,
				"X-Amz-Sns-Message-Id":       e.MessageId,
				"X-Amz-Sns-Topic-Arn":        e.TopicArn,
				"X-Amz-Sns-Subscription-Arn": tt.wantSubARN,
				"X-Amz-Sns-Rawdelivery":      map[bool]string{true: "true"}[tt.wantRaw],
			}
			for k, v := range want {
				if got := h.Get(k); got != v {
					t.Errorf("header %s: %q, want %q", k, got, v)
				}
				if _, present := h[k]; v == "" && present {
					t.Errorf("header %s present, want absent", k)
				}
			}

			if tt.wantRaw {
				if string(body) != e.Message {
					t.Errorf("raw body %q, want the Message %q", body, e.Message)
				}
				return
			}
			wantBody, _ := e.Body()
			if string(body) != string(wantBody) {
				t.Errorf("body\n%s\nwant\n%s", body, wantBody)
			}
			var got Envelope
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatal(err)
			}
			if err := Verify(&got, cert); err != nil {
				t.Errorf("delivered envelope does not verify: %v", err)
			}
		})
	}
}

func TestDeliverOutcome(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status     int
		header     http.Header
		want       Outcome
		reason     string
		retryAfter time.Duration
	}{
		{200, nil, Delivered, "", 0},
		{202, nil, Delivered, "", 0},
		{204, nil, Delivered, "", 0},
		{500, nil, Retry, "HTTP 500 Internal Server Error: endpoint says hi", 0},
		{502, nil, Retry, "HTTP 502 Bad Gateway", 0},
		{503, http.Header{"Retry-After": {"120"}}, Retry, "HTTP 503 Service Unavailable", 2 * time.Minute},
		{408, nil, Retry, "HTTP 408 Request Timeout", 0},
		{429, http.Header{"Retry-After": {"Wed, 21 Oct 2015 07:28:00 GMT"}}, Retry, "HTTP 429 Too Many Requests", 0},
		{400, nil, Permanent, "HTTP 400 Bad Request: endpoint says hi", 0},
		{401, nil, Permanent, "HTTP 401 Unauthorized", 0},
		{403, nil, Permanent, "HTTP 403 Forbidden", 0},
		{404, nil, Permanent, "HTTP 404 Not Found", 0},
		{410, nil, Permanent, "HTTP 410 Gone", 0},
		{413, nil, Permanent, "HTTP 413 Request Entity Too Large", 0},
		{301, http.Header{"Location": {"https://elsewhere.test/"}}, Permanent, `redirect to "https://elsewhere.test/" not followed`, 0},
		{307, http.Header{"Location": {"/other"}}, Permanent, "not followed", 0},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(&recorder{status: tt.status, header: tt.header})
			defer srv.Close()
			res := Deliver(context.Background(), srv.Client(), srv.URL, SubscriptionInfo{ARN: testSub},
				signed(t, "notification", SignatureVersion1), false)
			if res.Outcome != tt.want || res.StatusCode != tt.status || res.RetryAfter != tt.retryAfter {
				t.Errorf("Deliver = %+v, want %v status %d retry-after %v", res, tt.want, tt.status, tt.retryAfter)
			}
			if !strings.Contains(res.Reason, tt.reason) {
				t.Errorf("reason %q, want it to contain %q", res.Reason, tt.reason)
			}
		})
	}
}

func TestDeliverNetworkFailures(t *testing.T) {
	t.Parallel()
	e := signed(t, "notification", SignatureVersion1)

	t.Run("connection refused", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.NotFoundHandler())
		url := srv.URL
		srv.Close()
		res := Deliver(context.Background(), nil, url, SubscriptionInfo{ARN: testSub}, e, false)
		if res.Outcome != Retry || res.StatusCode != 0 || res.Reason == "" {
			t.Errorf("Deliver = %+v, want retry with a reason", res)
		}
	})

	t.Run("timeout", func(t *testing.T) {
		t.Parallel()
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-release:
			}
		}))
		defer srv.Close()
		defer close(release)
		client := srv.Client()
		client.Timeout = 100 * time.Millisecond
		start := time.Now()
		res := Deliver(context.Background(), client, srv.URL, SubscriptionInfo{ARN: testSub}, e, false)
		if res.Outcome != Retry || !strings.Contains(res.Reason, "no response in time") {
			t.Errorf("Deliver = %+v, want retry for a timeout", res)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("took %v", d)
		}
	})

	t.Run("context deadline", func(t *testing.T) {
		t.Parallel()
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-release:
			}
		}))
		defer srv.Close()
		defer close(release)
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		res := Deliver(ctx, srv.Client(), srv.URL, SubscriptionInfo{ARN: testSub}, e, false)
		if res.Outcome != Retry || !strings.Contains(res.Reason, "no response in time") {
			t.Errorf("Deliver = %+v, want retry for a timeout", res)
		}
	})

	for _, endpoint := range []string{"ftp://example.test/", "not a url", "https://", "mailto:a@example.test"} {
		t.Run("bad endpoint "+endpoint, func(t *testing.T) {
			t.Parallel()
			res := Deliver(context.Background(), nil, endpoint, SubscriptionInfo{}, e, false)
			if res.Outcome != Permanent || !strings.Contains(res.Reason, "not an http or https URL") {
				t.Errorf("Deliver = %+v, want permanent", res)
			}
		})
	}

	t.Run("unsigned envelope", func(t *testing.T) {
		t.Parallel()
		res := Deliver(context.Background(), nil, "http://127.0.0.1:1/", SubscriptionInfo{}, testEnvelopes()["notification"], false)
		if res.Outcome != Permanent || !strings.Contains(res.Reason, "not signed") {
			t.Errorf("Deliver = %+v, want permanent", res)
		}
	})
}

func TestOutcomeString(t *testing.T) {
	t.Parallel()
	for o, want := range map[Outcome]string{Delivered: "delivered", Retry: "retry", Permanent: "permanent", 7: "Outcome(7)"} {
		if got := o.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(o), got, want)
		}
	}
}
