package sns

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Verify checks e's signature against the certificate certPEM the way an
// SNS consumer does, following AWS's documented steps
// [SNSDG: sns-verify-signature-of-message] one by one. It is written apart
// from Sign so that each checks the other.
//
// It checks the signature only. A real consumer must also fetch the
// certificate over HTTPS from a host it trusts and check the TopicArn;
// those steps depend on where the certificate is served and are the
// caller's.
func Verify(e *Envelope, certPEM []byte) error {
	// Step 1: the SignatureVersion says which hash was signed:
	// 1 is SHA1withRSA, 2 is SHA256withRSA.
	var hash crypto.Hash
	switch e.SignatureVersion {
	case "1":
		hash = crypto.SHA1
	case "2":
		hash = crypto.SHA256
	default:
		return fmt.Errorf("sns: verify: unsupported SignatureVersion %q", e.SignatureVersion)
	}

	// Steps 2 and 3: get the X.509 certificate and its public key.
	cert, err := parseCertificate(certPEM)
	if err != nil {
		return fmt.Errorf("sns: verify: %w", err)
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return fmt.Errorf("sns: verify: certificate key is %T, want RSA", cert.PublicKey)
	}

	// Step 4: the message type decides which name/value pairs are signed.
	type pair struct {
		name, value string
		present     bool
	}
	var pairs []pair
	switch e.Type {
	case "Notification":
		pairs = []pair{
			{"Message", e.Message, true},
			{"MessageId", e.MessageId, true},
			{"Subject", e.Subject, e.Subject != ""}, // "if included in the message"
			{"Timestamp", e.Timestamp, true},
			{"TopicArn", e.TopicArn, true},
			{"Type", string(e.Type), true},
		}
	case "SubscriptionConfirmation", "UnsubscribeConfirmation":
		pairs = []pair{
			{"Message", e.Message, true},
			{"MessageId", e.MessageId, true},
			{"SubscribeURL", e.SubscribeURL, true},
			{"Timestamp", e.Timestamp, true},
			{"Token", e.Token, true},
			{"TopicArn", e.TopicArn, true},
			{"Type", string(e.Type), true},
		}
	default:
		return fmt.Errorf("sns: verify: unknown message type %q", e.Type)
	}

	// Step 5: the string to sign is each pair as name, newline, value,
	// newline, in byte order of the names (the lists above are in it).
	var s strings.Builder
	for _, p := range pairs {
		if p.present {
			s.WriteString(p.name)
			s.WriteString("\n")
			s.WriteString(p.value)
			s.WriteString("\n")
		}
	}

	// Step 6: decode the Signature from base64.
	sig, err := base64.StdEncoding.DecodeString(e.Signature)
	if err != nil {
		return fmt.Errorf("sns: verify: Signature is not base64: %w", err)
	}

	// Steps 7 to 9: hash the string to sign and check that the signature,
	// opened with the public key, asserts the same hash.
	var sum []byte
	if hash == crypto.SHA1 {
		d := sha1.Sum([]byte(s.String()))
		sum = d[:]
	} else {
		d := sha256.Sum256([]byte(s.String()))
		sum = d[:]
	}
	if err := rsa.VerifyPKCS1v15(pub, hash, sum, sig); err != nil {
		return errors.New("sns: verify: the message signature is invalid")
	}
	return nil
}
