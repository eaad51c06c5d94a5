package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/trace"
)

func eventsCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "events", Short: "Search the event log and see how event delivery to subscribers is going"}
	cmd.AddCommand(eventsListCmd(), eventsHealthCmd())
	return cmd
}

func eventsListCmd() *cobra.Command {
	var (
		account, to, message, source, configSet, since string
		types                                          []string
		limit                                          int
		asJSON                                         bool
	)
	cmd := &cobra.Command{Use: "list --account NAME", Short: "List events, newest first", Args: cobra.NoArgs}
	open := admin(cmd)
	cmd.Flags().StringVar(&account, "account", "default", "account name")
	cmd.Flags().StringVar(&to, "to", "", "only events about this recipient")
	cmd.Flags().StringVar(&message, "message", "", "only events of this message ID")
	cmd.Flags().StringVar(&source, "from", "", "only events of mail from this sender")
	cmd.Flags().StringVar(&configSet, "configuration-set", "", "only events of mail sent with this configuration set")
	cmd.Flags().StringSliceVar(&types, "type", nil, "only these event types (Send, Delivery, Bounce, Complaint, DeliveryDelay, ...)")
	cmd.Flags().StringVar(&since, "since", "", "only events since this long ago (24h) or this time (RFC 3339)")
	cmd.Flags().IntVar(&limit, "limit", 100, "at most this many events")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON, one event per line")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		n, err := open(cmd.Context())
		if err != nil {
			return err
		}
		defer n.Close()
		a, err := n.Accounts.ByName(cmd.Context(), account)
		if err != nil {
			return fmt.Errorf("account %s (list accounts with `hikyaku account list`): %w", account, err)
		}
		from, err := trace.ParseSince(since, n.Clock.Now())
		if err != nil {
			return err
		}
		f := store.EventFilter{AccountID: a.ID, Recipient: to, MessageID: message, Source: source,
			ConfigurationSet: configSet, Types: types, Since: from, Limit: min(limit, 500)}
		w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
		if !asJSON {
			fmt.Fprintln(w, "TIME\tTYPE\tMESSAGE\tRECIPIENT\tDETAIL")
		}
		shown := 0
		for shown < limit {
			page, next, err := n.Store.SearchEvents(cmd.Context(), f)
			if err != nil {
				return err
			}
			for _, e := range page {
				if shown == limit {
					break
				}
				shown++
				if asJSON {
					line, _ := json.Marshal(map[string]any{"id": e.ID, "at": e.At, "eventType": e.Type,
						"messageId": e.MessageID, "recipient": e.Recipient, "source": e.Source,
						"configurationSet": e.ConfigurationSet, "detail": json.RawMessage(e.Detail)})
					fmt.Fprintln(cmd.OutOrStdout(), string(line))
					continue
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", e.At.Format(time.RFC3339), e.Type, e.MessageID,
					e.Recipient, clip(string(e.Detail), 100))
			}
			if next == "" {
				break
			}
			f.Cursor = next
		}
		return w.Flush()
	}
	return cmd
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func eventsHealthCmd() *cobra.Command {
	var account string
	cmd := &cobra.Command{Use: "health --account NAME",
		Short: "Show each event subscriber's deliveries: pending, delivered, dead, and the last error", Args: cobra.NoArgs}
	open := admin(cmd)
	cmd.Flags().StringVar(&account, "account", "default", "account name")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		n, err := open(cmd.Context())
		if err != nil {
			return err
		}
		defer n.Close()
		a, err := n.Accounts.ByName(cmd.Context(), account)
		if err != nil {
			return fmt.Errorf("account %s (list accounts with `hikyaku account list`): %w", account, err)
		}
		list, err := n.Store.EventTargetHealth(cmd.Context(), a.ID)
		if err != nil {
			return err
		}
		if len(list) == 0 {
			fmt.Fprintln(cmd.OutOrStdout(), "No events have been sent to subscribers yet.")
			return nil
		}
		w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "SUBSCRIPTION\tDIALECT\tPENDING\tDELIVERED\tDEAD\tLAST DELIVERED\tLAST ERROR")
		for _, h := range list {
			dialect, sub, _ := strings.Cut(h.Target, "|")
			last := "-"
			if !h.LastDelivered.IsZero() {
				last = h.LastDelivered.Format(time.RFC3339)
			}
			lastErr := "-"
			if h.LastError != "" {
				lastErr = h.LastFailure.Format(time.RFC3339) + " " + clip(h.LastError, 80)
			}
			fmt.Fprintf(w, "%s\t%s\t%d\t%d\t%d\t%s\t%s\n", sub, dialect, h.Pending, h.Delivered, h.Dead, last, lastErr)
		}
		return w.Flush()
	}
	return cmd
}
