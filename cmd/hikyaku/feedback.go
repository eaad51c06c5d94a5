package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/hikyaku/hikyaku/internal/feedback"
)

func feedbackCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "feedback", Short: "Read bounces, complaints and auto-replies"}
	cmd.AddCommand(feedbackParseCmd())
	return cmd
}

func feedbackParseCmd() *cobra.Command {
	var asTSV, asJSON bool
	cmd := &cobra.Command{
		Use:   "parse FILE... [--tsv|--json]",
		Short: "Classify each recipient of bounce, complaint or auto-reply messages (offline)",
		Long: `Classify each recipient of bounce, complaint or auto-reply messages read from
files (one message per file, "-" for standard input). Nothing is stored or sent.

--tsv prints one row per file and recipient:
  file  recipient  bounce_type  reason  status
where bounce_type is the narrow, suppression-grade view: Permanent only when the
address itself is dead (user or domain unknown, mailbox moved, null MX),
Transient for other bounces, Complaint, AutoReply or Delivery otherwise. The
SES bounceType, which calls every 5xx Permanent, is in the default and JSON
output.`,
		Args: cobra.MinimumNArgs(1),
	}
	cmd.Flags().BoolVar(&asTSV, "tsv", false, "print tab-separated rows: file, recipient, bounce_type, reason, status")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON report per file")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		out := cmd.OutOrStdout()
		failed := 0
		for _, name := range args {
			raw, err := readInput(name)
			if err != nil {
				return err
			}
			rep, err := feedback.Parse(raw)
			if err != nil {
				fmt.Fprintf(cmd.ErrOrStderr(), "hikyaku: %s: %v\n", name, err)
				failed++
				continue
			}
			switch {
			case asTSV:
				writeFeedbackTSV(out, filepath.Base(name), rep)
			case asJSON:
				b, err := json.Marshal(struct {
					File string `json:"file"`
					*feedback.Report
				}{name, rep})
				if err != nil {
					return err
				}
				fmt.Fprintln(out, string(b))
			default:
				writeFeedbackText(out, name, rep)
			}
		}
		if failed > 0 {
			return fmt.Errorf("%d of %d files could not be read as mail", failed, len(args))
		}
		return nil
	}
	return cmd
}

func readInput(name string) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(os.Stdin)
	}
	return os.ReadFile(name)
}

// tsvBounceType is the bounce_type column of --tsv: the narrow view.
func tsvBounceType(r feedback.Recipient) string {
	switch {
	case r.Reason == feedback.ReasonFeedback:
		return "Complaint"
	case r.Reason == feedback.ReasonVacation:
		return "AutoReply"
	case r.Reason == feedback.ReasonDelivered:
		return "Delivery"
	case r.Hard:
		return "Permanent"
	}
	return "Transient"
}

func writeFeedbackTSV(w io.Writer, file string, rep *feedback.Report) {
	clean := func(s string) string { return strings.NewReplacer("\t", " ", "\n", " ").Replace(s) }
	for _, r := range rep.Recipients {
		status := r.Status
		if r.Reason == feedback.ReasonFeedback || r.Reason == feedback.ReasonVacation {
			status = ""
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", clean(file), clean(r.Address), tsvBounceType(r), r.Reason, status)
	}
}

func writeFeedbackText(w io.Writer, file string, rep *feedback.Report) {
	format := ""
	if rep.Format != "" {
		format = " (" + rep.Format + ")"
	}
	fmt.Fprintf(w, "%s: %s%s\n", file, rep.Kind, format)
	if o := rep.Original; o.MessageID != "" {
		fmt.Fprintf(w, "  original Message-ID: <%s>\n", o.MessageID)
	}
	if o := rep.Original; o.ReturnPath != "" {
		fmt.Fprintf(w, "  original return path: %s\n", o.ReturnPath)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, r := range rep.Recipients {
		hard := "soft"
		switch {
		case r.Hard:
			hard = "hard"
		case r.Reason == feedback.ReasonFeedback:
			hard = r.FeedbackType
		case r.Reason == feedback.ReasonVacation || r.Reason == feedback.ReasonDelivered:
			hard = "-"
		}
		ses := strings.TrimSuffix(r.SESBounceType+"/"+r.SESBounceSubType, "/")
		status := r.Status
		if r.StatusInferred {
			status += " (inferred)"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", r.Address, r.Reason, status, hard, ses)
		if r.Diagnostic != "" {
			fmt.Fprintf(tw, "    %s\n", truncate(r.Diagnostic, 160))
		}
	}
	tw.Flush()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
