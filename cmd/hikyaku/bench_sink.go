package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/hikyaku/hikyaku/internal/bench/sink"
)

func benchSinkCmd() *cobra.Command {
	var (
		opts     sink.Options
		httpAddr string
		replies  []string
		mixFile  string
		seed     uint64
		count    int64
		duration time.Duration
		progress bool
		asJSON   bool
	)
	cmd := &cobra.Command{
		Use:   "sink [--listen ADDR] [--http ADDR] [--reply DOMAIN=CODE[/PHASE][:WEIGHT][@DELAY],...]... [--mix FILE]",
		Short: "Receive mail over SMTP, discard it, count it per domain and answer like real providers",
		Long: `Receive mail over SMTP (PIPELINING, 8BITMIME, SIZE, optionally STARTTLS with a
self-signed certificate), discard it, and count messages and recipients per recipient
domain. Print a summary when stopped (SIGINT/SIGTERM), after --count messages or after
--duration.

Replies: by default every recipient is taken at once. --reply (repeatable) or --mix FILE
(one rule a line, # comments) give a domain a mix of replies:

  DOMAIN=REPLY[,REPLY]...        DOMAIN * is every domain without a rule of its own
  REPLY  = CODE[/PHASE][:WEIGHT][@DELAY]
  CODE     250, or a 4xx/5xx refusal; 421 also closes the connection
  PHASE    rcpt: refuse that recipient at RCPT TO (default for refusals)
           data: accept at RCPT TO, refuse the whole message at the end of DATA
                 (for 250, the default: DELAY slows the final 250)
  WEIGHT   a positive integer share, relative to the others (default 1)
  DELAY    wait this long before replying (Go duration: 200ms, 2s)

  --reply 'example.net=250:90,450:5,550:5'    90 % taken, 5 % deferred, 5 % rejected
  --reply 'slow.test=250:100@200ms'           every message taken after 200 ms
  --reply 'big.test=250:9,552/data:1'         one message in ten refused after DATA

Replies are dealt per domain from a deck shuffled with --seed: for the same seed and
rules, the k-th recipient of a domain gets the same reply, and every full deck
(the sum of the weights) has the exact shares.

With --http ADDR, GET http://ADDR/stats[?run=ID] serves the figures as JSON, including
the latency from each message's X-Bench-Sent stamp (set by hikyaku bench send) to its
arrival, so that bench send --sink-stats can report deliveries.`,
		Args: cobra.NoArgs,
	}
	f := cmd.Flags()
	f.StringVar(&opts.Addr, "listen", "127.0.0.1:2600", "SMTP address to listen on (port 0 picks a free one)")
	f.StringVar(&httpAddr, "http", "", "serve GET /stats on this address (e.g. 127.0.0.1:2601); empty: none")
	f.StringArrayVar(&replies, "reply", nil, "reply mix of a domain: DOMAIN=CODE[/PHASE][:WEIGHT][@DELAY],... (repeatable)")
	f.StringVar(&mixFile, "mix", "", "file of reply rules, one a line as --reply")
	f.Uint64Var(&seed, "seed", 1, "seed of the reply decks")
	f.StringVar(&opts.Hostname, "hostname", "bench-sink.local", "name in the greeting")
	f.Int64Var(&opts.MaxSize, "max-size", 0, "SIZE limit in bytes; 0 announces SIZE without a limit")
	f.BoolVar(&opts.StartTLS, "starttls", false, "offer STARTTLS with a self-signed certificate")
	f.Int64Var(&count, "count", 0, "stop after taking this many messages (0: no limit)")
	f.DurationVar(&duration, "duration", 0, "stop after this long (0: until SIGINT/SIGTERM)")
	f.BoolVar(&progress, "progress", false, "print a progress line every second (stderr)")
	f.BoolVar(&asJSON, "json", false, "print the final summary as JSON (the /stats document)")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		var rules []sink.Rule
		if mixFile != "" {
			fh, err := os.Open(mixFile)
			if err != nil {
				return fmt.Errorf("--mix: %w", err)
			}
			rules, err = sink.ParseMixFile(fh)
			fh.Close()
			if err != nil {
				return fmt.Errorf("--mix %s: %w", mixFile, err)
			}
		}
		for _, spec := range replies {
			r, err := sink.ParseRule(spec)
			if err != nil {
				return fmt.Errorf("--reply: %w", err)
			}
			rules = append(rules, r)
		}
		mix, err := sink.NewMix(seed, rules)
		if err != nil {
			return err
		}
		opts.Mix, opts.StopAfter = mix, count
		opts.Log = slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
		s, err := sink.Listen(opts)
		if err != nil {
			return err
		}
		defer s.Close()
		stderr := cmd.ErrOrStderr()
		statsURL := ""
		if httpAddr != "" {
			ln, err := net.Listen("tcp", httpAddr)
			if err != nil {
				return fmt.Errorf("--http %s: %w", httpAddr, err)
			}
			srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
			go func() { _ = srv.Serve(ln) }()
			defer srv.Close()
			statsURL = "http://" + ln.Addr().String() + "/stats"
		}
		fmt.Fprintf(stderr, "bench sink: smtp=%s stats=%s starttls=%v\n", s.Addr(), orNone(statsURL), opts.StartTLS)
		for _, r := range mix.Rules() {
			fmt.Fprintf(stderr, "bench sink: reply %s\n", r)
		}

		ctx := cmd.Context()
		if duration > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, duration)
			defer cancel()
		}
		var tick <-chan time.Time
		if progress {
			t := time.NewTicker(time.Second)
			defer t.Stop()
			tick = t.C
		}
		prev := s.Stats("")
	wait:
		for {
			select {
			case <-ctx.Done():
				break wait
			case <-s.Reached():
				break wait
			case <-tick:
				cur := s.Stats("")
				fmt.Fprintln(stderr, sink.Progress(prev, cur))
				prev = cur
			}
		}
		st := s.Stats("")
		if err := s.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			fmt.Fprintln(stderr, "bench sink: close:", err)
		}
		out := cmd.OutOrStdout()
		if asJSON {
			enc := json.NewEncoder(out)
			enc.SetIndent("", "  ")
			return enc.Encode(st)
		}
		return sink.WriteSummary(out, st)
	}
	return cmd
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
