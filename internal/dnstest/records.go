package dnstest

import (
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"

	mdns "github.com/miekg/dns"
)

// Type is a DNS record type, with the values of the DNS protocol.
type Type uint16

// The record types tests use most.
const (
	TypeA     = Type(mdns.TypeA)
	TypeAAAA  = Type(mdns.TypeAAAA)
	TypeCNAME = Type(mdns.TypeCNAME)
	TypeMX    = Type(mdns.TypeMX)
	TypeTXT   = Type(mdns.TypeTXT)
)

func (t Type) String() string { return mdns.Type(t).String() }

// MX is one mail exchanger of a domain. Host "." with Pref 0 is a null MX
// (RFC 7505).
type MX struct {
	Host string
	Pref uint16
}

// maxTXTString is the longest character-string a TXT record can hold
// (RFC 1035 §3.3); longer values are split into several of them.
const maxTXTString = 255

// SetTTL sets the TTL of records set after it and of negative answers.
func (s *Server) SetTTL(d time.Duration) {
	s.mu.Lock()
	s.ttl = uint32(d / time.Second)
	s.mu.Unlock()
}

// SetTXT replaces the TXT records of name with one record per value. A value
// longer than 255 bytes is split into several strings of one record, as a
// DKIM key is; resolvers join them again.
func (s *Server) SetTXT(name string, values ...string) {
	s.set(name, TypeTXT, len(values), func(h mdns.RR_Header, i int) mdns.RR {
		return &mdns.TXT{Hdr: h, Txt: splitTXT(values[i])}
	})
}

// SetMX replaces the MX records of name.
func (s *Server) SetMX(name string, mx ...MX) {
	s.set(name, TypeMX, len(mx), func(h mdns.RR_Header, i int) mdns.RR {
		return &mdns.MX{Hdr: h, Preference: mx[i].Pref, Mx: mdns.Fqdn(mx[i].Host)}
	})
}

// SetA replaces the A records of name. It panics on an address that is not
// IPv4, a mistake in the test itself.
func (s *Server) SetA(name string, ips ...string) {
	addrs := parseAddrs(ips, netip.Addr.Is4)
	s.set(name, TypeA, len(addrs), func(h mdns.RR_Header, i int) mdns.RR {
		return &mdns.A{Hdr: h, A: addrs[i].AsSlice()}
	})
}

// SetAAAA replaces the AAAA records of name. It panics on an address that is
// not IPv6.
func (s *Server) SetAAAA(name string, ips ...string) {
	addrs := parseAddrs(ips, func(a netip.Addr) bool { return a.Is6() && !a.Is4In6() })
	s.set(name, TypeAAAA, len(addrs), func(h mdns.RR_Header, i int) mdns.RR {
		return &mdns.AAAA{Hdr: h, AAAA: addrs[i].AsSlice()}
	})
}

// SetCNAME makes name an alias of target. A name with a CNAME should have
// no other records (RFC 1034 §3.6.2); if it has, the server answers the
// CNAME for every other type.
func (s *Server) SetCNAME(name, target string) {
	s.set(name, TypeCNAME, 1, func(h mdns.RR_Header, _ int) mdns.RR {
		return &mdns.CNAME{Hdr: h, Target: canonical(target)}
	})
}

// Remove deletes the records of the given types at name, or all its
// records when no type is given. A name left without records answers
// NXDOMAIN.
func (s *Server) Remove(name string, types ...Type) {
	name = canonical(name)
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(types) == 0 {
		delete(s.nodes, name)
		return
	}
	node := s.nodes[name]
	for _, t := range types {
		delete(node, uint16(t))
	}
	if len(node) == 0 {
		delete(s.nodes, name)
	}
}

// LoadZone adds the records of a master file (RFC 1035 §5) to those the
// server holds: zone-file syntax, e.g. what dkim.ZoneLines prints. Relative
// names are relative to origin.
func (s *Server) LoadZone(r io.Reader, origin string) error {
	zp := mdns.NewZoneParser(r, mdns.Fqdn(origin), "")
	var rrs []mdns.RR
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		rrs = append(rrs, rr)
	}
	if err := zp.Err(); err != nil {
		return fmt.Errorf("dnstest: zone: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rr := range rrs {
		h := rr.Header()
		h.Name = canonical(h.Name)
		s.node(h.Name)[h.Rrtype] = append(s.node(h.Name)[h.Rrtype], rr)
	}
	return nil
}

// set replaces the records of type t at name with n records made by mk.
// No records removes that type, as Remove does.
func (s *Server) set(name string, t Type, n int, mk func(h mdns.RR_Header, i int) mdns.RR) {
	if n == 0 {
		s.Remove(name, t)
		return
	}
	name = canonical(name)
	s.mu.Lock()
	defer s.mu.Unlock()
	h := mdns.RR_Header{Name: name, Rrtype: uint16(t), Class: mdns.ClassINET, Ttl: s.ttl}
	rrs := make([]mdns.RR, n)
	for i := range rrs {
		rrs[i] = mk(h, i)
	}
	s.node(name)[uint16(t)] = rrs
}

// node returns the record sets of name, creating them. s.mu must be held.
func (s *Server) node(name string) map[uint16][]mdns.RR {
	n := s.nodes[name]
	if n == nil {
		n = map[uint16][]mdns.RR{}
		s.nodes[name] = n
	}
	return n
}

// canonical is the form names are stored and compared in: lower case,
// fully qualified.
func canonical(name string) string { return mdns.CanonicalName(name) }

func parseAddrs(ips []string, ok func(netip.Addr) bool) []netip.Addr {
	addrs := make([]netip.Addr, len(ips))
	for i, ip := range ips {
		a, err := netip.ParseAddr(ip)
		if err != nil || !ok(a) {
			panic(fmt.Sprintf("dnstest: %q is not an address of this record type", ip))
		}
		addrs[i] = a
	}
	return addrs
}

// splitTXT cuts a value into character-strings of at most 255 bytes, in the
// escaped presentation form that miekg/dns packs (\", \\ and \DDD).
func splitTXT(v string) []string {
	if v == "" {
		return []string{""}
	}
	var out []string
	for len(v) > 0 {
		n := min(len(v), maxTXTString)
		out = append(out, escapeTXT(v[:n]))
		v = v[n:]
	}
	return out
}

func escapeTXT(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < ' ' || c > '~':
			fmt.Fprintf(&b, "\\%03d", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
