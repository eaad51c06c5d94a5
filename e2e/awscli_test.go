package e2e

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// awsCLI is the Debian AWS CLI v2; the pip v1 one earlier on PATH differs.
const awsCLI = "/usr/bin/aws"

// TestAWSCLI drives the server with the AWS CLI v2, as a user would.
func TestAWSCLI(t *testing.T) {
	if _, err := os.Stat(awsCLI); err != nil {
		t.Fatalf("%s not found: install Debian's awscli (make test does it)", awsCLI)
	}
	dns := newDNS(t)
	n := startNode(t, "", "--resolver", dns.Addr())
	home := t.TempDir()
	run := func(args ...string) (string, error) {
		cmd := exec.Command(awsCLI, append(args, "--endpoint-url", n.url, "--region", "us-east-1", "--output", "json")...)
		cmd.Env = []string{"HOME=" + home, "PATH=/usr/bin:/bin", "AWS_PAGER=",
			"AWS_ACCESS_KEY_ID=" + bootKeyID, "AWS_SECRET_ACCESS_KEY=" + bootSecret,
			"AWS_EC2_METADATA_DISABLED=true", "AWS_MAX_ATTEMPTS=1"}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	must := func(args ...string) string {
		t.Helper()
		out, err := run(args...)
		if err != nil {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	fails := func(want string, args ...string) {
		t.Helper()
		out, err := run(args...)
		if err == nil {
			t.Fatalf("aws %s succeeded, want %s:\n%s", strings.Join(args, " "), want, out)
		}
		if !strings.Contains(out, want) {
			t.Errorf("aws %s: output lacks %q:\n%s", strings.Join(args, " "), want, out)
		}
	}

	out := must("sesv2", "create-email-identity", "--email-identity", "cli.example")
	var created struct{ DkimAttributes struct{ Tokens []string } }
	if err := json.Unmarshal([]byte(out), &created); err != nil || len(created.DkimAttributes.Tokens) != 1 {
		t.Fatalf("create-email-identity: %v\n%s", err, out)
	}
	publishDKIM(t, dns, n.mustAdmin("identity", "records", "cli.example"), created.DkimAttributes.Tokens[0])
	out = must("sesv2", "get-email-identity", "--email-identity", "cli.example")
	if !strings.Contains(out, `"VerificationStatus": "SUCCESS"`) {
		t.Fatalf("identity not verified after publishing DKIM:\n%s", out)
	}

	out = must("sesv2", "send-email", "--from-email-address", "app@cli.example",
		"--destination", "ToAddresses=someone@recipient.test",
		"--content", `{"Simple":{"Subject":{"Data":"CLI"},"Body":{"Text":{"Data":"sent by aws sesv2"}}}}`)
	if !strings.Contains(out, `"MessageId"`) {
		t.Fatalf("send-email: %s", out)
	}

	raw := "From: app@cli.example\r\nTo: raw@recipient.test\r\nSubject: raw via CLI\r\n\r\nhello\r\n"
	rawFile := filepath.Join(home, "raw.json")
	body, _ := json.Marshal(map[string]any{"Raw": map[string]string{"Data": base64.StdEncoding.EncodeToString([]byte(raw))}})
	if err := os.WriteFile(rawFile, body, 0o600); err != nil {
		t.Fatal(err)
	}
	must("sesv2", "send-email", "--content", "file://"+rawFile)

	rawMsgFile := filepath.Join(home, "rawmsg.json")
	body, _ = json.Marshal(map[string]string{"Data": base64.StdEncoding.EncodeToString([]byte(raw))})
	if err := os.WriteFile(rawMsgFile, body, 0o600); err != nil {
		t.Fatal(err)
	}
	must("ses", "send-raw-email", "--raw-message", "file://"+rawMsgFile)

	out = must("sesv2", "get-account")
	if !strings.Contains(out, `"ProductionAccessEnabled": true`) || !strings.Contains(out, `"SentLast24Hours": 3`) {
		t.Errorf("get-account:\n%s", out)
	}

	// Rejections, with SES's codes.
	fails("MessageRejected", "sesv2", "send-email", "--from-email-address", "app@unverified.example",
		"--destination", "ToAddresses=someone@recipient.test",
		"--content", `{"Simple":{"Subject":{"Data":"x"},"Body":{"Text":{"Data":"x"}}}}`)
	fails("Recipient count exceeds 50", "sesv2", "send-email", "--from-email-address", "app@cli.example",
		"--destination", "ToAddresses="+strings.Join(manyRecipients(51), ","),
		"--content", `{"Simple":{"Subject":{"Data":"x"},"Body":{"Text":{"Data":"x"}}}}`)
	big := filepath.Join(home, "big.json")
	body, _ = json.Marshal(map[string]string{"Data": base64.StdEncoding.EncodeToString(bigMessage(10*1024*1024 + 100))})
	if err := os.WriteFile(big, body, 0o600); err != nil {
		t.Fatal(err)
	}
	fails("Message length is more than 10485760 bytes", "ses", "send-raw-email", "--raw-message", "file://"+big)

	// The suppression list, as an operator manages it from the CLI.
	must("sesv2", "put-suppressed-destination", "--email-address", "Gone@Recipient.test", "--reason", "BOUNCE")
	out = must("sesv2", "get-suppressed-destination", "--email-address", "gone@recipient.test")
	if !strings.Contains(out, `"Reason": "BOUNCE"`) {
		t.Errorf("get-suppressed-destination:\n%s", out)
	}
	out = must("sesv2", "list-suppressed-destinations", "--reasons", "BOUNCE")
	if !strings.Contains(out, `"EmailAddress": "gone@recipient.test"`) {
		t.Errorf("list-suppressed-destinations:\n%s", out)
	}
	must("sesv2", "delete-suppressed-destination", "--email-address", "gone@recipient.test")
	fails("NotFoundException", "sesv2", "get-suppressed-destination", "--email-address", "gone@recipient.test")
	must("sesv2", "put-account-suppression-attributes", "--suppressed-reasons", "COMPLAINT")

	// A sandbox account may only send to verified recipients.
	keyID, secret := n.newAccount("sandboxed", false)
	n.mustAdmin("identity", "create", "me@sandbox.example", "--account", "sandboxed")
	n.mustAdmin("identity", "verify", "me@sandbox.example", "--account", "sandboxed")
	cmd := exec.Command(awsCLI, "sesv2", "send-email", "--endpoint-url", n.url, "--region", "us-east-1",
		"--from-email-address", "me@sandbox.example", "--destination", "ToAddresses=stranger@recipient.test",
		"--content", `{"Simple":{"Subject":{"Data":"x"},"Body":{"Text":{"Data":"x"}}}}`)
	cmd.Env = []string{"HOME=" + home, "PATH=/usr/bin:/bin", "AWS_PAGER=", "AWS_ACCESS_KEY_ID=" + keyID,
		"AWS_SECRET_ACCESS_KEY=" + secret, "AWS_EC2_METADATA_DISABLED=true", "AWS_MAX_ATTEMPTS=1"}
	sout, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(sout), "Email address is not verified") {
		t.Errorf("sandbox send: %v\n%s", err, sout)
	}
}
