package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"fmt"
)

// sealVersion is the first byte of every sealed value: AES-256-GCM with a
// random 96-bit nonce, the key being the master key. A new scheme (another
// cipher, a rotated master key) gets a new version so old values still open.
const sealVersion = 1

// ErrCorrupt is returned by Open for a value that was changed after sealing
// or sealed with another master key.
var ErrCorrupt = errors.New("secret: sealed value is damaged or was sealed with another master key")

// Box seals secrets for storage and opens them again. It is safe for
// concurrent use.
type Box struct {
	aead cipher.AEAD
}

// NewBox returns a Box that seals with key, a master key of KeySize bytes.
func NewBox(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secret: master key is %d bytes, want %d", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	// Random nonces are safe for far more values than hikyaku will ever
	// seal under one key (NIST's limit is 2^32 per key).
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	return &Box{aead: aead}, nil
}

// LoadBox returns a Box for the master key LoadMasterKey finds.
func LoadBox(dataDir, env string) (*Box, error) {
	key, err := LoadMasterKey(dataDir, env)
	if err != nil {
		return nil, err
	}
	return NewBox(key)
}

// Seal encrypts and authenticates plaintext. The result is the version
// byte, the nonce, the ciphertext and the tag; sealing the same plaintext
// twice gives different results.
func (b *Box) Seal(plaintext []byte) []byte {
	// The version byte is authenticated too, as additional data (in a
	// slice of its own: Seal's dst and additional data must not overlap).
	out := make([]byte, 1, 1+b.aead.Overhead()+len(plaintext))
	out[0] = sealVersion
	return b.aead.Seal(out, nil, plaintext, []byte{sealVersion})
}

// Open decrypts a value made by Seal. It fails with ErrCorrupt if the
// value was altered or sealed under another key.
func (b *Box) Open(sealed []byte) ([]byte, error) {
	if len(sealed) == 0 {
		return nil, ErrCorrupt
	}
	if v := sealed[0]; v != sealVersion {
		return nil, fmt.Errorf("secret: sealed value has unknown version %d (sealed by a newer hikyaku?)", v)
	}
	if len(sealed) < 1+b.aead.Overhead() {
		return nil, ErrCorrupt
	}
	plaintext, err := b.aead.Open(nil, nil, sealed[1:], sealed[:1])
	if err != nil {
		return nil, ErrCorrupt
	}
	return plaintext, nil
}
