package dnstest

import (
	"strings"

	mdns "github.com/miekg/dns"
)

const (
	// udpSize is the EDNS0 buffer size the server advertises: the size
	// DNS flag day 2020 settled on to avoid IP fragmentation.
	udpSize = 1232
	// maxChase bounds how many CNAMEs one answer follows.
	maxChase = 8
)

// serve answers one query. Over UDP an answer larger than the client's
// buffer (512 bytes, or its EDNS0 size) is truncated with TC set, so the
// client asks again over TCP (RFC 7766).
func (s *Server) serve(w mdns.ResponseWriter, req *mdns.Msg) {
	resp := new(mdns.Msg)
	switch {
	case req.Opcode != mdns.OpcodeQuery:
		resp.SetRcode(req, mdns.RcodeNotImplemented)
		_ = w.WriteMsg(resp)
		return
	case len(req.Question) != 1:
		resp.SetRcode(req, mdns.RcodeFormatError)
		_ = w.WriteMsg(resp)
		return
	}
	q := req.Question[0]
	tcp := w.LocalAddr().Network() == "tcp"

	s.mu.Lock()
	s.queries = append(s.queries, Query{Name: canonical(q.Name), Type: Type(q.Qtype), TCP: tcp})
	silent := s.answer(resp, req, canonical(q.Name), q.Qtype)
	s.mu.Unlock()
	if silent {
		return
	}

	size := mdns.MinMsgSize
	if opt := req.IsEdns0(); opt != nil {
		size = max(int(opt.UDPSize()), mdns.MinMsgSize)
		resp.SetEdns0(udpSize, false)
	}
	if tcp {
		size = mdns.MaxMsgSize
	}
	resp.Truncate(size)
	// A client that went away is no concern of a test server.
	_ = w.WriteMsg(resp)
}

// answer fills resp for a question, or reports that the server must stay
// silent. s.mu must be held.
func (s *Server) answer(resp, req *mdns.Msg, name string, qtype uint16) (silent bool) {
	resp.SetReply(req)
	resp.Authoritative = true
	resp.RecursionAvailable = true
	switch s.failure(name, qtype) {
	case ServFail:
		resp.Rcode = mdns.RcodeServerFailure
		return false
	case Refused:
		resp.Rcode = mdns.RcodeRefused
		return false
	case Timeout:
		return true
	}

	for hops := 0; ; hops++ {
		node := s.nodes[name]
		if rrs := node[qtype]; len(rrs) > 0 {
			for _, rr := range rrs {
				resp.Answer = append(resp.Answer, mdns.Copy(rr))
			}
			return false
		}
		cname := node[mdns.TypeCNAME]
		if len(cname) == 0 {
			// RFC 8020: a name with descendants exists even without
			// records of its own (an empty non-terminal), so NODATA.
			if node == nil && !s.hasDescendant(name) {
				resp.Rcode = mdns.RcodeNameError
			}
			resp.Ns = []mdns.RR{s.soa()}
			return false
		}
		resp.Answer = append(resp.Answer, mdns.Copy(cname[0]))
		target := canonical(cname[0].(*mdns.CNAME).Target)
		if !s.chase || hops+1 >= maxChase || s.failure(target, qtype) != NoFailure {
			return false
		}
		name = target
	}
}

// hasDescendant reports whether some name below name has records. s.mu
// must be held.
func (s *Server) hasDescendant(name string) bool {
	suffix := "." + name
	if name == "." {
		suffix = "."
	}
	for n := range s.nodes {
		if n != name && strings.HasSuffix(n, suffix) {
			return true
		}
	}
	return false
}

// soa is the record negative answers carry; its TTL and minimum are how
// long a resolver may cache the absence (RFC 2308 §5). The server poses as
// the root zone, being authoritative for every name. s.mu must be held.
func (s *Server) soa() mdns.RR {
	return &mdns.SOA{
		Hdr:     mdns.RR_Header{Name: ".", Rrtype: mdns.TypeSOA, Class: mdns.ClassINET, Ttl: s.ttl},
		Ns:      "ns.dnstest.",
		Mbox:    "hostmaster.dnstest.",
		Serial:  1,
		Refresh: 3600,
		Retry:   600,
		Expire:  86400,
		Minttl:  s.ttl,
	}
}
