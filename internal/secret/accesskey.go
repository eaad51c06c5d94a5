package secret

import (
	"crypto/rand"
	"encoding/base64"
)

// NewAccessKey makes an access key pair shaped like AWS's, so that tools
// which check the shape accept it: the id is "AKIA" and 16 characters of
// base32 ([A-Z2-7], 80 random bits); the secret is 40 characters of base64
// (240 random bits).
func NewAccessKey() (id, secret string) {
	// rand.Text is 26 base32 characters; AWS ids carry 16.
	id = "AKIA" + rand.Text()[:16]
	b := make([]byte, 30) // 30 bytes are exactly 40 base64 characters
	rand.Read(b)
	return id, base64.StdEncoding.EncodeToString(b)
}
