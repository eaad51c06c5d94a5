package storetest

import (
	"testing"
	"time"

	"github.com/hikyaku/hikyaku/internal/store"
)

func testTimes(t *testing.T, setup func(*testing.T) *fixture) {
	t.Run("times come back in UTC truncated to the microsecond", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		tokyo := time.FixedZone("JST", 9*3600)
		for _, in := range []time.Time{
			time.Date(2025, 3, 14, 18, 26, 53, 589793238, tokyo),
			time.Date(1969, 12, 31, 23, 59, 59, 999999999, time.UTC), // before the epoch
			time.Date(2300, 1, 1, 0, 0, 0, 1, time.UTC),              // beyond int64 nanoseconds
			time.Now(), // with a monotonic reading
		} {
			a := &store.Account{ID: f.newID(), Name: "t" + f.newID(), EnforcementStatus: "HEALTHY", CreatedAt: in, UpdatedAt: in}
			if err := f.s.CreateAccount(f.ctx, a); err != nil {
				t.Fatalf("CreateAccount: %v", err)
			}
			got, err := f.s.GetAccount(f.ctx, a.ID)
			if err != nil {
				t.Fatalf("GetAccount: %v", err)
			}
			want := in.UTC().Truncate(time.Microsecond)
			if !got.CreatedAt.Equal(want) || got.CreatedAt.Location() != time.UTC {
				t.Errorf("stored %v, read back %v; want %v", in, got.CreatedAt, want)
			}
		}
	})

	t.Run("the zero time reads back as the zero time", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		a := f.account("a")
		id := identity(a.ID, "zero@example.com")
		f.createIdentity(id)
		got, err := f.s.GetIdentity(f.ctx, a.ID, id.Name)
		if err != nil {
			t.Fatalf("GetIdentity: %v", err)
		}
		if !got.CheckedAt.IsZero() || !got.VerifiedAt.IsZero() || !got.MailFromSince.IsZero() {
			t.Errorf("zero times read back as %v, %v and %v", got.CheckedAt, got.VerifiedAt, got.MailFromSince)
		}
	})
}
