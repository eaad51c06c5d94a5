package sigv4

import (
	"strings"

	"github.com/hikyaku/hikyaku/internal/fault"
)

// algorithm is the only signing algorithm SigV4 defines for HMAC.
const algorithm = "AWS4-HMAC-SHA256"

// authorization is the parsed Authorization header of a signed request:
//
//	AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/ses/aws4_request,
//	SignedHeaders=content-type;host;x-amz-date, Signature=5d67…
type authorization struct {
	Algorithm string
	// Credential is the raw "AKID/date/region/service/aws4_request"; see
	// parseCredential.
	Credential string
	// SignedHeaders are the header names as listed, which SigV4 requires to
	// be lower-case and sorted.
	SignedHeaders []string
	Signature     string
}

// signs reports whether the client listed name among its signed headers.
// AWS compares case-insensitively here.
func (a authorization) signs(name string) bool {
	for _, h := range a.SignedHeaders {
		if strings.EqualFold(h, name) {
			return true
		}
	}
	return false
}

// parseAuthorization splits an Authorization header into its parameters. A
// header it cannot read is an IncompleteSignature fault worded as AWS words
// it; haveDate says whether the request has an X-Amz-Date header, whose
// absence AWS reports in the same message. The algorithm and the shape of
// the credential are checked later, in AWS's order.
func parseAuthorization(header string, haveDate bool) (authorization, error) {
	var a authorization
	alg, params, _ := strings.Cut(strings.TrimSpace(header), " ")
	a.Algorithm = alg

	var haveSignedHeaders bool
	for part := range strings.SplitSeq(params, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		key, value, ok := strings.Cut(part, "=")
		if !ok {
			return a, fault.IncompleteSignature("'%s' not a valid key=value pair (missing equal-sign) in Authorization header: '%s'.", part, header)
		}
		switch key {
		case "Credential":
			a.Credential = value
		case "SignedHeaders":
			haveSignedHeaders = true
			a.SignedHeaders = splitSignedHeaders(value)
		case "Signature":
			a.Signature = value
		}
	}

	var missing strings.Builder
	if a.Credential == "" {
		missing.WriteString("Authorization header requires 'Credential' parameter. ")
	}
	if a.Signature == "" {
		missing.WriteString("Authorization header requires 'Signature' parameter. ")
	}
	if !haveSignedHeaders {
		missing.WriteString("Authorization header requires 'SignedHeaders' parameter. ")
	}
	if !haveDate {
		missing.WriteString("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ")
	}
	if missing.Len() > 0 {
		return a, fault.IncompleteSignature("%sAuthorization=%s", missing.String(), header)
	}
	return a, nil
}

func splitSignedHeaders(value string) []string {
	var names []string
	for name := range strings.SplitSeq(value, ";") {
		if name = strings.TrimSpace(name); name != "" {
			names = append(names, name)
		}
	}
	return names
}

// credential is the Credential parameter: the access key id and the scope
// the client signed for.
type credential struct {
	AccessKeyID string
	Date        string // YYYYMMDD
	Region      string
	Service     string
	Terminator  string // always "aws4_request" when valid
}

// parseCredential splits "AKID/20260101/us-east-1/ses/aws4_request". Like
// AWS it ignores trailing slashes; the pieces' values are checked by
// Verifier.checkScope.
func parseCredential(s string) (credential, error) {
	parts := strings.Split(strings.TrimRight(s, "/"), "/")
	if len(parts) != 5 {
		return credential{}, fault.IncompleteSignature("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '%s'", s)
	}
	return credential{AccessKeyID: parts[0], Date: parts[1], Region: parts[2], Service: parts[3], Terminator: parts[4]}, nil
}
