package dkim

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"strings"
	"sync"
	"testing"
)

// testKeys are made once: RSA key generation is slow under -race.
var testKeys = sync.OnceValues(func() ([2]*Key, error) {
	var keys [2]*Key
	for i := range keys {
		k, err := GenerateKey(MinBits)
		if err != nil {
			return keys, err
		}
		keys[i] = k
	}
	return keys, nil
})

// twoKeys returns two distinct 1024-bit keys shared by the tests.
func twoKeys(t testing.TB) (*Key, *Key) {
	t.Helper()
	keys, err := testKeys()
	if err != nil {
		t.Fatal(err)
	}
	return keys[0], keys[1]
}

func TestGenerateKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		bits int
		want int // 0: an error
	}{
		{"zero bits means 2048", 0, 2048},
		{"1024 bits is allowed", 1024, 1024},
		{"under 1024 bits is refused", 512, 0},
		{"over 4096 bits is refused", 8192, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			k, err := GenerateKey(tc.bits)
			if tc.want == 0 {
				if err == nil {
					t.Fatal("no error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if k.Bits() != tc.want {
				t.Errorf("Bits() = %d, want %d", k.Bits(), tc.want)
			}
			der, err := base64.StdEncoding.DecodeString(k.PublicKeyBase64())
			if err != nil {
				t.Fatal(err)
			}
			pub, err := x509.ParsePKIXPublicKey(der)
			if err != nil {
				t.Fatalf("p= is no SubjectPublicKeyInfo: %v", err)
			}
			if !pub.(*rsa.PublicKey).Equal(k.Signer().Public()) {
				t.Error("p= is not the key's public half")
			}
		})
	}
}

func TestParsePrivateKey(t *testing.T) {
	t.Parallel()
	k, _ := twoKeys(t)
	rsaKey := k.priv
	pkcs1 := x509.MarshalPKCS1PrivateKey(rsaKey)
	_, edPriv, _ := ed25519.GenerateKey(nil)
	ed8, err := x509.MarshalPKCS8PrivateKey(edPriv)
	if err != nil {
		t.Fatal(err)
	}
	pemOf := func(typ string, der []byte) []byte {
		return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
	}

	tests := []struct {
		name string
		in   []byte
		err  string // empty: parses to k
	}{
		{"PKCS#8 DER", k.PrivateKeyPKCS8(), ""},
		{"PKCS#1 DER", pkcs1, ""},
		{"PKCS#8 PEM", pemOf("PRIVATE KEY", k.PrivateKeyPKCS8()), ""},
		{"PKCS#1 PEM with blank lines around", append(append([]byte("\n"), pemOf("RSA PRIVATE KEY", pkcs1)...), '\n'), ""},
		{"an Ed25519 key is refused", ed8, "only RSA"},
		{"garbage is refused", []byte("not a key"), "neither PKCS#8"},
		{"broken PEM is refused", []byte("-----BEGIN PRIVATE KEY-----\nzz"), "malformed PEM"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParsePrivateKey(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one saying %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.PrivateKeyPKCS8(), k.PrivateKeyPKCS8()) || got.PublicKeyBase64() != k.PublicKeyBase64() {
				t.Error("parsed key differs from the original")
			}
		})
	}
}
