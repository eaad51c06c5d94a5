package dns

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"time"

	"github.com/hikyaku/hikyaku/internal/clock"
)

// Config says how a Client asks the DNS. The zero value asks the first
// nameserver of /etc/resolv.conf with the defaults below.
type Config struct {
	// Server is the recursive resolver to ask, as IP:PORT or IP (port
	// 53); an IPv6 address with a port is written [IP]:PORT. Set by the
	// --resolver flag. Empty means the first nameserver of
	// /etc/resolv.conf.
	Server string
	// Timeout bounds one attempt: a UDP exchange, and its TCP retry when
	// the answer is truncated. Zero means 2s.
	Timeout time.Duration
	// Attempts is how many times a query is sent before a timeout or
	// SERVFAIL is given up on. Zero means 2: one retry.
	Attempts int
	// CacheSize is how many answers are kept, positive and negative.
	// Zero means 4096; negative turns the cache off.
	CacheSize int
	// MaxCacheTTL caps how long an answer is kept, whatever its TTL.
	// Zero means 1h.
	MaxCacheTTL time.Duration
	// NegativeCacheTTL caps how long an absence (NXDOMAIN, NODATA) is
	// kept, so a record a user has just published is seen soon. Zero
	// means 1m.
	NegativeCacheTTL time.Duration
	// Clock tells the time for the cache. Nil means the system clock.
	Clock clock.Clock
	// Logger receives retries and failures at debug level. Nil discards.
	Logger *slog.Logger
}

// ResolvConf is where the default server is read from.
const ResolvConf = "/etc/resolv.conf"

// withDefaults checks c and fills in what it leaves zero.
func (c Config) withDefaults() (Config, error) {
	var errs []error
	if c.Timeout < 0 {
		errs = append(errs, fmt.Errorf("timeout %v is negative", c.Timeout))
	}
	if c.Attempts < 0 {
		errs = append(errs, fmt.Errorf("attempts %d is negative", c.Attempts))
	}
	if c.MaxCacheTTL < 0 || c.NegativeCacheTTL < 0 {
		errs = append(errs, errors.New("cache TTLs must not be negative"))
	}
	if c.Server == "" {
		s, err := ServerFromResolvConf(ResolvConf)
		if err != nil {
			errs = append(errs, fmt.Errorf("no --resolver given and %w", err))
		}
		c.Server = s
	} else {
		s, err := normalizeServer(c.Server)
		if err != nil {
			errs = append(errs, err)
		}
		c.Server = s
	}
	if err := errors.Join(errs...); err != nil {
		return c, fmt.Errorf("dns: config: %w", err)
	}
	if c.Timeout == 0 {
		c.Timeout = 2 * time.Second
	}
	if c.Attempts == 0 {
		c.Attempts = 2
	}
	if c.CacheSize == 0 {
		c.CacheSize = 4096
	}
	if c.MaxCacheTTL == 0 {
		c.MaxCacheTTL = time.Hour
	}
	if c.NegativeCacheTTL == 0 {
		c.NegativeCacheTTL = time.Minute
	}
	if c.Clock == nil {
		c.Clock = clock.Real{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

// normalizeServer turns IP or IP:PORT into IP:PORT.
func normalizeServer(s string) (string, error) {
	if a, err := netip.ParseAddr(s); err == nil {
		return netip.AddrPortFrom(a, 53).String(), nil
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return "", fmt.Errorf("--resolver %q is not IP:PORT (e.g. 127.0.0.1:53 or [::1]:53)", s)
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return "", fmt.Errorf("--resolver %q: %q is not an IP address", s, host)
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil || p == 0 {
		return "", fmt.Errorf("--resolver %q: %q is not a port", s, port)
	}
	return netip.AddrPortFrom(a, uint16(p)).String(), nil
}

// Client is a Resolver that asks one recursive resolver (a stub resolver,
// in RFC 1034 terms), caching answers for their TTL. It is safe for
// concurrent use.
type Client struct {
	cfg   Config
	cache *cache // nil when caching is off
}

var _ Resolver = (*Client)(nil)

// New returns a Client for cfg, or an error saying what in cfg is wrong.
func New(cfg Config) (*Client, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg}
	if cfg.CacheSize > 0 {
		c.cache = newCache(cfg.CacheSize, cfg.Clock)
	}
	return c, nil
}

// Server is the resolver the client asks, as IP:PORT.
func (c *Client) Server() string { return c.cfg.Server }
