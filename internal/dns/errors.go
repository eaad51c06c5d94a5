package dns

import (
	"errors"
	"strings"
)

// The kinds of lookup failure. Every error a Resolver returns matches one
// of them with errors.Is.
var (
	// ErrNoSuchDomain is NXDOMAIN: the name does not exist. Permanent.
	ErrNoSuchDomain = errors.New("no such domain")
	// ErrNoData is NODATA: the name exists but has no records of the type
	// asked for. Permanent.
	ErrNoData = errors.New("no records of that type")
	// ErrTemporary is a failure that may pass: SERVFAIL or another error
	// answer, a timeout, an unreachable server, a cancelled context.
	ErrTemporary = errors.New("temporary DNS failure")
	// ErrNullMX says the domain publishes a null MX (RFC 7505): it accepts
	// no mail, so delivery must bounce at once. Permanent.
	ErrNullMX = errors.New("domain accepts no mail (null MX)")
)

// Error is a failed lookup.
type Error struct {
	// Kind is one of ErrNoSuchDomain, ErrNoData, ErrTemporary, ErrNullMX.
	Kind error
	// Name is the name looked up, as given; Type is the record type.
	Name string
	Type string
	// Server is the resolver asked, as HOST:PORT, if one was.
	Server string
	// Err is the detail behind Kind, e.g. a network error or the rcode
	// the server answered; it may be nil.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("dns: lookup ")
	b.WriteString(e.Type)
	b.WriteString(" ")
	b.WriteString(e.Name)
	if e.Server != "" {
		b.WriteString(" on ")
		b.WriteString(e.Server)
	}
	b.WriteString(": ")
	b.WriteString(e.Kind.Error())
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap lets errors.Is match both the kind and the detail, e.g.
// context.DeadlineExceeded.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// IsNotFound reports whether the name or its records of that type do not
// exist (NXDOMAIN or NODATA), the same meaning as net.DNSError.IsNotFound.
func (e *Error) IsNotFound() bool { return e.Kind == ErrNoSuchDomain || e.Kind == ErrNoData }

// IsTemporary reports whether asking again later may succeed.
func (e *Error) IsTemporary() bool { return e.Kind == ErrTemporary }

// IsNotFound reports whether err is a lookup that found no such name or no
// records of the type asked for.
func IsNotFound(err error) bool {
	return errors.Is(err, ErrNoSuchDomain) || errors.Is(err, ErrNoData)
}

// IsTemporary reports whether err is a lookup failure worth retrying.
func IsTemporary(err error) bool { return errors.Is(err, ErrTemporary) }
