package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/trace"
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
	// Summary and Timeline tell the recipient's story in words.
	Summary  string       `json:"summary"`
	Timeline []trace.Step `json:"timeline"`
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
	var (
		asJSON             bool
		to, since, account string
		limit              int
	)
	cmd := &cobra.Command{
		Use:   "trace MESSAGE_ID | trace --to ADDRESS [--since 24h]",
		Short: "Show what happened to each recipient of a message, or to all mail to one address",
		Example: "  hikyaku trace 010001a2...-000000\n" +
			"  hikyaku trace --to someone@example.com --since 24h",
		Args: cobra.MaximumNArgs(1),
	}
	open := admin(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().StringVar(&to, "to", "", "trace all mail to this address instead of one message")
	cmd.Flags().StringVar(&since, "since", "168h", "with --to: mail accepted since this long ago (24h) or this time (RFC 3339)")
	cmd.Flags().StringVar(&account, "account", "default", "with --to: the account whose mail to trace")
	cmd.Flags().IntVar(&limit, "limit", 50, "with --to: at most this many messages, newest first")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if (to == "") == (len(args) == 0) {
			return errors.New("give either a MESSAGE_ID or --to ADDRESS")
		}
		n, err := open(cmd.Context())
		if err != nil {
			return err
		}
		defer n.Close()
		if to != "" {
			a, err := n.Accounts.ByName(cmd.Context(), account)
			if err != nil {
				return fmt.Errorf("account %s (list accounts with `hikyaku account list`): %w", account, err)
			}
			from, err := trace.ParseSince(since, n.Clock.Now())
			if err != nil {
				return err
			}
			rep, err := trace.ForAddress(cmd.Context(), n.Store, a.ID, to, from, limit)
			if err != nil {
				return err
			}
			return printAddress(cmd.OutOrStdout(), rep, since, asJSON)
		}
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
		stories, err := trace.ForMessage(cmd.Context(), n.Store, "", m.ID)
		if err != nil {
			return err
		}
		for i := range out.Recipients {
			out.Recipients[i].Summary, out.Recipients[i].Timeline = stories[i].Summary, stories[i].Timeline
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
			fmt.Fprintf(cmd.OutOrStdout(), "\n%s: %s\n", r.Address, r.Summary)
			printTimeline(cmd.OutOrStdout(), r.Timeline)
		}
		return nil
	}
	return cmd
}

func printTimeline(w io.Writer, steps []trace.Step) {
	for _, s := range steps {
		fmt.Fprintf(w, "  %s  %-10s %s\n", s.At.Format(time.RFC3339), s.Kind, s.Text)
	}
}

// printAddress prints `hikyaku trace --to`.
func printAddress(w io.Writer, rep *trace.Address, since string, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	fmt.Fprintf(w, "Address %s\n", rep.Address)
	if rep.Suppressed != "" {
		fmt.Fprintf(w, "Suppressed: %s\n", rep.Suppressed)
	}
	if len(rep.Messages) == 0 {
		fmt.Fprintf(w, "No mail to this address was accepted since %s.\n", since)
		return nil
	}
	for _, r := range rep.Messages {
		fmt.Fprintf(w, "\nMessage %s (%q from %s)\n  %s\n", r.MessageID, r.Subject, r.From, r.Summary)
		printTimeline(w, r.Timeline)
	}
	return nil
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
