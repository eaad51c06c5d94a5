package smtpd

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/emersion/go-smtp"

	"github.com/hikyaku/hikyaku/internal/store"
)

func TestTrustedNetworksSubmitWithoutTLSOrAuth(t *testing.T) {
	t.Parallel()
	acct := &store.Account{ID: "123456789012", Name: "apps"}
	tests := []struct {
		name    string
		network string
		ok      bool
	}{
		{"loopback is trusted when listed", "127.0.0.0/8", true},
		{"an unlisted network must still use TLS and AUTH", "10.0.0.0/8", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sub := &fakeSubmitter{}
			srv := startServer(t, Config{TrustedNetworks: []netip.Prefix{netip.MustParsePrefix(tt.network)}, TrustedAccount: acct}, nil, sub)
			c, err := smtp.Dial(srv.Addr())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			reply, err := send(c, "app@example.com", []string{"to@example.net"}, message("app@example.com", "to@example.net", ""))
			if !tt.ok {
				if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
					t.Fatalf("untrusted plaintext submission: %q, %v; want a STARTTLS refusal", reply, err)
				}
				return
			}
			if err != nil || !strings.HasPrefix(reply, "Ok ") {
				t.Fatalf("trusted submission: %q, %v", reply, err)
			}
			got, ok := sub.find("to@example.net")
			if !ok || got.accountID != acct.ID {
				t.Fatalf("submitted as %+v, want account %s", got, acct.ID)
			}
		})
	}
}
