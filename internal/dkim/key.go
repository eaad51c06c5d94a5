// Package dkim holds hikyaku's DKIM (RFC 6376) keys: generating and
// parsing signing keys, the DNS records that publish their public half,
// and checking that a domain has published them, which is how an identity
// reaches SES's DKIM status SUCCESS for Easy DKIM and BYODKIM alike.
package dkim

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"sync"

	"github.com/hikyaku/hikyaku/internal/osslrsa"
)

// Key sizes, in bits. RFC 8301 §3.2 has verifiers refuse keys under 1024
// bits; SES generates 1024- or 2048-bit keys and accepts those sizes for
// BYODKIM. Keys over 4096 bits no longer fit a DNS answer comfortably.
const (
	DefaultBits = 2048
	MinBits     = 1024
	MaxBits     = 4096
)

// Key is a DKIM signing key. DKIM also allows Ed25519 (RFC 8463), but SES
// uses RSA only, and so does hikyaku.
type Key struct {
	priv *rsa.PrivateKey

	signerOnce sync.Once
	signer     crypto.Signer
}

// GenerateKey makes a new RSA key of bits bits, DefaultBits if bits is 0.
func GenerateKey(bits int) (*Key, error) {
	if bits == 0 {
		bits = DefaultBits
	}
	if bits < MinBits || bits > MaxBits {
		return nil, fmt.Errorf("dkim: key size %d bits is outside %d to %d", bits, MinBits, MaxBits)
	}
	priv, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		return nil, fmt.Errorf("dkim: generating key: %w", err)
	}
	return &Key{priv: priv}, nil
}

// ParsePrivateKey reads an RSA private key in DER, as PKCS#8 or PKCS#1
// (BYODKIM keys come in both), or the same in PEM.
func ParsePrivateKey(der []byte) (*Key, error) {
	if b := bytes.TrimSpace(der); bytes.HasPrefix(b, []byte("-----BEGIN")) {
		block, _ := pem.Decode(b)
		if block == nil {
			return nil, errors.New("dkim: private key: malformed PEM")
		}
		der = block.Bytes
	}
	var priv *rsa.PrivateKey
	k8, err8 := x509.ParsePKCS8PrivateKey(der)
	switch k := k8.(type) {
	case *rsa.PrivateKey:
		priv = k
	case nil:
		k1, err1 := x509.ParsePKCS1PrivateKey(der)
		if err1 != nil {
			return nil, fmt.Errorf("dkim: private key is neither PKCS#8 (%v) nor PKCS#1 (%v)", err8, err1)
		}
		priv = k1
	default:
		return nil, fmt.Errorf("dkim: private key is %T; only RSA keys are supported", k8)
	}
	if bits := priv.N.BitLen(); bits < MinBits || bits > MaxBits {
		return nil, fmt.Errorf("dkim: private key has %d bits; it must have %d to %d", bits, MinBits, MaxBits)
	}
	return &Key{priv: priv}, nil
}

// Bits is the size of the key's modulus.
func (k *Key) Bits() int { return k.priv.N.BitLen() }

// PrivateKeyPKCS8 is the private key in PKCS#8 DER, the form hikyaku
// stores.
func (k *Key) PrivateKeyPKCS8() []byte {
	der, err := x509.MarshalPKCS8PrivateKey(k.priv)
	if err != nil {
		// Only unknown key types fail, and a Key holds RSA.
		panic("dkim: marshalling an RSA key: " + err.Error())
	}
	return der
}

// PublicKeyBase64 is the public key as a DKIM record's p= value: the
// base64 of its DER SubjectPublicKeyInfo (RFC 6376 §3.6.1).
func (k *Key) PublicKeyBase64() string {
	der, err := x509.MarshalPKIXPublicKey(&k.priv.PublicKey)
	if err != nil {
		panic("dkim: marshalling an RSA public key: " + err.Error())
	}
	return base64.StdEncoding.EncodeToString(der)
}

// Signer signs with the key, for a DKIM signer: through the system's
// OpenSSL when it is there (about three times faster; see package
// osslrsa), else with Go's crypto/rsa.
func (k *Key) Signer() crypto.Signer {
	k.signerOnce.Do(func() {
		k.signer = k.priv
		if s, err := osslrsa.NewSigner(k.priv); err == nil {
			k.signer = s
		}
	})
	return k.signer
}
