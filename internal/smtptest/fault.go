package smtptest

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-smtp"
)

// Fault is how the server misbehaves at one step instead of answering
// normally. The zero Fault does nothing.
type Fault struct {
	// Code, Enhanced and Text are the reply given instead of the normal
	// one, e.g. 450 "4.2.1" "Mailbox busy". A 421 also closes the
	// connection, as real servers do. Zero Code gives the normal reply
	// (after Stall).
	Code     int
	Enhanced string
	Text     string
	// Drop closes the connection instead of replying. At DATA the server
	// first reads part of the message, so the client is cut off
	// mid-transfer.
	Drop bool
	// Stall waits this long before replying (or dropping), to make the
	// client time out. It ends early when the server closes.
	Stall time.Duration
	// Times limits the fault to its first Times uses; the server then
	// behaves normally, as a server whose trouble has passed. Zero means
	// every time.
	Times int
}

// Reply is a Fault that answers code, enhanced status and text.
func Reply(code int, enhanced, text string) Fault {
	return Fault{Code: code, Enhanced: enhanced, Text: text}
}

// Common faults, worded as real servers word them.
var (
	// ServiceUnavailable is a 421: the server is closing the connection
	// (here, for too many connections, as Postfix's anvil says it).
	ServiceUnavailable = Reply(421, "4.7.0", "Error: too many connections from 127.0.0.1")
	// MailboxBusy is a 450: mailbox unavailable for now.
	MailboxBusy = Reply(450, "4.2.1", "Mailbox busy, try again later")
	// LocalError is a 451: the server had a local problem.
	LocalError = Reply(451, "4.3.0", "Temporary local problem")
	// InsufficientStorage is a 452.
	InsufficientStorage = Reply(452, "4.3.1", "Insufficient system storage")
	// NoSuchUser is a 550: the mailbox does not exist.
	NoSuchUser = Reply(550, "5.1.1", "No such user")
	// MailboxFull is a 552.
	MailboxFull = Reply(552, "5.2.2", "Mailbox full")
	// Rejected is a 554: the message is refused (e.g. as spam).
	Rejected = Reply(554, "5.7.1", "Message rejected as spam")
	// Drop cuts the connection.
	Drop = Fault{Drop: true}
)

// CloseAfterGreeting is a greeting fault: the server says 220 and hangs
// up before the client says anything.
var CloseAfterGreeting = Fault{Code: 220, Text: "smtptest ESMTP", Drop: true}

// Stall waits d, then answers normally.
func Stall(d time.Duration) Fault { return Fault{Stall: d} }

// ConnFaults are faults for one connection.
type ConnFaults struct {
	// Greeting replaces the 220 banner: a Code (e.g. 421, 554) is sent and
	// the connection closed; Drop alone closes it without a word;
	// CloseAfterGreeting greets and closes; Stall alone delays the banner.
	Greeting *Fault
	// Mail answers MAIL FROM on this connection.
	Mail *Fault
	// Data answers the end of every message on this connection.
	Data *Fault
}

// smtpError is the go-smtp form of a fault's reply.
func (f Fault) smtpError() *smtp.SMTPError {
	e := &smtp.SMTPError{Code: f.Code, Message: f.Text, EnhancedCode: smtp.EnhancedCodeNotSet}
	if parts := strings.Split(f.Enhanced, "."); len(parts) == 3 {
		for i, p := range parts {
			e.EnhancedCode[i], _ = strconv.Atoi(p)
		}
	}
	if e.Message == "" {
		e.Message = "smtptest fault"
	}
	return e
}

// line is the reply as sent on the wire.
func (f Fault) line() string {
	text := f.Text
	if text == "" {
		text = "smtptest fault"
	}
	if f.Enhanced != "" {
		return fmt.Sprintf("%d %s %s\r\n", f.Code, f.Enhanced, text)
	}
	return fmt.Sprintf("%d %s\r\n", f.Code, text)
}

// faultEntry is a fault with the count of its uses.
type faultEntry struct {
	f    Fault
	used int
}

// take reports whether the fault applies this time, and counts the use.
func (e *faultEntry) take() bool {
	if e.f.Times > 0 && e.used >= e.f.Times {
		return false
	}
	e.used++
	return true
}
