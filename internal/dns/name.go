package dns

import (
	"errors"
	"strings"

	mdns "github.com/miekg/dns"
	"golang.org/x/net/idna"
)

// idnaProfile converts internationalized names to their A-label form for
// lookup (RFC 5891). Unlike idna.Lookup it allows underscores, which DKIM
// (_domainkey), DMARC (_dmarc) and MTA-STS (_mta-sts) names have.
var idnaProfile = idna.New(idna.MapForLookup(), idna.Transitional(false), idna.StrictDomainName(false))

var errInvalidName = errors.New("invalid domain name")

// queryName turns a name as callers give it into the fully qualified,
// lower-case ASCII form asked on the wire.
func queryName(name string) (string, error) {
	name = strings.TrimSuffix(name, ".")
	if name == "" {
		return "", errInvalidName
	}
	ascii := true
	for i := 0; i < len(name); i++ {
		if name[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		name = strings.ToLower(name)
	} else {
		a, err := idnaProfile.ToASCII(name)
		if err != nil {
			return "", errInvalidName
		}
		name = a
	}
	fqdn := name + "."
	if _, ok := mdns.IsDomainName(fqdn); !ok || len(fqdn) > 254 || strings.ContainsAny(name, " \\") {
		return "", errInvalidName
	}
	return fqdn, nil
}
