// Package node assembles a hikyaku process from its configuration: the
// store, the master key, the services, and (for serve) the listeners.
// Admin commands use the same assembly without listeners, so they work on
// the same store while a server runs.
package node

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"os"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hikyaku/hikyaku/internal/account"
	"github.com/hikyaku/hikyaku/internal/clock"
	"github.com/hikyaku/hikyaku/internal/config"
	"github.com/hikyaku/hikyaku/internal/configset"
	"github.com/hikyaku/hikyaku/internal/contacts"
	"github.com/hikyaku/hikyaku/internal/dns"
	"github.com/hikyaku/hikyaku/internal/identity"
	"github.com/hikyaku/hikyaku/internal/intake"
	"github.com/hikyaku/hikyaku/internal/secret"
	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/store/postgres"
	"github.com/hikyaku/hikyaku/internal/store/sqlite"
	"github.com/hikyaku/hikyaku/internal/templates"
	"github.com/hikyaku/hikyaku/internal/topic"
)

// Node is an assembled process.
type Node struct {
	Config     config.Config
	Log        *slog.Logger
	Clock      clock.Clock
	Store      store.Store
	Box        *secret.Box
	Resolver   dns.Resolver
	Accounts   *account.Service
	Identities *identity.Service
	Intake     *intake.Intake
	ConfigSets *configset.Service
	Topics     *topic.Service
	Templates  *templates.Service
	// Contacts is list management, Links the unsubscribe links of list
	// sends (keyed with a key derived from the master key, so every node
	// reads the links of the others).
	Contacts *contacts.Service
	Links    *contacts.Links
	// System sends the mail hikyaku sends itself: verification links,
	// forwarded feedback.
	System *intake.SystemSender
	// Registry holds the process's Prometheus metrics, served at /metrics.
	Registry *prometheus.Registry
	// VERPKey authenticates return-path addresses; derived from the
	// master key, so every node sharing the store (and its master key)
	// can read the others' bounces.
	VERPKey []byte
}

// deriveKey derives a purpose-bound key from the master key.
func deriveKey(master []byte, label string) []byte {
	m := hmac.New(sha256.New, master)
	m.Write([]byte(label))
	return m.Sum(nil)
}

// Open assembles a node from cfg.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger) (*Node, error) {
	if err := os.MkdirAll(cfg.Data, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory %s: %w", cfg.Data, err)
	}
	master, err := secret.LoadMasterKey(cfg.Data, os.Getenv(secret.EnvMasterKey))
	if err != nil {
		return nil, err
	}
	box, err := secret.NewBox(master)
	if err != nil {
		return nil, err
	}
	st, err := OpenStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	st = newCountingStore(st, reg)
	clk := clock.Real{}
	res, err := dns.New(dns.Config{Server: cfg.Resolver, Clock: clk, Logger: log})
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("resolver (set --resolver HOST:PORT): %w", err)
	}
	n := &Node{Config: cfg, Log: log, Clock: clk, Store: st, Box: box, Resolver: res, Registry: reg,
		VERPKey: deriveKey(master, "hikyaku/verp/v1")}
	n.Accounts = account.New(st, box, clk, log)
	n.Identities = &identity.Service{Store: st, Box: box, Resolver: res, Clock: clk, Log: log, BaseURL: cfg.BaseURL(),
		MXHost: cfg.InboundMXHost(), Hostname: cfg.Hostname}
	n.ConfigSets = configset.New(st, clk)
	n.Topics = topic.New(st, clk, cfg.Region())
	n.Templates = templates.New(st, clk)
	n.Contacts = contacts.New(st, clk)
	n.Links = contacts.NewLinks(deriveKey(master, "hikyaku/unsubscribe/v1"), cfg.BaseURL(), cfg.InboundMXHost())
	n.Intake = intake.New(st, n.Identities, clk, log, intake.Options{
		Region: cfg.Region(), Hostname: cfg.Hostname, KeepMessageID: cfg.KeepMessageID,
		Signing: n.Identities, MailFrom: n.Identities, ConfigSets: n.ConfigSets, Templates: n.Templates,
		DefaultConfigSets: n.Identities, Lists: &contacts.Sending{Contacts: n.Contacts, Links: n.Links},
	})
	n.System = &intake.SystemSender{Intake: n.Intake, From: cfg.SenderAddress()}
	n.Identities.Mailer = n.System
	return n, nil
}

// OpenStore opens the configured store: PostgreSQL for a postgres:// DSN,
// otherwise SQLite in the data directory.
func OpenStore(ctx context.Context, cfg config.Config) (store.Store, error) {
	if cfg.IsPostgres() {
		st, err := postgres.Open(ctx, cfg.Store)
		if err != nil {
			return nil, fmt.Errorf("open PostgreSQL store (check --store and that the server is running): %w", err)
		}
		return st, nil
	}
	st, err := sqlite.Open(ctx, cfg.SQLitePath())
	if err != nil {
		return nil, fmt.Errorf("open SQLite store %s: %w", cfg.SQLitePath(), err)
	}
	return st, nil
}

// Close releases the node.
func (n *Node) Close() error { return n.Store.Close() }
