package template

import (
	"container/list"
	"sync"
)

// Cache keeps compiled templates so that a template is parsed once, not once
// per message: a SendBulkEmail to many destinations compiles its template on
// the first destination and reuses it for the rest. Entries are keyed by
// name and content, so an updated template is a new entry and the old one
// ages out. Safe for concurrent use.
type Cache struct {
	mu      sync.Mutex
	max     int
	entries map[cacheKey]*list.Element
	order   *list.List // of *Compiled, most recently used first
}

// NewCache returns a cache that holds up to max compiled templates (at
// least one), evicting the least recently used.
func NewCache(max int) *Cache {
	if max < 1 {
		max = 1
	}
	return &Cache{max: max, entries: map[cacheKey]*list.Element{}, order: list.New()}
}

// Compile returns the compiled form of a stored template, compiling it on
// first use. Errors are not cached.
func (c *Cache) Compile(t Template) (*Compiled, error) {
	return c.get(t, false, Compile)
}

// CompileInline is Compile for inline template content (see CompileInline).
func (c *Cache) CompileInline(t Template) (*Compiled, error) {
	return c.get(t, true, CompileInline)
}

func (c *Cache) get(t Template, inline bool, compile func(Template) (*Compiled, error)) (*Compiled, error) {
	k := keyOf(t, inline)
	c.mu.Lock()
	if e, ok := c.entries[k]; ok {
		c.order.MoveToFront(e)
		c.mu.Unlock()
		return e.Value.(*Compiled), nil
	}
	c.mu.Unlock()

	// Compile outside the lock: two callers may both compile a new
	// template, which is cheaper than serializing every compile.
	compiled, err := compile(t)
	if err != nil {
		return nil, err
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[k]; ok {
		c.order.MoveToFront(e)
		return e.Value.(*Compiled), nil
	}
	c.entries[k] = c.order.PushFront(compiled)
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.entries, last.Value.(*Compiled).key)
	}
	return compiled, nil
}

// Len returns the number of templates in the cache.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
