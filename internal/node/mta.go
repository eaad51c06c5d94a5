package node

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hikyaku/hikyaku/internal/delivery"
	"github.com/hikyaku/hikyaku/internal/queue"
	"github.com/hikyaku/hikyaku/internal/shaping"
	"github.com/hikyaku/hikyaku/internal/smtpd"
)

// routes turns --route flags and [[relay]] tables into delivery routes.
func (n *Node) routes() ([]delivery.Route, error) {
	var out []delivery.Route
	for _, s := range n.Config.Routes {
		r, err := delivery.ParseRoute(s)
		if err != nil {
			return nil, fmt.Errorf("--route %q: %w", s, err)
		}
		out = append(out, r)
	}
	for _, rl := range n.Config.Relays {
		r := delivery.Route{Pattern: rl.Pattern, Host: rl.Host, Port: rl.Port, Username: rl.Username,
			Password: rl.Password, TLS: delivery.TLSMode(rl.TLS), VerifyTLS: rl.VerifyTLS}
		if err := r.Validate(); err != nil {
			return nil, fmt.Errorf("[[relay]] %s: %w", rl.Pattern, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// startQueue builds the outbound path (router, connection pool, shaper,
// scheduler) and runs the scheduler until ctx ends. The returned function
// waits for it to stop.
func (n *Node) startQueue(ctx context.Context, reg prometheus.Registerer) (func(), error) {
	cfg := n.Config
	routes, err := n.routes()
	if err != nil {
		return nil, err
	}
	router, err := delivery.NewRouter(delivery.RouterConfig{Resolver: n.Resolver, Routes: routes, MXPort: cfg.MXPort})
	if err != nil {
		return nil, err
	}
	pool, err := delivery.NewPool(delivery.PoolConfig{Resolver: n.Resolver, HelloName: cfg.Hostname, Logger: n.Log})
	if err != nil {
		return nil, err
	}
	shaper, err := shaping.Open(cfg.Data, n.Clock, n.Log, reg)
	if err != nil {
		return nil, fmt.Errorf("traffic shaping (%s/%s): %w", cfg.Data, shaping.FileName, err)
	}
	sched := queue.New(n.Store, router, pool, shaper, n.Clock, n.Log, queue.NewMetrics(reg), queue.Config{
		MaxAge:            cfg.MaxDeliveryAge,
		Lease:             cfg.QueueLease,
		ReturnPathDomain:  cfg.ReturnPath(),
		VERPKey:           n.VERPKey,
		Hostname:          cfg.Hostname,
		SuppressedReasons: n.ConfigSets.SuppressedReasons,
	})
	n.Intake.SetQueue(sched)
	if reg != nil {
		reg.MustRegister(sched)
	}
	done := make(chan struct{})
	go shaper.Run(ctx)
	go n.reportQueue(ctx, reg)
	go func() {
		defer close(done)
		if err := sched.Run(ctx); err != nil {
			n.Log.Error("queue stopped", "err", err)
		}
		_ = pool.Close()
	}()
	return func() { <-done }, nil
}

// startSubmission starts the SMTP submission listeners.
func (n *Node) startSubmission(ctx context.Context) (*smtpd.Server, error) {
	cfg := n.Config
	sc := smtpd.Config{
		Addr: cfg.SMTP, TLSAddr: cfg.SMTPS, Hostname: cfg.Hostname,
		CertFile: cfg.TLSCert, KeyFile: cfg.TLSKey, DataDir: cfg.Data,
	}
	if len(cfg.SMTPTrustedNetworks) > 0 {
		acct, err := n.Accounts.ByName(ctx, cfg.SMTPTrustedAccount)
		if err != nil {
			return nil, fmt.Errorf("--smtp-trusted-account: %w", err)
		}
		sc.TrustedAccount = acct
		for _, p := range cfg.SMTPTrustedNetworks {
			sc.TrustedNetworks = append(sc.TrustedNetworks, netip.MustParsePrefix(p)) // validated by config
		}
		n.Log.Warn("SMTP submission from trusted networks needs no AUTH", "networks", cfg.SMTPTrustedNetworks, "account", acct.Name)
	}
	srv := smtpd.New(sc, smtpd.AccountAuth{Accounts: n.Accounts, Region: cfg.Region()}, smtpd.IntakeSubmitter{Intake: n.Intake, Accounts: n.Accounts}, n.Log)
	if err := srv.Start(ctx); err != nil {
		return nil, fmt.Errorf("SMTP submission (--smtp %s, --smtps %s): %w", cfg.SMTP, cfg.SMTPS, err)
	}
	return srv, nil
}
