package query

import (
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/hikyaku/hikyaku/internal/fault"
)

// Query error codes this package reports. SES answers all of them with
// HTTP 400 and <Type>Sender</Type>.
const (
	// CodeValidationError is what SES answers when a required member is
	// missing or a value is outside its enum, with Coral's "N validation
	// error(s) detected: ..." message (seen verbatim from SES in
	// aws-sdk-ios#27, aws-sdk-net#1212, delphi-aws-ses#7). Generic AWS
	// documentation lists MissingParameter for this case, but SES does not
	// send it.
	CodeValidationError = "ValidationError"
	// CodeInvalidParameterValue is a value that cannot be read as its type.
	CodeInvalidParameterValue = "InvalidParameterValue"
	// CodeMalformedQueryString is a body or query string that is not valid
	// form encoding.
	CodeMalformedQueryString = "MalformedQueryString"
	// CodeMissingAction is a request without an Action parameter.
	CodeMissingAction = "MissingAction"
	// CodeInvalidAction is an Action that SES does not have.
	CodeInvalidAction = "InvalidAction"
)

// maxQuoted bounds how much of a client's value is echoed in an error
// message.
const maxQuoted = 64

// senderFault builds a client error with the given v1 code. The v2 view of
// all of them is BadRequestException, as for fault.BadRequest.
func senderFault(code, format string, args ...any) *fault.Error {
	f := fault.BadRequest(format, args...)
	f.V1Code = code
	return f
}

// validationErrors is the Coral-style message SES sends for missing
// required members and enum violations:
//
//	1 validation error detected: Value null at 'source' failed to satisfy constraint: Member must not be null
//	2 validation errors detected: Value null at 'message' failed ...; Value null at 'destination' failed ...
func validationErrors(problems []string) *fault.Error {
	noun := "errors"
	if len(problems) == 1 {
		noun = "error"
	}
	return senderFault(CodeValidationError, "%d validation %s detected: %s", len(problems), noun, strings.Join(problems, "; "))
}

// nullAt is one "must not be null" problem for validationErrors.
func nullAt(path string) string {
	return fmt.Sprintf("Value null at '%s' failed to satisfy constraint: Member must not be null", path)
}

// notInEnum is one enum problem for validationErrors.
func notInEnum(value, path string, allowed []string) string {
	return fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: Member must satisfy enum value set: [%s]",
		clip(value), path, strings.Join(allowed, ", "))
}

// invalidValue reports a parameter whose value cannot be read as its type,
// in the wording AWS Query services use for InvalidParameterValue.
func invalidValue(param, value, expected string) *fault.Error {
	return senderFault(CodeInvalidParameterValue, "Value (%s) for parameter %s is invalid. %s", clip(value), clip(param), expected)
}

// invalidParam reports a parameter that is wrong as a whole (a list index,
// a list too long).
func invalidParam(format string, args ...any) *fault.Error {
	return senderFault(CodeInvalidParameterValue, format, args...)
}

// clip shortens s for quoting in a message.
func clip(s string) string {
	if len(s) <= maxQuoted {
		return s
	}
	cut := maxQuoted
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// httpStatus is the status a v1 error is answered with: SES's Query API
// answers 400 for every sender fault, including throttling (whose v2
// status is 429); 403 stays 403 so authentication failures look like
// AWS's; server faults keep their 5xx.
func httpStatus(f *fault.Error) int {
	switch {
	case f.HTTPStatus >= 500:
		return f.HTTPStatus
	case f.HTTPStatus == http.StatusForbidden:
		return http.StatusForbidden
	default:
		return http.StatusBadRequest
	}
}
