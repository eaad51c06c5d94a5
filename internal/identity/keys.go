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
// syntax, one per line: the DKIM TXT record of each key of a domain (and
// of the domain of an address identity, when that domain is an identity),
// and SES v1's _amazonses verification TXT.
func Records(id *store.Identity) []string {
	var out []string
	for _, k := range id.DkimKeys {
		out = append(out, dkim.ZoneLines(k.Selector, id.Name, k.PublicKey)...)
	}
	if id.Type == store.IdentityDomain {
		out = append(out, fmt.Sprintf("_amazonses.%s. 3600 IN TXT %q", id.Name, id.VerificationToken))
	}
	return out
}
