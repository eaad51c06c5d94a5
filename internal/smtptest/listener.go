package smtptest

import (
	"bytes"
	"crypto/tls"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// listener counts connections and plays greeting faults before go-smtp
// sees a connection.
type listener struct {
	net.Listener
	s *Server
}

func (l *listener) Accept() (net.Conn, error) {
	for {
		nc, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		c := l.s.track(nc)
		f := l.s.connFaults(c.n).Greeting
		switch {
		case f == nil:
		case f.Code != 0 || f.Drop:
			l.s.wg.Add(1)
			go l.s.greetFault(c, *f)
			continue
		default:
			c.greetDelay = f.Stall
		}
		return c, nil
	}
}

// track wraps an accepted connection and counts it.
func (s *Server) track(nc net.Conn) *trackedConn {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conns++
	s.active++
	s.peak = max(s.peak, s.active)
	s.perConn = append(s.perConn, 0)
	c := &trackedConn{Conn: nc, s: s, n: s.conns}
	s.open[c] = struct{}{}
	return c
}

// greetFault answers a connection with a greeting fault instead of a
// session.
func (s *Server) greetFault(c *trackedConn, f Fault) {
	defer s.wg.Done()
	defer c.Close()
	s.sleep(f.Stall)
	if f.Code == 0 {
		return
	}
	var w net.Conn = c
	if s.opts.ImplicitTLS {
		w = tls.Server(c, s.tlsCfg)
	}
	_ = w.SetDeadline(time.Now().Add(5 * time.Second))
	_, _ = w.Write([]byte(f.line()))
}

// trackedConn is a server connection that knows its number and is
// counted out when closed.
type trackedConn struct {
	net.Conn
	s          *Server
	n          int
	greetDelay time.Duration // a stalled banner
	wrote      atomic.Bool
	once       sync.Once
}

// pipeliningLine is how go-smtp offers PIPELINING: the first extension,
// written alone (textproto flushes each reply line). NoPipelining and
// RefuseSTARTTLS edit the EHLO reply there.
var pipeliningLine = []byte("250-PIPELINING\r\n")

func (c *trackedConn) Write(p []byte) (int, error) {
	if c.greetDelay > 0 && !c.wrote.Swap(true) {
		c.s.sleep(c.greetDelay)
	}
	if o := c.s.opts; (o.NoPipelining || o.RefuseSTARTTLS) && bytes.Equal(p, pipeliningLine) {
		var out []byte
		if o.RefuseSTARTTLS {
			out = append(out, "250-STARTTLS\r\n"...)
		}
		if !o.NoPipelining {
			out = append(out, p...)
		}
		if _, err := c.Conn.Write(out); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	return c.Conn.Write(p)
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.s.mu.Lock()
		c.s.active--
		delete(c.s.open, c)
		c.s.mu.Unlock()
	})
	return c.Conn.Close()
}

// tracked finds the trackedConn under a session's connection, which
// go-smtp may have wrapped in TLS.
func tracked(nc net.Conn) *trackedConn {
	if tc, ok := nc.(*tls.Conn); ok {
		nc = tc.NetConn()
	}
	c, _ := nc.(*trackedConn)
	return c
}
