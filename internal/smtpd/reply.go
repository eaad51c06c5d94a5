package smtpd

import (
	"strconv"
	"strings"

	"github.com/emersion/go-smtp"

	"github.com/hikyaku/hikyaku/internal/fault"
)

// The replies below carry SES's own texts, as listed in "Amazon SES SMTP
// issues" (DG:troubleshoot-smtp) or seen on the wire, so that clients and
// people who match on them see what SES would have said. The enhanced
// status codes are RFC 3463's; SES itself sends none, but go-smtp
// advertises ENHANCEDSTATUSCODES, which obliges us to (RFC 2034 §3).
var (
	// SES answers AUTH and MAIL on a connection that has not started TLS
	// with "530 Must issue a STARTTLS command first" (Pylons/pyramid_exclog#24,
	// OmniLayer/omniwallet#1161, both against email-smtp.*.amazonaws.com).
	replyMustStartTLS = reply(530, "5.7.0", "Must issue a STARTTLS command first")
	// MAIL before a successful AUTH.
	replyAuthRequired = reply(530, "5.7.0", "Authentication required")
	replyBadAuth      = reply(535, "5.7.8", "Authentication Credentials Invalid")
	// The credentials could not be checked (the store is unreachable).
	replyAuthTemporary = reply(454, "4.7.0", "Temporary authentication failure")
	replyTooLong       = reply(552, "5.3.4", "Message is too long.")
	replyTemporary     = reply(451, "4.3.0", "Temporary service failure")
	replyDataTimeout   = reply(451, "4.4.2", "Timeout waiting for data from client")
	// SES answers a null reverse-path with this 501 (seen when relaying
	// bounces through SES, docker-mailserver/docker-mailserver#2403).
	replyNullSender = reply(501, "5.1.7", "Invalid MAIL FROM address provided")
	// Beyond rcptHardLimit recipients a transaction is refused outright,
	// with RFC 5321 §4.5.3.1.10's reply, to bound the memory a client can
	// make us hold; up to it SES's own answer comes after DATA.
	replyTooManyRcpts = reply(452, "4.5.3", "Too many recipients")
	// A command out of sequence (RFC 5321 §4.3.2).
	replyBadSequence = reply(503, "5.5.1", "Bad sequence of commands")
)

// Throttling texts of DG:troubleshoot-smtp's 454 row.
const (
	textSendRate   = "Throttling failure: Maximum sending rate exceeded"
	textDailyQuota = "Throttling failure: Daily message quota exceeded"
)

// tooManyConnections is written, without an enhanced code (none was
// negotiated yet), in place of the greeting when MaxConnections are busy.
const tooManyConnections = "421 Too many concurrent SMTP connections\r\n"

// Fault codes the mapping tells apart, taken from fault's constructors so
// that a renamed code cannot silently fall through.
var (
	codeSendRate        = fault.SendRateExceeded().Code
	codeDailyQuota      = fault.DailyQuotaExceeded().Code
	codeInternal        = fault.Internal().Code
	codeMessageRejected = fault.MessageRejected("").Code
	codeBadRequest      = fault.BadRequest("").Code
)

func reply(code int, enhanced, text string) *smtp.SMTPError {
	return &smtp.SMTPError{Code: code, EnhancedCode: parseEnhanced(enhanced), Message: text}
}

// replyOK is SES's answer to an accepted message, "250 Ok <MessageId>",
// which SMTP libraries and SES users parse for the message ID. go-smtp lets
// a session choose its DATA reply only through an SMTPError; the code is 250
// all the same, and the reply carries no enhanced code, as SES's does not.
func replyOK(messageID string) *smtp.SMTPError {
	return &smtp.SMTPError{Code: 250, EnhancedCode: smtp.NoEnhancedCode, Message: "Ok " + messageID}
}

// faultReply is the SMTP answer to a refusal from the Submitter, worded
// as SES words it:
//
//   - throttling: "454 Throttling failure: …" (DG:troubleshoot-smtp);
//   - a message over the size limit: "552 Message is too long.";
//   - MessageRejected: "554 Message rejected: <message>" (DG:troubleshoot-smtp,
//     dawidd6/action-send-mail#157);
//   - an invalid parameter (address, header, recipient count): "554
//     Transaction failed: <message>" (thewca/worldcubeassociation.org#9467,
//     skaut/SRS#1027, rdunlop/unicycling-registration#749);
//   - an internal error: "451 Temporary service failure";
//   - any other fault: its own code, enhanced code and message.
func faultReply(f *fault.Error) *smtp.SMTPError {
	code, enhanced := f.SMTPCode, f.Enhanced
	if code == 0 {
		code, enhanced = 554, "5.0.0"
		if f.Temporary {
			code, enhanced = 451, "4.0.0"
		}
	}
	switch {
	case f.Code == codeSendRate:
		return reply(code, enhanced, textSendRate)
	case f.Code == codeDailyQuota:
		return reply(code, enhanced, textDailyQuota)
	case f.Code == codeInternal:
		return replyTemporary
	case code == 552:
		return reply(code, enhanced, replyTooLong.Message)
	case f.Code == codeMessageRejected:
		return reply(code, enhanced, "Message rejected: "+oneLine(f.Message))
	case f.Code == codeBadRequest:
		return reply(code, enhanced, "Transaction failed: "+oneLine(f.Message))
	}
	return reply(code, enhanced, oneLine(f.Message))
}

// oneLine keeps a message on one reply line: go-smtp would turn a line
// break into a multi-line reply, and a bare CR into a broken one.
func oneLine(s string) string {
	return strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ").Replace(s)
}

// parseEnhanced reads "5.7.1"; anything else leaves the code unset, and
// go-smtp then sends X.0.0 for a reply of class X.
func parseEnhanced(s string) smtp.EnhancedCode {
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return smtp.EnhancedCodeNotSet
	}
	var c smtp.EnhancedCode
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > 999 {
			return smtp.EnhancedCodeNotSet
		}
		c[i] = n
	}
	return c
}
