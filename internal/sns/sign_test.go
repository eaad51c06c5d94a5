package sns

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// testdata/key.pem and cert.pem are a throwaway RSA 2048 pair made with
// openssl req -x509 -newkey rsa:2048 -nodes; PKCS #1 v1.5 signatures are
// deterministic, so with a fixed key the signatures can be pinned too.
func testSigner(t *testing.T) (*Signer, []byte) {
	t.Helper()
	key, err := os.ReadFile("testdata/key.pem")
	if err != nil {
		t.Fatal(err)
	}
	cert, err := os.ReadFile("testdata/cert.pem")
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSigner(key, cert)
	if err != nil {
		t.Fatal(err)
	}
	return s, cert
}

var (
	testEndpoints = Endpoints{
		API:         "https://sns.hikyaku.test/",
		SigningCert: "https://sns.hikyaku.test/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem",
	}
	testTopic = "arn:aws:sns:us-west-2:123456789012:MyTopic"
	testSub   = "arn:aws:sns:us-west-2:123456789012:MyTopic:c9135db0-26c4-47ec-8998-413945fb5a96"
	testTime  = time.Date(2012, 5, 2, 0, 54, 6, 655_000_000, time.UTC)
	testToken = "2336412f37fb687f5d51e6e241d09c805a5a57b30d712f794cc5f6a988666d92"
)

// testEnvelopes returns one unsigned envelope of each kind, named for the
// golden files.
func testEnvelopes() map[string]*Envelope {
	return map[string]*Envelope{
		"notification": NewNotification(testEndpoints, testSub, Publication{
			MessageID: "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
			TopicARN:  testTopic,
			Subject:   "Amazon SES Email Event Notification",
			// An SES event: JSON in a string, with a newline, quotes, an
			// ampersand and non-ASCII to exercise escaping.
			Message: "{\"eventType\":\"Bounce\",\"mail\":{\"source\":\"Zoë <a&b@example.com>\"}}\n",
			Time:    testTime,
		}),
		"notification-nosubject": NewNotification(testEndpoints, testSub, Publication{
			MessageID:  "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf325",
			TopicARN:   testTopic,
			Message:    "Hello world!",
			Attributes: map[string]MessageAttribute{"store": {Type: "String", Value: "example_corp"}, "id": {Type: "Number", Value: "7"}},
			Time:       testTime,
		}),
		"subscription-confirmation": NewSubscriptionConfirmation(testEndpoints, testTopic,
			"165545c9-2a5c-472c-8df2-7ff2be2b3b1b", testToken, testTime),
		"unsubscribe-confirmation": NewUnsubscribeConfirmation(testEndpoints, testSub,
			"47138184-6831-46b8-8f7c-afc488602d7d", testToken, testTime),
	}
}

func TestSignVerifyRoundTrip(t *testing.T) {
	t.Parallel()
	s, cert := testSigner(t)
	_, otherCert, err := GenerateSigner("sns.other.test")
	if err != nil {
		t.Fatal(err)
	}
	for name, e := range testEnvelopes() {
		for _, v := range []string{SignatureVersion1, SignatureVersion2} {
			t.Run(name+"/v"+v, func(t *testing.T) {
				t.Parallel()
				e := *e
				if err := s.Sign(&e, v); err != nil {
					t.Fatal(err)
				}
				body, err := e.Body()
				if err != nil {
					t.Fatal(err)
				}
				// Verify what a consumer parses from the body, not our struct.
				var got Envelope
				if err := json.Unmarshal(body, &got); err != nil {
					t.Fatalf("body is not JSON: %v\n%s", err, body)
				}
				if err := Verify(&got, cert); err != nil {
					t.Errorf("Verify: %v\n%s", err, body)
				}
				if err := Verify(&got, otherCert); err == nil {
					t.Error("Verify with another certificate succeeded")
				}
			})
		}
	}
}

