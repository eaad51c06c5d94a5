// Command hikyaku is a self-hosted email sending platform that speaks the
// Amazon SES API. `hikyaku serve` runs it; the other commands administer
// the same store, also while a server runs.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/hikyaku/hikyaku/internal/config"
	"github.com/hikyaku/hikyaku/internal/node"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := &cobra.Command{
		Use:           "hikyaku",
		Short:         "A self-hosted email sending platform that speaks the Amazon SES API",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(serveCmd(), accountCmd(), keyCmd(), identityCmd(), traceCmd(), configReferenceCmd(), feedbackCmd(), suppressionCmd(), eventsCmd(), reputationCmd(), benchCmd())
	root.AddCommand(contactsCmd())
	root.AddCommand(queueCmd())
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "hikyaku:", err)
		os.Exit(1)
	}
}

// admin binds the settings an admin command needs and returns a function
// that opens the node.
func admin(cmd *cobra.Command) func(ctx context.Context) (*node.Node, error) {
	var cfg config.Config
	l := config.Bind(cmd.Flags(), &cfg, "data", "store", "region", "public-url", "hostname", "mx-host", "resolver", "log-level")
	return func(ctx context.Context) (*node.Node, error) {
		if err := l.Load(); err != nil {
			return nil, err
		}
		return node.Open(ctx, cfg, newLogger(cfg))
	}
}

func newLogger(cfg config.Config) *slog.Logger {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(strings.ToUpper(cfg.LogLevel))); err != nil {
		lvl = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}

func serveCmd() *cobra.Command {
	var cfg config.Config
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run hikyaku: the SES API and the durable queue, on the embedded store by default",
		Args:  cobra.NoArgs,
	}
	l := config.Bind(cmd.Flags(), &cfg)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := l.Load(); err != nil {
			return err
		}
		log := newLogger(cfg)
		node.TuneGC()
		n, err := node.Open(cmd.Context(), cfg, log)
		if err != nil {
			return err
		}
		defer n.Close()
		return n.Serve(cmd.Context(), cmd.OutOrStdout())
	}
	return cmd
}

func configReferenceCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "config-reference",
		Short:  "Print the configuration reference (docs/CONFIG.md)",
		Hidden: true,
		Args:   cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprint(cmd.OutOrStdout(), config.Reference())
		},
	}
}
