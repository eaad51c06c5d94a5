package config

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"
	"github.com/spf13/pflag"
)

// setting describes one field for flags and the environment.
type setting struct {
	flag, env, usage string
	str              *string
	list             *[]string
	dur              *time.Duration
	num              *int
	boolean          *bool
}

func (c *Config) settings() []setting {
	return []setting{
		{flag: "data", env: "HIKYAKU_DATA", usage: "data directory (SQLite store, master key, credentials)", str: &c.Data},
		{flag: "store", env: "HIKYAKU_STORE", usage: "store DSN: empty for SQLite in --data, or postgres://...", str: &c.Store},
		{flag: "http", env: "HIKYAKU_HTTP", usage: "SES API, /healthz and /metrics listen address", str: &c.HTTP},
		{flag: "smtp", env: "HIKYAKU_SMTP", usage: "SMTP submission listen address with STARTTLS (off to disable)", str: &c.SMTP},
		{flag: "smtps", env: "HIKYAKU_SMTPS", usage: "SMTP submission listen address with implicit TLS (off to disable)", str: &c.SMTPS},
		{flag: "tls-cert", env: "HIKYAKU_TLS_CERT", usage: "PEM certificate of the submission listeners (default: self-signed in --data)", str: &c.TLSCert},
		{flag: "tls-key", env: "HIKYAKU_TLS_KEY", usage: "PEM private key of the submission listeners", str: &c.TLSKey},
		{flag: "smtp-trusted-networks", env: "HIKYAKU_SMTP_TRUSTED_NETWORKS", usage: "CIDRs that may submit over SMTP without TLS and AUTH (like Postfix mynetworks; repeatable)", list: &c.SMTPTrustedNetworks},
		{flag: "smtp-trusted-account", env: "HIKYAKU_SMTP_TRUSTED_ACCOUNT", usage: "account that trusted-network SMTP submissions are sent as", str: &c.SMTPTrustedAccount},
		{flag: "mx", env: "HIKYAKU_MX", usage: "inbound MX listen address, for bounces and complaints (off to disable)", str: &c.MX},
		{flag: "region", env: "HIKYAKU_REGIONS", usage: "regions accepted in SigV4 scopes; the first is primary", list: &c.Regions},
		{flag: "public-url", env: "HIKYAKU_PUBLIC_URL", usage: "base URL of the HTTP listener as recipients reach it", str: &c.PublicURL},
		{flag: "hostname", env: "HIKYAKU_HOSTNAME", usage: "this node's host name (EHLO, Message-ID)", str: &c.Hostname},
		{flag: "resolver", env: "HIKYAKU_RESOLVER", usage: "DNS server HOST:PORT for MX/TXT/A lookups (default: /etc/resolv.conf)", str: &c.Resolver},
		{flag: "mx-port", env: "HIKYAKU_MX_PORT", usage: "port dialled on MX hosts (outbound delivery)", num: &c.MXPort},
		{flag: "route", env: "HIKYAKU_ROUTES", usage: "PATTERN=HOST:PORT: deliver a domain to a relay instead of its MX (repeatable; outbound delivery)", list: &c.Routes},
		{flag: "return-path-domain", env: "HIKYAKU_RETURN_PATH_DOMAIN", usage: "domain of VERP return paths (default: --hostname); its MX must reach --mx", str: &c.ReturnPathDomain},
		{flag: "mx-host", env: "HIKYAKU_MX_HOST", usage: "host name of the inbound MX as the world reaches it; custom MAIL FROM domains must have their MX point at it (default: --hostname)", str: &c.MXHost},
		{flag: "max-delivery-age", env: "HIKYAKU_MAX_DELIVERY_AGE", usage: "how long temporary failures are retried before a bounce", dur: &c.MaxDeliveryAge},
		{flag: "queue-lease", env: "HIKYAKU_QUEUE_LEASE", usage: "how long a claimed recipient is reserved; a dead node's work is taken over after it", dur: &c.QueueLease},
		{flag: "delivery", env: "HIKYAKU_DELIVERY", usage: "run the outbound queue (false: accept and queue only)", boolean: &c.Delivery},
		{flag: "max-clock-skew", env: "HIKYAKU_MAX_CLOCK_SKEW", usage: "largest accepted SigV4 clock difference", dur: &c.MaxClockSkew},
		{flag: "verify-interval", env: "HIKYAKU_VERIFY_INTERVAL", usage: "how often pending identities are re-checked in DNS", dur: &c.VerifyInterval},
		{flag: "keep-message-id", env: "HIKYAKU_KEEP_MESSAGE_ID", usage: "keep a raw message's own Message-ID instead of replacing it", boolean: &c.KeepMessageID},
		{flag: "verification-from", env: "HIKYAKU_VERIFICATION_FROM", usage: "sender of identity verification mail (default no-reply@HOSTNAME)", str: &c.VerificationFrom},
		{flag: "feedback-address", env: "HIKYAKU_FEEDBACK_ADDRESSES", usage: "address the inbound MX accepts for feedback-loop complaints besides VERP return paths (repeatable)", list: &c.FeedbackAddresses},
		{flag: "nats", env: "HIKYAKU_NATS", usage: "NATS server (nats://HOST:4222) for event subscriptions of protocol nats", str: &c.NATS},
		{flag: "event-retention", env: "HIKYAKU_EVENT_RETENTION", usage: "how long the event log keeps events (searchable with trace)", dur: &c.EventRetention},
		{flag: "pprof", env: "HIKYAKU_PPROF", usage: "listen address of Go's profiler, net/http/pprof (off by default; unauthenticated, keep it on loopback)", str: &c.Pprof},
		{flag: "log-level", env: "HIKYAKU_LOG_LEVEL", usage: "debug, info, warn or error", str: &c.LogLevel},
		{flag: "log-format", env: "HIKYAKU_LOG_FORMAT", usage: "text or json", str: &c.LogFormat},
	}
}

