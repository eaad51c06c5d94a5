package node

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/hikyaku/hikyaku/internal/account"
	"github.com/hikyaku/hikyaku/internal/osslrsa"
	"github.com/hikyaku/hikyaku/internal/sesapi"
	"github.com/hikyaku/hikyaku/internal/sigv4"
	"github.com/hikyaku/hikyaku/internal/smtpd"
)

// Serve bootstraps the store if it is new, then serves the API until ctx
// ends, and shuts down gracefully: in-flight requests finish and pending
// commits are flushed. out receives the bootstrap credentials.
func (n *Node) Serve(ctx context.Context, out io.Writer) error {
	cfg := n.Config
	creds, err := n.Accounts.Bootstrap(ctx, cfg.Data, cfg.Region(),
		os.Getenv("HIKYAKU_BOOTSTRAP_ACCESS_KEY_ID"), os.Getenv("HIKYAKU_BOOTSTRAP_SECRET_ACCESS_KEY"))
	if err != nil {
		return err
	}
	if creds != nil {
		fmt.Fprintf(out, "Created account %q with an access key (also written to %s/credentials):\n\n%s\n",
			account.DefaultName, cfg.Data, account.ExportLines(creds, cfg.BaseURL(), cfg.Region()))
	}

	reg := n.Registry
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if err := osslrsa.Available(); err != nil {
		n.Log.Info("DKIM signs with Go's crypto/rsa (slower than OpenSSL)", "why", err)
	} else {
		n.Log.Info("DKIM signs through the system's OpenSSL (libcrypto 3)")
	}
	signer, err := n.snsSigner()
	if err != nil {
		return err
	}
	api := &sesapi.Server{
		Store: n.Store, Accounts: n.Accounts, Identities: n.Identities, Intake: n.Intake, System: n.System,
		ConfigSets: n.ConfigSets, Topics: n.Topics, Templates: n.Templates, Contacts: n.Contacts, Links: n.Links,
		SigningCert: signer.CertificatePEM(), CertName: signer.CertFileName(),
		Verifier: &sigv4.Verifier{
			Lookup: func(ctx context.Context, id string) (string, error) {
				s, _, err := n.Accounts.Secret(ctx, id)
				if errors.Is(err, account.ErrUnknownKey) {
					return "", sigv4.ErrUnknownKey
				}
				return s, err
			},
			Regions:  cfg.Regions,
			Services: []string{"ses", "email", "sns"},
			Clock:    n.Clock,
			MaxSkew:  cfg.MaxClockSkew,
		},
		Clock: n.Clock, Log: n.Log, Region: cfg.Region(), Registry: reg,
		Healthy: func(ctx context.Context) error {
			_, err := n.Store.ListAccounts(ctx)
			return err
		},
	}
	ln, err := net.Listen("tcp", cfg.HTTP)
	if err != nil {
		return fmt.Errorf("listen on --http %s (is another process using it?): %w", cfg.HTTP, err)
	}
	if cfg.PublicURL == "" {
		// Links must carry the port actually bound (--http :0 in tests).
		n.Identities.BaseURL = "http://" + ln.Addr().String()
		n.Links.SetBaseURL(n.Identities.BaseURL)
	}
	srv := &http.Server{Handler: api.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go n.Identities.Run(ctx, cfg.VerifyInterval)
	if enabled(cfg.Pprof) {
		if err := n.startPprof(ctx, cfg.Pprof); err != nil {
			return err
		}
	}

	waitPublisher := n.startPublisher(ctx, signer, n.Identities.BaseURL, reg)
	rep, err := n.Reputation()
	if err != nil {
		return err
	}
	rep.Register(reg)
	go rep.Run(ctx)
	waitQueue := func() {}
	if cfg.Delivery {
		if waitQueue, err = n.startQueue(ctx, reg); err != nil {
			return err
		}
	}
	var sub *smtpd.Server
	if enabled(cfg.SMTP) || enabled(cfg.SMTPS) {
		if sub, err = n.startSubmission(ctx); err != nil {
			return err
		}
		n.Log.Info("smtp submission serving", "starttls", sub.Addr(), "tls", sub.TLSAddr())
	}
	if enabled(cfg.MX) {
		inbound, err := n.startMX(ctx)
		if err != nil {
			return err
		}
		defer inbound.Close()
		n.Log.Info("mx serving", "addr", inbound.Addr())
	}
	n.Log.Info("hikyaku serving", "http", ln.Addr().String(), "data", cfg.Data, "store", storeKind(&cfg),
		"region", cfg.Region(), "delivery", cfg.Delivery)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	n.Log.Info("shutting down")
	sctx, scancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer scancel()
	if err := srv.Shutdown(sctx); err != nil {
		n.Log.Warn("http shutdown", "err", err)
	}
	if sub != nil {
		if err := sub.Shutdown(sctx); err != nil {
			n.Log.Warn("smtp shutdown", "err", err)
		}
	}
	waitQueue()
	cancel()
	waitPublisher()
	return nil
}

func enabled(addr string) bool { return addr != "" && addr != "off" }

func storeKind(c interface{ IsPostgres() bool }) string {
	if c.IsPostgres() {
		return "postgres"
	}
	return "sqlite"
}
