package dkim

import "crypto/rand"

// selectorAlphabet and selectorLen give selectors the shape of SES Easy
// DKIM tokens: 32 lower-case letters and digits.
const (
	selectorAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	selectorLen      = 32
)

// NewSelector returns a random selector shaped like an SES Easy DKIM
// token, e.g. "4dq2xoyzmsm3lf7rkhbdqvmhjjpx5thk".
func NewSelector() string {
	out := make([]byte, 0, selectorLen)
	var buf [selectorLen * 2]byte
	// Bytes at or above 252 (7×36) are dropped so every character is
	// equally likely.
	for len(out) < selectorLen {
		_, _ = rand.Read(buf[:]) // never fails: see crypto/rand.Read
		for _, b := range buf {
			if b < 252 && len(out) < selectorLen {
				out = append(out, selectorAlphabet[b%36])
			}
		}
	}
	return string(out)
}
