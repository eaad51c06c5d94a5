// Package config is hikyaku's one definition of its settings. Each field of
// Config carries its flag name, environment variable, default and
// documentation; flags, the TOML config file and the environment are all
// read from it, and docs/CONFIG.md is generated from the same table.
//
// Precedence, lowest to highest: defaults, config file, environment
// (HIKYAKU_*), command-line flags.
package config

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Config holds every setting of hikyaku serve and the admin commands.
type Config struct {
	// Data is the data directory: the SQLite store, the master key, the
	// bootstrap credentials.
	Data string `toml:"data"`
	// Store is the store DSN: empty for SQLite in Data, or
	// postgres://... for PostgreSQL.
	Store string `toml:"store"`
	// HTTP is the listen address of the SES API, /healthz and /metrics.
	HTTP string `toml:"http"`
	// SMTP is the listen address of the submission listener.
	SMTP string `toml:"smtp"`
	// SMTPS is the listen address of the implicit-TLS submission listener.
	SMTPS string `toml:"smtps"`
	// TLSCert and TLSKey are the submission listeners' certificate and key
	// (PEM files); empty generates a self-signed pair in the data dir.
	TLSCert string `toml:"tls_cert"`
	TLSKey  string `toml:"tls_key"`
	// SMTPTrustedNetworks (CIDRs) may submit over SMTP without TLS and
	// AUTH, as SMTPTrustedAccount: Postfix's mynetworks, for local
	// applications that speak plain SMTP. Empty trusts nobody.
	SMTPTrustedNetworks []string `toml:"smtp_trusted_networks"`
	// SMTPTrustedAccount is the account trusted submissions send as.
	SMTPTrustedAccount string `toml:"smtp_trusted_account"`
	// MX is the listen address of the inbound MX listener.
	MX string `toml:"mx"`
	// Regions lists the regions SigV4 accepts; the first is the one
	// reported in ARNs and Message-ID domains.
	Regions []string `toml:"regions"`
	// PublicURL is the base URL of the HTTP listener as recipients reach it
	// (verification and unsubscribe links). Defaults to http://HTTP.
	PublicURL string `toml:"public_url"`
	// Hostname is this node's name: EHLO, Message-ID domain, Received.
	Hostname string `toml:"hostname"`
	// Resolver is the DNS server (HOST:PORT) for MX, TXT and A lookups.
	// Empty means the first nameserver of /etc/resolv.conf.
	Resolver string `toml:"resolver"`
	// MXPort is the port dialled on MX hosts (25; other values for tests).
	MXPort int `toml:"mx_port"`
	// Routes send a domain pattern to a relay instead of its MX:
	// "PATTERN=HOST:PORT".
	Routes []string `toml:"routes"`
	// Relays are routes with AUTH and TLS settings, from the config file
	// only ([[relay]] tables).
	Relays []Relay `toml:"relay"`
	// ReturnPathDomain is the domain of the VERP return paths (MAIL FROM)
	// when an identity has no custom MAIL FROM domain. Defaults to
	// Hostname. Its MX must reach the --mx listener for bounces to return.
	ReturnPathDomain string `toml:"return_path_domain"`
	// MXHost is the host name of the inbound MX (the --mx listener) as
	// the world reaches it. The MX record of an identity's custom MAIL
	// FROM domain must point at it before the domain is used. Defaults
	// to Hostname.
	MXHost string `toml:"mx_host"`
	// MaxDeliveryAge is how long temporary failures are retried before a
	// recipient bounces.
	MaxDeliveryAge time.Duration `toml:"max_delivery_age"`
	// QueueLease is how long a node reserves the recipients it claims
	// from the queue. A node that dies holds them this long before
	// another node (or its own restart) takes them over; a live node
	// extends the leases of the recipients it still holds.
	QueueLease time.Duration `toml:"queue_lease"`
	// Delivery turns the outbound queue on (serve only). Off leaves mail
	// queued, e.g. for an API-only node of a cluster.
	Delivery bool `toml:"delivery"`
	// MaxClockSkew is how far a SigV4 request's time may be from ours.
	MaxClockSkew time.Duration `toml:"max_clock_skew"`
	// VerifyInterval is how often pending identities are re-checked in DNS.
	VerifyInterval time.Duration `toml:"verify_interval"`
	// KeepMessageID keeps a raw message's own Message-ID instead of
	// replacing it as SES does.
	KeepMessageID bool `toml:"keep_message_id"`
	// VerificationFrom is the sender of identity verification mails.
	VerificationFrom string `toml:"verification_from"`
	// FeedbackAddresses are addresses of our own domains that the inbound
	// MX accepts besides VERP return paths: where providers' feedback
	// loops send complaints (matched to messages by Message-ID).
	FeedbackAddresses []string `toml:"feedback_addresses"`
	// NATS is the NATS server (nats://HOST:PORT) that event subscriptions
	// of protocol nats publish to; empty refuses them.
	NATS string `toml:"nats"`
	// EventRetention is how long the event log keeps events.
	EventRetention time.Duration `toml:"event_retention"`
	// Pprof is the listen address of Go's profiler (net/http/pprof), for
	// CPU and allocation profiles of a running node; empty or "off"
	// (the default) serves none. Keep it on loopback: it is unauthenticated.
	Pprof string `toml:"pprof"`
	// LogLevel is debug, info, warn or error; LogFormat text or json.
	LogLevel  string `toml:"log_level"`
	LogFormat string `toml:"log_format"`
}

