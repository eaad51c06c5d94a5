package mx

import (
	"io"
	"log/slog"
	"net"
	"sync"
	"time"
)

// tooManyConnections is the refusal of a client over a connection limit
// (RFC 5321 §3.8: a server may answer the greeting with 421).
const tooManyConnections = "421 4.7.0 Too many connections, try again later\r\n"

// limitListener admits at most max connections at once, and perIP from
// one client address; others are told 421 and closed.
type limitListener struct {
	net.Listener
	max, perIP int
	log        *slog.Logger

	mu    sync.Mutex
	total int
	open  map[string]int
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip := hostOf(c.RemoteAddr())
		l.mu.Lock()
		ok := l.total < l.max && l.open[ip] < l.perIP
		if ok {
			l.total++
			l.open[ip]++
		}
		l.mu.Unlock()
		if ok {
			return &countedConn{Conn: c, l: l, ip: ip}, nil
		}
		l.log.Warn("mx connection refused: too many connections", "remote", c.RemoteAddr().String())
		go func() {
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(10 * time.Second))
			_, _ = io.WriteString(c, tooManyConnections)
		}()
	}
}

func (l *limitListener) release(ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.total--
	if l.open[ip]--; l.open[ip] <= 0 {
		delete(l.open, ip)
	}
}

func hostOf(a net.Addr) string {
	if t, ok := a.(*net.TCPAddr); ok {
		return t.IP.String()
	}
	host, _, _ := net.SplitHostPort(a.String())
	return host
}

// countedConn gives its slot back when closed.
type countedConn struct {
	net.Conn
	l    *limitListener
	ip   string
	once sync.Once
}

func (c *countedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.release(c.ip) })
	return err
}