// TestGoldenNotification pins the string to sign of the documented example
// [SNSDG: sns-verify-signature-of-message] and the layout of a body.
func TestGoldenNotification(t *testing.T) {
	t.Parallel()
	e := &Envelope{
		Type:      TypeNotification,
		MessageId: "4d4dc071-ddbf-465d-bba8-08f81c89da64",
		TopicArn:  "arn:aws:sns:us-east-2:123456789012:s4-MySNSTopic-1G1WEFCOXTC0P",
		Subject:   "My subject",
		Message:   "My Test Message",
		Timestamp: "2019-01-31T04:37:04.321Z",
	}
	want := "Message\nMy Test Message\nMessageId\n4d4dc071-ddbf-465d-bba8-08f81c89da64\nSubject\nMy subject\n" +
		"Timestamp\n2019-01-31T04:37:04.321Z\nTopicArn\narn:aws:sns:us-east-2:123456789012:s4-MySNSTopic-1G1WEFCOXTC0P\n" +
		"Type\nNotification\n"
	if got := string(StringToSign(e)); got != want {
		t.Errorf("string to sign:\n%q\nwant\n%q", got, want)
	}
}

func TestGolden(t *testing.T) {
	t.Parallel()
	s, _ := testSigner(t)
	for name, e := range testEnvelopes() {
		for _, v := range []string{SignatureVersion1, SignatureVersion2} {
			t.Run(name+"/v"+v, func(t *testing.T) {
				t.Parallel()
				e := *e
				if err := s.Sign(&e, v); err != nil {
					t.Fatal(err)
				}
				body, err := e.Body()
				if err != nil {
					t.Fatal(err)
				}
				golden(t, name+"-v"+v+".sts", StringToSign(&e))
				golden(t, name+"-v"+v+".json", body)
			})
		}
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from golden file:\n%s\nwant\n%s", name, got, want)
	}
}

// TestBodyFields checks presence and order of the JSON fields against
// SNS's examples [SNSDG: sns-message-and-json-formats].
func TestBodyFields(t *testing.T) {
	t.Parallel()
	s, _ := testSigner(t)
	tests := []struct {
		name string
		want []string
	}{
		{"notification", []string{"Type", "MessageId", "TopicArn", "Subject", "Message", "Timestamp",
			"SignatureVersion", "Signature", "SigningCertURL", "UnsubscribeURL"}},
		{"notification-nosubject", []string{"Type", "MessageId", "TopicArn", "Message", "Timestamp",
			"SignatureVersion", "Signature", "SigningCertURL", "UnsubscribeURL", "MessageAttributes"}},
		{"subscription-confirmation", []string{"Type", "MessageId", "Token", "TopicArn", "Message", "SubscribeURL",
			"Timestamp", "SignatureVersion", "Signature", "SigningCertURL"}},
		{"unsubscribe-confirmation", []string{"Type", "MessageId", "Token", "TopicArn", "Message", "SubscribeURL",
			"Timestamp", "SignatureVersion", "Signature", "SigningCertURL"}},
	}
	envs := testEnvelopes()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := *envs[tt.name]
			if err := s.Sign(&e, SignatureVersion1); err != nil {
				t.Fatal(err)
			}
			body, err := e.Body()
			if err != nil {
				t.Fatal(err)
			}
			if got := topLevelKeys(t, body); strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("fields %v\nwant   %v", got, tt.want)
			}
			compact, err := json.Marshal(&e)
			if err != nil {
				t.Fatal(err)
			}
			if got := topLevelKeys(t, compact); strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("json.Marshal fields %v\nwant   %v", got, tt.want)
			}
		})
	}
}

