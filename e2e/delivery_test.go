package e2e

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/hikyaku/hikyaku/internal/dnstest"
)

// smtpSink runs Postfix's smtp-sink on a free port, dumping every message
// into dir. It returns the port.
func smtpSink(t *testing.T, dir string) int {
	t.Helper()
	if _, err := os.Stat("/usr/sbin/smtp-sink"); err != nil {
		t.Fatal("/usr/sbin/smtp-sink not found: install Debian's postfix (make test does)")
	}
	if err := os.Chmod(dir, 0o777); err != nil { // smtp-sink drops to nobody
		t.Fatal(err)
	}
	port := freePort(t)
	args := []string{"-d", filepath.Join(dir, "%Y%m%d%H%M%S."), fmt.Sprintf("127.0.0.1:%d", port), "64"}
	if os.Getuid() == 0 {
		args = append([]string{"-u", "nobody"}, args...)
	}
	cmd := exec.Command("/usr/sbin/smtp-sink", args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	waitPort(t, port)
	return port
}

// TestDeliveryToSMTPSink sends through the API and through SMTP
// submission to a domain whose MX (served by the test DNS) is smtp-sink,
// and checks what arrived: DKIM verified by dkimpy, the VERP return path,
// SES's headers, and the Delivery in the trace.
func TestDeliveryToSMTPSink(t *testing.T) {
	dns := newDNS(t)
	// Not t.TempDir(): smtp-sink runs as nobody and must reach the dir.
	dump, err := os.MkdirTemp("", "hikyaku-sink")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dump) })
	port := smtpSink(t, dump)
	dns.SetMX("example.net", dnstest.MX{Host: "mx.example.net", Pref: 10})
	dns.SetA("mx.example.net", "127.0.0.1")

	n := startNode(t, "", "--resolver", dns.Addr(), "--mx-port", fmt.Sprint(port), "--delivery=true",
		"--return-path-domain", "bounces.hikyaku.test")
	c := n.sesv2(bootKeyID, bootSecret)
	cx := ctx(t)
	var out *sesv2.CreateEmailIdentityOutput
	out, err = c.CreateEmailIdentity(cx, &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String("example.com")})
	if err != nil {
		t.Fatal(err)
	}
	selector := out.DkimAttributes.Tokens[0]
	record := publishDKIM(t, dns, n.mustAdmin("identity", "records", "example.com"), selector)
	if got, err := c.GetEmailIdentity(cx, &sesv2.GetEmailIdentityInput{EmailIdentity: aws.String("example.com")}); err != nil || !got.VerifiedForSendingStatus {
		t.Fatalf("identity not verified: %v", err)
	}

	sent, err := c.SendEmail(cx, &sesv2.SendEmailInput{
		FromEmailAddress: aws.String("News <news@example.com>"),
		Destination:      &types.Destination{ToAddresses: []string{"alice@example.net"}},
		Content:          simple("delivered by hikyaku", "hello from the API"),
	})
	if err != nil {
		t.Fatal(err)
	}
	apiID := aws.ToString(sent.MessageId)

	// The same through SMTP submission, with the key's SES SMTP password,
	// selecting a configuration set by header as SES allows.
	if _, err := c.CreateConfigurationSet(cx, &sesv2.CreateConfigurationSetInput{ConfigurationSetName: aws.String("newsletters")}); err != nil {
		t.Fatal(err)
	}
	keyOut := n.mustAdmin("key", "create", "--account", "default")
	smtpUser, smtpPass := field(t, keyOut, "SmtpUsername"), field(t, keyOut, "SmtpPassword")
	sc, err := smtp.DialStartTLS(n.smtpAddr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	if err := sc.Auth(sasl.NewPlainClient("", smtpUser, smtpPass)); err != nil {
		t.Fatalf("AUTH with the SMTP password: %v", err)
	}
	msg := "From: news@example.com\r\nTo: bob@example.net\r\nSubject: via SMTP\r\nX-SES-CONFIGURATION-SET: newsletters\r\n\r\nhello from SMTP\r\n"
	if err := sc.SendMail("news@example.com", []string{"bob@example.net"}, strings.NewReader(msg)); err != nil {
		t.Fatalf("submit: %v", err)
	}

	waitStatus(t, n, apiID, "delivered")
	files := waitFiles(t, dump, 2)
	var api, viaSMTP []byte
	for _, f := range files {
		b, _ := os.ReadFile(f)
		switch {
		case bytes.Contains(b, []byte("hello from the API")):
			api = b
		case bytes.Contains(b, []byte("hello from SMTP")):
			viaSMTP = b
		}
	}
	if api == nil || viaSMTP == nil {
		t.Fatalf("smtp-sink got %d messages, not the two sent", len(files))
	}
	for name, m := range map[string][]byte{"api": api, "smtp": viaSMTP} {
		mailFrom := regexp.MustCompile(`(?m)^X-Mail-Args: <(b-[a-z0-9-]+@bounces\.hikyaku\.test)>`).FindSubmatch(m)
		if mailFrom == nil {
			t.Errorf("%s: MAIL FROM is not a VERP address on the return-path domain:\n%s", name, head(m))
		}
		for _, h := range []string{"DKIM-Signature:", "Feedback-ID: 1.us-east-1.", "Message-ID: <", "Date: "} {
			if !bytes.Contains(m, []byte(h)) {
				t.Errorf("%s: no %q header:\n%s", name, h, head(m))
			}
		}
		if bytes.Contains(m, []byte("X-SES-CONFIGURATION-SET")) {
			t.Errorf("%s: X-SES-* header not stripped", name)
		}
		if ok, why := dkimpyVerifies(t, m, selector+"._domainkey.example.com", record); !ok {
			t.Errorf("%s: dkimpy does not verify the signature: %s\n%s", name, why, head(m))
		}
	}

	tr := n.trace(apiID)
	if tr.Recipients[0].Status != "delivered" {
		t.Fatalf("trace = %+v", tr)
	}
	out2 := n.mustAdmin("trace", apiID)
	if !strings.Contains(out2, "mx.example.net") {
		t.Errorf("trace does not name the server that took it:\n%s", out2)
	}

	resp, err := http.Get(n.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, m := range []string{"hikyaku_queue_delivered_total 2", "hikyaku_messages_accepted_total{origin=\"api-v2\"} 1", "hikyaku_shaping_site_connection_limit"} {
		if !strings.Contains(string(metrics), m) {
			t.Errorf("/metrics lacks %q", m)
		}
	}
}

// dkimpyVerifies runs Debian's dkimpy on a message dumped by smtp-sink.
func dkimpyVerifies(t *testing.T, m []byte, name, record string) (bool, string) {
	t.Helper()
	// smtp-sink writes LF line ends and its own X- lines first; the
	// message itself starts at the first non-X- header it prepended.
	m = bytes.ReplaceAll(m, []byte("\r\n"), []byte("\n"))
	m = bytes.ReplaceAll(m, []byte("\n"), []byte("\r\n"))
	cmd := exec.Command("/usr/bin/python3", "-I", "../internal/dkim/testdata/dkimpy_verify.py", name, record)
	cmd.Stdin = bytes.NewReader(m)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("dkimpy: %v\n%s (install Debian python3-dkim; make test does)", err, stderr.String())
	}
	return strings.TrimSpace(string(out)) == "True", stderr.String()
}

func head(m []byte) string {
	if i := bytes.Index(m, []byte("\n\n")); i > 0 {
		return string(m[:i])
	}
	return string(m)
}

func waitStatus(t *testing.T, n *node, id, want string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		tr := n.trace(id)
		if len(tr.Recipients) > 0 && tr.Recipients[0].Status == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("message %s: status %+v, want %s\n%s", id, tr.Recipients, want, n.mustAdmin("trace", id))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func waitFiles(t *testing.T, dir string, n int) []string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		files, _ := filepath.Glob(filepath.Join(dir, "*"))
		if len(files) >= n || time.Now().After(deadline) {
			time.Sleep(200 * time.Millisecond) // let the last one be written out
			return files
		}
		time.Sleep(100 * time.Millisecond)
	}
}
