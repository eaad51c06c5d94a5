package shaping

import (
	"sort"
	"strings"
)

// DefaultRule is the name of the rule for sites no other rule matches.
const DefaultRule = "default"

// Rule gives limits to the sites it matches.
type Rule struct {
	// Name is the provider name from the shaping file ([provider.NAME]),
	// the domain of a domain rule, or DefaultRule.
	Name string
	// Domain is set for a per-domain override ([domain."NAME"]).
	Domain string
	// MXSuffixes match MX host names: ".google.com" matches any host ending
	// in it; a name without the leading dot ("mfsmax.docomo.ne.jp") matches
	// that host and the hosts under it. Lower case, no trailing dot.
	MXSuffixes []string
	// Limits are the rule's limits, settings it leaves out taken from the
	// file's [default].
	Limits Limits
}

// Rules are a parsed shaping file.
type Rules struct {
	// Default applies to sites no rule matches.
	Default Limits
	// Throttle is the adaptive slowdown for every site.
	Throttle Throttle
	// Providers match sites by MX host suffix; the longest matching suffix
	// wins. Sorted by name.
	Providers []Rule
	// Domains are per-domain overrides, keyed by lower-case domain.
	Domains map[string]Rule
}

// DefaultRules are the rules with no shaping file: DefaultLimits and
// DefaultThrottle for every site.
func DefaultRules() *Rules {
	return &Rules{Default: DefaultLimits(), Throttle: DefaultThrottle(), Domains: map[string]Rule{}}
}

// Match returns the rule for a site with these MX hosts: the provider with
// the longest suffix matching any of the hosts (ties go to the provider
// whose name sorts first), else the default rule.
func (r *Rules) Match(mxHosts []string) Rule {
	best, bestLen := -1, 0
	for i, p := range r.Providers {
		for _, suf := range p.MXSuffixes {
			n := len(strings.TrimPrefix(suf, "."))
			if n <= bestLen {
				continue
			}
			for _, h := range mxHosts {
				if suffixMatches(normHost(h), suf) {
					best, bestLen = i, n
					break
				}
			}
		}
	}
	if best < 0 {
		return Rule{Name: DefaultRule, Limits: r.Default}
	}
	return r.Providers[best]
}

// MatchDomain returns the per-domain override for domain, if there is one.
func (r *Rules) MatchDomain(domain string) (Rule, bool) {
	rule, ok := r.Domains[normHost(domain)]
	return rule, ok
}

func suffixMatches(host, suf string) bool {
	if strings.HasPrefix(suf, ".") {
		return strings.HasSuffix(host, suf)
	}
	return host == suf || strings.HasSuffix(host, "."+suf)
}

func normHost(h string) string {
	return strings.ToLower(strings.TrimSuffix(strings.TrimSpace(h), "."))
}

func normHosts(hs []string) []string {
	out := make([]string, 0, len(hs))
	for _, h := range hs {
		if h = normHost(h); h != "" {
			out = append(out, h)
		}
	}
	sort.Strings(out)
	return out
}
