package fault

import (
	"fmt"
	"net/http"
)

// Refusals of a message's form: malformed addresses and malformed content.
//
// SES reports both through the same channel as any other bad parameter: the
// v1 Query API answers InvalidParameterValue (seen on the wire for
// "Missing final '@domain'", "Duplicate header 'List-Unsubscribe'.",
// "Illegal header '…'.", "Missing required header 'From'." and
// "Recipient count exceeds 50.", e.g. anymail/django-anymail#281,
// WPManageNinja/fluent-smtp#64, jmhobbs/Swiftmailer-Transport--AWS-SES#13,
// aws/aws-sdk-php#68, doubleunion/arooo#243) and the v2 API answers
// BadRequestException ("Invalid email address .", domdomegg/aws-ses-v2-local#44;
// "Illegal address", awsdocs/aws-doc-sdk-examples#5191). Over SMTP the same
// texts arrive after DATA as "554 Transaction failed: <text>"
// (thewca/worldcubeassociation.org#9467, sympa-community/sympa#110).

// InvalidAddress refuses an address that does not parse. The message should
// be one of SES's own texts (see package address). smtpd answers syntax
// errors in MAIL FROM and RCPT TO with its own 553 reply, as SES does.
func InvalidAddress(format string, args ...any) *Error {
	return &Error{Code: "BadRequestException", V1Code: "InvalidParameterValue", HTTPStatus: http.StatusBadRequest,
		SMTPCode: 554, Enhanced: "5.1.3", Message: fmt.Sprintf(format, args...)}
}

// InvalidMessage refuses a message whose header or MIME structure is
// malformed: a duplicate single-instance header, an illegal header line, a
// missing From, an over-long line.
func InvalidMessage(format string, args ...any) *Error {
	return &Error{Code: "BadRequestException", V1Code: "InvalidParameterValue", HTTPStatus: http.StatusBadRequest,
		SMTPCode: 554, Enhanced: "5.6.0", Message: fmt.Sprintf(format, args...)}
}

// TooManyRecipients is SES's refusal of a message with more than limit
// recipients across To, Cc and Bcc ("Recipient count exceeds 50.",
// doubleunion/arooo#243, thewca/worldcubeassociation.org#9467).
func TooManyRecipients(limit int) *Error {
	return &Error{Code: "BadRequestException", V1Code: "InvalidParameterValue", HTTPStatus: http.StatusBadRequest,
		SMTPCode: 554, Enhanced: "5.5.3", Message: fmt.Sprintf("Recipient count exceeds %d.", limit)}
}

// MessageTooLong refuses a message of size bytes when at most limit are
// allowed (10485760 for the v1 API, 41943040 for v2 and SMTP). The text
// follows SES's v1 wording; it was not found in a public trace, so treat it
// as unconfirmed. Over SMTP SES answers "552 Message is too long."
func MessageTooLong(limit, size int) *Error {
	return &Error{Code: "MessageRejected", HTTPStatus: http.StatusBadRequest,
		SMTPCode: 552, Enhanced: "5.3.4", Message: fmt.Sprintf("Message length is more than %d bytes long: '%d'.", limit, size)}
}

// MailFromDomainNotVerified refuses a message whose sender identity has a
// custom MAIL FROM domain that is not verified (its MX record was not
// found) while the identity's BehaviorOnMxFailure is REJECT_MESSAGE. The
// code is the same on both APIs (the v1 model's error code and the v2
// exception name), HTTP 400 as both models say. No public trace of the
// wire text was found; the message is the v1 model's documentation of the
// exception ("Indicates that the message could not be sent because Amazon
// SES could not read the MX record required to use the specified MAIL FROM
// domain."), which says what to fix better than the v2 model's "The
// message can't be sent because the sending domain isn't verified." (also
// quoted in aws/aws-sdk-net#3526). Over SMTP it is a permanent 554 5.7.1,
// like SES's other sender refusals.
func MailFromDomainNotVerified() *Error {
	return &Error{Code: "MailFromDomainNotVerifiedException", HTTPStatus: http.StatusBadRequest,
		SMTPCode: 554, Enhanced: "5.7.1",
		Message: "The message could not be sent because Amazon SES could not read the MX record required to use the specified MAIL FROM domain."}
}
