package dnstest

import "strings"

// Query is one question the server was asked.
type Query struct {
	Name string // canonical: lower case, fully qualified
	Type Type
	TCP  bool // asked over TCP rather than UDP
}

// Queries returns the questions asked so far, oldest first, so tests can
// check retries, TCP fallback and caching.
func (s *Server) Queries() []Query {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Query(nil), s.queries...)
}

// Count is how many times name was asked for with type t, over any
// transport.
func (s *Server) Count(name string, t Type) int {
	name = canonical(name)
	n := 0
	for _, q := range s.Queries() {
		if strings.EqualFold(q.Name, name) && q.Type == t {
			n++
		}
	}
	return n
}

// SetCNAMEChasing chooses whether an answer to a name with a CNAME also
// holds the records of its target, as an authoritative server does within
// its zone and a recursive resolver always does (the default), or only the
// CNAME, as for a target in another zone, so the client must ask again.
func (s *Server) SetCNAMEChasing(on bool) {
	s.mu.Lock()
	s.chase = on
	s.mu.Unlock()
}
