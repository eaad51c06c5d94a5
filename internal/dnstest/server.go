// Package dnstest is an in-process authoritative DNS server for tests. It
// listens on UDP and TCP on the same loopback port, answers from records
// that a test sets and removes while it runs, and can be told to fail a
// name with SERVFAIL, REFUSED or silence, so that code which resolves MX,
// A/AAAA and TXT records (delivery, DKIM and SPF checks) is tested against
// real DNS messages without the network.
//
// The server is authoritative for every name: a name it holds no records
// for, and that has no descendants with records, answers NXDOMAIN; a name
// with records of other types answers NOERROR with no answers (NODATA).
// Negative answers carry an SOA so resolvers can cache them (RFC 2308).
package dnstest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	mdns "github.com/miekg/dns"
)

// Server is a running fake DNS server. Its methods are safe for concurrent
// use, also while it answers queries.
type Server struct {
	udp, tcp *mdns.Server
	addr     string

	mu       sync.Mutex
	nodes    map[string]map[uint16][]mdns.RR // by canonical name, then type
	failures map[failureKey]Failure
	ttl      uint32
	chase    bool
	queries  []Query
}

// DefaultTTL is the TTL of records and negative answers until SetTTL
// changes it.
const DefaultTTL = 300 * time.Second

// Start starts a server on 127.0.0.1 with a free port and stops it when the
// test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatalf("dnstest: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("dnstest: %v", err)
		}
	})
	return s
}

// Listen starts a server on addr (HOST:PORT) for UDP and TCP. A zero port
// picks one that is free for both protocols. Close stops it.
func Listen(addr string) (*Server, error) {
	s := &Server{
		nodes:    map[string]map[uint16][]mdns.RR{},
		failures: map[failureKey]Failure{},
		ttl:      uint32(DefaultTTL / time.Second),
		chase:    true,
	}
	pc, ln, err := listenBoth(addr)
	if err != nil {
		return nil, err
	}
	s.addr = pc.LocalAddr().String()
	handler := mdns.HandlerFunc(s.serve)
	s.udp = &mdns.Server{PacketConn: pc, Handler: handler}
	s.tcp = &mdns.Server{Listener: ln, Handler: handler}
	if err := activate(s.udp); err != nil {
		_ = pc.Close()
		_ = ln.Close()
		return nil, err
	}
	if err := activate(s.tcp); err != nil {
		_ = s.udp.Shutdown()
		_ = ln.Close()
		return nil, err
	}
	return s, nil
}

// listenBoth opens a UDP and a TCP socket on the same port. With port 0 the
// kernel picks a UDP port that may be taken for TCP, so it tries a few.
func listenBoth(addr string) (net.PacketConn, net.Listener, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, nil, fmt.Errorf("listen address %q: %w", addr, err)
	}
	tries := 1
	if port == "0" {
		tries = 20
	}
	for i := 0; ; i++ {
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			return nil, nil, err
		}
		p := strconv.Itoa(pc.LocalAddr().(*net.UDPAddr).Port)
		ln, err := net.Listen("tcp", net.JoinHostPort(host, p))
		if err == nil {
			return pc, ln, nil
		}
		_ = pc.Close()
		if i+1 >= tries {
			return nil, nil, fmt.Errorf("listen tcp on the udp port %s: %w", p, err)
		}
	}
}

// activate starts srv in the background and waits until it serves.
func activate(srv *mdns.Server) error {
	started := make(chan struct{})
	failed := make(chan error, 1)
	srv.NotifyStartedFunc = func() { close(started) }
	go func() {
		if err := srv.ActivateAndServe(); err != nil {
			failed <- err
		}
	}()
	select {
	case <-started:
		return nil
	case err := <-failed:
		return err
	}
}

// Addr is the server's HOST:PORT, the same for UDP and TCP.
func (s *Server) Addr() string { return s.addr }

// Close stops the server.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return errors.Join(s.udp.ShutdownContext(ctx), s.tcp.ShutdownContext(ctx))
}
