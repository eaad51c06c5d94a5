package e2e

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
)

// snsSubscriber is an HTTPS endpoint that behaves like an SNS consumer
// written for AWS: it checks every message's signature against the
// certificate at SigningCertURL, confirms its subscription by following
// SubscribeURL, and keeps the SES events it receives, deduplicated by SNS
// MessageId as consumers do.
type snsSubscriber struct {
	t   *testing.T
	srv *httptest.Server

	mu        sync.Mutex
	confirmed bool
	events    map[string]map[string]any // by SNS MessageId
	messages  int
	bad       []string
}

func newSNSSubscriber(t *testing.T) *snsSubscriber {
	s := &snsSubscriber{t: t, events: map[string]map[string]any{}}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.srv.StartTLS()
	t.Cleanup(s.srv.Close)
	return s
}

// caFile writes the endpoint's certificate where hikyaku's SSL_CERT_FILE
// can name it, so hikyaku trusts the endpoint as it would a real one.
func (s *snsSubscriber) caFile(t *testing.T) string {
	path := filepath.Join(t.TempDir(), "ca.pem")
	b := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.srv.Certificate().Raw})
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func (s *snsSubscriber) fail(format string, args ...any) {
	s.mu.Lock()
	s.bad = append(s.bad, fmt.Sprintf(format, args...))
	s.mu.Unlock()
}

func (s *snsSubscriber) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var env map[string]string
	if err := json.Unmarshal(body, &env); err != nil {
		s.fail("body is not an SNS envelope: %v: %s", err, body)
		w.WriteHeader(400)
		return
	}
	if got := r.Header.Get("x-amz-sns-message-type"); got != env["Type"] {
		s.fail("x-amz-sns-message-type %q, Type %q", got, env["Type"])
	}
	if err := verifySNS(env); err != nil {
		s.fail("signature of %s %s: %v", env["Type"], env["MessageId"], err)
		w.WriteHeader(400)
		return
	}
	switch env["Type"] {
	case "SubscriptionConfirmation":
		resp, err := http.Get(env["SubscribeURL"])
		if err != nil || resp.StatusCode != 200 {
			s.fail("confirm via SubscribeURL: %v %v", err, resp)
			w.WriteHeader(500)
			return
		}
		resp.Body.Close()
		s.mu.Lock()
		s.confirmed = true
		s.mu.Unlock()
	case "Notification":
		var ev map[string]any
		if err := json.Unmarshal([]byte(env["Message"]), &ev); err != nil {
			s.fail("Message is not JSON: %v", err)
		}
		s.mu.Lock()
		s.messages++
		s.events[env["MessageId"]] = ev
		s.mu.Unlock()
	}
	w.WriteHeader(200)
}

// verifySNS checks an envelope's signature the way AWS documents for
// subscribers: the certificate from SigningCertURL, the string to sign
// from the type's fields in byte order, SHA1 or SHA256 with RSA.
func verifySNS(env map[string]string) error {
	resp, err := http.Get(env["SigningCertURL"])
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	certPEM, _ := io.ReadAll(resp.Body)
	block, _ := pem.Decode(certPEM)
	if block == nil {
		return fmt.Errorf("no certificate at %s (HTTP %d)", env["SigningCertURL"], resp.StatusCode)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return err
	}
	keys := []string{"Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"}
	if env["Type"] != "Notification" {
		keys = []string{"Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"}
	}
	var b strings.Builder
	for _, k := range keys {
		if v, ok := env[k]; ok {
			b.WriteString(k + "\n" + v + "\n")
		}
	}
	sig, err := base64.StdEncoding.DecodeString(env["Signature"])
	if err != nil {
		return err
	}
	pub := cert.PublicKey.(*rsa.PublicKey)
	switch env["SignatureVersion"] {
	case "1":
		h := sha1.Sum([]byte(b.String()))
		return rsa.VerifyPKCS1v15(pub, crypto.SHA1, h[:], sig)
	case "2":
		h := sha256.Sum256([]byte(b.String()))
		return rsa.VerifyPKCS1v15(pub, crypto.SHA256, h[:], sig)
	}
	return fmt.Errorf("SignatureVersion %q", env["SignatureVersion"])
}

