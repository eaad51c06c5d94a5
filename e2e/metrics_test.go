package e2e

import (
	"bufio"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/hikyaku/hikyaku/internal/smtptest"
)

// scrape returns the samples of one metric family from /metrics, keyed by
// their label text ({a="b",...}).
func (n *node) scrape(name string) map[string]float64 {
	n.t.Helper()
	resp, err := http.Get(n.url + "/metrics")
	if err != nil {
		n.t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name+"{") && !strings.HasPrefix(line, name+" ") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			n.t.Fatalf("metric line %q: %v", line, err)
		}
		out[strings.TrimPrefix(line[:i], name)] = v
	}
	return out
}

// TestMetricsCountWhatWasSent sends a known mix and scrapes /metrics: the
// mail counters per configuration set must match it exactly.
func TestMetricsCountWhatWasSent(t *testing.T) {
	dns := newDNS(t)
	sink := smtptest.Start(t, smtptest.Options{})
	sink.SetRcptFault("busy", smtptest.MailboxBusy)
	sink.SetRcptFault("gone", smtptest.NoSuchUser)
	n := startNode(t, "", mtaArgs(dns.Addr(), sink, time.Minute)...)
	verifySender(t, n)
	c := n.sesv2(bootKeyID, bootSecret)
	cx := ctx(t)
	if _, err := c.CreateConfigurationSet(cx, &sesv2.CreateConfigurationSetInput{ConfigurationSetName: aws.String("metered")}); err != nil {
		t.Fatal(err)
	}
	send := func(to, set string) error {
		in := &sesv2.SendEmailInput{FromEmailAddress: aws.String(mtaSender),
			Destination: &types.Destination{ToAddresses: []string{to}}, Content: simple("m", "b")}
		if set != "" {
			in.ConfigurationSetName = aws.String(set)
		}
		_, err := c.SendEmail(cx, in)
		return err
	}
	for _, to := range []string{"ok1", "ok2", "ok3", "busy", "gone"} {
		if err := send(to+"@"+mtaDomain, "metered"); err != nil {
			t.Fatal(err)
		}
	}
	for _, to := range []string{"success", "bounce", "complaint", "suppressionlist"} {
		if err := send(to+"@simulator.amazonses.com", ""); err != nil {
			t.Fatal(err)
		}
	}
	// Rejected: a sender that is not verified.
	if _, err := c.SendEmail(cx, &sesv2.SendEmailInput{FromEmailAddress: aws.String("stranger@unverified.test"),
		Destination: &types.Destination{ToAddresses: []string{"x@" + mtaDomain}}, Content: simple("m", "b")}); err == nil {
		t.Fatal("an unverified sender was accepted")
	}

	sum := func(m map[string]float64, event, set string) float64 {
		total := 0.0
		for labels, v := range m {
			if strings.Contains(labels, `event="`+event+`"`) && strings.Contains(labels, `configuration_set="`+set+`"`) {
				total += v
			}
		}
		return total
	}
	want := []struct {
		event, set string
		n          float64
	}{
		{"accepted", "metered", 5}, {"delivered", "metered", 3}, {"deferred", "metered", 1}, {"bounced", "metered", 1},
		{"accepted", "", 4}, {"delivered", "", 2}, {"bounced", "", 1}, {"complained", "", 1}, {"suppressed", "", 1},
		{"rejected", "", 1},
	}
	var got map[string]float64
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		got = n.scrape("hikyaku_mail_total")
		if sum(got, "delivered", "metered") == 3 && sum(got, "deferred", "metered") >= 1 && sum(got, "bounced", "metered") == 1 {
			break
		}
	}
	for _, w := range want {
		if g := sum(got, w.event, w.set); g != w.n {
			t.Errorf("hikyaku_mail_total{event=%q,configuration_set=%q} = %v, want %v", w.event, w.set, g, w.n)
		}
	}
	if lat := n.scrape("hikyaku_delivery_latency_seconds_count"); lat[""] != 3 {
		t.Errorf("hikyaku_delivery_latency_seconds_count = %v, want 3 (the simulator's deliveries are not timed)", lat)
	}
	if depth := n.scrape("hikyaku_site_queue_recipients"); len(depth) == 0 {
		t.Errorf("no per-site queue gauge on /metrics")
	}
	if backlog := n.scrape("hikyaku_event_backlog"); backlog[""] != 0 {
		t.Errorf("hikyaku_event_backlog = %v, want 0 (no subscribers)", backlog)
	}
}
