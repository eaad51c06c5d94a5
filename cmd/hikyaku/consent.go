package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hikyaku/hikyaku/internal/contacts"
	"github.com/hikyaku/hikyaku/internal/node"
	"github.com/hikyaku/hikyaku/internal/store"
)

// Double opt-in, sunset and re-permission commands (hikyaku's own: SES
// has no API for them). See package contacts, consent.go.

// parseDays reads a duration in Go's syntax or as whole days ("180d").
func parseDays(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("invalid duration %q: use days such as 180d, or 36h", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("invalid duration %q: use days such as 180d, or 36h", s)
	}
	return d, nil
}

// consentFlags are the flags every consent command has.
type consentFlags struct {
	account, list string
	open          func(context.Context) (*node.Node, error)
}

func (f *consentFlags) bind(cmd *cobra.Command) {
	f.open = admin(cmd)
	cmd.Flags().StringVar(&f.account, "account", "default", "account name")
	cmd.Flags().StringVar(&f.list, "list", "", "contact list name (required)")
}

// start opens the node and finds the account.
func (f *consentFlags) start(ctx context.Context) (*node.Node, *store.Account, error) {
	if f.list == "" {
		return nil, nil, fmt.Errorf("--list is required: the contact list (see aws sesv2 list-contact-lists)")
	}
	n, err := f.open(ctx)
	if err != nil {
		return nil, nil, err
	}
	a, err := n.Accounts.ByName(ctx, f.account)
	if err != nil {
		n.Close()
		return nil, nil, fmt.Errorf("account %s (list accounts with `hikyaku account list`): %w", f.account, err)
	}
	return n, a, nil
}

// askConsent records the request and mails addr its confirmation link,
// returning the message ID.
func askConsent(ctx context.Context, n *node.Node, a *store.Account, list, addr string, again bool) (string, error) {
	c, err := n.Contacts.RequestConsent(ctx, a.ID, list, addr)
	if err != nil {
		return "", err
	}
	link := n.Links.ConfirmURL(a.ID, list, c.EmailAddress, n.Clock.Now())
	subject := "Please confirm your subscription"
	intro := "You (or someone using your address) asked to receive mail from the list " + list + "."
	if again {
		subject = "Do you still want our mail?"
		intro = "You have been on the list " + list + " for a while without letting us know you still want its mail."
	}
	text := fmt.Sprintf(`%s

To confirm, open this link and press Confirm:

%s

If you do not confirm, you will not get mail from this list. If you did not
ask for it, ignore this message.
`, intro, link)
	return n.System.SendFrom(ctx, a.ID, c.EmailAddress, subject, text)
}

func contactsInviteCmd() *cobra.Command {
	var f consentFlags
	cmd := &cobra.Command{
		Use:   "invite ADDRESS... --list LIST --account NAME",
		Short: "Add contacts pending double opt-in and mail each a confirmation link",
		Long: `Add each address to a contact list as a pending contact (or make an existing
contact that never confirmed pending) and mail it a confirmation link. Until
the recipient follows the link and presses Confirm, list sends skip the
contact (the trace says why); confirming records the time and adds a
Subscription event. Double opt-in is hikyaku's own: SES has no API for it.

The link points at --public-url (or the host name); set it as serve has it.`,
		Args: cobra.MinimumNArgs(1),
	}
	f.bind(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		ctx := cmd.Context()
		n, a, err := f.start(ctx)
		if err != nil {
			return err
		}
		defer n.Close()
		failed := 0
		for _, addr := range args {
			id, err := askConsent(ctx, n, a, f.list, addr, false)
			if err != nil {
				failed++
				fmt.Fprintf(cmd.ErrOrStderr(), "hikyaku: %s: %v\n", addr, err)
				continue
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s\tinvited\t%s\n", addr, id)
		}
		if failed > 0 {
			return fmt.Errorf("%d of %d addresses were not invited (listed above)", failed, len(args))
		}
		return nil
	}
	return cmd
}

func contactsSunsetCmd() *cobra.Command {
	var f consentFlags
	var after string
	var dry bool
	cmd := &cobra.Command{
		Use:   "sunset --list LIST --account NAME [--after 180d] [--dry-run]",
		Short: "Make contacts without engagement for a period inactive (skipped by list sends)",
		Long: `Apply the sunset policy to a contact list: every subscribed contact whose
last engagement signal (its last confirmation, or its creation if it never
confirmed) is --after or more ago becomes inactive, and list sends skip it
until it confirms again (see hikyaku contacts repermission).`,
		Args: cobra.NoArgs,
	}
	f.bind(cmd)
	cmd.Flags().StringVar(&after, "after", "180d", "period without engagement")
	cmd.Flags().BoolVar(&dry, "dry-run", false, "count, change nothing")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		d, err := parseDays(after)
		if err != nil {
			return err
		}
		n, a, err := f.start(cmd.Context())
		if err != nil {
			return err
		}
		defer n.Close()
		res, err := n.Contacts.Sunset(cmd.Context(), a.ID, f.list, d, dry)
		if err != nil {
			return err
		}
		verb := "made inactive"
		if dry {
			verb = "would be made inactive"
		}
		fmt.Fprintf(cmd.OutOrStdout(), "%d contacts: %d %s, %d already inactive, %d unsubscribed.\n",
			res.Contacts, res.Inactivated, verb, res.AlreadyInactive, res.Skipped)
		return nil
	}
	return cmd
}