func topLevelKeys(t *testing.T, body []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

// TestTamper changes one field of a signed envelope at a time: every
// signed field must break the signature, the others must not.
func TestTamper(t *testing.T) {
	t.Parallel()
	s, cert := testSigner(t)
	fields := []struct {
		name   string
		signed bool
		change func(e *Envelope)
	}{
		{"Message", true, func(e *Envelope) { e.Message += " " }},
		{"MessageId", true, func(e *Envelope) { e.MessageId = NewMessageID() }},
		{"Subject", true, func(e *Envelope) { e.Subject += "!" }},
		{"Timestamp", true, func(e *Envelope) { e.Timestamp = Timestamp(testTime.Add(time.Millisecond)) }},
		{"TopicArn", true, func(e *Envelope) { e.TopicArn += "2" }},
		{"Token", true, func(e *Envelope) { e.Token += "0" }},
		{"SubscribeURL", true, func(e *Envelope) { e.SubscribeURL += "&x=1" }},
		{"SignatureVersion", true, func(e *Envelope) {
			e.SignatureVersion = map[string]string{"1": "2", "2": "1"}[e.SignatureVersion]
		}},
		{"Signature", true, func(e *Envelope) {
			first := map[bool]string{true: "B", false: "A"}[e.Signature[0] == 'A']
			e.Signature = first + e.Signature[1:]
		}},
		{"SigningCertURL", false, func(e *Envelope) { e.SigningCertURL = "https://elsewhere.test/x.pem" }},
		{"UnsubscribeURL", false, func(e *Envelope) { e.UnsubscribeURL += "&x=1" }},
		{"MessageAttributes", false, func(e *Envelope) {
			e.MessageAttributes = map[string]MessageAttribute{"x": {Type: "String", Value: "y"}}
		}},
	}
	for name, orig := range testEnvelopes() {
		for _, v := range []string{SignatureVersion1, SignatureVersion2} {
			e := *orig
			if err := s.Sign(&e, v); err != nil {
				t.Fatal(err)
			}
			for _, f := range fields {
				// A field the type does not carry is not in the body, so
				// changing it on our struct says nothing.
				if !carries(&e, f.name) {
					continue
				}
				t.Run(name+"/v"+v+"/"+f.name, func(t *testing.T) {
					t.Parallel()
					tampered := e
					f.change(&tampered)
					// Round-trip through the body, as a consumer sees it.
					body, err := tampered.Body()
					if err != nil {
						t.Fatal(err)
					}
					var got Envelope
					if err := json.Unmarshal(body, &got); err != nil {
						t.Fatal(err)
					}
					err = Verify(&got, cert)
					if f.signed && err == nil {
						t.Errorf("changing %s left the signature valid", f.name)
					}
					if !f.signed && err != nil {
						t.Errorf("changing unsigned %s broke the signature: %v", f.name, err)
					}
				})
			}
		}
	}
}

func carries(e *Envelope, name string) bool {
	switch name {
	case "Subject":
		return e.Type == TypeNotification && e.Subject != ""
	case "UnsubscribeURL", "MessageAttributes":
		return e.Type == TypeNotification
	case "Token", "SubscribeURL":
		return e.Type != TypeNotification
	}
	return true
}

func TestSignRejects(t *testing.T) {
	t.Parallel()
	s, _ := testSigner(t)
	tests := []struct {
		name    string
		version string
		change  func(e *Envelope)
		want    string
	}{
		{"version 3", "3", func(*Envelope) {}, "SignatureVersion"},
		{"empty version", "", func(*Envelope) {}, "SignatureVersion"},
		{"unknown type", "1", func(e *Envelope) { e.Type = "Bogus" }, "unknown message type"},
		{"no message", "1", func(e *Envelope) { e.Message = "" }, "lacks Message"},
		{"no topic", "1", func(e *Envelope) { e.TopicArn = "" }, "lacks TopicArn"},
		{"no cert URL", "1", func(e *Envelope) { e.SigningCertURL = "" }, "lacks SigningCertURL"},
		{"invalid UTF-8", "1", func(e *Envelope) { e.Message = "caf\xe9" }, "not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := *testEnvelopes()["notification"]
			tt.change(&e)
			err := s.Sign(&e, tt.version)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Sign: %v, want error containing %q", err, tt.want)
			}
		})
	}
	t.Run("confirmation without token", func(t *testing.T) {
		t.Parallel()
		e := NewSubscriptionConfirmation(testEndpoints, testTopic, NewMessageID(), "", testTime)
		if err := s.Sign(e, "2"); err == nil || !strings.Contains(err.Error(), "lacks Token") {
			t.Errorf("Sign: %v, want lacks Token", err)
		}
	})
	t.Run("unsigned body", func(t *testing.T) {
		t.Parallel()
		if _, err := testEnvelopes()["notification"].Body(); err == nil {
			t.Error("Body of an unsigned envelope succeeded")
		}
	})
}

