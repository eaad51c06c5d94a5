package address

import (
	"strings"
)

// Limits from RFC 5321 §4.5.3.1 and RFC 3696 errata 1690.
const (
	maxLocalLength   = 64
	maxDomainLength  = 253
	maxLabelLength   = 63
	maxAddressLength = 320
)

// parseSpec parses an addr-spec (local@domain) with the checks SES makes,
// in JavaMail's order so that the first fault found carries the text SES
// would give. input is the whole mailbox, echoed by the generic refusal.
func parseSpec(spec, input string) (Address, error) {
	if spec == "" {
		return Address{}, invalid(strings.TrimSpace(input))
	}
	local, rest, err := parseLocal(spec)
	if err != nil {
		return Address{}, err
	}
	domain, err := parseDomain(rest)
	if err != nil {
		return Address{}, err
	}
	a := Address{Local: local, Domain: domain}
	if len(formatLocal(local)) > maxLocalLength {
		return Address{}, fail(errLocalTooLong)
	}
	if len(a.String()) > maxAddressLength {
		return Address{}, fail(errAddressTooLong)
	}
	return a, nil
}

// parseLocal reads the local part of spec up to its '@' and returns its
// value and the text after the '@'. The local part is a dot-atom or a
// quoted-string of 7-bit ASCII: SES has no SMTPUTF8, and JavaMail counts
// every byte from 0x7f up as a control character.
func parseLocal(spec string) (local, domain string, err error) {
	if spec[0] == '"' {
		return parseQuotedLocal(spec)
	}
	for i := 0; i < len(spec); i++ {
		c := spec[i]
		switch {
		case c == '@':
			if i == 0 {
				return "", "", fail(errMissingLocal)
			}
			if spec[i-1] == '.' {
				return "", "", fail(errLocalEndsDot)
			}
			return spec[:i], spec[i+1:], nil
		case c <= ' ' || c >= 0x7f:
			return "", "", fail(errLocalControl)
		case c == '"':
			return "", "", fail(errQuoteNotAtStart)
		case strings.IndexByte(`()<>,;:\[]`, c) >= 0:
			return "", "", fail(errLocalIllegal)
		case c == '.':
			if i == 0 {
				return "", "", fail(errLocalStartsDot)
			}
			if spec[i-1] == '.' {
				return "", "", fail(errLocalDotDot)
			}
		}
	}
	return "", "", fail(errMissingAt)
}

// parseQuotedLocal reads a quoted-string local part ("john doe"@example.com).
// Inside the quotes anything printable goes, space included; controls and
// 8-bit bytes do not.
func parseQuotedLocal(spec string) (local, domain string, err error) {
	end := skipQuoted(spec, 0)
	if end < 0 {
		return "", "", fail(errMissingQuote)
	}
	content := spec[1 : end-1]
	for i := 0; i < len(content); i++ {
		if c := content[i]; c < ' ' || c >= 0x7f {
			return "", "", fail(errLocalControl)
		}
	}
	local = unescape(content)
	switch {
	case end == len(spec):
		return "", "", fail(errMissingAt)
	case spec[end] != '@':
		return "", "", fail(errQuoteNotAtEnd)
	case local == "":
		return "", "", fail(errMissingLocal)
	}
	return local, spec[end+1:], nil
}
