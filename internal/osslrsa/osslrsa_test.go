package osslrsa

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"fmt"
	"sync"
	"testing"
)

func key(t testing.TB, bits int) *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestOpenSSLSignaturesMatchGos(t *testing.T) {
	if err := Available(); err != nil {
		t.Fatalf("libcrypto 3 is on every Debian machine this runs on (libssl3): %v", err)
	}
	for _, bits := range []int{1024, 2048, 3072} {
		t.Run(fmt.Sprint(bits), func(t *testing.T) {
			t.Parallel()
			priv := key(t, bits)
			s, err := NewSigner(priv)
			if err != nil {
				t.Fatal(err)
			}
			for i := range 20 {
				d := sha256.Sum256(fmt.Appendf(nil, "message %d", i))
				got, err := s.Sign(rand.Reader, d[:], crypto.SHA256)
				if err != nil {
					t.Fatal(err)
				}
				// PKCS #1 v1.5 is deterministic: OpenSSL's signature must be
				// Go's byte for byte.
				want, _ := rsa.SignPKCS1v15(nil, priv, crypto.SHA256, d[:])
				if string(got) != string(want) {
					t.Fatalf("OpenSSL and Go signatures differ for message %d", i)
				}
			}
		})
	}
}

func TestConcurrentSigning(t *testing.T) {
	if err := Available(); err != nil {
		t.Skip(err)
	}
	priv := key(t, 2048)
	s, err := NewSigner(priv)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				d := sha256.Sum256(fmt.Appendf(nil, "%d/%d", g, i))
				sig, err := s.Sign(rand.Reader, d[:], crypto.SHA256)
				if err != nil || rsa.VerifyPKCS1v15(&priv.PublicKey, crypto.SHA256, d[:], sig) != nil {
					t.Errorf("signature %d/%d: %v", g, i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestOtherHashesAndPSSGoToGo(t *testing.T) {
	if err := Available(); err != nil {
		t.Skip(err)
	}
	priv := key(t, 2048)
	s, err := NewSigner(priv)
	if err != nil {
		t.Fatal(err)
	}
	d1 := sha1.Sum([]byte("x"))
	sig, err := s.Sign(rand.Reader, d1[:], crypto.SHA1)
	if err != nil || rsa.VerifyPKCS1v15(&priv.PublicKey, crypto.SHA1, d1[:], sig) != nil {
		t.Errorf("SHA-1: %v", err)
	}
	d := sha256.Sum256([]byte("x"))
	sig, err = s.Sign(rand.Reader, d[:], &rsa.PSSOptions{Hash: crypto.SHA256})
	if err != nil || rsa.VerifyPSS(&priv.PublicKey, crypto.SHA256, d[:], sig, nil) != nil {
		t.Errorf("PSS: %v", err)
	}
}

func BenchmarkSign(b *testing.B) {
	priv := key(b, 2048)
	d := sha256.Sum256([]byte("x"))
	b.Run("go", func(b *testing.B) {
		for b.Loop() {
			if _, err := priv.Sign(rand.Reader, d[:], crypto.SHA256); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("openssl+verify", func(b *testing.B) {
		s, err := NewSigner(priv)
		if err != nil {
			b.Skip(err)
		}
		for b.Loop() {
			if _, err := s.Sign(rand.Reader, d[:], crypto.SHA256); err != nil {
				b.Fatal(err)
			}
		}
	})
}
