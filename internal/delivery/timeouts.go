package delivery

import (
	"fmt"
	"time"
)

// Timeouts bound each step of a session. The defaults are the minimums of
// RFC 5321 §4.5.3.2, which a client SHOULD wait at least (a busy server
// may take minutes to answer the final dot); tests scale them down. Zero
// fields take the default.
type Timeouts struct {
	// Connect bounds the TCP connect and an implicit TLS handshake. The
	// RFC gives none; 30s is Postfix's smtp_connect_timeout.
	Connect time.Duration
	// Greeting waits for the 220 banner: 5 minutes (§4.5.3.2.1).
	Greeting time.Duration
	// Command waits for replies to EHLO, STARTTLS (and its handshake),
	// AUTH, RSET, MAIL and RCPT: 5 minutes (§4.5.3.2.2, §4.5.3.2.3).
	Command time.Duration
	// DataInit waits for the 354 to DATA: 2 minutes (§4.5.3.2.4).
	DataInit time.Duration
	// DataBlock bounds each write of the message: 3 minutes
	// (§4.5.3.2.5).
	DataBlock time.Duration
	// DataDone waits for the reply to the final dot: 10 minutes
	// (§4.5.3.2.6).
	DataDone time.Duration
}

// DefaultTimeouts are the RFC 5321 values.
var DefaultTimeouts = Timeouts{
	Connect:   30 * time.Second,
	Greeting:  5 * time.Minute,
	Command:   5 * time.Minute,
	DataInit:  2 * time.Minute,
	DataBlock: 3 * time.Minute,
	DataDone:  10 * time.Minute,
}

// Scaled returns the timeouts multiplied by f, e.g. 0.01 for a test that
// must see a stalled server time out quickly.
func (t Timeouts) Scaled(f float64) Timeouts {
	s := func(d time.Duration) time.Duration { return time.Duration(float64(d) * f) }
	return Timeouts{s(t.Connect), s(t.Greeting), s(t.Command), s(t.DataInit), s(t.DataBlock), s(t.DataDone)}
}

// withDefaults fills the zero fields and refuses negative ones.
func (t Timeouts) withDefaults() (Timeouts, error) {
	fields := []struct {
		name string
		d    *time.Duration
		def  time.Duration
	}{
		{"connect", &t.Connect, DefaultTimeouts.Connect},
		{"greeting", &t.Greeting, DefaultTimeouts.Greeting},
		{"command", &t.Command, DefaultTimeouts.Command},
		{"data init", &t.DataInit, DefaultTimeouts.DataInit},
		{"data block", &t.DataBlock, DefaultTimeouts.DataBlock},
		{"data done", &t.DataDone, DefaultTimeouts.DataDone},
	}
	for _, f := range fields {
		switch {
		case *f.d < 0:
			return t, fmt.Errorf("delivery: %s timeout %v is negative", f.name, *f.d)
		case *f.d == 0:
			*f.d = f.def
		}
	}
	return t, nil
}
