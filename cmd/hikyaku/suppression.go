package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/hikyaku/hikyaku/internal/address"
	"github.com/hikyaku/hikyaku/internal/store"
)

func suppressionCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "suppression", Short: "Manage an account's suppression list (bounced and complaining addresses)"}
	cmd.AddCommand(suppressionListCmd(), suppressionAddCmd(), suppressionRemoveCmd(),
		suppressionImportCmd(), suppressionExportCmd())
	return cmd
}

// suppressionCtx is what a suppression subcommand works on: one account's
// list and the node's clock.
type suppressionCtx struct {
	accountID string
	store     store.SuppressionStore
	now       func() time.Time
}

// suppressionAction gives cmd the --account flag and the admin settings,
// and runs run against the opened account's list.
func suppressionAction(cmd *cobra.Command, run func(cmd *cobra.Command, c *suppressionCtx, args []string) error) *cobra.Command {
	var account string
	open := admin(cmd)
	cmd.Flags().StringVar(&account, "account", "default", "account name")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		n, err := open(cmd.Context())
		if err != nil {
			return err
		}
		defer n.Close()
		a, err := n.Accounts.ByName(cmd.Context(), account)
		if err != nil {
			return fmt.Errorf("account %s (list accounts with `hikyaku account list`): %w", account, err)
		}
		return run(cmd, &suppressionCtx{accountID: a.ID, store: n.Store, now: n.Clock.Now}, args)
	}
	return cmd
}

// stamp is the LastUpdate of an entry written now: UTC and truncated to
// the microsecond, the precision both stores keep.
func (c *suppressionCtx) stamp() time.Time { return c.now().UTC().Truncate(time.Microsecond) }

// each calls fn for every entry matching f, paging through the list.
func (c *suppressionCtx) each(ctx context.Context, f store.SuppressedFilter, fn func(*store.Suppressed) error) error {
	f.PageSize = 500
	for {
		page, next, err := c.store.ListSuppressed(ctx, c.accountID, f)
		if err != nil {
			return fmt.Errorf("list suppressed addresses: %w", err)
		}
		for _, s := range page {
			if err := fn(s); err != nil {
				return err
			}
		}
		if next == "" {
			return nil
		}
		f.Cursor = next
	}
}

// parseReason accepts BOUNCE or COMPLAINT in any case.
func parseReason(s string) (string, error) {
	r := strings.ToUpper(strings.TrimSpace(s))
	if r != store.ReasonBounce && r != store.ReasonComplaint {
		return "", fmt.Errorf("reason %q is not BOUNCE or COMPLAINT", s)
	}
	return r, nil
}

// reasonFilter turns an optional --reason flag into a filter's Reasons.
func reasonFilter(flag string) ([]string, error) {
	if flag == "" {
		return nil, nil
	}
	r, err := parseReason(flag)
	if err != nil {
		return nil, fmt.Errorf("--reason: %w", err)
	}
	return []string{r}, nil
}

// suppressedAddress is the form an address takes on the list: the envelope
// address, lower-cased, as the store matches it.
func suppressedAddress(s string) (string, error) {
	a, err := address.Parse(s)
	if err != nil {
		return "", fmt.Errorf("address %q: %w", s, err)
	}
	return strings.ToLower(a.String()), nil
}

func suppressionListCmd() *cobra.Command {
	var reason, since string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list [--reason BOUNCE|COMPLAINT] [--since RFC3339] [--json] --account NAME",
		Short: "List suppressed addresses, newest first",
		Args:  cobra.NoArgs,
	}
	cmd.Flags().StringVar(&reason, "reason", "", "only entries with this reason: BOUNCE or COMPLAINT")
	cmd.Flags().StringVar(&since, "since", "", "only entries updated at or after this time (RFC 3339, e.g. 2024-05-01T00:00:00Z)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object per entry")
	return suppressionAction(cmd, func(cmd *cobra.Command, c *suppressionCtx, _ []string) error {
		var f store.SuppressedFilter
		var err error
		if f.Reasons, err = reasonFilter(reason); err != nil {
			return err
		}
		if since != "" {
			if f.Start, err = time.Parse(time.RFC3339, since); err != nil {
				return fmt.Errorf("--since %q is not an RFC 3339 time such as 2024-05-01T00:00:00Z", since)
			}
		}
		if asJSON {
			enc := json.NewEncoder(cmd.OutOrStdout())
			return c.each(cmd.Context(), f, func(s *store.Suppressed) error { return enc.Encode(jsonSuppressed(s)) })
		}
		w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ADDRESS\tREASON\tLAST-UPDATE\tMESSAGE-ID")
		err = c.each(cmd.Context(), f, func(s *store.Suppressed) error {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", s.Address, s.Reason, s.LastUpdate.UTC().Format(time.RFC3339), orDash(s.MessageID))
			return nil
		})
		if err != nil {
			return err
		}
		return w.Flush()
	})
}

