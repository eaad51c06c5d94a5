package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/hikyaku/hikyaku/internal/identity"
)

func identityCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "identity", Short: "Manage sender identities (addresses and domains)"}
	cmd.AddCommand(
		identityAction("create IDENTITY", "Create an identity (a domain gets a DKIM key)", identityCreate),
		identityAction("verify IDENTITY", "Mark an identity verified by operator fiat", identityVerify),
		identityAction("records IDENTITY", "Print the DNS records to publish, in zone-file syntax", identityRecords),
		identityList(),
	)
	return cmd
}

type identityRun func(cmd *cobra.Command, ctx *identityCtx, name string) error

type identityCtx struct {
	accountID string
	svc       *identity.Service
}

func identityAction(use, short string, run identityRun) *cobra.Command {
	var account string
	cmd := &cobra.Command{Use: use + " --account NAME", Short: short, Args: cobra.ExactArgs(1)}
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
			return err
		}
		return run(cmd, &identityCtx{accountID: a.ID, svc: n.Identities}, args[0])
	}
	return cmd
}

func identityCreate(cmd *cobra.Command, c *identityCtx, name string) error {
	id, err := c.svc.Create(cmd.Context(), c.accountID, name, nil)
	if err != nil {
		return fmt.Errorf("create identity %s: %w", name, err)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "Created %s identity %s (%s).\n", id.Type, id.Name, id.VerificationStatus)
	for _, l := range c.svc.Records(id) {
		fmt.Fprintln(cmd.OutOrStdout(), l)
	}
	return nil
}

func identityVerify(cmd *cobra.Command, c *identityCtx, name string) error {
	id, err := c.svc.Verify(cmd.Context(), c.accountID, name)
	if err != nil {
		return fmt.Errorf("verify identity %s (create it first with `hikyaku identity create`): %w", name, err)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "Identity %s is verified.\n", id.Name)
	return nil
}

func identityRecords(cmd *cobra.Command, c *identityCtx, name string) error {
	id, err := c.svc.Get(cmd.Context(), c.accountID, name)
	if err != nil {
		return fmt.Errorf("identity %s: %w", name, err)
	}
	for _, l := range c.svc.Records(id) {
		fmt.Fprintln(cmd.OutOrStdout(), l)
	}
	return nil
}

func identityList() *cobra.Command {
	var account string
	cmd := &cobra.Command{Use: "list --account NAME", Short: "List an account's identities", Args: cobra.NoArgs}
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
			return err
		}
		w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "IDENTITY\tTYPE\tVERIFICATION\tDKIM")
		after := ""
		for {
			ids, err := n.Store.ListIdentities(cmd.Context(), a.ID, after, 500)
			if err != nil {
				return err
			}
			for _, id := range ids {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", id.Name, id.Type, id.VerificationStatus, id.DkimStatus)
			}
			if len(ids) < 500 {
				break
			}
			after = ids[len(ids)-1].Name
		}
		return w.Flush()
	}
	return cmd
}
