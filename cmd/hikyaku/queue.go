package main

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/hikyaku/hikyaku/internal/address"
)

func queueCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "queue", Short: "See the delivery queue, and make waiting mail due now"}
	cmd.AddCommand(queueStatusCmd(), queueRetryCmd())
	return cmd
}

func queueStatusCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Count the recipients waiting for delivery: queued (first attempt) and deferred (retry)",
		Args:  cobra.NoArgs,
	}
	open := admin(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, `print JSON: {"queued": N, "deferred": N}`)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		n, err := open(cmd.Context())
		if err != nil {
			return err
		}
		defer n.Close()
		queued, deferred, err := n.Store.QueueCounts(cmd.Context())
		if err != nil {
			return err
		}
		if asJSON {
			return json.NewEncoder(cmd.OutOrStdout()).Encode(map[string]int64{"queued": queued, "deferred": deferred})
		}
		fmt.Fprintf(cmd.OutOrStdout(), "queued    %s  (waiting for a first attempt, or in one)\n", thousands(queued))
		fmt.Fprintf(cmd.OutOrStdout(), "deferred  %s  (waiting for a retry, or in one)\n", thousands(deferred))
		return nil
	}
	return cmd
}

// queueRetryCmd is Postfix's `postqueue -f` (or `postqueue -s SITE`): after
// an outage is over, the operator need not wait out each recipient's
// backoff, which grows to an hour.
func queueRetryCmd() *cobra.Command {
	var domain string
	cmd := &cobra.Command{
		Use:   "retry [--domain DOMAIN]",
		Short: "Make waiting recipients due now (all, or one domain's), like postqueue -f",
		Long: `Make waiting recipients due now, all of them or those of one recipient domain, so the
queue tries them again without waiting out their backoff (which grows to an hour), as
Postfix's postqueue -f does: deferred ones, and queued ones a busy site turned away for
later. A running server takes them at its next poll, within a
second; recipients a node is trying at the moment are left to it. Their attempt counts
are kept, so a recipient that fails again waits as long as it would have.`,
		Args: cobra.NoArgs,
	}
	open := admin(cmd)
	cmd.Flags().StringVar(&domain, "domain", "", "only recipients at this domain (default: every domain)")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		which := "all domains"
		if domain != "" {
			d, err := address.Domain(domain)
			if err != nil {
				return fmt.Errorf("--domain %q: %w", domain, err)
			}
			domain, which = d, "domain "+d
		}
		n, err := open(cmd.Context())
		if err != nil {
			return err
		}
		defer n.Close()
		moved, err := n.Store.RetryNow(cmd.Context(), domain, n.Clock.Now())
		if err != nil {
			return err
		}
		fmt.Fprintf(cmd.OutOrStdout(), "made %s waiting recipients due now (%s)\n", thousands(moved), which)
		return nil
	}
	return cmd
}

// thousands formats n with commas between groups of three digits.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	start := 0
	if n < 0 {
		start = 1
	}
	for i := len(s) - 3; i > start; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