// suppressedJSON is an entry in `list --json`, named as in the export CSV.
type suppressedJSON struct {
	EmailAddress   string    `json:"emailAddress"`
	Reason         string    `json:"reason"`
	LastUpdateTime time.Time `json:"lastUpdateTime"`
	MessageID      string    `json:"messageId,omitempty"`
	FeedbackID     string    `json:"feedbackId,omitempty"`
}

func jsonSuppressed(s *store.Suppressed) suppressedJSON {
	return suppressedJSON{s.Address, s.Reason, s.LastUpdate.UTC(), s.MessageID, s.FeedbackID}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func suppressionAddCmd() *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:   "add ADDRESS... --reason BOUNCE|COMPLAINT --account NAME",
		Short: "Add addresses to the suppression list (or update their reason)",
		Args:  cobra.MinimumNArgs(1),
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why the addresses are suppressed: BOUNCE or COMPLAINT (required)")
	return suppressionAction(cmd, func(cmd *cobra.Command, c *suppressionCtx, args []string) error {
		r, err := parseReason(reason)
		if err != nil {
			return fmt.Errorf("--reason: %w", err)
		}
		// Check every address before writing any, so a typo adds nothing.
		addrs := make([]string, len(args))
		for i, arg := range args {
			if addrs[i], err = suppressedAddress(arg); err != nil {
				return err
			}
		}
		now := c.stamp()
		for _, a := range addrs {
			s := &store.Suppressed{AccountID: c.accountID, Address: a, Reason: r, LastUpdate: now}
			if err := c.store.PutSuppressed(cmd.Context(), s); err != nil {
				return fmt.Errorf("suppress %s: %w", a, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Suppressed %s (%s).\n", a, r)
		}
		return nil
	})
}

func suppressionRemoveCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "remove ADDRESS... --account NAME",
		Short: "Remove addresses from the suppression list",
		Args:  cobra.MinimumNArgs(1),
	}
	return suppressionAction(cmd, func(cmd *cobra.Command, c *suppressionCtx, args []string) error {
		missing := 0
		for _, arg := range args {
			// An address that no longer parses may still have been listed
			// by bounce processing; try it as written.
			a, err := suppressedAddress(arg)
			if err != nil {
				a = strings.ToLower(strings.TrimSpace(arg))
			}
			err = c.store.DeleteSuppressed(cmd.Context(), c.accountID, a)
			switch {
			case errors.Is(err, store.ErrNotFound):
				fmt.Fprintf(cmd.ErrOrStderr(), "hikyaku: %s is not on the suppression list\n", a)
				missing++
			case err != nil:
				return fmt.Errorf("remove %s: %w", a, err)
			default:
				fmt.Fprintf(cmd.OutOrStdout(), "Removed %s.\n", a)
			}
		}
		if missing > 0 {
			return fmt.Errorf("%d of %d addresses were not on the suppression list", missing, len(args))
		}
		return nil
	})
}

func suppressionExportCmd() *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:   "export [--reason BOUNCE|COMPLAINT] --account NAME",
		Short: "Write the suppression list as CSV to standard output (emailAddress,reason,lastUpdateTime,messageId)",
		Args:  cobra.NoArgs,
	}
	cmd.Flags().StringVar(&reason, "reason", "", "only entries with this reason: BOUNCE or COMPLAINT")
	return suppressionAction(cmd, func(cmd *cobra.Command, c *suppressionCtx, _ []string) error {
		var f store.SuppressedFilter
		var err error
		if f.Reasons, err = reasonFilter(reason); err != nil {
			return err
		}
		w := csv.NewWriter(cmd.OutOrStdout())
		if err := w.Write(csvColumns[:4]); err != nil {
			return err
		}
		err = c.each(cmd.Context(), f, func(s *store.Suppressed) error {
			return w.Write([]string{s.Address, s.Reason, s.LastUpdate.UTC().Format(time.RFC3339Nano), s.MessageID})
		})
		if err != nil {
			return err
		}
		w.Flush()
		return w.Error()
	})
}

// csvColumns are the columns import understands, in export order. The
// first two are those of SES's suppression-list import files.
var csvColumns = []string{"emailAddress", "reason", "lastUpdateTime", "messageId"}

// importProgressEvery is how many rows pass between progress lines.
const importProgressEvery = 1000

func suppressionImportCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "import FILE --account NAME",
		Short: "Add the addresses of a CSV file to the suppression list (- for standard input)",
		Long: `Add the addresses of a CSV file ("-" for standard input) to the suppression
list, in the format of SES's bulk import: one address and reason per row,

  emailAddress,reason
  jane@example.com,BOUNCE
  joe@example.org,complaint

The header is optional; without it the first column is the address and the
second the reason. With it, columns are found by name, and the
lastUpdateTime and messageId columns that export writes are kept too, so an
export imports back unchanged. Reasons are BOUNCE or COMPLAINT in any case.

Valid rows are imported even when others fail; the failed rows are listed at
the end with their line numbers, and the command then exits non-zero.`,
		Args: cobra.ExactArgs(1),
	}
	return suppressionAction(cmd, func(cmd *cobra.Command, c *suppressionCtx, args []string) error {
		in, closeIn, err := openInput(cmd, args[0])
		if err != nil {
			return err
		}
		defer closeIn()
		stderr := cmd.ErrOrStderr()
		now := c.stamp()
		imported, rows := 0, 0
		rowErrs, err := readSuppressionCSV(in, now, func(s *store.Suppressed) error {
			s.AccountID = c.accountID
			if err := c.store.PutSuppressed(cmd.Context(), s); err != nil {
				return err
			}
			imported++
			return nil
		}, func() {
			if rows++; rows%importProgressEvery == 0 {
				fmt.Fprintf(stderr, "hikyaku: %d rows read, %d imported\n", rows, imported)
			}
		})
		if err != nil {
			return fmt.Errorf("import %s after %d rows: %w", args[0], imported, err)
		}
		for _, e := range rowErrs {
			fmt.Fprintf(stderr, "hikyaku: %s:%d: %v\n", args[0], e.line, e.err)
		}
		fmt.Fprintf(cmd.OutOrStdout(), "Imported %d addresses.\n", imported)
		if len(rowErrs) > 0 {
			return fmt.Errorf("%d rows of %s were not imported (listed above)", len(rowErrs), args[0])
		}
		return nil
	})
}

// openInput opens the named file, or the command's input for "-".
func openInput(cmd *cobra.Command, name string) (io.Reader, func(), error) {
	if name == "-" {
		return cmd.InOrStdin(), func() {}, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, err
	}
	return f, func() { f.Close() }, nil
}

// rowError is a CSV row that was not imported and why.
type rowError struct {
	line int
	err  error
}

// readSuppressionCSV reads import rows from r and calls put for each valid
// one, stamped now unless the file carries lastUpdateTime. It returns the
// rows that failed, including those put refused; err is a read error that
// stopped it. row is called after each row, for progress.
func readSuppressionCSV(r io.Reader, now time.Time, put func(*store.Suppressed) error, row func()) (failed []rowError, err error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cols := map[string]int{"emailAddress": 0, "reason": 1}
	first := true
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return failed, nil
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			failed = append(failed, rowError{pe.StartLine, pe.Err})
			first = false
			row()
			continue
		}
		if err != nil {
			return failed, err
		}
		line, _ := cr.FieldPos(0)
		if first {
			first = false
			if h, ok := csvHeader(rec); ok {
				cols = h
				continue
			}
		}
		s, err := suppressedRow(rec, cols, now)
		if err == nil {
			err = put(s)
		}
		if err != nil {
			failed = append(failed, rowError{line, err})
		}
		row()
	}
}

// csvHeader reports whether rec is a header row (it names emailAddress,
// in any case) and where each known column is.
func csvHeader(rec []string) (map[string]int, bool) {
	cols := map[string]int{}
	for i, f := range rec {
		for _, c := range csvColumns {
			if strings.EqualFold(strings.TrimSpace(f), c) {
				cols[c] = i
			}
		}
	}
	_, ok := cols["emailAddress"]
	return cols, ok
}

// suppressedRow turns one CSV record into an entry.
func suppressedRow(rec []string, cols map[string]int, now time.Time) (*store.Suppressed, error) {
	field := func(name string) string {
		if i, ok := cols[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	if slices.IndexFunc(rec, func(f string) bool { return strings.TrimSpace(f) != "" }) < 0 {
		return nil, errors.New("empty row")
	}
	addr := field("emailAddress")
	if addr == "" {
		return nil, errors.New("no address")
	}
	a, err := suppressedAddress(addr)
	if err != nil {
		return nil, err
	}
	if _, ok := cols["reason"]; !ok || field("reason") == "" {
		return nil, fmt.Errorf("%s: no reason (BOUNCE or COMPLAINT)", a)
	}
	reason, err := parseReason(field("reason"))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", a, err)
	}
	s := &store.Suppressed{Address: a, Reason: reason, MessageID: field("messageId"), LastUpdate: now}
	if t := field("lastUpdateTime"); t != "" {
		if s.LastUpdate, err = time.Parse(time.RFC3339Nano, t); err != nil {
			return nil, fmt.Errorf("%s: lastUpdateTime %q is not an RFC 3339 time", a, t)
		}
		s.LastUpdate = s.LastUpdate.UTC().Truncate(time.Microsecond)
	}
	return s, nil
}
