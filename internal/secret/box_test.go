package secret

import (
	"bytes"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
)

func newTestBox(t *testing.T) *Box {
	t.Helper()
	key := make([]byte, KeySize)
	rand.Read(key)
	b, err := NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSealOpenRoundTrip(t *testing.T) {
	t.Parallel()
	b := newTestBox(t)
	for _, plaintext := range [][]byte{nil, []byte("x"), []byte("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), bytes.Repeat([]byte("dkim"), 1<<18)} {
		sealed := b.Seal(plaintext)
		if sealed[0] != sealVersion {
			t.Errorf("sealed value starts with %d, want the version %d", sealed[0], sealVersion)
		}
		if len(plaintext) > 8 && bytes.Contains(sealed, plaintext[:8]) {
			t.Error("the sealed value contains the plaintext")
		}
		got, err := b.Open(sealed)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		if !bytes.Equal(got, plaintext) {
			t.Errorf("Open gave %d bytes, want the %d sealed", len(got), len(plaintext))
		}
	}
}

func TestSealingTwiceDiffers(t *testing.T) {
	t.Parallel()
	b := newTestBox(t)
	if one, two := b.Seal([]byte("same")), b.Seal([]byte("same")); bytes.Equal(one, two) {
		t.Error("sealing the same plaintext twice gave the same value: the nonce is not random")
	}
}

func TestTamperedValuesDoNotOpen(t *testing.T) {
	t.Parallel()
	b := newTestBox(t)
	sealed := b.Seal([]byte("the secret access key"))
	for i := range sealed {
		tampered := bytes.Clone(sealed)
		tampered[i] ^= 0x01
		if got, err := b.Open(tampered); err == nil {
			t.Fatalf("a value with byte %d changed opened as %q", i, got)
		}
	}
	for n := range len(sealed) {
		if _, err := b.Open(sealed[:n]); err == nil {
			t.Fatalf("a value cut to %d bytes opened", n)
		}
	}
	if _, err := b.Open(append(bytes.Clone(sealed), 0)); !errors.Is(err, ErrCorrupt) {
		t.Errorf("a value with a byte appended: %v, want ErrCorrupt", err)
	}
}

func TestOpenRefusesAnotherKeysValue(t *testing.T) {
	t.Parallel()
	sealed := newTestBox(t).Seal([]byte("secret"))
	if _, err := newTestBox(t).Open(sealed); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Open with another key: %v, want ErrCorrupt", err)
	}
}

func TestOpenNamesAnUnknownVersion(t *testing.T) {
	t.Parallel()
	b := newTestBox(t)
	sealed := b.Seal([]byte("secret"))
	sealed[0] = 2
	if _, err := b.Open(sealed); err == nil || !strings.Contains(err.Error(), "unknown version 2") {
		t.Errorf("Open of a version 2 value: %v, want an unknown-version error", err)
	}
}

func TestNewBoxRefusesAShortKey(t *testing.T) {
	t.Parallel()
	if _, err := NewBox(make([]byte, 16)); err == nil {
		t.Error("NewBox accepted a 16-byte key")
	}
}
