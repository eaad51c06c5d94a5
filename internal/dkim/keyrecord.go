package dkim

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// keyRecord is a parsed DKIM key record (RFC 6376 §3.6.1).
type keyRecord struct {
	keyType  string   // k=, "rsa" when absent
	pub      []byte   // p=, decoded; empty when the key is revoked
	hashes   []string // h=, nil when absent (all algorithms)
	services []string // s=, nil when absent ("*")
	flags    []string // t=
}

// parseKeyRecord reads the text of one TXT record as a DKIM key record.
func parseKeyRecord(txt string) (*keyRecord, error) {
	tags, err := parseTagList(txt)
	if err != nil {
		return nil, err
	}
	rec := &keyRecord{keyType: "rsa"}
	havePub := false
	for i, t := range tags {
		switch t.name {
		case "v":
			// "If specified, this tag MUST be set to "DKIM1" ... This tag
			// MUST be the first tag in the record."
			if i != 0 {
				return nil, errors.New("v= is not the first tag")
			}
			if t.value != "DKIM1" {
				return nil, fmt.Errorf("v=%s is not DKIM1", t.value)
			}
		case "k":
			rec.keyType = t.value
		case "h":
			rec.hashes = colonList(t.value)
		case "s":
			rec.services = colonList(t.value)
		case "t":
			rec.flags = colonList(t.value)
		case "p":
			havePub = true
			// Base64 may be folded; some publishers drop the padding.
			b64 := strings.TrimRight(stripFWS(t.value), "=")
			rec.pub, err = base64.RawStdEncoding.DecodeString(b64)
			if err != nil {
				return nil, fmt.Errorf("p= is not base64: %w", err)
			}
		}
		// Unknown tags are ignored (RFC 6376 §3.2).
	}
	if !havePub {
		return nil, errors.New("no p= tag")
	}
	return rec, nil
}

// usableForRSASHA256 says why the record cannot verify rsa-sha256
// signatures of email, the only kind hikyaku makes, or nil if it can.
func (r *keyRecord) usableForRSASHA256() error {
	switch {
	case len(r.pub) == 0:
		return errors.New("the key is revoked (empty p=)")
	case r.keyType != "rsa":
		return fmt.Errorf("k=%s is not an RSA key", r.keyType)
	case r.hashes != nil && !slices.Contains(r.hashes, "sha256"):
		return fmt.Errorf("h=%s does not allow sha256", strings.Join(r.hashes, ":"))
	case r.services != nil && !slices.Contains(r.services, "*") && !slices.Contains(r.services, "email"):
		return fmt.Errorf("s=%s does not allow email", strings.Join(r.services, ":"))
	}
	return nil
}

// parseRSAPublicKey reads a p= value: a SubjectPublicKeyInfo, or the bare
// PKCS#1 RSAPublicKey some publishers use and verifiers accept.
func parseRSAPublicKey(der []byte) (*rsa.PublicKey, error) {
	if k, err := x509.ParsePKIXPublicKey(der); err == nil {
		if rk, ok := k.(*rsa.PublicKey); ok {
			return rk, nil
		}
		return nil, fmt.Errorf("the key is %T, not RSA", k)
	}
	k, err := x509.ParsePKCS1PublicKey(der)
	if err != nil {
		return nil, errors.New("not an RSA public key")
	}
	return k, nil
}

func colonList(v string) []string {
	var out []string
	for s := range strings.SplitSeq(v, ":") {
		out = append(out, strings.Trim(s, fws))
	}
	return out
}

func stripFWS(s string) string {
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune(fws, r) {
			return -1
		}
		return r
	}, s)
}
