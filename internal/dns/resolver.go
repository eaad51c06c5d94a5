// Package dns is how hikyaku asks the DNS: MX and address records to deliver
// mail, TXT records to check DKIM (and later SPF and DMARC) setups. Callers
// depend on the small Resolver interface; Client implements it by asking
// one recursive resolver over UDP, falling back to TCP for large answers.
//
// Failures are classified so callers can act on them: a name that does not
// exist or has no records of the type asked for is permanent (IsNotFound),
// a server failure or timeout is worth retrying (IsTemporary), and a null
// MX (RFC 7505) says the domain takes no mail at all (ErrNullMX).
package dns

import (
	"context"
	"net/netip"
)

// Resolver looks up the records hikyaku needs. Names may be given with or
// without the final dot, in any case, and as internationalized names.
//
// Errors are *Error values (test them with IsNotFound, IsTemporary or
// errors.Is against ErrNoSuchDomain, ErrNoData, ErrTemporary, ErrNullMX).
// Implementations follow CNAMEs and are safe for concurrent use.
type Resolver interface {
	// LookupTXT returns the TXT records at name, one string per record:
	// the character-strings of a record are joined, as a DKIM key longer
	// than 255 bytes is split across several (RFC 6376 §3.6.2.2).
	LookupTXT(ctx context.Context, name string) ([]string, error)
	// LookupMX returns the mail exchangers of name by ascending
	// preference, those of equal preference in random order
	// (RFC 5321 §5.1). A null MX is the error ErrNullMX. No MX records is
	// ErrNoData: the caller then delivers to the domain's own address, as
	// RFC 5321 §5.1 says.
	LookupMX(ctx context.Context, name string) ([]*MX, error)
	// LookupHost returns the IPv4 and IPv6 addresses of name, IPv4 first.
	// If one family fails and the other has addresses, those are
	// returned without error.
	LookupHost(ctx context.Context, name string) ([]netip.Addr, error)
}

// MX is one mail exchanger of a domain.
type MX struct {
	// Host is the exchanger's name, without the final dot.
	Host string
	// Pref is its preference: lower is tried first.
	Pref uint16
}
