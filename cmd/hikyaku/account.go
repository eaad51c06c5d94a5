package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/hikyaku/hikyaku/internal/secret"
)

func accountCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "account", Short: "Create, list and change accounts"}
	cmd.AddCommand(accountCreateCmd(), accountListCmd(), accountSetCmd())
	return cmd
}

func accountCreateCmd() *cobra.Command {
	var production bool
	cmd := &cobra.Command{
		Use:   "create NAME",
		Short: "Create an account (in the sandbox unless --production)",
		Args:  cobra.ExactArgs(1),
	}
	open := admin(cmd)
	cmd.Flags().BoolVar(&production, "production", false, "create the account out of the sandbox")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		n, err := open(cmd.Context())
		if err != nil {
			return err
		}
		defer n.Close()
		a, err := n.Accounts.Create(cmd.Context(), args[0], production)
		if err != nil {
			return err
		}
		mode := "sandbox"
		if a.Production {
			mode = "production"
		}
		fmt.Fprintf(cmd.OutOrStdout(), "Created account %s (id %s, %s). Make a key with: hikyaku key create --account %s\n",
			a.Name, a.ID, mode, a.Name)
		return nil
	}
	return cmd
}

func accountListCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "list", Short: "List accounts", Args: cobra.NoArgs}
	open := admin(cmd)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		n, err := open(cmd.Context())
		if err != nil {
			return err
		}
		defer n.Close()
		all, err := n.Accounts.List(cmd.Context())
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "NAME\tID\tMODE\tSENDING\tSTATUS\tMAX24H\tRATE")
		for _, a := range all {
			mode := "sandbox"
			if a.Production {
				mode = "production"
			}
			sending := "enabled"
			if !a.SendingEnabled {
				sending = "paused"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", a.Name, a.ID, mode, sending, a.EnforcementStatus,
				quota(a.Max24HourSend), quota(a.MaxSendRate))
		}
		return w.Flush()
	}
	return cmd
}

func quota(v float64) string {
	if v < 0 {
		return "unlimited"
	}
	return fmt.Sprintf("%g", v)
}

func accountSetCmd() *cobra.Command {
	var production, sending bool
	var max24, rate float64
	var status string
	cmd := &cobra.Command{
		Use:   "set NAME",
		Short: "Change an account: --production, --sending, --max-24h-send, --max-send-rate (-1 = unlimited), --enforcement-status",
		Args:  cobra.ExactArgs(1),
	}
	open := admin(cmd)
	f := cmd.Flags()
	f.BoolVar(&production, "production", false, "move the account out of (true) or into (false) the sandbox")
	f.BoolVar(&sending, "sending", true, "enable or pause sending")
	f.Float64Var(&max24, "max-24h-send", 0, "recipients per 24 hours (-1 = unlimited)")
	f.Float64Var(&rate, "max-send-rate", 0, "recipients per second (-1 = unlimited)")
	f.StringVar(&status, "enforcement-status", "", "HEALTHY, PROBATION or SHUTDOWN")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		n, err := open(cmd.Context())
		if err != nil {
			return err
		}
		defer n.Close()
		a, err := n.Accounts.ByName(cmd.Context(), args[0])
		if err != nil {
			return err
		}
		if f.Changed("production") {
			a.Production = production
		}
		if f.Changed("sending") {
			a.SendingEnabled = sending
		}
		if f.Changed("max-24h-send") {
			a.Max24HourSend = max24
		}
		if f.Changed("max-send-rate") {
			a.MaxSendRate = rate
		}
		if f.Changed("enforcement-status") {
			switch status {
			case "HEALTHY", "PROBATION", "SHUTDOWN":
				a.EnforcementStatus = status
			default:
				return fmt.Errorf("--enforcement-status %q: use HEALTHY, PROBATION or SHUTDOWN", status)
			}
		}
		if err := n.Accounts.Update(cmd.Context(), a); err != nil {
			return err
		}
		fmt.Fprintf(cmd.OutOrStdout(), "Updated account %s.\n", a.Name)
		return nil
	}
	return cmd
}

func keyCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "key", Short: "Manage access keys"}
	var name string
	create := &cobra.Command{
		Use:   "create --account NAME",
		Short: "Create an access key; prints the key ID, the secret and the SMTP password",
		Args:  cobra.NoArgs,
	}
	open := admin(create)
	create.Flags().StringVar(&name, "account", "", "account name (required)")
	_ = create.MarkFlagRequired("account")
	create.RunE = func(cmd *cobra.Command, _ []string) error {
		n, err := open(cmd.Context())
		if err != nil {
			return err
		}
		defer n.Close()
		a, err := n.Accounts.ByName(cmd.Context(), name)
		if err != nil {
			return err
		}
		c, err := n.Accounts.CreateKey(cmd.Context(), a.ID, "", "")
		if err != nil {
			return err
		}
		region := n.Config.Region()
		out := cmd.OutOrStdout()
		fmt.Fprintf(out, "AccessKeyId:     %s\n", c.AccessKeyID)
		fmt.Fprintf(out, "SecretAccessKey: %s\n", c.SecretAccessKey)
		fmt.Fprintf(out, "SmtpUsername:    %s\n", c.AccessKeyID)
		fmt.Fprintf(out, "SmtpPassword:    %s\n", secret.SMTPPassword(c.SecretAccessKey, region))
		fmt.Fprintf(out, "\nThe secret is shown only now; store it safely.\n")
		return nil
	}
	cmd.AddCommand(create)
	return cmd
}
