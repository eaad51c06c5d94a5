package verp

import (
	"crypto/sha256"
	"encoding/base64"
)

// FeedbackIdentifier is the last part of hikyaku's Feedback-ID values,
// where SES writes "AmazonSES".
const FeedbackIdentifier = "hikyaku"

// feedbackContext starts the hashed input, so that the opaque part is
// hikyaku's own and a change of scheme can change it.
const feedbackContext = "hikyaku feedback-id v1\x00"

// FeedbackID returns the value of the Feedback-ID header field hikyaku
// adds to mail sent by account accountID through configuration set
// configSet ("" for none) in region, in the shape SES uses:
//
//	1.<region>.<opaque>:hikyaku
//	1.us-east-1.CkTzqMm4itzVPKmfIcEkAXXgzrwdoZ/BFcPsL67EXEA=:hikyaku
//
// Gmail's feedback loop reads the field as colon-separated identifiers,
// the last naming the sender (hikyaku), and reports complaint rates per
// identifier in Postmaster Tools. "1" is the format version; opaque is
// the standard base64 of SHA-256 over the account ID and configuration
// set, 44 characters ending in "=", as SES's is. It is the same for
// every message of an account and configuration set, on every node and
// release, so that Gmail's reports group them together; changing the
// scheme starts new groups.
//
// The hash is not keyed, so it hides the account ID only from a casual
// reader: AWS-style 12-digit account IDs can be found by trying them
// all. It carries nothing more secret than that.
func FeedbackID(region, accountID, configSet string) string {
	h := sha256.New()
	h.Write([]byte(feedbackContext))
	h.Write([]byte(accountID))
	h.Write([]byte{0})
	h.Write([]byte(configSet))
	var sum [sha256.Size]byte
	b := make([]byte, 0, len("1..:")+len(region)+base64.StdEncoding.EncodedLen(sha256.Size)+len(FeedbackIdentifier))
	b = append(b, "1."...)
	b = append(b, region...)
	b = append(b, '.')
	b = base64.StdEncoding.AppendEncode(b, h.Sum(sum[:0]))
	b = append(b, ':')
	b = append(b, FeedbackIdentifier...)
	return string(b)
}
