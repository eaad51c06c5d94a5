package sink

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/hikyaku/hikyaku/internal/bench"
)

// backend makes a session per EHLO (and again after STARTTLS).
type backend struct{ s *Sink }

func (b backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	if _, ok := c.Conn().(*tls.Conn); ok {
		b.s.c.startedTLS()
	}
	return &session{s: b.s, c: c}, nil
}

// rcpt is a recipient accepted at RCPT TO, with the reply it was dealt.
type rcpt struct {
	domain string
	reply  Reply
}

// session is one SMTP session; go-smtp calls its methods in turn.
type session struct {
	s     *Sink
	c     *smtp.Conn
	rcpts []rcpt
}

func (ss *session) Mail(string, *smtp.MailOptions) error { return nil }

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	domain := domainOf(to)
	r := ss.s.opts.Mix.Deal(domain)
	if r.Phase == AtRcpt {
		ss.s.sleep(r.Delay)
	}
	if r.Code != 250 && r.Phase == AtRcpt {
		ss.s.c.refused(r.Code, domain)
		return ss.refuse(r.Code)
	}
	ss.rcpts = append(ss.rcpts, rcpt{domain: domain, reply: r})
	return nil
}

// refuse gives a refusal. After a 421 the sink closes the connection, as
// servers do (RFC 5321 §3.8); go-smtp would keep reading, so the reply is
// written here and the error returned goes nowhere.
func (ss *session) refuse(code int) error {
	e := refusal(code)
	if code == 421 {
		ss.abort()
		nc := ss.c.Conn()
		_ = nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
		_, _ = fmt.Fprintf(nc, "%d %d.%d.%d %s\r\n", e.Code, e.EnhancedCode[0], e.EnhancedCode[1], e.EnhancedCode[2], e.Message)
		_ = nc.Close()
	}
	return e
}

func (ss *session) Data(r io.Reader) error {
	br, _ := ss.s.readers.Get().(*bufio.Reader)
	if br == nil {
		br = bufio.NewReaderSize(nil, 16<<10)
	}
	br.Reset(r)
	defer ss.s.readers.Put(br)
	stamp, n, err := readMessage(br)
	if err != nil {
		if errors.Is(err, smtp.ErrDataTooLarge) {
			ss.s.c.refused(552, ss.domains()...)
			ss.rcpts = nil
		}
		return err
	}
	// The reply to the end of DATA: the first refusal dealt for that
	// phase, after the longest delay dealt for it.
	var delay time.Duration
	code := 250
	for _, rc := range ss.rcpts {
		if rc.reply.Phase != AtData {
			continue
		}
		delay = max(delay, rc.reply.Delay)
		if code == 250 {
			code = rc.reply.Code
		}
	}
	ss.s.sleep(delay)
	domains := ss.domains()
	ss.rcpts = nil
	if code != 250 {
		ss.s.c.refused(code, domains...)
		return ss.refuse(code)
	}
	a := arrival{domains: domains, bytes: n, at: ss.s.clock.Now()}
	a.sent, a.run, a.stamped = bench.ParseSent(stamp)
	ss.s.c.took(a)
	return nil
}

// domains are the domains of the transaction's recipients, one each.
func (ss *session) domains() []string {
	out := make([]string, len(ss.rcpts))
	for i, rc := range ss.rcpts {
		out[i] = rc.domain
	}
	return out
}

// abort counts the transaction's accepted recipients as aborted.
func (ss *session) abort() {
	if len(ss.rcpts) > 0 {
		ss.s.c.aborted(ss.domains()...)
		ss.rcpts = nil
	}
}

func (ss *session) Reset() { ss.abort() }

func (ss *session) Logout() error {
	ss.abort()
	return nil
}

// domainOf is the lower-cased domain of an address ("" if it has none).
func domainOf(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return ""
	}
	return strings.ToLower(addr[at+1:])
}

// sentPrefix is the start of the X-Bench-Sent field, lower case.
var sentPrefix = []byte(strings.ToLower(bench.SentHeader) + ":")

// maxHeader bounds the header section searched for X-Bench-Sent.
const maxHeader = 1 << 20

// readMessage reads a message to its end, returning the value of its
// X-Bench-Sent field ("" if none) and its size.
func readMessage(br *bufio.Reader) (stamp string, n int64, err error) {
	inHeader := true
	for inHeader && n < maxHeader {
		line, err := br.ReadSlice('\n')
		n += int64(len(line))
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			// A line longer than the buffer is no X-Bench-Sent field: skip
			// the rest of it.
			for errors.Is(err, bufio.ErrBufferFull) {
				line, err = br.ReadSlice('\n')
				n += int64(len(line))
			}
			if err != nil {
				return "", n, eofOK(err)
			}
			continue
		case err != nil:
			return stamp, n, eofOK(err)
		}
		t := bytes.TrimRight(line, "\r\n")
		if len(t) == 0 {
			inHeader = false
		} else if stamp == "" && len(t) > len(sentPrefix) && bytes.EqualFold(t[:len(sentPrefix)], sentPrefix) {
			stamp = string(bytes.TrimSpace(t[len(sentPrefix):]))
		}
	}
	rest, err := io.Copy(io.Discard, br)
	return stamp, n + rest, err
}

// eofOK treats the end of the message as the end of the header.
func eofOK(err error) error {
	if errors.Is(err, io.EOF) {
		return nil
	}
	return err
}
