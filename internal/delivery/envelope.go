package delivery

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Envelope is one message for one site: its return path, recipients and
// content.
type Envelope struct {
	// MailFrom is the return path; empty for a bounce ("MAIL FROM:<>").
	MailFrom string
	// Rcpts are the recipients, all at the site's domain(s).
	Rcpts []string
	// Data is the message (header and body, lines ending in CRLF). Set
	// either Data or Body.
	Data []byte
	// Body streams the message instead of Data, e.g. from the store. It
	// is read at most once per Deliver, only once the server is ready for
	// the message; Size and EightBit must then be set by the caller.
	Body io.Reader
	// Size is the message's size in bytes, announced with SIZE (RFC 1870)
	// and checked against the server's limit. Taken from Data when Data
	// is set.
	Size int64
	// EightBit says the message has bytes above 127, so MAIL FROM asks
	// for BODY=8BITMIME. Found in Data when Data is set.
	EightBit bool
}

// prepare checks env and fills in what Data tells.
func (env *Envelope) prepare() error {
	if len(env.Rcpts) == 0 {
		return errors.New("delivery: envelope has no recipients")
	}
	if env.Data == nil && env.Body == nil {
		return errors.New("delivery: envelope has neither Data nor Body")
	}
	if env.Data != nil {
		env.Size = int64(len(env.Data))
		env.EightBit = env.EightBit || has8bit(env.Data)
	}
	if err := checkPath(env.MailFrom); err != nil {
		return fmt.Errorf("delivery: MAIL FROM %q: %w", env.MailFrom, err)
	}
	return nil
}

// body returns the message's reader.
func (env *Envelope) body() io.Reader {
	if env.Data != nil {
		return bytes.NewReader(env.Data)
	}
	return env.Body
}

// utf8 reports whether an address needs SMTPUTF8 (RFC 6531).
func (env *Envelope) utf8() bool {
	if !isASCII(env.MailFrom) {
		return true
	}
	for _, r := range env.Rcpts {
		if !isASCII(r) {
			return true
		}
	}
	return false
}

// checkPath refuses what cannot go inside <> on a command line: line
// breaks would smuggle commands, and spaces or brackets would break the
// syntax. Addresses were validated at intake; this guards the wire.
func checkPath(addr string) error {
	if strings.ContainsAny(addr, "\x00\r\n<> \t") {
		return errors.New("address holds a line break, space, NUL or angle bracket")
	}
	if len(addr) > 254 {
		// RFC 5321 §4.5.3.1.3: a path is at most 256 octets with its
		// brackets.
		return errors.New("address is longer than 254 octets")
	}
	return nil
}

func has8bit(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return true
		}
	}
	return false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