// Loader binds a Config to a flag set, then resolves it.
type Loader struct {
	flags  *pflag.FlagSet
	file   string
	values Config // flag targets
	cfg    *Config
}

// Bind registers every setting on fs (plus --config) and returns a loader
// whose Load fills cfg. Only the names in only are registered when only is
// non-empty (admin commands need just --data and --store).
func Bind(fs *pflag.FlagSet, cfg *Config, only ...string) *Loader {
	l := &Loader{flags: fs, cfg: cfg}
	fs.StringVar(&l.file, "config", os.Getenv("HIKYAKU_CONFIG"), "TOML config file (env HIKYAKU_CONFIG)")
	want := map[string]bool{}
	for _, o := range only {
		want[o] = true
	}
	for _, s := range l.values.settings() {
		if len(want) > 0 && !want[s.flag] {
			continue
		}
		usage := s.usage + " (env " + s.env + ")"
		switch {
		case s.str != nil:
			fs.StringVar(s.str, s.flag, "", usage)
		case s.list != nil:
			fs.StringArrayVar(s.list, s.flag, nil, usage)
		case s.dur != nil:
			fs.DurationVar(s.dur, s.flag, 0, usage)
		case s.num != nil:
			fs.IntVar(s.num, s.flag, 0, usage)
		case s.boolean != nil:
			fs.BoolVar(s.boolean, s.flag, false, usage)
		}
	}
	return l
}

// Load resolves defaults, file, environment and flags into the bound Config.
func (l *Loader) Load() error {
	c := Defaults()
	if l.file != "" {
		b, err := os.ReadFile(l.file)
		if err != nil {
			return fmt.Errorf("config: %w", err)
		}
		var f fileConfig
		if err := toml.Unmarshal(b, &f); err != nil {
			return fmt.Errorf("config: %s: %w", l.file, err)
		}
		f.apply(&c)
	}
	dst := c.settings()
	src := l.values.settings()
	for i, s := range dst {
		if v, ok := os.LookupEnv(s.env); ok && v != "" {
			if err := s.set(v); err != nil {
				return fmt.Errorf("config: %s=%q: %w", s.env, v, err)
			}
		}
		f := l.flags.Lookup(s.flag)
		if f == nil || !f.Changed {
			continue
		}
		o := src[i]
		switch {
		case s.str != nil:
			*s.str = *o.str
		case s.list != nil:
			*s.list = *o.list
		case s.dur != nil:
			*s.dur = *o.dur
		case s.num != nil:
			*s.num = *o.num
		case s.boolean != nil:
			*s.boolean = *o.boolean
		}
	}
	*l.cfg = c
	return c.Validate()
}

func (s setting) set(v string) error {
	switch {
	case s.str != nil:
		*s.str = v
	case s.list != nil:
		var out []string
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		*s.list = out
	case s.dur != nil:
		d, err := time.ParseDuration(v)
		if err != nil {
			return err
		}
		*s.dur = d
	case s.num != nil:
		n, err := strconv.Atoi(v)
		if err != nil {
			return err
		}
		*s.num = n
	case s.boolean != nil:
		b, err := strconv.ParseBool(v)
		if err != nil {
			return err
		}
		*s.boolean = b
	}
	return nil
}

