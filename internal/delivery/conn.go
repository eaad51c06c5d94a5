package delivery

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	// maxReplyLine bounds one reply line. RFC 5321 §4.5.3.1.5 allows 512
	// octets; real servers send more (long Microsoft texts), so allow 4 KiB
	// and refuse more rather than buffer without end.
	maxReplyLine = 4096
	// maxReplyLines bounds the lines of one reply (an EHLO lists ~20).
	maxReplyLines = 256
)

var (
	// errProtocol marks a server that broke the protocol (a malformed
	// reply).
	errProtocol = errors.New("SMTP protocol error")
	// errNoAuth says the server offers no AUTH mechanism hikyaku speaks.
	errNoAuth = errors.New("no usable AUTH mechanism")
)

// conn is one SMTP session with a server, from the greeting on. Its
// methods are used by one goroutine at a time; the pool hands it over.
type conn struct {
	raw  net.Conn // the TCP connection, closed to abort
	nc   net.Conn // raw, or the TLS connection over it
	wd   *deadlineWriter
	br   *bufio.Reader
	bw   *bufio.Writer
	host Host
	addr string // IP:port dialled

	ext  map[string]string // EHLO keywords (upper-case) to their parameters
	tls  bool
	auth bool

	created  time.Time
	messages int // transactions that reached the final dot
	// broken marks a session whose state is lost (an I/O error, a
	// timeout, a 421, a cancelled context): it is closed, never reused.
	broken bool

	key  string      // pool key
	idle *time.Timer // expiry while idle in the pool
	// maxMessages is the site's own messages-per-connection limit, if any.
	maxMessages int
	// maxIdle is the site's own idle limit (Site.MaxIdle), if any.
	maxIdle int
}

func newConn(nc net.Conn, h Host, addr string) *conn {
	c := &conn{raw: nc, host: h, addr: addr, created: time.Now()}
	c.setConn(nc)
	return c
}

// setConn points the reader and writer at nc (again after STARTTLS).
func (c *conn) setConn(nc net.Conn) {
	c.nc = nc
	c.wd = &deadlineWriter{conn: nc}
	c.br = bufio.NewReaderSize(nc, maxReplyLine)
	c.bw = bufio.NewWriter(c.wd)
}

// deadlineWriter gives every write to the network its own deadline, so a
// message body has DataBlock per block sent (RFC 5321 §4.5.3.2.5) rather
// than one deadline for the whole message.
type deadlineWriter struct {
	conn    net.Conn
	timeout time.Duration
}

func (w *deadlineWriter) Write(p []byte) (int, error) {
	if err := w.conn.SetWriteDeadline(time.Now().Add(w.timeout)); err != nil {
		return 0, err
	}
	return w.conn.Write(p)
}

// bind closes the connection when ctx is done, so a cancelled delivery
// does not wait for a network timeout. The returned stop reports false if
// that already happened.
func (c *conn) bind(ctx context.Context) (stop func() bool) {
	return context.AfterFunc(ctx, func() { _ = c.raw.Close() })
}

// has reports whether the server offered an EHLO extension.
func (c *conn) has(ext string) bool {
	_, ok := c.ext[ext]
	return ok
}

