// Package sink is `hikyaku bench sink`: a receiving SMTP server for
// benchmarks and capacity planning. It takes mail and throws it away,
// counts messages and recipients per recipient domain, and answers each
// domain the way real providers do when asked to: a mix of 250, 4xx and
// 5xx replies, some of them slow, dealt deterministically from a seed (see
// Mix and ParseRule). It offers PIPELINING, 8BITMIME, SIZE and, on
// request, STARTTLS with a self-signed certificate.
//
// For every message stamped by `bench send` it records arrival − send
// time, and it serves its figures as JSON on GET /stats (package bench
// defines the document), so the load generator can report delivery rate
// and latency.
package sink

import (
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/hikyaku/hikyaku/internal/bench"
	"github.com/hikyaku/hikyaku/internal/clock"
)

// Options configure a Sink. The zero value listens on a free loopback
// port and takes everything at once.
type Options struct {
	// Addr is where to listen for SMTP; default 127.0.0.1:0 (a free port).
	Addr string
	// Hostname is the name in the greeting; default "bench-sink.local".
	Hostname string
	// Mix deals the replies; nil takes every recipient at once.
	Mix *Mix
	// MaxSize is the SIZE limit announced and enforced (RFC 1870); 0
	// announces SIZE without a limit.
	MaxSize int64
	// StartTLS offers STARTTLS with a self-signed certificate for
	// 127.0.0.1 and localhost.
	StartTLS bool
	// StopAfter closes Reached once this many messages were taken; 0
	// never.
	StopAfter int64
	// Timeout ends a session idle this long; default 5 minutes (RFC 5321
	// §4.5.3.2).
	Timeout time.Duration
	// Clock stamps arrivals; default the system clock.
	Clock clock.Clock
	// Log receives the sink's own errors; default discarded.
	Log *slog.Logger
}

// Sink is a running bench sink.
type Sink struct {
	opts  Options
	srv   *smtp.Server
	ln    net.Listener
	c     *counter
	clock clock.Clock
	log   *slog.Logger
	done  chan struct{}
	once  sync.Once
	// readers are message buffers, reused across messages.
	readers sync.Pool
}

// Listen starts a sink; Close stops it.
func Listen(opts Options) (*Sink, error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.Hostname == "" {
		opts.Hostname = "bench-sink.local"
	}
	if opts.Timeout == 0 {
		opts.Timeout = 5 * time.Minute
	}
	s := &Sink{opts: opts, clock: opts.Clock, log: opts.Log, done: make(chan struct{})}
	if s.clock == nil {
		s.clock = clock.Real{}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("bench sink: listen on %s (is another process using it?): %w", opts.Addr, err)
	}
	s.c = newCounter(ln.Addr().String(), s.clock.Now(), opts.StopAfter)
	s.ln = &listener{Listener: ln, c: s.c}

	s.srv = smtp.NewServer(backend{s})
	s.srv.Domain = opts.Hostname
	s.srv.MaxMessageBytes = opts.MaxSize
	s.srv.ReadTimeout = opts.Timeout
	s.srv.WriteTimeout = time.Minute
	s.srv.ErrorLog = log.New(io.Discard, "", 0)
	if opts.StartTLS {
		cert, err := selfSigned(s.clock.Now())
		if err != nil {
			ln.Close()
			return nil, err
		}
		s.srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	}
	go func() {
		if err := s.srv.Serve(s.ln); err != nil && !errors.Is(err, smtp.ErrServerClosed) {
			s.log.Error("bench sink: serve", "err", err)
		}
	}()
	return s, nil
}

// Addr is the address the sink listens on, e.g. 127.0.0.1:2600.
func (s *Sink) Addr() string { return s.ln.Addr().String() }

// Reached is closed when Options.StopAfter messages have been taken.
func (s *Sink) Reached() <-chan struct{} { return s.c.reached }

// Stats returns the sink's figures now, with the figures of run alone
// in Runs, or of every remembered run if run is "".
func (s *Sink) Stats(run string) bench.Stats { return s.c.snapshot(run, s.clock.Now()) }

// Close stops listening, closes every connection and ends any delay.
func (s *Sink) Close() error {
	var err error
	s.once.Do(func() {
		close(s.done)
		err = s.srv.Close()
	})
	return err
}

// sleep waits d or until the sink closes.
func (s *Sink) sleep(d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-s.done:
	}
}

// Handler serves GET /stats[?run=ID]: the Stats document as JSON.
func (s *Sink) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) {
		run := r.URL.Query().Get("run")
		if run != "" && !bench.ValidRun(run) {
			http.Error(w, "run: 1 to 64 letters, digits, - or _", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if err := json.NewEncoder(w).Encode(s.Stats(run)); err != nil {
			s.log.Debug("bench sink: write /stats", "err", err)
		}
	})
	return mux
}

// listener counts connections in and out.
type listener struct {
	net.Listener
	c *counter
}

func (l *listener) Accept() (net.Conn, error) {
	nc, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.c.connected()
	return &countedConn{Conn: nc, c: l.c}, nil
}

// countedConn counts itself out when closed, once.
type countedConn struct {
	net.Conn
	c    *counter
	once sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(c.c.closed)
	return c.Conn.Close()
}
