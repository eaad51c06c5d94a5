package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
)

func reputationCmd() *cobra.Command {
	var (
		account string
		asJSON  bool
	)
	cmd := &cobra.Command{
		Use:   "reputation --account NAME",
		Short: "Show bounce and complaint rates per account and configuration set, and any warning or pause",
		Args:  cobra.NoArgs,
	}
	open := admin(cmd)
	cmd.Flags().StringVar(&account, "account", "default", "account name")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
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
		mon, err := n.Reputation()
		if err != nil {
			return err
		}
		rows, err := mon.Report(cmd.Context(), a.ID)
		if err != nil {
			return err
		}
		if asJSON {
			enc := json.NewEncoder(cmd.OutOrStdout())
			enc.SetIndent("", "  ")
			return enc.Encode(rows)
		}
		p := mon.Policy
		fmt.Fprintf(cmd.OutOrStdout(), "Account %s (%s): enforcement %s, sending %s. Window %s, judged from %d messages.\n\n",
			a.Name, a.ID, a.EnforcementStatus, map[bool]string{true: "enabled", false: "PAUSED"}[a.SendingEnabled],
			p.Window.Duration, p.MinVolume)
		w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "STREAM\tSENT\tHARD BOUNCES\tBOUNCE RATE\tDELIVERED\tCOMPLAINTS\tCOMPLAINT RATE\tSTATUS\tSINCE")
		for _, r := range rows {
			stream := r.ConfigurationSet
			if stream == "" {
				stream = "(whole account)"
			}
			since := "-"
			if !r.State.Since.IsZero() {
				since = r.State.Since.Format(time.RFC3339)
			}
			f := r.Figures
			fmt.Fprintf(w, "%s\t%d\t%d\t%.2f%%\t%d\t%d\t%.3f%%\t%s\t%s\n", stream, f.Sent, f.HardBounces, 100*f.BounceRate,
				f.Delivered, f.Complaints, 100*f.ComplaintRate, r.State.Status, since)
		}
		if err := w.Flush(); err != nil {
			return err
		}
		for _, r := range rows {
			if r.State.Cause != "" && r.State.Status != "HEALTHY" {
				stream := r.ConfigurationSet
				if stream == "" {
					stream = "the account"
				}
				fmt.Fprintf(cmd.OutOrStdout(), "\n%s is %s since %s: %s\n", stream, r.State.Status,
					r.State.Since.Format(time.RFC3339), r.State.Cause)
				if r.State.Status == "PAUSED" {
					flag := ""
					if r.ConfigurationSet != "" {
						flag = " --configuration-set " + r.ConfigurationSet
					}
					fmt.Fprintf(cmd.OutOrStdout(), "  Resume with: hikyaku reputation resume --account %s%s\n", a.Name, flag)
				}
			}
		}
		return nil
	}
	cmd.AddCommand(reputationResumeCmd())
	return cmd
}

func reputationResumeCmd() *cobra.Command {
	var account, set string
	cmd := &cobra.Command{
		Use:   "resume --account NAME [--configuration-set SET]",
		Short: "Lift a reputation pause or warning; the rates count afresh from now",
		Args:  cobra.NoArgs,
	}
	open := admin(cmd)
	cmd.Flags().StringVar(&account, "account", "default", "account name")
	cmd.Flags().StringVar(&set, "configuration-set", "", "the stream to resume (default: the account itself)")
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
		mon, err := n.Reputation()
		if err != nil {
			return err
		}
		if err := mon.Resume(cmd.Context(), a.ID, set); err != nil {
			return err
		}
		what := "account " + a.Name
		if set != "" {
			what = "configuration set " + set
		}
		fmt.Fprintf(cmd.OutOrStdout(), "Resumed %s; its rates count afresh from now.\n", what)
		return nil
	}
	return cmd
}
