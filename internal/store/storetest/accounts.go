package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/hikyaku/hikyaku/internal/store"
)

func testAccounts(t *testing.T, setup func(*testing.T) *fixture) {
	t.Run("a created account reads back the same by ID and by name", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		a := &store.Account{
			ID: "123456789012", Name: "shop", Production: true, SendingEnabled: true,
			EnforcementStatus: "PROBATION", Max24HourSend: 50000, MaxSendRate: 14.5,
			SuppressedReasons: []string{store.ReasonBounce, store.ReasonComplaint},
			CreatedAt:         t0, UpdatedAt: t0.Add(time.Hour),
		}
		if err := f.s.CreateAccount(f.ctx, a); err != nil {
			t.Fatalf("CreateAccount: %v", err)
		}
		got, err := f.s.GetAccount(f.ctx, a.ID)
		if err != nil {
			t.Fatalf("GetAccount: %v", err)
		}
		equal(t, "GetAccount", got, a)
		got, err = f.s.GetAccountByName(f.ctx, "shop")
		if err != nil {
			t.Fatalf("GetAccountByName: %v", err)
		}
		equal(t, "GetAccountByName", got, a)
	})

	t.Run("an account with a taken name or ID is refused with ErrExists", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		first := f.account("taken")
		for _, tc := range []struct{ name, id, name2 string }{
			{"same name, new ID", f.newID(), "taken"},
			{"same ID, new name", first.ID, "fresh"},
		} {
			a := &store.Account{ID: tc.id, Name: tc.name2, EnforcementStatus: "HEALTHY", CreatedAt: t0, UpdatedAt: t0}
			if err := f.s.CreateAccount(f.ctx, a); !errors.Is(err, store.ErrExists) {
				t.Errorf("%s: CreateAccount = %v, want ErrExists", tc.name, err)
			}
		}
		list, err := f.s.ListAccounts(f.ctx)
		if err != nil {
			t.Fatalf("ListAccounts: %v", err)
		}
		equal(t, "accounts after refused duplicates", list, []*store.Account{first})
	})

	t.Run("accounts are listed in name order", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		var want []*store.Account
		for _, name := range []string{"Zeta", "alpha", "beta", "Alpha"} {
			want = append(want, f.account(name))
		}
		// Byte order: upper case sorts before lower case.
		want = []*store.Account{want[3], want[0], want[1], want[2]}
		got, err := f.s.ListAccounts(f.ctx)
		if err != nil {
			t.Fatalf("ListAccounts: %v", err)
		}
		equal(t, "ListAccounts", got, want)
	})

	t.Run("updating an account replaces its mutable fields", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		a := f.account("before")
		f.account("other")
		a.Name = "after"
		a.Production = true
		a.SendingEnabled = false
		a.EnforcementStatus = "SHUTDOWN"
		a.Max24HourSend = -1
		a.MaxSendRate = -1
		a.SuppressedReasons = []string{store.ReasonComplaint}
		a.UpdatedAt = t0.Add(24 * time.Hour)
		if err := f.s.UpdateAccount(f.ctx, a); err != nil {
			t.Fatalf("UpdateAccount: %v", err)
		}
		got, err := f.s.GetAccountByName(f.ctx, "after")
		if err != nil {
			t.Fatalf("GetAccountByName(after): %v", err)
		}
		equal(t, "updated account", got, a)
		if _, err := f.s.GetAccountByName(f.ctx, "before"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetAccountByName(old name) = %v, want ErrNotFound", err)
		}

		a.Name = "other"
		if err := f.s.UpdateAccount(f.ctx, a); !errors.Is(err, store.ErrExists) {
			t.Errorf("UpdateAccount to a taken name = %v, want ErrExists", err)
		}
	})

	t.Run("unknown accounts are not found", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		f.account("known")
		for _, tc := range []struct {
			name string
			call func() error
		}{
			{"GetAccount", func() error { _, err := f.s.GetAccount(f.ctx, "999999999999"); return err }},
			{"GetAccountByName", func() error { _, err := f.s.GetAccountByName(f.ctx, "unknown"); return err }},
			{"UpdateAccount", func() error {
				return f.s.UpdateAccount(f.ctx, &store.Account{ID: "999999999999", Name: "unknown"})
			}},
		} {
			if err := tc.call(); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s = %v, want ErrNotFound", tc.name, err)
			}
		}
	})
}

func testAccessKeys(t *testing.T, setup func(*testing.T) *fixture) {
	t.Run("access keys read back and list in creation order", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		a, other := f.account("a"), f.account("b")
		keys := []*store.AccessKey{
			{ID: "AKIAZZZZ", AccountID: a.ID, SealedSecret: []byte{1, 2, 3}, Active: true, CreatedAt: t0.Add(2 * time.Second)},
			{ID: "AKIAAAAA", AccountID: a.ID, SealedSecret: []byte{4, 5}, Active: false, CreatedAt: t0.Add(time.Second)},
			{ID: "AKIAMMMM", AccountID: other.ID, SealedSecret: []byte{6}, Active: true, CreatedAt: t0},
		}
		for _, k := range keys {
			if err := f.s.CreateAccessKey(f.ctx, k); err != nil {
				t.Fatalf("CreateAccessKey(%s): %v", k.ID, err)
			}
		}
		got, err := f.s.GetAccessKey(f.ctx, "AKIAZZZZ")
		if err != nil {
			t.Fatalf("GetAccessKey: %v", err)
		}
		equal(t, "GetAccessKey", got, keys[0])
		list, err := f.s.ListAccessKeys(f.ctx, a.ID)
		if err != nil {
			t.Fatalf("ListAccessKeys: %v", err)
		}
		equal(t, "ListAccessKeys", list, []*store.AccessKey{keys[1], keys[0]})
	})

	t.Run("a taken key ID is refused with ErrExists", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		a := f.account("a")
		k := &store.AccessKey{ID: "AKIADUP", AccountID: a.ID, SealedSecret: []byte{1}, CreatedAt: t0}
		if err := f.s.CreateAccessKey(f.ctx, k); err != nil {
			t.Fatalf("CreateAccessKey: %v", err)
		}
		if err := f.s.CreateAccessKey(f.ctx, k); !errors.Is(err, store.ErrExists) {
			t.Errorf("second CreateAccessKey = %v, want ErrExists", err)
		}
	})

	t.Run("unknown keys and accounts are not found", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		if _, err := f.s.GetAccessKey(f.ctx, "AKIANONE"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetAccessKey(unknown) = %v, want ErrNotFound", err)
		}
		k := &store.AccessKey{ID: "AKIAORPHAN", AccountID: "999999999999", SealedSecret: []byte{1}, CreatedAt: t0}
		if err := f.s.CreateAccessKey(f.ctx, k); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("CreateAccessKey(unknown account) = %v, want ErrNotFound", err)
		}
		list, err := f.s.ListAccessKeys(f.ctx, "999999999999")
		if err != nil || len(list) != 0 {
			t.Errorf("ListAccessKeys(unknown account) = %v, %v; want none", list, err)
		}
	})
}
