package shaping

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hikyaku/hikyaku/internal/clock"
)

const (
	// IdleAfter is how long a site goes unused before it is dropped.
	IdleAfter = time.Hour
	// PollInterval is how often Run looks for a changed shaping file and
	// drops idle sites.
	PollInterval = 10 * time.Second
	// domainKeyPrefix marks the key of a per-domain override site.
	domainKeyPrefix = "domain:"
)

// Shaper hands out the Site for each destination and keeps their limits in
// line with the rules. Safe for concurrent use.
type Shaper struct {
	clk  Waiter
	log  *slog.Logger
	m    *metrics
	path string // shaping file; empty when built from rules

	mu    sync.Mutex
	rules *Rules
	sites map[string]*Site
	stamp fileStamp // of the file last loaded
}

// New returns a shaper for rules (DefaultRules when nil). log may be nil
// for no logging, reg nil for no metrics. A clk with an After method (such
// as FakeClock) is also used for waiting; any other clock waits in real
// time.
func New(rules *Rules, clk clock.Clock, log *slog.Logger, reg prometheus.Registerer) (*Shaper, error) {
	if rules == nil {
		rules = DefaultRules()
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m, err := newMetrics(reg)
	if err != nil {
		return nil, fmt.Errorf("shaping: registering metrics: %w", err)
	}
	return &Shaper{clk: waiterFor(clk), log: log, m: m, rules: rules, sites: map[string]*Site{}}, nil
}

// Open returns a shaper for the shaping file in dataDir, writing the
// shipped presets there first if there is none. Run keeps it in step with
// later edits; Reload does so on demand.
func Open(dataDir string, clk clock.Clock, log *slog.Logger, reg prometheus.Registerer) (*Shaper, error) {
	path := filepath.Join(dataDir, FileName)
	created, err := EnsureFile(path)
	if err != nil {
		return nil, err
	}
	stamp, _ := statFile(path)
	rules, err := LoadFile(path)
	if err != nil {
		return nil, fmt.Errorf("shaping: fix the shaping file and start again: %w", err)
	}
	s, err := New(rules, clk, log, reg)
	if err != nil {
		return nil, err
	}
	s.path, s.stamp = path, stamp
	s.m.reloads.WithLabelValues("ok").Inc()
	if created {
		s.log.Info("shaping: wrote the preset shaping file; edit it to tune per-site limits", slog.String("path", path))
	}
	s.logLoaded(rules)
	return s, nil
}

// Site returns the site with this key, making it on first use with the
// limits of the rule its MX hosts match. Sites are shared: every domain
// whose MX hosts give the same key shares one set of limits.
func (s *Shaper) Site(key string, mxHosts []string) *Site {
	s.mu.Lock()
	defer s.mu.Unlock()
	if site := s.sites[key]; site != nil {
		return site
	}
	mx := normHosts(mxHosts)
	site := newSite(s, key, mx, "", s.rules.Match(mx), s.rules.Throttle, s.clk.Now())
	s.sites[key] = site
	return site
}

// DomainSite is Site for a delivery to domain: if the shaping file has a
// [domain."…"] rule for it, the domain gets a site of its own (keyed
// "domain:" plus the domain) with that rule's limits; otherwise it is
// Site(key, mxHosts).
func (s *Shaper) DomainSite(domain, key string, mxHosts []string) *Site {
	s.mu.Lock()
	rule, ok := s.rules.MatchDomain(domain)
	if !ok {
		s.mu.Unlock()
		return s.Site(key, mxHosts)
	}
	defer s.mu.Unlock()
	dkey := domainKeyPrefix + rule.Domain
	if site := s.sites[dkey]; site != nil {
		return site
	}
	site := newSite(s, dkey, normHosts(mxHosts), rule.Domain, rule, s.rules.Throttle, s.clk.Now())
	s.sites[dkey] = site
	return site
}

// Rules returns the rules in force.
func (s *Shaper) Rules() *Rules {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rules
}

// SetRules puts new rules in force. Every site takes its new rule's
// limits; open connections and throttle state carry over.
func (s *Shaper) SetRules(r *Rules) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rules = r
	for _, site := range s.sites {
		rule := r.Match(site.mx)
		if site.domain != "" {
			if dr, ok := r.MatchDomain(site.domain); ok {
				rule = dr
			}
		}
		site.setRule(rule, r.Throttle)
	}
}

// Reload reads the shaping file again and puts its rules in force. On an
// error the rules in force stay and the error, with the line to fix, is
// returned and logged.
func (s *Shaper) Reload() error {
	if s.path == "" {
		return errors.New("shaping: no shaping file to reload (the shaper was built from rules)")
	}
	stamp, _ := statFile(s.path)
	s.mu.Lock()
	s.stamp = stamp
	s.mu.Unlock()
	rules, err := LoadFile(s.path)
	if err != nil {
		s.m.reloads.WithLabelValues("error").Inc()
		s.log.Error("shaping: shaping file not loaded, keeping the rules in force", slog.String("path", s.path), slog.Any("err", err))
		return err
	}
	s.SetRules(rules)
	s.m.reloads.WithLabelValues("ok").Inc()
	s.logLoaded(rules)
	return nil
}

func (s *Shaper) logLoaded(r *Rules) {
	s.log.Info("shaping: rules loaded", slog.String("path", s.path),
		slog.Int("providers", len(r.Providers)), slog.Int("domains", len(r.Domains)),
		slog.Int("default_max_connections", r.Default.MaxConnections))
}

// Sweep brings every site's throttle up to date (undoing cuts whose time
// has come even when no delivery touches the site) and drops the sites
// idle for IdleAfter. Run calls it every PollInterval.
func (s *Shaper) Sweep() {
	now := s.clk.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for key, site := range s.sites {
		site.mu.Lock()
		site.refresh(now)
		if site.idle(now, IdleAfter) {
			delete(s.sites, key)
			s.m.forget(key, site.rule)
		}
		site.mu.Unlock()
	}
}

// Run reloads the shaping file when it changes and sweeps the sites, every
// PollInterval on the shaper's clock, until ctx ends.
func (s *Shaper) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.clk.After(PollInterval):
		}
		s.reloadIfChanged()
		s.Sweep()
	}
}

func (s *Shaper) reloadIfChanged() {
	if s.path == "" {
		return
	}
	stamp, err := statFile(s.path)
	if err != nil {
		s.log.Warn("shaping: cannot stat the shaping file, keeping the rules in force", slog.String("path", s.path), slog.Any("err", err))
		return
	}
	s.mu.Lock()
	same := stamp.equal(s.stamp)
	s.mu.Unlock()
	if !same {
		_ = s.Reload() // logged by Reload
	}
}

// Sites returns a snapshot of every site, sorted by key.
func (s *Shaper) Sites() []Stats {
	s.mu.Lock()
	sites := make([]*Site, 0, len(s.sites))
	for _, site := range s.sites {
		sites = append(sites, site)
	}
	s.mu.Unlock()
	out := make([]Stats, 0, len(sites))
	for _, site := range sites {
		out = append(out, site.Stats())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// fileStamp tells whether the shaping file changed since it was loaded.
type fileStamp struct {
	mod  time.Time
	size int64
}

func (a fileStamp) equal(b fileStamp) bool { return a.mod.Equal(b.mod) && a.size == b.size }

func statFile(path string) (fileStamp, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}, err
	}
	return fileStamp{mod: fi.ModTime(), size: fi.Size()}, nil
}
