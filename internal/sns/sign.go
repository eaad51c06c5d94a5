package sns

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"time"
)

// Signer signs envelopes with an RSA key whose self-signed certificate
// hikyaku serves at SigningCertURL. It is safe for concurrent use.
type Signer struct {
	key     *rsa.PrivateKey
	cert    *x509.Certificate
	certPEM []byte
}

// NewSigner loads a signer from a PEM private key (PKCS #8 "PRIVATE KEY" or
// PKCS #1 "RSA PRIVATE KEY") and the PEM certificate of its public key.
func NewSigner(keyPEM, certPEM []byte) (*Signer, error) {
	kb, _ := pem.Decode(keyPEM)
	if kb == nil {
		return nil, errors.New("sns: signing key: no PEM block found")
	}
	var key *rsa.PrivateKey
	switch kb.Type {
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
		if err != nil {
			return nil, fmt.Errorf("sns: signing key: %w", err)
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("sns: signing key is %T, want RSA: SNS signatures are SHA1withRSA or SHA256withRSA", k)
		}
		key = rk
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(kb.Bytes)
		if err != nil {
			return nil, fmt.Errorf("sns: signing key: %w", err)
		}
		key = k
	default:
		return nil, fmt.Errorf("sns: signing key: PEM block is %q, want PRIVATE KEY or RSA PRIVATE KEY", kb.Type)
	}
	cert, err := parseCertificate(certPEM)
	if err != nil {
		return nil, err
	}
	if !key.PublicKey.Equal(cert.PublicKey) {
		return nil, errors.New("sns: signing certificate is not for the signing key")
	}
	return &Signer{key: key, cert: cert, certPEM: bytes.Clone(certPEM)}, nil
}

// GenerateSigner makes a fresh RSA 2048 key and a self-signed certificate
// for it, valid for ten years, with commonName as subject and issuer (in
// SNS's style, a host name such as "sns.mail.example.com"). Store both
// and load them with NewSigner.
func GenerateSigner(commonName string) (keyPEM, certPEM []byte, err error) {
	if commonName == "" {
		return nil, nil, errors.New("sns: GenerateSigner needs a common name")
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, nil, fmt.Errorf("sns: generating key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, fmt.Errorf("sns: certificate serial: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: commonName},
		NotBefore:             now.Add(-time.Hour), // Tolerate clocks a little behind.
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("sns: creating certificate: %w", err)
	}
	pk, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("sns: encoding key: %w", err)
	}
	keyPEM = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk})
	certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	return keyPEM, certPEM, nil
}

// CertificatePEM returns the signing certificate, to be served at
// SigningCertURL.
func (s *Signer) CertificatePEM() []byte { return bytes.Clone(s.certPEM) }

// CertFileName names the certificate file in SNS's style,
// "SimpleNotificationService-<32 hex digits>.pem", derived from the
// certificate so that a new key gets a new URL (consumers cache
// certificates by URL).
func (s *Signer) CertFileName() string {
	sum := sha256.Sum256(s.cert.Raw)
	return "SimpleNotificationService-" + hex.EncodeToString(sum[:16]) + ".pem"
}

// Sign sets e.SignatureVersion to version ("1" or "2") and e.Signature to
// the base64 SHA1withRSA or SHA256withRSA signature of e's string to sign.
func (s *Signer) Sign(e *Envelope, version string) error {
	h, err := hashFor(version)
	if err != nil {
		return err
	}
	if err := e.check(); err != nil {
		return err
	}
	e.SignatureVersion = version
	digest := digest(h, StringToSign(e))
	sig, err := rsa.SignPKCS1v15(rand.Reader, s.key, h, digest)
	if err != nil {
		return fmt.Errorf("sns: signing: %w", err)
	}
	e.Signature = base64.StdEncoding.EncodeToString(sig)
	return nil
}

// StringToSign returns what SNS signs: for each signed field, its name, a
// newline, its value and a newline, in byte order of the names
// [SNSDG: sns-verify-signature-of-message]. A Notification signs Message,
// MessageId, Subject (only if present), Timestamp, TopicArn and Type; a
// confirmation signs Message, MessageId, SubscribeURL, Timestamp, Token,
// TopicArn and Type. Values are the decoded strings, not their JSON
// escapes. An unknown Type signs nothing.
func StringToSign(e *Envelope) []byte {
	fs, err := e.fields()
	if err != nil {
		return nil
	}
	byName := make(map[string]string, len(fs))
	for _, f := range fs {
		byName[f.name] = f.value
	}
	// The signed names, already in byte order. Only those the Type carries
	// are in byName: fields() leaves Subject out of a Notification when
	// empty, and Token and SubscribeURL out of every Notification.
	var b bytes.Buffer
	for _, name := range []string{"Message", "MessageId", "Subject", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"} {
		if v, ok := byName[name]; ok {
			b.WriteString(name + "\n" + v + "\n")
		}
	}
	return b.Bytes()
}

func hashFor(version string) (crypto.Hash, error) {
	switch version {
	case SignatureVersion1:
		return crypto.SHA1, nil
	case SignatureVersion2:
		return crypto.SHA256, nil
	}
	return 0, fmt.Errorf("sns: SignatureVersion %q is not supported, want %q (SHA1withRSA) or %q (SHA256withRSA)",
		version, SignatureVersion1, SignatureVersion2)
}

func digest(h crypto.Hash, data []byte) []byte {
	if h == crypto.SHA1 {
		d := sha1.Sum(data)
		return d[:]
	}
	d := sha256.Sum256(data)
	return d[:]
}

func parseCertificate(certPEM []byte) (*x509.Certificate, error) {
	cb, _ := pem.Decode(certPEM)
	if cb == nil || cb.Type != "CERTIFICATE" {
		return nil, errors.New("sns: signing certificate: no PEM CERTIFICATE block found")
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, fmt.Errorf("sns: signing certificate: %w", err)
	}
	return cert, nil
}
