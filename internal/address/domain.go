package address

import (
	"strings"

	"golang.org/x/net/idna"
)

// Domain checks a domain name on its own (a domain identity, a MAIL FROM
// domain) with the rules an address's domain follows, and returns it in
// A-label form, lower-cased: "Example.COM" gives "example.com", "例え.jp"
// gives "xn--r8jz45g.jp".
func Domain(s string) (string, error) {
	return parseDomain(s)
}

// parseDomain checks the domain of an addr-spec and returns it in A-label
// form, lower-cased.
//
// A domain holding non-ASCII characters is converted with the IDNA Lookup
// profile (UTS #46 mapping, so "ＥＸＡＭＰＬＥ．ｃｏｍ" and "例え。jp" work
// too). SES itself refuses such a domain ("Domain contains control or
// whitespace"); converting it is hikyaku's kindness. Domain literals
// ("[192.0.2.1]") are refused: SES sends only to
// UserName@[SubDomain.]Domain.TopLevelDomain.
func parseDomain(d string) (string, error) {
	if d == "" {
		return "", fail(errMissingDomain)
	}
	if d[0] == '[' {
		return "", fail(errDomainLiteral)
	}
	if d[0] == '.' {
		return "", fail(errDomainStartsDot)
	}
	if isASCII(d) {
		return checkASCIIDomain(d)
	}
	for i := 0; i < len(d); i++ {
		if c := d[i]; c <= ' ' || c == 0x7f {
			return "", fail(errDomainControl)
		}
	}
	a, err := idna.Lookup.ToASCII(d)
	if err != nil {
		return "", fail(errDomainIllegal)
	}
	return checkASCIIDomain(a)
}

// checkASCIIDomain applies the LDH rules (RFC 1123 §2.1) to an ASCII
// domain.
func checkASCIIDomain(d string) (string, error) {
	if d == "" {
		return "", fail(errMissingDomain)
	}
	if d[0] == '.' {
		return "", fail(errDomainStartsDot)
	}
	for i := 0; i < len(d); i++ {
		c := d[i]
		switch {
		case c <= ' ' || c >= 0x7f:
			return "", fail(errDomainControl)
		case c == '@':
			// A second '@': several addresses run together.
			return "", fail(errIllegalAddress)
		case c == '.':
			if d[i-1] == '.' {
				return "", fail(errDomainDotDot)
			}
		case c == '-', 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		default:
			return "", fail(errDomainIllegal)
		}
	}
	if d[len(d)-1] == '.' {
		return "", fail(errDomainEndsDot)
	}
	d = strings.ToLower(d)
	if len(d) > maxDomainLength {
		return "", fail(errDomainTooLong)
	}
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return "", fail(errDomainNoDot)
	}
	for _, label := range labels {
		if len(label) > maxLabelLength {
			return "", fail(errLabelTooLong)
		}
		if label[0] == '-' || label[len(label)-1] == '-' {
			return "", fail(errDomainHyphen)
		}
		if strings.HasPrefix(label, "xn--") {
			// An A-label must decode to a valid U-label.
			if _, err := idna.Lookup.ToUnicode(label); err != nil {
				return "", fail(errDomainIllegal)
			}
		}
	}
	return d, nil
}

// isASCII reports whether s is 7-bit.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