// fileConfig is the TOML file's shape: every field optional.
type fileConfig struct {
	Data              *string   `toml:"data"`
	Store             *string   `toml:"store"`
	HTTP              *string   `toml:"http"`
	SMTP              *string   `toml:"smtp"`
	SMTPS             *string   `toml:"smtps"`
	TrustedNetworks   []string  `toml:"smtp_trusted_networks"`
	TrustedAccount    *string   `toml:"smtp_trusted_account"`
	TLSCert           *string   `toml:"tls_cert"`
	TLSKey            *string   `toml:"tls_key"`
	ReturnPathDomain  *string   `toml:"return_path_domain"`
	MXHost            *string   `toml:"mx_host"`
	MaxDeliveryAge    *duration `toml:"max_delivery_age"`
	QueueLease        *duration `toml:"queue_lease"`
	Delivery          *bool     `toml:"delivery"`
	Relays            []Relay   `toml:"relay"`
	MX                *string   `toml:"mx"`
	Regions           []string  `toml:"regions"`
	PublicURL         *string   `toml:"public_url"`
	Hostname          *string   `toml:"hostname"`
	Resolver          *string   `toml:"resolver"`
	MXPort            *int      `toml:"mx_port"`
	Routes            []string  `toml:"routes"`
	MaxClockSkew      *duration `toml:"max_clock_skew"`
	VerifyInterval    *duration `toml:"verify_interval"`
	KeepMessageID     *bool     `toml:"keep_message_id"`
	VerificationFrom  *string   `toml:"verification_from"`
	FeedbackAddresses []string  `toml:"feedback_addresses"`
	NATS              *string   `toml:"nats"`
	EventRetention    *duration `toml:"event_retention"`
	LogLevel          *string   `toml:"log_level"`
	LogFormat         *string   `toml:"log_format"`
}

type duration struct{ time.Duration }

func (d *duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	d.Duration = v
	return err
}

func (f *fileConfig) apply(c *Config) {
	setS := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	setS(&c.Data, f.Data)
	setS(&c.Store, f.Store)
	setS(&c.HTTP, f.HTTP)
	setS(&c.SMTP, f.SMTP)
	setS(&c.SMTPS, f.SMTPS)
	setS(&c.SMTPTrustedAccount, f.TrustedAccount)
	if f.TrustedNetworks != nil {
		c.SMTPTrustedNetworks = f.TrustedNetworks
	}
	setS(&c.TLSCert, f.TLSCert)
	setS(&c.TLSKey, f.TLSKey)
	setS(&c.ReturnPathDomain, f.ReturnPathDomain)
	setS(&c.MXHost, f.MXHost)
	if f.MaxDeliveryAge != nil {
		c.MaxDeliveryAge = f.MaxDeliveryAge.Duration
	}
	if f.QueueLease != nil {
		c.QueueLease = f.QueueLease.Duration
	}
	if f.Delivery != nil {
		c.Delivery = *f.Delivery
	}
	if f.Relays != nil {
		c.Relays = f.Relays
	}
	setS(&c.MX, f.MX)
	setS(&c.PublicURL, f.PublicURL)
	setS(&c.Hostname, f.Hostname)
	setS(&c.Resolver, f.Resolver)
	setS(&c.VerificationFrom, f.VerificationFrom)
	setS(&c.NATS, f.NATS)
	if f.FeedbackAddresses != nil {
		c.FeedbackAddresses = f.FeedbackAddresses
	}
	if f.EventRetention != nil {
		c.EventRetention = f.EventRetention.Duration
	}
	setS(&c.LogLevel, f.LogLevel)
	setS(&c.LogFormat, f.LogFormat)
	if f.Regions != nil {
		c.Regions = f.Regions
	}
	if f.Routes != nil {
		c.Routes = f.Routes
	}
	if f.MXPort != nil {
		c.MXPort = *f.MXPort
	}
	if f.MaxClockSkew != nil {
		c.MaxClockSkew = f.MaxClockSkew.Duration
	}
	if f.VerifyInterval != nil {
		c.VerifyInterval = f.VerifyInterval.Duration
	}
	if f.KeepMessageID != nil {
		c.KeepMessageID = *f.KeepMessageID
	}
}
