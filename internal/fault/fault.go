// Package fault is hikyaku's one error type. A fault is created where a
// request is refused and carries everything each protocol needs to report
// it: the SES error code and HTTP status for the API (v2 exception name,
// v1 Query error code), and the SMTP reply code with its enhanced status for
// the submission listener. Mapping to the wire happens in one place per
// protocol (sesapi for HTTP, smtpd for SMTP).
package fault

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is a refusal that a client is meant to see.
type Error struct {
	// Code is the SES v2 exception name, e.g. "MessageRejected",
	// "BadRequestException", "NotFoundException".
	Code string
	// V1Code is the SES v1 Query error code when it differs from Code
	// (e.g. "InvalidParameterValue", "Throttling"); empty means "same as Code".
	V1Code string
	// HTTPStatus is the status the v2 API answers with. The v1 API answers
	// 400 for sender faults, as SES does, except 403 for authentication
	// failures and the status itself for server faults.
	HTTPStatus int
	// SMTPCode and Enhanced are the SMTP reply for the same refusal.
	SMTPCode int
	Enhanced string
	// Message is the text the client sees; it never holds secrets.
	Message string
	// Temporary marks failures a client should retry later (throttling).
	Temporary bool
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// QueryCode returns the code the v1 Query API reports.
func (e *Error) QueryCode() string {
	if e.V1Code != "" {
		return e.V1Code
	}
	return e.Code
}

// As returns the fault in err's chain, or nil.
func As(err error) *Error {
	var f *Error
	if errors.As(err, &f) {
		return f
	}
	return nil
}

// Internal wraps an unexpected error for the client: the detail stays in the
// log, the client sees a generic message.
func Internal() *Error {
	return &Error{Code: "InternalServiceErrorException", V1Code: "InternalFailure", HTTPStatus: http.StatusInternalServerError,
		SMTPCode: 451, Enhanced: "4.3.0", Message: "An internal error occurred. Try again later.", Temporary: true}
}

// BadRequest is SES's input-validation failure (v1: InvalidParameterValue).
func BadRequest(format string, args ...any) *Error {
	return &Error{Code: "BadRequestException", V1Code: "InvalidParameterValue", HTTPStatus: http.StatusBadRequest,
		SMTPCode: 501, Enhanced: "5.5.4", Message: fmt.Sprintf(format, args...)}
}

// MessageRejected is SES's refusal of a message's content or sender.
func MessageRejected(format string, args ...any) *Error {
	return &Error{Code: "MessageRejected", HTTPStatus: http.StatusBadRequest,
		SMTPCode: 554, Enhanced: "5.7.1", Message: fmt.Sprintf(format, args...)}
}

// NotFound is SES's 404 for a missing resource.
func NotFound(format string, args ...any) *Error {
	return &Error{Code: "NotFoundException", V1Code: "NotFoundException", HTTPStatus: http.StatusNotFound,
		SMTPCode: 550, Enhanced: "5.1.0", Message: fmt.Sprintf(format, args...)}
}

// AlreadyExists is SES's refusal to create a duplicate.
func AlreadyExists(format string, args ...any) *Error {
	return &Error{Code: "AlreadyExistsException", V1Code: "AlreadyExists", HTTPStatus: http.StatusBadRequest,
		SMTPCode: 550, Enhanced: "5.0.0", Message: fmt.Sprintf(format, args...)}
}

// SendingPaused refuses mail from an account (or configuration set) whose
// sending is disabled.
func SendingPaused(format string, args ...any) *Error {
	return &Error{Code: "SendingPausedException", V1Code: "AccountSendingPausedException", HTTPStatus: http.StatusBadRequest,
		SMTPCode: 554, Enhanced: "5.7.1", Message: fmt.Sprintf(format, args...)}
}

// AccountSuspended refuses mail from an account whose enforcement status is
// SHUTDOWN.
func AccountSuspended(format string, args ...any) *Error {
	return &Error{Code: "AccountSuspendedException", V1Code: "AccountSendingPausedException", HTTPStatus: http.StatusBadRequest,
		SMTPCode: 554, Enhanced: "5.7.1", Message: fmt.Sprintf(format, args...)}
}

// SendRateExceeded is SES's throttling answer for the maximum send rate.
func SendRateExceeded() *Error {
	return &Error{Code: "TooManyRequestsException", V1Code: "Throttling", HTTPStatus: http.StatusTooManyRequests,
		SMTPCode: 454, Enhanced: "4.7.0", Message: "Maximum sending rate exceeded.", Temporary: true}
}

// DailyQuotaExceeded is SES's answer once Max24HourSend recipients were sent.
func DailyQuotaExceeded() *Error {
	return &Error{Code: "LimitExceededException", V1Code: "Throttling", HTTPStatus: http.StatusBadRequest,
		SMTPCode: 454, Enhanced: "4.7.0", Message: "Daily message quota exceeded.", Temporary: true}
}
