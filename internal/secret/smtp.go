package secret

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
)

// SMTPPassword derives the SMTP password for an access key's secret, as
// SES does: a SigV4 signing key for the fixed date "11111111", region and
// service "ses", used to sign "SendRawEmail", prefixed with the version
// byte 0x04 and base64-encoded. The SMTP user name is the access key id.
// The password differs per region, as it does on SES.
//
// Reference: "Obtaining Amazon SES SMTP credentials by converting existing
// AWS credentials", https://docs.aws.amazon.com/ses/latest/dg/smtp-credentials.html
func SMTPPassword(secret, region string) string {
	const (
		date     = "11111111"
		service  = "ses"
		terminal = "aws4_request"
		message  = "SendRawEmail"
		version  = 0x04
	)
	sig := hmacSHA256([]byte("AWS4"+secret), date)
	sig = hmacSHA256(sig, region)
	sig = hmacSHA256(sig, service)
	sig = hmacSHA256(sig, terminal)
	sig = hmacSHA256(sig, message)
	return base64.StdEncoding.EncodeToString(append([]byte{version}, sig...))
}

// SMTPPasswordMatches reports, in constant time, whether password is the
// SMTP password for secret in region.
func SMTPPasswordMatches(password, secret, region string) bool {
	return subtle.ConstantTimeCompare([]byte(password), []byte(SMTPPassword(secret, region))) == 1
}

func hmacSHA256(key []byte, msg string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(msg))
	return h.Sum(nil)
}
