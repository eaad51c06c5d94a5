package identity

import (
	"fmt"

	"github.com/hikyaku/hikyaku/internal/dkim"
	"github.com/hikyaku/hikyaku/internal/store"
)

func (s *Service) newDkimKey() (*store.DkimKey, error) {
	bits := s.KeyBits
	if bits == 0 {
		bits = 2048
	}
	k, err := dkim.GenerateKey(bits)
	if err != nil {
		return nil, fmt.Errorf("generate DKIM key: %w", err)
	}
	sealed := s.Box.Seal(k.PrivateKeyPKCS8())
	return &store.DkimKey{
		Selector:         dkim.NewSelector(),
		SealedPrivateKey: sealed,
		PublicKey:        k.PublicKeyBase64(),
		KeyLength:        fmt.Sprintf("RSA_%d_BIT", bits),
		Active:           true,
		CreatedAt:        s.now(),
	}, nil
}

// Records returns the DNS records to publish for an identity, in zone-file
// syntax, one per line: the DKIM TXT record of each current key of a
// domain, SES v1's _amazonses verification TXT, and for a custom MAIL FROM
// domain its MX record (pointing at MXHost) and an SPF record allowing
// Hostname (`v=spf1 a:<hostname> ~all`; a node sending from other
// addresses edits it).
func (s *Service) Records(id *store.Identity) []string {
	var out []string
	for _, k := range CurrentKeys(id) {
		out = append(out, dkim.ZoneLines(k.Selector, id.Name, k.PublicKey)...)
	}
	if id.Type == store.IdentityDomain {
		out = append(out, fmt.Sprintf("_amazonses.%s. 3600 IN TXT %q", id.Name, id.VerificationToken))
	}
	return append(out, s.mailFromRecords(id)...)
}

// CurrentKeys are the keys whose records must be published: the active
// one and any newer one waiting for its record (a rotation). Keys retired
// by a rotation are left out; their records may be removed.
func CurrentKeys(id *store.Identity) []store.DkimKey {
	for i, k := range id.DkimKeys {
		if k.Active {
			return id.DkimKeys[i:]
		}
	}
	return id.DkimKeys
}
