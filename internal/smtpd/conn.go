package smtpd

import (
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// rejectTimeout bounds the time spent telling an over-limit client to go
// away (including, on the implicit-TLS listener, the handshake needed to
// tell it anything at all).
const rejectTimeout = 10 * time.Second

// connLimit counts the connections open across both listeners and keeps
// them, so that a forced close can reach every one.
type connLimit struct {
	max int

	mu        sync.Mutex
	conns     map[*trackedConn]struct{}
	rejecting int
}

func newConnLimit(max int) *connLimit {
	return &connLimit{max: max, conns: map[*trackedConn]struct{}{}}
}

// admit wraps c if a slot is free.
func (l *connLimit) admit(c net.Conn) (*trackedConn, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.conns) >= l.max {
		return nil, false
	}
	tc := &trackedConn{Conn: c, limit: l}
	l.conns[tc] = struct{}{}
	return tc, true
}

func (l *connLimit) release(c *trackedConn) {
	l.mu.Lock()
	delete(l.conns, c)
	l.mu.Unlock()
}

// open is the number of connections being served.
func (l *connLimit) open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.conns)
}

// closeAll closes every open connection.
func (l *connLimit) closeAll() {
	l.mu.Lock()
	conns := make([]*trackedConn, 0, len(l.conns))
	for c := range l.conns {
		conns = append(conns, c)
	}
	l.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

// trackedConn is one admitted connection, beneath any TLS layer.
type trackedConn struct {
	net.Conn
	limit *connLimit
	once  sync.Once

	// authFailures counts failed AUTH attempts; only the connection's
	// own goroutine touches it.
	authFailures int
	// hangUp asks for the connection to be closed once the next reply has
	// been written, so that the client still reads why.
	hangUp atomic.Bool

	mu sync.Mutex
	// afterWrite runs once, after the next write or at close.
	afterWrite func()
}

// afterNextWrite arranges for f to run once the next reply is written (or
// the connection closed). go-smtp writes a session's reply only after the
// session method returns; this is how the session learns it went out.
func (c *trackedConn) afterNextWrite(f func()) {
	c.mu.Lock()
	c.afterWrite = f
	c.mu.Unlock()
}

func (c *trackedConn) runAfterWrite() {
	c.mu.Lock()
	f := c.afterWrite
	c.afterWrite = nil
	c.mu.Unlock()
	if f != nil {
		f()
	}
}

func (c *trackedConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.runAfterWrite()
	if c.hangUp.Load() {
		c.Close()
	}
	return n, err
}

func (c *trackedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.limit.release(c) })
	c.runAfterWrite()
	return err
}

// tracked finds the trackedConn beneath a session's connection (a
// *tls.Conn after STARTTLS or on the implicit-TLS listener).
func tracked(c net.Conn) *trackedConn {
	if t, ok := c.(*tls.Conn); ok {
		c = t.NetConn()
	}
	tc, _ := c.(*trackedConn)
	return tc
}

// limitListener admits connections while the limit allows and answers the
// others "421 Too many concurrent SMTP connections", as SES does.
type limitListener struct {
	net.Listener
	limit *connLimit
	// tls is set on the implicit-TLS listener: the refusal must then be
	// sent inside TLS for the client to read it.
	tls *tls.Config
	log *slog.Logger
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if tc, ok := l.limit.admit(c); ok {
			return tc, nil
		}
		l.reject(c)
	}
}

func (l *limitListener) reject(c net.Conn) {
	l.log.Warn("smtp connection refused: too many concurrent connections",
		"remote", c.RemoteAddr().String(), "max_connections", l.limit.max)
	lim := l.limit
	lim.mu.Lock()
	busy := lim.rejecting >= lim.max
	if !busy {
		lim.rejecting++
	}
	lim.mu.Unlock()
	if busy {
		// Under a flood, do not also spend a goroutine per refusal.
		c.Close()
		return
	}
	go func() {
		defer func() {
			lim.mu.Lock()
			lim.rejecting--
			lim.mu.Unlock()
		}()
		var w net.Conn = c
		if l.tls != nil {
			w = tls.Server(c, l.tls)
		}
		defer w.Close()
		err := w.SetDeadline(time.Now().Add(rejectTimeout))
		if err == nil {
			_, err = io.WriteString(w, tooManyConnections)
		}
		if err != nil {
			l.log.Debug("smtp refusal not delivered", "remote", c.RemoteAddr().String(), "err", err)
		}
	}()
}
