package sigv4

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hikyaku/hikyaku/internal/clock"
	"github.com/hikyaku/hikyaku/internal/fault"
)

// DefaultMaxSkew is how far a request's X-Amz-Date may be from the server's
// clock, before or after, as AWS allows.
const DefaultMaxSkew = 15 * time.Minute

// DefaultRegion is the region a Verifier accepts when none is configured.
const DefaultRegion = "us-east-1"

// unsignedPayload is the payload hash a client sends to leave the body out
// of the signature.
const unsignedPayload = "UNSIGNED-PAYLOAD"

// ErrUnknownKey is what a Lookup returns (or wraps) for an access key id
// that does not exist; Verify turns it into UnrecognizedClientException.
var ErrUnknownKey = errors.New("sigv4: unknown access key")

// Verifier checks SigV4 signatures. The zero value is not usable: Lookup is
// required; every other field has a default.
type Verifier struct {
	// Lookup returns the secret access key for an access key id, or an
	// error wrapping ErrUnknownKey if there is none. Other errors are
	// returned from Verify wrapped, as internal failures.
	Lookup func(ctx context.Context, accessKeyID string) (secret string, err error)
	// Regions are the regions a credential may be scoped to; empty means
	// DefaultRegion only.
	Regions []string
	// Services are the signing names a credential may be scoped to; empty
	// means "ses" (what the SES v1 and v2 SDKs sign with) and "email" (the
	// endpoint prefix, which some older clients sign with). The first one
	// is named in the error for a wrong service.
	Services []string
	// Clock tells the time skew is measured against; nil is the system
	// clock.
	Clock clock.Clock
	// MaxSkew is how far X-Amz-Date may be from Clock's time; zero means
	// DefaultMaxSkew.
	MaxSkew time.Duration
}

// Principal is who signed a request that verified.
type Principal struct {
	AccessKeyID string
	Region      string
	Service     string
	// SignedAt is the request's X-Amz-Date.
	SignedAt time.Time
	// SessionToken is the signed X-Amz-Security-Token, if any. Verify does
	// not judge it: hikyaku issues no temporary credentials, so a caller
	// that wants AWS's behaviour refuses a non-empty token with
	// fault.UnrecognizedClient.
	SessionToken string
}

// Verify authenticates r, whose body the caller has already read into body.
// It returns the signer on success. A refusal is a *fault.Error with AWS's
// code and message; any other error is an internal failure (the key lookup
// failed) for the caller to log.
//
// The checks run in the order AWS runs them, so a request that is wrong in
// several ways is refused as AWS would refuse it.
func (v *Verifier) Verify(r *http.Request, body []byte) (*Principal, error) {
	if v.Lookup == nil {
		return nil, errors.New("sigv4: Verifier.Lookup is not set")
	}
	header := r.Header.Get("Authorization")
	if strings.TrimSpace(header) == "" {
		return nil, fault.MissingAuthentication()
	}
	amzDate := r.Header.Get("X-Amz-Date")
	a, err := parseAuthorization(header, amzDate != "" || r.Header.Get("Date") != "")
	if err != nil {
		return nil, err
	}
	if amzDate == "" {
		return nil, fault.IncompleteSignature("Authorization header requires the 'X-Amz-Date' header; signing with the 'Date' header is not supported.")
	}
	signedAt, err := parseAmzDate(amzDate)
	if err != nil {
		return nil, err
	}
	if err := checkFreshness(signedAt, v.now(), v.maxSkew()); err != nil {
		return nil, err
	}
	if !a.signs("host") {
		return nil, fault.InvalidSignature("'Host' must be a 'SignedHeader' in the AWS Authorization.")
	}
	if a.Algorithm != algorithm {
		return nil, fault.IncompleteSignature("Unsupported AWS 'algorithm': '%s' (only %s for now).", a.Algorithm, algorithm)
	}
	c, err := parseCredential(a.Credential)
	if err != nil {
		return nil, err
	}
	if err := v.checkScope(c, amzDate); err != nil {
		return nil, err
	}

	secret, err := v.Lookup(r.Context(), c.AccessKeyID)
	switch {
	case errors.Is(err, ErrUnknownKey) || (err == nil && secret == ""):
		return nil, fault.UnrecognizedClient()
	case err != nil:
		return nil, fmt.Errorf("sigv4: looking up access key %s: %w", c.AccessKeyID, err)
	}

	sum := sha256.Sum256(body)
	bodyHash := hex.EncodeToString(sum[:])
	payloadHash := r.Header.Get("X-Amz-Content-Sha256")
	if payloadHash == "" {
		payloadHash = bodyHash
	}
	want, err := expectedSignature(r.Context(), r, a, c, secret, payloadHash, signedAt)
	if err != nil {
		return nil, err
	}
	if !hmac.Equal([]byte(want), []byte(a.Signature)) {
		return nil, fault.SignatureMismatch()
	}
	// The signature covers the declared hash, not the body itself.
	if payloadHash != bodyHash && payloadHash != unsignedPayload {
		return nil, fault.InvalidSignature("The provided 'x-amz-content-sha256' header does not match what was computed.")
	}

	p := &Principal{AccessKeyID: c.AccessKeyID, Region: c.Region, Service: c.Service, SignedAt: signedAt}
	if a.signs("x-amz-security-token") {
		p.SessionToken = r.Header.Get("X-Amz-Security-Token")
	}
	return p, nil
}

func (v *Verifier) now() time.Time {
	if v.Clock == nil {
		return time.Now()
	}
	return v.Clock.Now()
}

func (v *Verifier) maxSkew() time.Duration {
	if v.MaxSkew <= 0 {
		return DefaultMaxSkew
	}
	return v.MaxSkew
}

func (v *Verifier) regions() []string {
	if len(v.Regions) == 0 {
		return []string{DefaultRegion}
	}
	return v.Regions
}

func (v *Verifier) services() []string {
	if len(v.Services) == 0 {
		return []string{"ses", "email"}
	}
	return v.Services
}