// seen returns "eventType recipient" for every distinct event received.
func (s *snsSubscriber) seen() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, ev := range s.events {
		out = append(out, describe(ev))
	}
	sort.Strings(out)
	return out
}

func describe(ev map[string]any) string {
	typ, _ := ev["eventType"].(string)
	who := ""
	mail, _ := ev["mail"].(map[string]any)
	switch typ {
	case "Delivery":
		who = first(ev, "delivery", "recipients")
	case "Bounce":
		b := ev["bounce"].(map[string]any)
		who = b["bounceType"].(string) + "/" + b["bounceSubType"].(string) + " " + firstAddr(b["bouncedRecipients"])
	case "Complaint":
		who = firstAddr(ev["complaint"].(map[string]any)["complainedRecipients"])
	case "Send":
		if d, ok := mail["destination"].([]any); ok && len(d) > 0 {
			who = d[0].(string)
		}
	}
	return typ + " " + who
}

func first(ev map[string]any, obj, field string) string {
	list, _ := ev[obj].(map[string]any)[field].([]any)
	if len(list) == 0 {
		return ""
	}
	return list[0].(string)
}

func firstAddr(v any) string {
	list, _ := v.([]any)
	if len(list) == 0 {
		return ""
	}
	return list[0].(map[string]any)["emailAddress"].(string)
}

func (s *snsSubscriber) waitFor(t *testing.T, n int, what string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		got, bad := len(s.events), len(s.bad)
		s.mu.Unlock()
		if got >= n || bad > 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.bad) > 0 {
		t.Fatalf("subscriber saw bad messages:\n%s", strings.Join(s.bad, "\n"))
	}
	if len(s.events) < n {
		t.Fatalf("%s: %d events after 60s, want %d", what, len(s.events), n)
	}
}