func contactsRepermissionCmd() *cobra.Command {
	var f consentFlags
	var inactiveFor, window string
	var expire, dry bool
	cmd := &cobra.Command{
		Use:   "repermission --list LIST --account NAME [--inactive-for 180d] [--expire --window 14d] [--dry-run]",
		Short: "Ask stale contacts to confirm, or unsubscribe those who did not",
		Long: `A re-permission pass ("permission pass"). Without --expire, mail every
subscribed contact that is inactive or has shown no engagement for
--inactive-for a confirmation link (as hikyaku contacts invite does);
following it makes the contact confirmed and sendable again.

With --expire, unsubscribe from the whole list every contact asked to confirm
--window or more ago that has not confirmed since, with a Subscription event.`,
		Args: cobra.NoArgs,
	}
	f.bind(cmd)
	cmd.Flags().StringVar(&inactiveFor, "inactive-for", "180d", "period without engagement")
	cmd.Flags().BoolVar(&expire, "expire", false, "unsubscribe contacts who did not confirm within --window")
	cmd.Flags().StringVar(&window, "window", "14d", "time to confirm, with --expire")
	cmd.Flags().BoolVar(&dry, "dry-run", false, "count, change and send nothing")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		ctx := cmd.Context()
		stale, err := parseDays(inactiveFor)
		if err != nil {
			return err
		}
		win, err := parseDays(window)
		if err != nil {
			return err
		}
		n, a, err := f.start(ctx)
		if err != nil {
			return err
		}
		defer n.Close()
		if expire {
			k, err := n.Contacts.Expire(ctx, a.ID, f.list, win, dry)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d contacts did not confirm within %s: unsubscribed%s.\n", k, window, dryNote(dry))
			return nil
		}
		var addrs []string
		if err := n.Contacts.Stale(ctx, a.ID, f.list, stale, func(c *contacts.Contact) error {
			addrs = append(addrs, c.EmailAddress)
			return nil
		}); err != nil {
			return err
		}
		sent, failed := 0, 0
		for _, addr := range addrs {
			if dry {
				continue
			}
			id, err := askConsent(ctx, n, a, f.list, addr, true)
			if err != nil {
				failed++
				fmt.Fprintf(cmd.ErrOrStderr(), "hikyaku: %s: %v\n", addr, err)
				continue
			}
			sent++
			fmt.Fprintf(cmd.OutOrStdout(), "%s\tasked\t%s\n", addr, id)
		}
		fmt.Fprintf(cmd.OutOrStdout(), "%d stale contacts: %d asked to confirm, %d failed%s.\n", len(addrs), sent, failed, dryNote(dry))
		if failed > 0 {
			return fmt.Errorf("%d confirmation requests failed (listed above)", failed)
		}
		return nil
	}
	return cmd
}

func dryNote(dry bool) string {
	if dry {
		return " (dry run: nothing changed)"
	}
	return ""
}
