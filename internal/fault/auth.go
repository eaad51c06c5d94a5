package fault

import (
	"fmt"
	"net/http"
)

// The refusals below are what AWS answers when a request's SigV4
// authentication fails. SDKs parse the code, so names follow AWS: the v2
// (REST-JSON) exception name in Code, the v1 Query code in V1Code. AWS
// answers these with 403 (400 for IncompleteSignature) on both APIs, unlike
// the v1 API's usual 400 for sender faults.
//
// The SMTP side maps them to RFC 4954's codes: 530 5.7.0 when no credentials
// were given, 535 5.7.8 when they were wrong.

// MissingAuthentication refuses a request that carries no credentials.
// (SES v1 words the message "Request is missing Authentication Token".)
func MissingAuthentication() *Error {
	return &Error{Code: "MissingAuthenticationTokenException", V1Code: "MissingAuthenticationToken",
		HTTPStatus: http.StatusForbidden, SMTPCode: 530, Enhanced: "5.7.0",
		Message: "Missing Authentication Token"}
}

// IncompleteSignature refuses an Authorization header that cannot be
// parsed: a missing parameter, a bad date format, an unknown algorithm.
func IncompleteSignature(format string, args ...any) *Error {
	return &Error{Code: "IncompleteSignatureException", V1Code: "IncompleteSignature",
		HTTPStatus: http.StatusBadRequest, SMTPCode: 535, Enhanced: "5.7.8",
		Message: fmt.Sprintf(format, args...)}
}

// UnrecognizedClient refuses an access key id that does not exist.
func UnrecognizedClient() *Error {
	return &Error{Code: "UnrecognizedClientException", V1Code: "InvalidClientTokenId",
		HTTPStatus: http.StatusForbidden, SMTPCode: 535, Enhanced: "5.7.8",
		Message: "The security token included in the request is invalid."}
}

// SignatureMismatch refuses a request whose signature is wrong: the secret
// is not the key's, or the request was changed after signing.
func SignatureMismatch() *Error {
	return InvalidSignature("The request signature we calculated does not match the signature you provided. " +
		"Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
}

// InvalidSignature refuses a well-formed signature that cannot be accepted:
// expired or not yet current, or scoped to another region or service. AWS
// reports these under the same code as a mismatch.
func InvalidSignature(format string, args ...any) *Error {
	return &Error{Code: "InvalidSignatureException", V1Code: "SignatureDoesNotMatch",
		HTTPStatus: http.StatusForbidden, SMTPCode: 535, Enhanced: "5.7.8",
		Message: fmt.Sprintf(format, args...)}
}
