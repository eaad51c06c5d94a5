package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/hikyaku/hikyaku/internal/store"
)

// traceRecipient is one recipient in `hikyaku trace --json`.
type traceRecipient struct {
	Address       string        `json:"address"`
	Status        string        `json:"status"`
	Attempts      int           `json:"attempts"`
	NextAttemptAt *time.Time    `json:"nextAttemptAt,omitempty"`
	UpdatedAt     time.Time     `json:"updatedAt"`
	Outcome       store.Outcome `json:"outcome"`
	// History is every delivery attempt, oldest first.
	History []traceAttempt `json:"history"`
}

// traceAttempt is one delivery attempt in `hikyaku trace --json`.
type traceAttempt struct {
	At         time.Time `json:"at"`
	DurationMs int64     `json:"durationMs"`
	Host       string    `json:"host,omitempty"`
	Status     string    `json:"status"`
	Reply      string    `json:"reply"`
}

// traceOutput is `hikyaku trace --json`: stable field names that scripts
// may rely on (messageId, recipients[].address, recipients[].status).
type traceOutput struct {
	MessageID        string           `json:"messageId"`
	AccountID        string           `json:"accountId"`
	Source           string           `json:"source"`
	From             string           `json:"from"`
	Subject          string           `json:"subject"`
	Origin           string           `json:"origin"`
	ConfigurationSet string           `json:"configurationSet,omitempty"`
	Tags             []store.Tag      `json:"tags,omitempty"`
	AcceptedAt       time.Time        `json:"acceptedAt"`
	Size             int              `json:"size"`
	Recipients       []traceRecipient `json:"recipients"`
}

func traceCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "trace MESSAGE_ID",
		Short: "Show what happened to each recipient of a message",
		Args:  cobra.ExactArgs(1),
	}
	open := admin(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		n, err := open(cmd.Context())
		if err != nil {
			return err
		}
		defer n.Close()
		m, err := n.Store.GetMessage(cmd.Context(), args[0])
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no message %s in this store (check --data/--store)", args[0])
		}
		if err != nil {
			return err
		}
		out := traceOutput{MessageID: m.ID, AccountID: m.AccountID, Source: m.Source, From: m.FromHeader,
			Subject: m.Subject, Origin: m.Origin, ConfigurationSet: m.ConfigurationSet, Tags: m.Tags,
			AcceptedAt: m.CreatedAt, Size: m.Size, Recipients: []traceRecipient{}}
		for _, r := range m.Recipients {
			tr := traceRecipient{Address: r.Address, Status: r.Status, Attempts: r.Attempts, UpdatedAt: r.UpdatedAt,
				Outcome: r.Outcome, History: []traceAttempt{}}
			atts, err := n.Store.Attempts(cmd.Context(), m.ID, r.Index)
			if err != nil {
				return err
			}
			for _, a := range atts {
				tr.History = append(tr.History, traceAttempt{At: a.At, DurationMs: a.Duration.Milliseconds(),
					Host: a.Host, Status: a.Status, Reply: a.Reply})
			}
			if r.Status == store.RcptQueued || r.Status == store.RcptDeferred {
				t := r.NextAttemptAt
				tr.NextAttemptAt = &t
			}
			out.Recipients = append(out.Recipients, tr)
		}
		if asJSON {
			enc := json.NewEncoder(cmd.OutOrStdout())
			enc.SetIndent("", "  ")
			return enc.Encode(out)
		}
		w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
		fmt.Fprintf(w, "Message\t%s\nAccepted\t%s (%s, %d bytes)\nFrom\t%s\nSubject\t%s\n\n", m.ID,
			m.CreatedAt.Format(time.RFC3339), m.Origin, m.Size, m.FromHeader, m.Subject)
		fmt.Fprintln(w, "RECIPIENT\tSTATUS\tATTEMPTS\tDETAIL")
		for _, r := range out.Recipients {
			fmt.Fprintf(w, "%s\t%s\t%d\t%s\n", r.Address, r.Status, r.Attempts, detail(r))
		}
		if err := w.Flush(); err != nil {
			return err
		}
		for _, r := range out.Recipients {
			if len(r.History) == 0 {
				continue
			}
			fmt.Fprintf(cmd.OutOrStdout(), "\nAttempts for %s:\n", r.Address)
			for _, a := range r.History {
				host := a.Host
				if host == "" {
					host = "(no server reached)"
				}
				fmt.Fprintf(cmd.OutOrStdout(), "  %s  %-10s %s (%d ms): %s\n", a.At.Format(time.RFC3339), a.Status, host, a.DurationMs, a.Reply)
			}
		}
		return nil
	}
	return cmd
}

func detail(r traceRecipient) string {
	o := r.Outcome
	s := ""
	if o.BounceType != "" {
		s = o.BounceType + "/" + o.BounceSubType + " "
	}
	if o.ComplaintFeedbackType != "" {
		s += "complaint (" + o.ComplaintFeedbackType + ") "
	}
	if o.Status != "" {
		s += o.Status + " "
	}
	switch {
	case o.Diagnostic != "":
		s += o.Diagnostic
	case o.SMTPReply != "":
		s += o.SMTPReply
	}
	if o.RemoteMTA != "" && !o.Simulated {
		s += " (" + o.RemoteMTA + ")"
	}
	if o.DelayType != "" {
		s += " [" + o.DelayType + "]"
	}
	if r.NextAttemptAt != nil {
		s += "; next attempt " + r.NextAttemptAt.Format(time.RFC3339)
	}
	if o.Simulated {
		s += " [mailbox simulator]"
	}
	return s
}
