package dkim

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/hikyaku/hikyaku/internal/dns"
)

// DKIM statuses, as SES reports them in DkimAttributes.Status.
const (
	StatusSuccess          = "SUCCESS"
	StatusFailed           = "FAILED"
	StatusPending          = "PENDING"
	StatusTemporaryFailure = "TEMPORARY_FAILURE"
)

// Why a check did not succeed, as SES reports it in
// VerificationInfo.ErrorType.
const (
	// ErrorInvalidValue: a record is there but does not publish the key.
	ErrorInvalidValue = "INVALID_VALUE"
	// ErrorTypeNotFound: the name exists but has no TXT record.
	ErrorTypeNotFound = "TYPE_NOT_FOUND"
	// ErrorHostNotFound: the name does not exist.
	ErrorHostNotFound = "HOST_NOT_FOUND"
	// ErrorDNSServer: the DNS failed to answer; the check is repeated.
	ErrorDNSServer = "DNS_SERVER_ERROR"
	// ErrorService: hikyaku itself failed, e.g. holds a broken key.
	ErrorService = "SERVICE_ERROR"
)

// CheckRecord looks up the key record of selector at domain and says
// whether it publishes pub (base64 DER, as Key.PublicKeyBase64 returns),
// as SES's status and error type:
//
//   - SUCCESS: a record publishes the key, and no other key record
//     stands beside it (a verifier may pick any of them, RFC 6376
//     §3.6.2.2, so a second key would fail some signatures).
//   - FAILED, INVALID_VALUE: TXT records are there, but none publishes
//     the key usably: another key, a revoked one (empty p=), a malformed
//     record, a key restricted to other hashes or services.
//   - PENDING, HOST_NOT_FOUND or TYPE_NOT_FOUND: nothing published yet.
//   - TEMPORARY_FAILURE, DNS_SERVER_ERROR: the DNS did not answer; try
//     again later. SERVICE_ERROR: pub itself is not a key.
//
// err says what is wrong, for the log and the user, whenever the status is
// not SUCCESS; it is nil on SUCCESS.
func CheckRecord(ctx context.Context, r dns.Resolver, selector, domain, pub string) (status, errorType string, err error) {
	name := RecordName(selector, domain)
	want, err := decodePublicKey(pub)
	if err != nil {
		return StatusTemporaryFailure, ErrorService, fmt.Errorf("dkim: checking %s: our own key: %w", name, err)
	}
	txts, err := r.LookupTXT(ctx, name)
	switch {
	case errors.Is(err, dns.ErrNoSuchDomain):
		return StatusPending, ErrorHostNotFound, fmt.Errorf("dkim: %s does not exist yet: %w", name, err)
	case errors.Is(err, dns.ErrNoData) || err == nil && len(txts) == 0:
		return StatusPending, ErrorTypeNotFound, fmt.Errorf("dkim: %s has no TXT record yet", name)
	case dns.IsTemporary(err):
		return StatusTemporaryFailure, ErrorDNSServer, fmt.Errorf("dkim: checking %s: %w", name, err)
	case err != nil:
		return StatusTemporaryFailure, ErrorService, fmt.Errorf("dkim: checking %s: %w", name, err)
	}

	matches := 0
	var others, noise []string // why key records, and other TXT data, do not match
	for _, txt := range txts {
		rec, err := parseKeyRecord(txt)
		if err != nil {
			noise = append(noise, fmt.Sprintf("%q is not a DKIM key record: %v", abbreviate(txt), err))
			continue
		}
		if err := rec.publishes(want); err != nil {
			others = append(others, err.Error())
			continue
		}
		matches++
	}
	switch {
	case matches > 0 && len(others) == 0:
		// Other TXT data beside the key does not stop verifiers.
		return StatusSuccess, "", nil
	case matches > 0:
		return StatusFailed, ErrorInvalidValue, fmt.Errorf(
			"dkim: %s publishes the key but also other key records, which receivers may use instead (%s): remove them",
			name, strings.Join(others, "; "))
	}
	return StatusFailed, ErrorInvalidValue, fmt.Errorf("dkim: %s does not publish the key (%s): publish %q",
		name, strings.Join(append(others, noise...), "; "), Record(pub))
}

// publishes says why the record does not publish want for rsa-sha256
// signatures of email, or nil if it does.
func (r *keyRecord) publishes(want *rsa.PublicKey) error {
	if err := r.usableForRSASHA256(); err != nil {
		return err
	}
	got, err := parseRSAPublicKey(r.pub)
	if err != nil {
		return fmt.Errorf("p= is %w", err)
	}
	if !got.Equal(want) {
		return errors.New("p= is another key")
	}
	return nil
}

// decodePublicKey reads a p= value hikyaku made.
func decodePublicKey(pub string) (*rsa.PublicKey, error) {
	der, err := base64.StdEncoding.DecodeString(pub)
	if err != nil {
		return nil, fmt.Errorf("not base64: %w", err)
	}
	return parseRSAPublicKey(der)
}

// abbreviate shortens a record for a message.
func abbreviate(s string) string {
	const limit = 40
	if len(s) <= limit {
		return s
	}
	return s[:limit] + "..."
}
