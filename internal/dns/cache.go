package dns

import (
	"sync"
	"time"

	mdns "github.com/miekg/dns"

	"github.com/hikyaku/hikyaku/internal/clock"
)

// cache keeps answers, positive and negative, until their TTL passes.
// Temporary failures are never kept. When full, expired entries are
// dropped first, then arbitrary ones: a simple bound that is enough for
// the few thousand domains a mail server talks to.
type cache struct {
	clock clock.Clock
	max   int

	mu      sync.Mutex
	entries map[cacheKey]cacheEntry
}

type cacheKey struct {
	name  string // canonical query name
	qtype uint16
}

type cacheEntry struct {
	rrs          []mdns.RR // shared: never modified once stored
	kind, detail error     // kind is nil for an answer with records
	expires      time.Time
}

func newCache(size int, clk clock.Clock) *cache {
	return &cache{clock: clk, max: size, entries: map[cacheKey]cacheEntry{}}
}

func (c *cache) get(k cacheKey) (cacheEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	if !ok {
		return cacheEntry{}, false
	}
	if !c.clock.Now().Before(e.expires) {
		delete(c.entries, k)
		return cacheEntry{}, false
	}
	return e, true
}

// put keeps e for ttl; a ttl under a second is not worth keeping.
func (c *cache) put(k cacheKey, e cacheEntry, ttl time.Duration) {
	if ttl < time.Second {
		return
	}
	now := c.clock.Now()
	e.expires = now.Add(ttl)
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[k]; !ok && len(c.entries) >= c.max {
		c.evict(now)
	}
	c.entries[k] = e
}

// evict makes room for one entry. c.mu must be held.
func (c *cache) evict(now time.Time) {
	for k, e := range c.entries {
		if !now.Before(e.expires) {
			delete(c.entries, k)
		}
	}
	for k := range c.entries {
		if len(c.entries) < c.max {
			break
		}
		delete(c.entries, k)
	}
}
