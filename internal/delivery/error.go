package delivery

import (
	"errors"
	"fmt"
	"strings"
)

// Stage is the step of an SMTP session a failure happened at, worded as
// Postfix words it in a DSN ("in reply to RCPT TO command").
type Stage string

// The stages of delivering one message.
const (
	StageResolve  Stage = "resolve"     // DNS: MX and address lookups
	StageConnect  Stage = "connect"     // TCP connect, implicit TLS handshake
	StageGreeting Stage = "greeting"    // the server's 220 banner
	StageHello    Stage = "EHLO"        // EHLO, or HELO after EHLO is refused
	StageTLS      Stage = "STARTTLS"    // STARTTLS and its handshake
	StageAuth     Stage = "AUTH"        // SMTP AUTH to a relay
	StageLocal    Stage = "local"       // refused before sending: size, SMTPUTF8
	StageMail     Stage = "MAIL FROM"   // MAIL FROM
	StageRcpt     Stage = "RCPT TO"     // RCPT TO
	StageData     Stage = "DATA"        // the DATA command itself
	StageMessage  Stage = "end of DATA" // the reply to the message's final dot
)

// Error is a failure to deliver a message, with what the scheduler and the
// DSN need: the SMTP reply (or one made up locally, SMTPCode 0), whether
// to retry, and where it happened. Its SMTPCode, Enhanced, Message and
// Temporary fields mirror fault.Error's SMTP fields, so code that reports
// a refusal in SMTP terms handles both the same way; fault.Error itself is
// for refusals hikyaku makes to its own clients, this is for what remote
// servers answer hikyaku.
type Error struct {
	// SMTPCode is the server's reply code, 0 when no server answered.
	SMTPCode int
	// Enhanced is the RFC 3463 status, e.g. "4.4.1"; always set.
	Enhanced string
	// Message is the server's reply text, or a description of a failure
	// that had no reply.
	Message string
	// Temporary says the message may be tried again later.
	Temporary bool
	// Stage is where in the session it happened.
	Stage Stage
	// Host is the server's name, and Addr the address dialled, when the
	// failure came from a particular server.
	Host, Addr string
	// Err is the cause behind a failure without a reply (a network or DNS
	// error); nil for server replies.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("delivery: ")
	if e.Host != "" {
		b.WriteString(e.Host)
		if e.Addr != "" {
			fmt.Fprintf(&b, "[%s]", e.Addr)
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Reply().String())
	if e.SMTPCode != 0 {
		fmt.Fprintf(&b, " (in reply to %s)", e.Stage)
	} else if e.Stage != "" {
		fmt.Fprintf(&b, " (%s)", e.Stage)
	}
	return b.String()
}

// Unwrap returns the cause behind a failure without a reply.
func (e *Error) Unwrap() error { return e.Err }

// Reply returns the failure as a Reply.
func (e *Error) Reply() Reply {
	return Reply{Code: e.SMTPCode, Enhanced: e.Enhanced, Text: e.Message}
}

// Result is Temporary or Permanent.
func (e *Error) Result() Result {
	if e.Temporary {
		return Temporary
	}
	return Permanent
}

// Throttled reports whether the server asked to slow down (see Throttled).
func (e *Error) Throttled() bool { return e.SMTPCode != 0 && Throttled(e.Reply()) }

// AsError returns the *Error in err's chain, or nil.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// replyError turns a server's refusal into an Error; whether it is
// temporary follows from the reply (see Reply.Result).
func replyError(stage Stage, r Reply) *Error {
	enh := r.Enhanced
	if enh == "" {
		// RFC 3463: a reply without an enhanced code gets its class's
		// generic one, so DSNs always have a Status.
		enh = fmt.Sprintf("%d.0.0", max(r.Code/100, 4))
	}
	res := r.Result()
	if stage == StageRcpt {
		res = rcptResult(r)
	}
	return &Error{SMTPCode: r.Code, Enhanced: enh, Message: r.Text, Temporary: res != Permanent, Stage: stage}
}

// localError is a failure without a server reply.
func localError(stage Stage, temporary bool, enhanced string, cause error, format string, args ...any) *Error {
	return &Error{Enhanced: enhanced, Message: fmt.Sprintf(format, args...), Temporary: temporary, Stage: stage, Err: cause}
}
