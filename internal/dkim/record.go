package dkim

import (
	"strconv"
	"strings"
)

// ZoneTTL is the TTL ZoneLines proposes: an hour, so a rotated key
// spreads soon without loading the domain's DNS.
const ZoneTTL = 3600

// maxTXTString is the longest character-string of a TXT record
// (RFC 1035 §3.3); a DKIM key is split across several (RFC 6376 §3.6.2.2).
const maxTXTString = 255

// recordPrefix starts every key record hikyaku publishes: version and key
// type, though both are the default, as SES and most providers write them.
const recordPrefix = "v=DKIM1; k=rsa; "

// Record is the TXT record that publishes an RSA public key (base64 DER,
// as Key.PublicKeyBase64 returns).
func Record(pub string) string { return recordPrefix + "p=" + pub }

// RecordName is where the key of selector is published for domain:
// selector._domainkey.domain (RFC 6376 §3.6.2.1).
func RecordName(selector, domain string) string {
	return selector + "._domainkey." + strings.TrimSuffix(domain, ".")
}

// ZoneLines is Record(pub) as master-file lines a user pastes into the
// domain's zone: the record name fully qualified, and the value in quoted
// strings of at most 255 characters within parentheses, e.g.
//
//	sel._domainkey.example.com. 3600 IN TXT (
//		"v=DKIM1; k=rsa; "
//		"p=MIIBIjANBgkqhkiG9w0B..."
//		"...IDAQAB" )
//
// DNS consoles that take the value alone want the quoted strings, space
// separated, as they appear here.
func ZoneLines(selector, domain, pub string) []string {
	strs := []string{recordPrefix}
	rest := "p=" + pub
	for len(rest) > 0 {
		n := min(len(rest), maxTXTString)
		strs = append(strs, rest[:n])
		rest = rest[n:]
	}
	quoted := make([]string, len(strs))
	for i, s := range strs {
		quoted[i] = quote(s)
	}
	// One record per line, so `hikyaku identity records` prints one line
	// per record; the strings of the record are separated by spaces.
	return []string{RecordName(selector, domain) + ". " + strconv.Itoa(ZoneTTL) + " IN TXT " + strings.Join(quoted, " ")}
}

// quote writes s as a master-file character-string (RFC 1035 §5.1).
func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}
