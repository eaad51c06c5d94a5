package sns

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// oracleJS transcribes AWS's own validator, aws/aws-php-sns-message-validator
// (Message.php and MessageValidator.php), into Node.js: check the required
// keys, check the certificate URL (https, ".pem"; its host pattern
// ^sns\.[a-zA-Z0-9\-]{3,}\.amazonaws\.com(\.cn)?$ is left out, since
// hikyaku's certificate is not on amazonaws.com), then sign every one of
// its eight signable keys that the parsed body holds, in its order, and
// verify with OpenSSL's SHA1 or SHA256 RSA. It shares no code with this
// package: Node parses the body and checks the signature.
//
// No third-party Go verifier could be used instead: the module proxy
// refuses github.com/robbiet480/go.sns,
// github.com/calvinlauyh/go-sns-message-validator and
// github.com/Sfinks80/aws_sns_verifier (403).
const oracleJS = `
const fs = require('fs'), crypto = require('crypto');
const m = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const cert = fs.readFileSync(process.argv[3], 'utf8');
const fail = (why) => { process.stdout.write(why); process.exit(1); };
const isset = (k) => k in m && m[k] !== null;
for (const k of ['Message', 'MessageId', 'Timestamp', 'TopicArn', 'Type', 'Signature', 'SigningCertURL', 'SignatureVersion'])
  if (!isset(k)) fail(k + ' is required to verify the SNS Message.');
if (m.Type === 'SubscriptionConfirmation' || m.Type === 'UnsubscribeConfirmation')
  for (const k of ['SubscribeURL', 'Token'])
    if (!isset(k)) fail(k + ' is required to verify the SNS Message.');
const u = new URL(m.SigningCertURL);
if (u.protocol !== 'https:' || !m.SigningCertURL.endsWith('.pem')) fail('The certificate is located on an invalid domain.');
if (m.SignatureVersion !== '1' && m.SignatureVersion !== '2') fail('The SignatureVersion is not supported.');
let s = '';
for (const k of ['Message', 'MessageId', 'Subject', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'])
  if (isset(k)) s += k + '\n' + m[k] + '\n';
const v = crypto.createVerify(m.SignatureVersion === '1' ? 'RSA-SHA1' : 'RSA-SHA256');
v.update(s, 'utf8');
if (!v.verify(cert, m.Signature, 'base64')) fail('The message signature is invalid.');
process.stdout.write('valid');
`

// TestOracleValidator runs every kind of envelope, signed with both
// versions, through the transcribed AWS validator; a tampered body must
// fail it.
func TestOracleValidator(t *testing.T) {
	t.Parallel()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed; the independent validator check needs Node.js")
	}
	s, cert := testSigner(t)
	dir := t.TempDir()
	script := filepath.Join(dir, "validate.js")
	certFile := filepath.Join(dir, "cert.pem")
	if err := os.WriteFile(script, []byte(oracleJS), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, cert, 0o644); err != nil {
		t.Fatal(err)
	}
	validate := func(t *testing.T, name string, body []byte) (string, error) {
		t.Helper()
		f := filepath.Join(dir, name)
		if err := os.WriteFile(f, body, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(node, script, f, certFile).CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
	for name, orig := range testEnvelopes() {
		for _, v := range []string{SignatureVersion1, SignatureVersion2} {
			t.Run(name+"/v"+v, func(t *testing.T) {
				t.Parallel()
				e := *orig
				if err := s.Sign(&e, v); err != nil {
					t.Fatal(err)
				}
				body, err := e.Body()
				if err != nil {
					t.Fatal(err)
				}
				if out, err := validate(t, name+v+".json", body); err != nil || out != "valid" {
					t.Errorf("validator: %s (%v)\n%s", out, err, body)
				}

				var m map[string]any
				if err := json.Unmarshal(body, &m); err != nil {
					t.Fatal(err)
				}
				m["Message"] = m["Message"].(string) + "x"
				tampered, err := json.Marshal(m)
				if err != nil {
					t.Fatal(err)
				}
				if out, err := validate(t, name+v+"-tampered.json", tampered); err == nil {
					t.Errorf("validator accepted a tampered body: %s", out)
				}
			})
		}
	}
}
