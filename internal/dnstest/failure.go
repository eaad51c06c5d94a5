package dnstest

// Failure is how the server misbehaves for a name, to test how callers
// cope with a broken or unreachable DNS.
type Failure int

const (
	// NoFailure answers normally; setting it clears an earlier failure.
	NoFailure Failure = iota
	// ServFail answers SERVFAIL, as a resolver does when the domain's own
	// servers are broken.
	ServFail
	// Refused answers REFUSED.
	Refused
	// Timeout never answers, over UDP or TCP.
	Timeout
)

func (f Failure) String() string {
	switch f {
	case NoFailure:
		return "no failure"
	case ServFail:
		return "SERVFAIL"
	case Refused:
		return "REFUSED"
	case Timeout:
		return "timeout"
	}
	return "unknown failure"
}

// failureKey is a name and a type; type 0 stands for every type.
type failureKey struct {
	name  string
	rtype uint16
}

// SetFailure makes queries for name fail as f, for the given types or for
// every type when none is given. The name needs no records. A CNAME
// pointing at a failing name is answered without following it, so the
// client meets the failure when it asks for the target.
func (s *Server) SetFailure(name string, f Failure, types ...Type) {
	name = canonical(name)
	keys := []failureKey{{name: name}}
	if len(types) > 0 {
		keys = keys[:0]
		for _, t := range types {
			keys = append(keys, failureKey{name, uint16(t)})
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range keys {
		if f == NoFailure {
			delete(s.failures, k)
		} else {
			s.failures[k] = f
		}
	}
}

// failure is how a query for name and type must fail. s.mu must be held.
func (s *Server) failure(name string, rtype uint16) Failure {
	if f, ok := s.failures[failureKey{name, rtype}]; ok {
		return f
	}
	return s.failures[failureKey{name: name}]
}
