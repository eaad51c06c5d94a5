package main

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/hikyaku/hikyaku/internal/bench/load"
)

func benchSendCmd() *cobra.Command {
	var (
		cfg               load.Config
		to                string
		sessions, clients int
		content           string
		progress, asJSON  bool
		strict            bool
	)
	cmd := &cobra.Command{
		Use:   "send (--smtp HOST:PORT | --api URL) [--count N] [--size BYTES] [--to DOMAIN=WEIGHT,...] [--sink-stats URL]",
		Short: "Submit N messages over SMTP or the SES API and report accepted/s, delivered/s and latency",
		Long: `Submit --count messages with a --size byte body, each to one recipient userN@DOMAIN,
the domains spread by weight (--to 'sink.test=80,slow.test=20'), either over SMTP
(--smtp, --sessions parallel sessions, --per-connection messages each, optional
--starttls and AUTH PLAIN with --user/--password) or through the SES v2 API (--api,
--clients concurrent SigV4-signed SendEmail calls, Raw content by default, credentials
from --access-key-id/--secret-access-key or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY).

Every message carries "X-Bench-Sent: MICROS RUN", the time its submission began. With
--sink-stats pointing at a hikyaku bench sink (its --http address), the report adds how
many of the run's messages the sink took, delivered/s, and the latency from the start of
submission to delivery (p50/p90/p99/max), waiting up to --wait for the last ones.

A progress line goes to stderr every second; the report goes to stdout (--json for a
machine-readable one). Refusals are counted by reason and do not stop the run; --strict
makes the exit status 1 unless every message was accepted (and, with --sink-stats,
delivered).`,
		Args: cobra.NoArgs,
	}
	f := cmd.Flags()
	f.IntVarP(&cfg.Count, "count", "n", 1000, "messages to submit")
	f.IntVar(&cfg.Size, "size", 10240, "body size in bytes (as smtp-source -l)")
	f.StringVar(&cfg.From, "from", "bench@bench.test", "sender address (a verified identity on hikyaku)")
	f.StringVar(&to, "to", "sink.test", "recipient domains and weights: DOMAIN[=WEIGHT],...")
	f.StringVar(&cfg.SMTP.Addr, "smtp", "", "submit over SMTP to HOST:PORT")
	f.IntVar(&sessions, "sessions", 20, "parallel SMTP sessions")
	f.IntVar(&cfg.SMTP.PerConnection, "per-connection", 1, "messages per SMTP connection")
	f.BoolVar(&cfg.SMTP.StartTLS, "starttls", false, "use STARTTLS on every SMTP session")
	f.BoolVar(&cfg.SMTP.InsecureTLS, "insecure", false, "do not verify the SMTP server's certificate")
	f.StringVar(&cfg.SMTP.Username, "user", os.Getenv("HIKYAKU_BENCH_SMTP_USER"), "SMTP AUTH user (default $HIKYAKU_BENCH_SMTP_USER)")
	f.StringVar(&cfg.SMTP.Password, "password", "", "SMTP AUTH password (default $HIKYAKU_BENCH_SMTP_PASSWORD)")
	f.StringVar(&cfg.API.Endpoint, "api", "", "submit through the SES v2 API at this URL (e.g. http://127.0.0.1:8080)")
	f.IntVar(&clients, "clients", 32, "concurrent API clients")
	f.StringVar(&content, "content", "raw", "API content: raw (the whole message) or simple (subject, text, X-Bench-Sent in Headers)")
	f.StringVar(&cfg.API.Region, "region", "", "SigV4 region (default $AWS_REGION or us-east-1)")
	f.StringVar(&cfg.API.AccessKeyID, "access-key-id", "", "API access key ID (default $AWS_ACCESS_KEY_ID)")
	f.StringVar(&cfg.API.SecretAccessKey, "secret-access-key", "", "API secret key (default $AWS_SECRET_ACCESS_KEY)")
	f.StringVar(&cfg.SinkStats, "sink-stats", "", "a bench sink's stats URL (http://HOST:PORT/stats): report deliveries")
	f.DurationVar(&cfg.Wait, "wait", 2*time.Minute, "with --sink-stats, how long to wait for deliveries after the last submission")
	f.StringVar(&cfg.Run, "run", "", "run ID in X-Bench-Sent (default random)")
	f.BoolVar(&progress, "progress", true, "print a progress line every second (stderr)")
	f.BoolVar(&asJSON, "json", false, "print the report as JSON")
	f.BoolVar(&strict, "strict", false, "exit 1 unless every message was accepted (and delivered, with --sink-stats)")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		var err error
		if cfg.To, err = load.ParseDomains(to); err != nil {
			return err
		}
		if cfg.SMTP.Password == "" {
			cfg.SMTP.Password = os.Getenv("HIKYAKU_BENCH_SMTP_PASSWORD")
		}
		switch content {
		case "raw":
		case "simple":
			cfg.API.Simple = true
		default:
			return fmt.Errorf("--content %q: raw or simple", content)
		}
		cfg.Concurrency = clients
		if cfg.SMTP.Addr != "" {
			cfg.Concurrency = sessions
		}
		if progress {
			cfg.Progress = cmd.ErrOrStderr()
		}
		rep, err := load.Run(cmd.Context(), cfg)
		if err != nil {
			return err
		}
		out := cmd.OutOrStdout()
		if asJSON {
			enc := json.NewEncoder(out)
			enc.SetIndent("", "  ")
			err = enc.Encode(rep)
		} else {
			err = rep.WriteText(out)
		}
		if err != nil {
			return err
		}
		if strict {
			if rep.Accepted != int64(cfg.Count) {
				return fmt.Errorf("--strict: %d of %d messages accepted", rep.Accepted, cfg.Count)
			}
			if rep.Sink != nil && rep.Sink.Delivered < rep.Accepted {
				return fmt.Errorf("--strict: the sink took %d of %d messages within --wait %s", rep.Sink.Delivered, rep.Accepted, cfg.Wait)
			}
		}
		return nil
	}
	return cmd
}