// maxSize is the server's SIZE limit (RFC 1870 §4); 0 means none given.
func (c *conn) maxSize() int64 {
	n, err := strconv.ParseInt(c.ext["SIZE"], 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// rcptMax is the LIMITS RCPTMAX the server announced (RFC 9422); 0 means
// none.
func (c *conn) rcptMax() int {
	for _, f := range strings.Fields(c.ext["LIMITS"]) {
		if v, ok := strings.CutPrefix(strings.ToUpper(f), "RCPTMAX="); ok {
			if n, err := strconv.Atoi(v); err == nil && n > 0 {
				return n
			}
		}
	}
	return 0
}

// write queues a command line; flush sends what is queued.
func (c *conn) write(line string, timeout time.Duration) error {
	c.wd.timeout = timeout
	_, err := c.bw.WriteString(line + "\r\n")
	return err
}

func (c *conn) flush() error { return c.bw.Flush() }

// cmd sends one command and reads its reply.
func (c *conn) cmd(line string, timeout time.Duration) (Reply, error) {
	if err := c.write(line, timeout); err != nil {
		return Reply{}, err
	}
	if err := c.flush(); err != nil {
		return Reply{}, err
	}
	return c.readReply(timeout)
}

// readReply reads one reply, waiting at most timeout.
func (c *conn) readReply(timeout time.Duration) (Reply, error) {
	code, lines, err := c.readLines(timeout)
	if err != nil {
		return Reply{}, err
	}
	return parseReply(code, lines), nil
}

// readLines reads one reply as its code and the text of each line.
func (c *conn) readLines(timeout time.Duration) (int, []string, error) {
	if err := c.nc.SetReadDeadline(time.Now().Add(timeout)); err != nil {
		return 0, nil, err
	}
	var lines []string
	code := 0
	for {
		b, err := c.br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			return 0, nil, fmt.Errorf("%w: reply line longer than %d bytes", errProtocol, maxReplyLine)
		}
		if err != nil {
			return 0, nil, err
		}
		s := strings.TrimRight(string(b), "\r\n")
		if len(s) < 3 || (len(s) > 3 && s[3] != ' ' && s[3] != '-') {
			return 0, nil, fmt.Errorf("%w: malformed reply line %q", errProtocol, truncate(s))
		}
		n, err := strconv.Atoi(s[:3])
		if err != nil || n < 200 || n > 599 || (code != 0 && n != code) {
			return 0, nil, fmt.Errorf("%w: unexpected reply line %q", errProtocol, truncate(s))
		}
		code = n
		if len(s) > 4 {
			lines = append(lines, s[4:])
		} else {
			lines = append(lines, "")
		}
		if len(s) == 3 || s[3] == ' ' {
			return code, lines, nil
		}
		if len(lines) == maxReplyLines {
			return 0, nil, fmt.Errorf("%w: reply longer than %d lines", errProtocol, maxReplyLines)
		}
	}
}

// hello sends EHLO, or HELO to a server that refuses EHLO (RFC 5321
// §3.2), and records the extensions offered.
func (c *conn) hello(name string, timeout time.Duration) (Reply, error) {
	if err := c.write("EHLO "+name, timeout); err != nil {
		return Reply{}, err
	}
	if err := c.flush(); err != nil {
		return Reply{}, err
	}
	code, lines, err := c.readLines(timeout)
	if err != nil {
		return Reply{}, err
	}
	if code == 250 {
		c.ext = parseExtensions(lines[1:])
		return parseReply(code, lines[:1]), nil
	}
	if r := parseReply(code, lines); code/100 != 5 {
		return r, nil
	}
	c.ext = map[string]string{}
	return c.cmd("HELO "+name, timeout)
}

// parseExtensions reads the EHLO keywords: "SIZE 35882577" gives SIZE
// with "35882577". Keywords are upper-cased; a few old servers still write
// "AUTH=LOGIN PLAIN", which counts as AUTH.
func parseExtensions(lines []string) map[string]string {
	ext := make(map[string]string, len(lines))
	for _, l := range lines {
		kw, params, _ := strings.Cut(strings.TrimSpace(l), " ")
		kw = strings.ToUpper(kw)
		if m, ok := strings.CutPrefix(kw, "AUTH="); ok {
			kw, params = "AUTH", strings.TrimSpace(m+" "+params)
		}
		if kw == "AUTH" && ext["AUTH"] != "" {
			params = ext["AUTH"] + " " + params
		}
		if kw != "" {
			ext[kw] = strings.TrimSpace(params)
		}
	}
	return ext
}

// startTLS upgrades the session. A server refusing STARTTLS gives its
// reply and no error; the session is then still usable in plaintext.
func (c *conn) startTLS(cfg *tls.Config, timeout time.Duration) (Reply, error) {
	r, err := c.cmd("STARTTLS", timeout)
	if err != nil || r.Code != 220 {
		return r, err
	}
	// Anything already buffered was sent before the handshake and would be
	// read as if it came over TLS: a command-injection attack
	// (CVE-2011-0411 and its kin). Refuse it.
	if c.br.Buffered() > 0 {
		return r, fmt.Errorf("%w: server sent data after its STARTTLS reply", errProtocol)
	}
	tc := tls.Client(c.raw, cfg)
	if err := tc.SetDeadline(time.Now().Add(timeout)); err != nil {
		return r, err
	}
	if err := tc.Handshake(); err != nil {
		return r, err
	}
	if err := tc.SetDeadline(time.Time{}); err != nil {
		return r, err
	}
	c.setConn(tc)
	c.tls = true
	c.ext = nil
	return r, nil
}

// authenticate runs SMTP AUTH (RFC 4954) with PLAIN, or LOGIN when the
// server offers only that. A reply other than 235 is returned with no
// error.
func (c *conn) authenticate(user, pass string, timeout time.Duration) (Reply, error) {
	mechs := strings.Fields(strings.ToUpper(c.ext["AUTH"]))
	var (
		line  string
		steps []string // answers to the server's challenges, in order
		login bool
	)
	switch {
	case slices.Contains(mechs, "PLAIN"):
		// RFC 4616: authzid NUL authcid NUL passwd, as an initial response.
		line = "AUTH PLAIN " + base64.StdEncoding.EncodeToString([]byte("\x00"+user+"\x00"+pass))
	case slices.Contains(mechs, "LOGIN"):
		line, steps, login = "AUTH LOGIN", []string{user, pass}, true
	default:
		if !c.has("AUTH") {
			return Reply{}, fmt.Errorf("%w: the server offers no AUTH", errNoAuth)
		}
		return Reply{}, fmt.Errorf("%w: the server offers AUTH %s, neither PLAIN nor LOGIN", errNoAuth, c.ext["AUTH"])
	}
	r, err := c.cmd(line, timeout)
	for i := 0; err == nil && r.Code == 334 && i < 3; i++ {
		if !login {
			// PLAIN went with its initial response; a challenge now
			// makes no sense, so cancel the exchange (RFC 4954 §4).
			r, err = c.cmd("*", timeout)
			break
		}
		// LOGIN asks "Username:" then "Password:"; go by what it asks
		// when it says, else by order.
		answer := steps[min(i, 1)]
		ch, _ := base64.StdEncoding.DecodeString(strings.TrimSpace(r.Text))
		switch q := strings.ToLower(string(ch)); {
		case strings.Contains(q, "pass"):
			answer = pass
		case strings.Contains(q, "user"):
			answer = user
		}
		r, err = c.cmd(base64.StdEncoding.EncodeToString([]byte(answer)), timeout)
	}
	if err == nil && r.Code == 235 {
		c.auth = true
	}
	return r, err
}

// quit ends the session politely, waiting a little for the 221, and
// closes the connection.
func (c *conn) quit(timeout time.Duration) {
	if !c.broken {
		if _, err := c.cmd("QUIT", min(timeout, 5*time.Second)); err != nil {
			c.broken = true
		}
	}
	_ = c.raw.Close()
}

// close drops the connection without a word.
func (c *conn) close() { _ = c.raw.Close() }

// ioError describes a failure to talk to the server: the context ending,
// a timeout, a dropped connection or a malformed reply. The session is
// lost after it.
func (c *conn) ioError(ctx context.Context, stage Stage, err error) *Error {
	c.broken = true
	var e *Error
	var ne net.Error
	switch {
	case ctx.Err() != nil:
		e = interrupted(ctx)
		e.Stage = stage
	case errors.Is(err, errProtocol):
		e = localError(stage, true, "4.5.0", err, "%v", err)
	case errors.As(err, &ne) && ne.Timeout():
		e = localError(stage, true, "4.4.2", err, "timed out talking to the server")
	default:
		e = localError(stage, true, "4.4.2", err, "lost connection: %v", err)
	}
	e.Host, e.Addr = c.host.Name, c.addr
	return e
}

// truncate shortens a server's line for an error message.
func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}
