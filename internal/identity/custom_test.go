package identity

import (
	"context"
	"strings"
	"testing"

	"github.com/hikyaku/hikyaku/internal/store"
)

// failMailer fails the test if the standard verification mail is sent.
type failMailer struct{ t *testing.T }

func (m failMailer) SendVerification(_ context.Context, _, to, _ string) error {
	m.t.Errorf("standard verification mail sent to %s", to)
	return nil
}

// TestAddressToVerify checks SendCustomVerificationEmail's identity: made
// pending without the standard mail, found again with the same link, and
// verified by that link's token.
func TestAddressToVerify(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.svc.BaseURL = "https://mail.example.com/"
	f.svc.Mailer = failMailer{t}
	ctx := t.Context()
	id, link, err := f.svc.AddressToVerify(ctx, testAccount, "new@example.com")
	if err != nil || id.VerificationStatus != store.StatusPending || id.Type != store.IdentityEmail {
		t.Fatalf("AddressToVerify: %+v, %v", id, err)
	}
	if !strings.HasPrefix(link, "https://mail.example.com/verify?token=") {
		t.Errorf("link %q", link)
	}
	_, again, err := f.svc.AddressToVerify(ctx, testAccount, "new@example.com")
	if err != nil || again != link {
		t.Errorf("second call: %q, %v", again, err)
	}
	if _, _, err := f.svc.AddressToVerify(ctx, testAccount, "example.com"); err == nil {
		t.Error("a domain was taken as an address")
	}
	got, err := f.svc.VerifyToken(ctx, strings.TrimPrefix(link, "https://mail.example.com/verify?token="))
	if err != nil || got.VerificationStatus != store.StatusSuccess {
		t.Fatalf("VerifyToken: %+v, %v", got, err)
	}
}
