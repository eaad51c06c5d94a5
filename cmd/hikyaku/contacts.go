package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hikyaku/hikyaku/internal/contacts"
	"github.com/hikyaku/hikyaku/internal/fault"
)

func contactsCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "contacts", Short: "Manage an account's contact list (SES list management)"}
	cmd.AddCommand(contactsImportCmd())
	cmd.AddCommand(contactsInviteCmd(), contactsSunsetCmd(), contactsRepermissionCmd())
	return cmd
}

// contactsProgressEvery is how many rows pass between progress lines.
const contactsProgressEvery = 1000

func contactsImportCmd() *cobra.Command {
	var account, list string
	cmd := &cobra.Command{
		Use:   "import FILE --list LIST --account NAME",
		Short: "Add or replace the contacts of a CSV file in a contact list (- for standard input)",
		Long: `Add the contacts of a CSV file ("-" for standard input) to a contact list, or
replace those already on it, in the CSV format of SES's contact import jobs:

  emailAddress,unsubscribeAll,attributesData,topicPreferences.Sports,topicPreferences.Cycling
  jane@example.com,false,"{""Name"": ""Jane""}",OPT_IN,OPT_OUT
  joe@example.org,true,,,

The first row names the columns, in any order and case:
  emailAddress (or email)   required
  unsubscribeAll            true or false (empty: false)
  attributesData            a JSON object
  topicPreferences.TOPIC    OPT_IN or OPT_OUT for the list's topic TOPIC
                            (empty: no preference, the topic's default)
  attributes.NAME           one attribute (a string) added to attributesData

The list must exist (CreateContactList). Rows that cannot be imported are
listed with their line numbers and reasons and skipped; the others are
imported, with a progress line every 1,000 rows, and the command then exits
non-zero.`,
		Args: cobra.ExactArgs(1),
	}
	open := admin(cmd)
	cmd.Flags().StringVar(&account, "account", "default", "account name")
	cmd.Flags().StringVar(&list, "list", "", "contact list name (required)")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if list == "" {
			return fmt.Errorf("--list is required: the contact list to import into (see aws sesv2 list-contact-lists)")
		}
		n, err := open(cmd.Context())
		if err != nil {
			return err
		}
		defer n.Close()
		a, err := n.Accounts.ByName(cmd.Context(), account)
		if err != nil {
			return fmt.Errorf("account %s (list accounts with `hikyaku account list`): %w", account, err)
		}
		in, closeIn, err := openInput(cmd, args[0])
		if err != nil {
			return err
		}
		defer closeIn()
		stderr := cmd.ErrOrStderr()
		res, err := n.Contacts.Import(cmd.Context(), a.ID, list, in, contactsProgressEvery, func(r contacts.ImportResult) {
			fmt.Fprintf(stderr, "hikyaku: %d rows read, %d imported, %d failed\n", r.Rows, r.Created+r.Updated, len(r.Errors))
		})
		if res != nil {
			for _, e := range res.Errors {
				msg := e.Err.Error()
				if f := fault.As(e.Err); f != nil {
					msg = f.Message
				}
				fmt.Fprintf(stderr, "hikyaku: %s:%d: %s\n", args[0], e.Line, msg)
			}
		}
		if err != nil {
			done := 0
			if res != nil {
				done = res.Created + res.Updated
			}
			return fmt.Errorf("import %s into %s after %d contacts: %w", args[0], list, done, err)
		}
		fmt.Fprintf(cmd.OutOrStdout(), "Imported %d contacts into %s: %d new, %d replaced.\n", res.Created+res.Updated, list, res.Created, res.Updated)
		if len(res.Errors) > 0 {
			return fmt.Errorf("%d rows of %s were not imported (listed above)", len(res.Errors), args[0])
		}
		return nil
	}
	return cmd
}
