package dns

import (
	"cmp"
	"context"
	"errors"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"sync"

	mdns "github.com/miekg/dns"
)

// LookupTXT implements Resolver.
func (c *Client) LookupTXT(ctx context.Context, name string) ([]string, error) {
	rrs, err := c.resolve(ctx, name, mdns.TypeTXT)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(rrs))
	for _, rr := range rrs {
		var b strings.Builder
		for _, s := range rr.(*mdns.TXT).Txt {
			b.WriteString(unescapeTXT(s))
		}
		out = append(out, b.String())
	}
	return out, nil
}

// LookupMX implements Resolver.
func (c *Client) LookupMX(ctx context.Context, name string) ([]*MX, error) {
	rrs, err := c.resolve(ctx, name, mdns.TypeMX)
	if err != nil {
		return nil, err
	}
	out := make([]*MX, 0, len(rrs))
	for _, rr := range rrs {
		mx := rr.(*mdns.MX)
		// A "." among other MX records is a broken null MX; RFC 7505 §3
		// has senders skip it like any unusable host.
		if host := strings.TrimSuffix(mx.Mx, "."); host != "" {
			out = append(out, &MX{Host: host, Pref: mx.Preference})
		}
	}
	if len(out) == 0 {
		return nil, &Error{Kind: ErrNullMX, Name: name, Type: "MX", Server: c.cfg.Server}
	}
	// Shuffle, then sort stably: equal preferences stay in random order
	// to spread the load (RFC 5321 §5.1).
	rand.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	slices.SortStableFunc(out, func(a, b *MX) int { return cmp.Compare(a.Pref, b.Pref) })
	return out, nil
}

// LookupHost implements Resolver. An IP address is returned as is. A and
// AAAA are asked at the same time.
func (c *Client) LookupHost(ctx context.Context, name string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(name); err == nil {
		return []netip.Addr{a.Unmap()}, nil
	}
	var (
		wg         sync.WaitGroup
		v4, v6     []mdns.RR
		err4, err6 error
	)
	wg.Go(func() { v4, err4 = c.resolve(ctx, name, mdns.TypeA) })
	wg.Go(func() { v6, err6 = c.resolve(ctx, name, mdns.TypeAAAA) })
	wg.Wait()

	var addrs []netip.Addr
	for _, rr := range v4 {
		if a, ok := netip.AddrFromSlice(rr.(*mdns.A).A); ok {
			addrs = append(addrs, a.Unmap())
		}
	}
	for _, rr := range v6 {
		if a, ok := netip.AddrFromSlice(rr.(*mdns.AAAA).AAAA); ok {
			addrs = append(addrs, a)
		}
	}
	if len(addrs) > 0 {
		if err := cmp.Or(err4, err6); err != nil && !IsNotFound(err) {
			c.cfg.Logger.Debug("dns: one address family failed", "name", name, "error", err)
		}
		return addrs, nil
	}
	// Nothing found: a temporary failure of either family means the name
	// may yet have addresses, so it outranks not-found.
	switch {
	case IsTemporary(err4):
		return nil, err4
	case IsTemporary(err6):
		return nil, err6
	case err4 == nil && err6 == nil:
		// Records that were neither A nor AAAA: treat as none.
		return nil, &Error{Kind: ErrNoData, Name: name, Type: "A/AAAA", Server: c.cfg.Server}
	}
	kind := ErrNoData
	if errors.Is(err4, ErrNoSuchDomain) || errors.Is(err6, ErrNoSuchDomain) {
		kind = ErrNoSuchDomain
	}
	return nil, &Error{Kind: kind, Name: name, Type: "A/AAAA", Server: c.cfg.Server}
}

// unescapeTXT turns miekg/dns's presentation form of a character-string
// (\" \\ and \DDD escapes) back into its bytes.
func unescapeTXT(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b = append(b, s[i])
			continue
		}
		i++
		if i+2 < len(s) && isDigit(s[i]) && isDigit(s[i+1]) && isDigit(s[i+2]) {
			n := int(s[i]-'0')*100 + int(s[i+1]-'0')*10 + int(s[i+2]-'0')
			b = append(b, byte(n))
			i += 2
			continue
		}
		b = append(b, s[i])
	}
	return string(b)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