func TestGenerateSigner(t *testing.T) {
	t.Parallel()
	keyPEM, certPEM, err := GenerateSigner("sns.mail.example.com")
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSigner(keyPEM, certPEM)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := parseCertificate(s.CertificatePEM())
	if err != nil {
		t.Fatal(err)
	}
	if cert.Subject.CommonName != "sns.mail.example.com" || cert.Issuer.CommonName != "sns.mail.example.com" {
		t.Errorf("subject %q issuer %q", cert.Subject, cert.Issuer)
	}
	if err := cert.CheckSignature(cert.SignatureAlgorithm, cert.RawTBSCertificate, cert.Signature); err != nil {
		t.Errorf("not self-signed: %v", err)
	}
	if years := cert.NotAfter.Sub(cert.NotBefore).Hours() / 24 / 365; years < 9.9 {
		t.Errorf("valid %.1f years, want 10", years)
	}
	if n := cert.PublicKey.(*rsa.PublicKey).N.BitLen(); n != 2048 {
		t.Errorf("key is %d bits, want 2048", n)
	}
	if name := s.CertFileName(); !strings.HasPrefix(name, "SimpleNotificationService-") || !strings.HasSuffix(name, ".pem") {
		t.Errorf("CertFileName %q", name)
	}

	e := *testEnvelopes()["subscription-confirmation"]
	if err := s.Sign(&e, SignatureVersion2); err != nil {
		t.Fatal(err)
	}
	if err := Verify(&e, certPEM); err != nil {
		t.Error(err)
	}

	if _, _, err := GenerateSigner(""); err == nil {
		t.Error("GenerateSigner with no common name succeeded")
	}
}

func TestNewSignerRejects(t *testing.T) {
	t.Parallel()
	key, _ := os.ReadFile("testdata/key.pem")
	cert, _ := os.ReadFile("testdata/cert.pem")
	_, otherCert, err := GenerateSigner("other")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		key, cert []byte
	}{
		{"key for another certificate", key, otherCert},
		{"no key", nil, cert},
		{"no certificate", key, nil},
		{"key as certificate", key, key},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := NewSigner(tt.key, tt.cert); err == nil {
				t.Error("NewSigner succeeded")
			}
		})
	}
	t.Run("PKCS #1 key", func(t *testing.T) {
		t.Parallel()
		b, _ := pem.Decode(key)
		k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		pkcs1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k.(*rsa.PrivateKey))})
		if _, err := NewSigner(pkcs1, cert); err != nil {
			t.Error(err)
		}
	})
}

func TestTimestamp(t *testing.T) {
	t.Parallel()
	loc := time.FixedZone("JST", 9*3600)
	tests := []struct {
		in   time.Time
		want string
	}{
		{testTime, "2012-05-02T00:54:06.655Z"},
		{time.Date(2024, 1, 2, 12, 0, 0, 0, loc), "2024-01-02T03:00:00.000Z"},
		{time.Date(2024, 1, 2, 3, 4, 5, 999_999_999, time.UTC), "2024-01-02T03:04:05.999Z"},
	}
	for _, tt := range tests {
		if got := Timestamp(tt.in); got != tt.want {
			t.Errorf("Timestamp(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