// Defaults returns the configuration used when nothing is set.
func Defaults() Config {
	host, _ := os.Hostname()
	if host == "" {
		host = "localhost"
	}
	return Config{
		Data:           "./hikyaku-data",
		HTTP:           "127.0.0.1:8025",
		SMTP:           "127.0.0.1:2587",
		SMTPS:          "127.0.0.1:2465",
		MX:             "127.0.0.1:2525",
		Regions:        []string{"us-east-1"},
		Hostname:       host,
		MXPort:         25,
		MaxClockSkew:   15 * time.Minute,
		VerifyInterval: 5 * time.Minute,
		MaxDeliveryAge: 14 * time.Hour,
		QueueLease:     5 * time.Minute,
		EventRetention: 30 * 24 * time.Hour,
		Delivery:       true,
		LogLevel:       "info",
		LogFormat:      "text",
	}
}

// Region is the primary region.
func (c *Config) Region() string {
	if len(c.Regions) == 0 {
		return "us-east-1"
	}
	return c.Regions[0]
}

// BaseURL is PublicURL, or one derived from the HTTP listen address.
func (c *Config) BaseURL() string {
	if c.PublicURL != "" {
		return strings.TrimRight(c.PublicURL, "/")
	}
	return "http://" + c.HTTP
}

// SenderAddress is the From of mail hikyaku sends itself.
func (c *Config) SenderAddress() string {
	if c.VerificationFrom != "" {
		return c.VerificationFrom
	}
	host := c.Hostname
	if !strings.Contains(host, ".") {
		// A bare machine name is not a valid mail domain.
		host += ".localdomain"
	}
	return "no-reply@" + host
}

// InboundMXHost is the host the MX records of custom MAIL FROM domains
// must name: MXHost, or Hostname.
func (c *Config) InboundMXHost() string {
	if c.MXHost != "" {
		return c.MXHost
	}
	return c.Hostname
}

// ReturnPath is the default return-path domain.
func (c *Config) ReturnPath() string {
	if c.ReturnPathDomain != "" {
		return c.ReturnPathDomain
	}
	return c.Hostname
}

// Relay is a route with settings the --route flag cannot carry.
type Relay struct {
	// Pattern is a domain, "*.domain" for its subdomains, or "*".
	Pattern string `toml:"pattern"`
	Host    string `toml:"host"`
	Port    int    `toml:"port"`
	// Username and Password authenticate with SMTP AUTH.
	Username string `toml:"username"`
	Password string `toml:"password"`
	// TLS is none, starttls, require or implicit.
	TLS string `toml:"tls"`
	// VerifyTLS checks the relay's certificate.
	VerifyTLS bool `toml:"verify_tls"`
}

// IsPostgres reports whether Store names a PostgreSQL database.
func (c *Config) IsPostgres() bool {
	return strings.HasPrefix(c.Store, "postgres://") || strings.HasPrefix(c.Store, "postgresql://")
}

// SQLitePath is the database file used when Store is not PostgreSQL.
func (c *Config) SQLitePath() string {
	if c.Store != "" && !c.IsPostgres() {
		return strings.TrimPrefix(c.Store, "sqlite://")
	}
	return filepath.Join(c.Data, "hikyaku.db")
}

// Validate checks the configuration and says how to fix what is wrong.
func (c *Config) Validate() error {
	if c.Data == "" {
		return fmt.Errorf("config: data directory is empty; set --data DIR")
	}
	for _, a := range []struct{ name, v string }{{"http", c.HTTP}, {"smtp", c.SMTP}, {"smtps", c.SMTPS}, {"mx", c.MX}} {
		if a.v == "" || a.v == "off" {
			continue
		}
		if _, _, err := net.SplitHostPort(a.v); err != nil {
			return fmt.Errorf("config: --%s %q is not HOST:PORT: %w", a.name, a.v, err)
		}
	}
	if c.Resolver != "" {
		if _, _, err := net.SplitHostPort(c.Resolver); err != nil {
			return fmt.Errorf("config: --resolver %q is not HOST:PORT: %w", c.Resolver, err)
		}
	}
	if len(c.Regions) == 0 {
		return fmt.Errorf("config: no region; set --region us-east-1")
	}
	if c.MaxClockSkew <= 0 {
		return fmt.Errorf("config: max_clock_skew must be positive")
	}
	if c.QueueLease <= 0 {
		return fmt.Errorf("config: --queue-lease %v must be positive, e.g. 5m", c.QueueLease)
	}
	for _, n := range c.SMTPTrustedNetworks {
		if _, err := netip.ParsePrefix(n); err != nil {
			return fmt.Errorf("config: --smtp-trusted-networks %q is not a CIDR such as 127.0.0.0/8: %w", n, err)
		}
	}
	if len(c.SMTPTrustedNetworks) > 0 && c.SMTPTrustedAccount == "" {
		return fmt.Errorf("config: --smtp-trusted-networks needs --smtp-trusted-account NAME (the account that mail is sent as)")
	}
	for _, r := range c.Routes {
		if _, _, ok := strings.Cut(r, "="); !ok {
			return fmt.Errorf("config: route %q is not PATTERN=HOST:PORT", r)
		}
	}
	return nil
}
