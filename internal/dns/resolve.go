package dns

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	mdns "github.com/miekg/dns"
)

// maxCNAMEs bounds a CNAME chain, against loops; the limit of BIND and
// Unbound is of the same order.
const maxCNAMEs = 8

// resolve returns the records of type qtype at name, at the end of its
// CNAME chain, from the cache or the server. Errors are *Error.
func (c *Client) resolve(ctx context.Context, name string, qtype uint16) ([]mdns.RR, error) {
	fail := func(kind, detail error) error {
		return &Error{Kind: kind, Name: name, Type: mdns.Type(qtype).String(), Server: c.cfg.Server, Err: detail}
	}
	qname, err := queryName(name)
	if err != nil {
		// A name that cannot exist does not: permanent, like NXDOMAIN.
		return nil, fail(ErrNoSuchDomain, err)
	}
	key := cacheKey{name: qname, qtype: qtype}
	if c.cache != nil {
		if e, ok := c.cache.get(key); ok {
			if e.kind != nil {
				return nil, fail(e.kind, e.detail)
			}
			return e.rrs, nil
		}
	}

	rrs, ttl, kind, detail := c.follow(ctx, qname, qtype)
	if c.cache != nil && kind != ErrTemporary {
		limit := c.cfg.MaxCacheTTL
		if kind != nil {
			limit = c.cfg.NegativeCacheTTL
		}
		c.cache.put(key, cacheEntry{rrs: rrs, kind: kind, detail: detail}, min(time.Duration(ttl)*time.Second, limit))
	}
	if kind != nil {
		if kind == ErrTemporary {
			c.cfg.Logger.Debug("dns: lookup failed", "name", qname, "type", mdns.Type(qtype).String(),
				"server", c.cfg.Server, "error", detail)
		}
		return nil, fail(kind, detail)
	}
	return rrs, nil
}

// follow asks for qname and follows its CNAME chain to the records of type
// qtype, asking again for a target the answer stops at. It returns the
// records and how long the answer may be cached, or the kind of failure
// with its detail.
func (c *Client) follow(ctx context.Context, qname string, qtype uint16) (rrs []mdns.RR, ttl uint32, kind, detail error) {
	ttl = math.MaxUint32
	target := qname
	cnames := 0
	for {
		r, err := c.exchange(ctx, target, qtype)
		if err != nil {
			return nil, 0, ErrTemporary, err
		}
		if r.Rcode != mdns.RcodeSuccess && r.Rcode != mdns.RcodeNameError {
			return nil, 0, ErrTemporary, rcodeError(r.Rcode)
		}

		name := target
		for {
			found, cname := match(r.Answer, name, qtype)
			if len(found) > 0 {
				for _, rr := range found {
					ttl = min(ttl, rr.Header().Ttl)
				}
				return found, ttl, nil, nil
			}
			if cname == nil {
				break
			}
			if cnames++; cnames > maxCNAMEs {
				return nil, 0, ErrTemporary, fmt.Errorf("CNAME chain longer than %d", maxCNAMEs)
			}
			ttl = min(ttl, cname.Hdr.Ttl)
			name = mdns.CanonicalName(cname.Target)
		}

		if name != qname {
			detail = fmt.Errorf("at CNAME target %s", strings.TrimSuffix(name, "."))
		}
		ttl = min(ttl, negativeTTL(r))
		switch {
		case r.Rcode == mdns.RcodeNameError:
			// The rcode speaks of the last name of the chain (RFC 6604).
			return nil, ttl, ErrNoSuchDomain, detail
		case name == target:
			return nil, ttl, ErrNoData, detail
		}
		// The answer stops at a CNAME target (one outside the server's
		// zone): ask for the target itself.
		target = name
	}
}

// match picks from answers the records of type qtype owned by name, or
// else the CNAME that name is.
func match(answers []mdns.RR, name string, qtype uint16) (found []mdns.RR, cname *mdns.CNAME) {
	for _, rr := range answers {
		h := rr.Header()
		if h.Class != mdns.ClassINET || !strings.EqualFold(h.Name, name) {
			continue
		}
		if h.Rrtype == qtype {
			found = append(found, rr)
		} else if cn, ok := rr.(*mdns.CNAME); ok && cname == nil {
			cname = cn
		}
	}
	return found, cname
}

// negativeTTL is how long a negative answer may be cached: the lesser of
// the SOA's TTL and minimum field (RFC 2308 §5). Without an SOA it is not
// cached at all.
func negativeTTL(r *mdns.Msg) uint32 {
	for _, rr := range r.Ns {
		if soa, ok := rr.(*mdns.SOA); ok {
			return min(soa.Hdr.Ttl, soa.Minttl)
		}
	}
	return 0
}