// TestEventsReachAnHTTPSSubscriberTheSESWay wires events as an SES user
// does, with the AWS CLI (SNS topic, HTTPS subscription, configuration
// set, event destination), sends to every simulator address with the
// SDK, and checks each event arrives signed, exactly once per SNS message
// ID, in SES's shapes, also across a crash of hikyaku.
func TestEventsReachAnHTTPSSubscriberTheSESWay(t *testing.T) {
	if _, err := os.Stat(awsCLI); err != nil {
		t.Fatalf("%s not found: install Debian's awscli (make test does it)", awsCLI)
	}
	sub := newSNSSubscriber(t)
	data := t.TempDir()
	n := &node{t: t, data: data, extraEnv: []string{"SSL_CERT_FILE=" + sub.caFile(t)}}
	n.start()
	t.Cleanup(n.stop)

	home := t.TempDir()
	aws_ := func(args ...string) string {
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
	var topic struct{ TopicArn string }
	if err := json.Unmarshal([]byte(aws_("sns", "create-topic", "--name", "ses-events")), &topic); err != nil || topic.TopicArn == "" {
		t.Fatalf("create-topic: %v %+v", err, topic)
	}
	out := aws_("sns", "subscribe", "--topic-arn", topic.TopicArn, "--protocol", "https", "--notification-endpoint", sub.srv.URL+"/ses")
	if !strings.Contains(out, "pending confirmation") {
		t.Errorf("subscribe: %s", out)
	}
	for deadline := time.Now().Add(20 * time.Second); ; {
		out = aws_("sns", "list-subscriptions-by-topic", "--topic-arn", topic.TopicArn)
		if strings.Contains(out, topic.TopicArn+":") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("subscription not confirmed:\n%s\n%s", out, n.log())
		}
		time.Sleep(100 * time.Millisecond)
	}
	aws_("sesv2", "create-configuration-set", "--configuration-set-name", "transactional")
	aws_("sesv2", "create-configuration-set-event-destination", "--configuration-set-name", "transactional",
		"--event-destination-name", "to-sns", "--event-destination",
		`{"Enabled":true,"MatchingEventTypes":["SEND","DELIVERY","BOUNCE","COMPLAINT","DELIVERY_DELAY"],"SnsDestination":{"TopicArn":"`+topic.TopicArn+`"}}`)
	out = aws_("sesv2", "get-configuration-set-event-destinations", "--configuration-set-name", "transactional")
	if !strings.Contains(out, topic.TopicArn) || !strings.Contains(out, `"DELIVERY_DELAY"`) {
		t.Fatalf("get-configuration-set-event-destinations:\n%s", out)
	}
	n.mustAdmin("identity", "create", "events.example", "--account", "default")
	n.mustAdmin("identity", "verify", "events.example", "--account", "default")

	c := n.sesv2(bootKeyID, bootSecret)
	cx := ctx(t)
	send := func(to string) string {
		t.Helper()
		res, err := c.SendEmail(cx, &sesv2.SendEmailInput{FromEmailAddress: aws.String("app@events.example"),
			Destination: &types.Destination{ToAddresses: []string{to}}, Content: simple("hello", "body"),
			ConfigurationSetName: aws.String("transactional"),
			EmailTags:            []types.MessageTag{{Name: aws.String("campaign"), Value: aws.String("welcome")}}})
		if err != nil {
			t.Fatalf("SendEmail to %s: %v", to, err)
		}
		return aws.ToString(res.MessageId)
	}

	t.Run("each simulator address produces its events", func(t *testing.T) {
		for _, to := range []string{"success", "bounce", "complaint", "suppressionlist"} {
			send(to + "@simulator.amazonses.com")
		}
		want := []string{
			"Bounce Permanent/General bounce@simulator.amazonses.com",
			"Bounce Permanent/OnAccountSuppressionList suppressionlist@simulator.amazonses.com",
			"Complaint complaint@simulator.amazonses.com",
			"Delivery complaint@simulator.amazonses.com",
			"Delivery success@simulator.amazonses.com",
			"Send bounce@simulator.amazonses.com",
			"Send complaint@simulator.amazonses.com",
			"Send success@simulator.amazonses.com",
			"Send suppressionlist@simulator.amazonses.com",
		}
		sub.waitFor(t, len(want), "simulator events")
		time.Sleep(time.Second) // anything extra would arrive now
		if got := sub.seen(); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		sub.mu.Lock()
		defer sub.mu.Unlock()
		for _, ev := range sub.events {
			mail := ev["mail"].(map[string]any)
			tags := mail["tags"].(map[string]any)
			if fmt.Sprint(tags["campaign"]) != "[welcome]" || fmt.Sprint(tags["ses:configuration-set"]) != "[transactional]" ||
				fmt.Sprint(tags["ses:from-domain"]) != "[events.example]" {
				t.Errorf("%s: tags %v", describe(ev), tags)
			}
			if mail["sendingAccountId"] == "" || mail["source"] != "app@events.example" ||
				mail["commonHeaders"].(map[string]any)["subject"] != "hello" {
				t.Errorf("%s: mail %v", describe(ev), mail)
			}
		}
	})

	t.Run("no event is lost when hikyaku is killed mid-stream", func(t *testing.T) {
		before := len(sub.seen())
		const msgs = 30
		for i := range msgs {
			send(fmt.Sprintf("success+%d@simulator.amazonses.com", i))
		}
		n.kill()
		n.start()
		sub.waitFor(t, before+2*msgs, "events after restart")
		time.Sleep(time.Second)
		if got := len(sub.seen()); got != before+2*msgs {
			t.Errorf("%d distinct events, want %d", got, before+2*msgs)
		}
	})

	t.Run("the account's event delivery health shows the subscription", func(t *testing.T) {
		out := n.mustAdmin("events", "health", "--account", "default")
		if !strings.Contains(out, topic.TopicArn) || !strings.Contains(out, "DELIVERED") {
			t.Errorf("events health:\n%s", out)
		}
	})
}
