// Command hikyaku-testdns is a fake authoritative DNS server for
// end-to-end tests that run the hikyaku binary: it serves the records of
// zone files (RFC 1035 master-file syntax, as dkim.ZoneLines prints) on
// UDP and TCP, and prints the address it listens on, so a harness can
// start it first and pass hikyaku --resolver ADDR.
//
//	hikyaku-testdns --listen 127.0.0.1:0 --zone testdata/example.com.zone
//
// The first line on standard output is "listening on HOST:PORT". The
// server runs until interrupted or terminated.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/hikyaku/hikyaku/internal/dnstest"
)

// zoneFiles collects repeated --zone flags.
type zoneFiles []string

func (z *zoneFiles) String() string     { return fmt.Sprint(*z) }
func (z *zoneFiles) Set(v string) error { *z = append(*z, v); return nil }

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "hikyaku-testdns:", err)
		os.Exit(1)
	}
}

func run() error {
	var zones zoneFiles
	listen := flag.String("listen", "127.0.0.1:0", "`HOST:PORT` to serve on, UDP and TCP; port 0 picks a free one")
	origin := flag.String("origin", ".", "origin for relative names in zone files without $ORIGIN")
	flag.Var(&zones, "zone", "zone `file` to serve; repeat for several")
	flag.Parse()
	if flag.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q; zone files go with --zone", flag.Args())
	}

	srv, err := dnstest.Listen(*listen)
	if err != nil {
		return err
	}
	for _, path := range zones {
		if err := load(srv, path, *origin); err != nil {
			_ = srv.Close()
			return err
		}
	}
	// Catch signals before announcing the address: a caller may signal
	// as soon as it has read the line, and must get a clean stop.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Println("listening on", srv.Addr())
	<-ctx.Done()
	slog.Info("hikyaku-testdns: stopping", "queries", len(srv.Queries()))
	return srv.Close()
}

func load(srv *dnstest.Server, path, origin string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := srv.LoadZone(f, origin); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
