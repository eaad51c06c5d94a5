package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/hikyaku/hikyaku/internal/store"
)

// identity returns (without creating) an address identity of account.
func identity(accountID, name string) *store.Identity {
	return &store.Identity{
		AccountID: accountID, Name: name, Type: store.IdentityEmail,
		VerificationStatus: store.StatusPending, VerificationToken: "tok-" + accountID + "-" + name,
		DkimStatus: store.StatusNotStarted, CreatedAt: t0,
	}
}

func (f *fixture) createIdentity(id *store.Identity) {
	f.t.Helper()
	if err := f.s.CreateIdentity(f.ctx, id); err != nil {
		f.t.Fatalf("CreateIdentity(%s): %v", id.Name, err)
	}
}

func testIdentities(t *testing.T, setup func(*testing.T) *fixture) {
	t.Run("a created domain identity reads back by name and by token", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		a := f.account("a")
		id := &store.Identity{
			AccountID: a.ID, Name: "example.com", Type: store.IdentityDomain,
			VerificationStatus: store.StatusSuccess, VerificationToken: "pmBGN/7MjnfhTKUZ06Enqq1PeGUaOkw8lGhcfwefcHU=",
			DkimSigningEnabled: true, DkimStatus: store.StatusPending,
			DkimKeys: []store.DkimKey{
				{Selector: "hk1", SealedPrivateKey: []byte{9, 8, 7}, PublicKey: "MIIBIjANBg", KeyLength: "RSA_2048_BIT", Active: true, CreatedAt: t0},
				{Selector: "hk2", SealedPrivateKey: []byte{6}, PublicKey: "MIIBCgKCAQ", KeyLength: "RSA_2048_BIT", CreatedAt: t0.Add(time.Hour)},
			},
			ConfigurationSet: "marketing",
			Tags:             []store.Tag{{Name: "team", Value: "growth"}, {Name: "env", Value: ""}},
			MailFromDomain:   "bounce.example.com", MailFromStatus: store.StatusPending,
			MailFromSince: t0.Add(time.Second), BehaviorOnMxFailure: store.BehaviorReject,
			CreatedAt: t0, CheckedAt: t0.Add(time.Minute), VerifiedAt: t0.Add(2 * time.Minute),
		}
		f.createIdentity(id)
		got, err := f.s.GetIdentity(f.ctx, a.ID, "example.com")
		if err != nil {
			t.Fatalf("GetIdentity: %v", err)
		}
		equal(t, "GetIdentity", got, id)
		got, err = f.s.GetIdentityByToken(f.ctx, id.VerificationToken)
		if err != nil {
			t.Fatalf("GetIdentityByToken: %v", err)
		}
		equal(t, "GetIdentityByToken", got, id)
	})

	t.Run("a taken name is refused with ErrExists but is free in another account", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		a, b := f.account("a"), f.account("b")
		f.createIdentity(identity(a.ID, "me@example.com"))
		if err := f.s.CreateIdentity(f.ctx, identity(a.ID, "me@example.com")); !errors.Is(err, store.ErrExists) {
			t.Errorf("duplicate CreateIdentity = %v, want ErrExists", err)
		}
		if err := f.s.CreateIdentity(f.ctx, identity(b.ID, "me@example.com")); err != nil {
			t.Errorf("CreateIdentity in another account: %v", err)
		}
		// Address identities are case-sensitive, as on SES.
		if err := f.s.CreateIdentity(f.ctx, identity(a.ID, "Me@example.com")); err != nil {
			t.Errorf("CreateIdentity differing in case: %v", err)
		}
	})

	t.Run("listing pages through an account's identities in name order", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		a, b := f.account("a"), f.account("b")
		names := []string{"g.example", "a.example", "e.example", "c.example", "b@x.example", "d.example", "f.example"}
		for _, n := range names {
			f.createIdentity(identity(a.ID, n))
		}
		f.createIdentity(identity(b.ID, "0-other-account.example"))
		want := []string{"a.example", "b@x.example", "c.example", "d.example", "e.example", "f.example", "g.example"}

		for _, limit := range []int{1, 3, 7, 100} {
			var got []string
			after := ""
			for pages := 0; ; pages++ {
				if pages > len(names) {
					t.Fatalf("limit %d: paging does not end", limit)
				}
				page, err := f.s.ListIdentities(f.ctx, a.ID, after, limit)
				if err != nil {
					t.Fatalf("ListIdentities(after %q, limit %d): %v", after, limit, err)
				}
				if len(page) > limit {
					t.Fatalf("limit %d: got a page of %d", limit, len(page))
				}
				for _, id := range page {
					got = append(got, id.Name)
				}
				if len(page) < limit {
					break
				}
				after = page[len(page)-1].Name
			}
			equal(t, fmt.Sprintf("names paged by %d", limit), got, want)
		}
		all, err := f.s.ListIdentities(f.ctx, a.ID, "", 0)
		if err != nil || len(all) != len(names) {
			t.Errorf("ListIdentities without limit = %d identities, %v; want %d", len(all), err, len(names))
		}
	})

	t.Run("identities due for a check are the pending or temporarily failed ones checked before the cutoff, oldest first", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		a, b := f.account("a"), f.account("b")
		cutoff := t0
		for _, tc := range []struct {
			account, name, verification, dkim, mailFrom string
			checked                                     time.Time
		}{
			{a.ID, "verified.example", store.StatusSuccess, store.StatusSuccess, store.StatusSuccess, cutoff.Add(-time.Hour)},
			{a.ID, "failed.example", store.StatusFailed, store.StatusFailed, store.StatusFailed, cutoff.Add(-time.Hour)},
			{a.ID, "pending.example", store.StatusPending, store.StatusNotStarted, "", cutoff.Add(-time.Hour)},
			{b.ID, "dkim-temp.example", store.StatusSuccess, store.StatusTemporaryFailure, "", cutoff.Add(-2 * time.Hour)},
			{b.ID, "temp.example", store.StatusTemporaryFailure, store.StatusNotStarted, "", cutoff.Add(-30 * time.Minute)},
			{a.ID, "mail-from-pending.example", store.StatusSuccess, store.StatusSuccess, store.StatusPending, cutoff.Add(-3 * time.Hour)},
			{b.ID, "mail-from-temp@example.net", store.StatusSuccess, store.StatusNotStarted, store.StatusTemporaryFailure, cutoff.Add(-20 * time.Minute)},
			{a.ID, "never-checked.example", store.StatusPending, store.StatusPending, "", time.Time{}},
			{a.ID, "just-checked.example", store.StatusPending, store.StatusPending, "", cutoff},
			{b.ID, "future.example", store.StatusPending, store.StatusPending, store.StatusPending, cutoff.Add(time.Hour)},
		} {
			id := identity(tc.account, tc.name)
			id.VerificationStatus, id.DkimStatus, id.MailFromStatus, id.CheckedAt = tc.verification, tc.dkim, tc.mailFrom, tc.checked
			if tc.mailFrom != "" {
				id.MailFromDomain = "bounce." + tc.name
			}
			f.createIdentity(id)
		}
		for _, tc := range []struct {
			limit int
			want  []string
		}{
			{0, []string{"never-checked.example", "mail-from-pending.example", "dkim-temp.example", "pending.example",
				"temp.example", "mail-from-temp@example.net"}},
			{2, []string{"never-checked.example", "mail-from-pending.example"}},
		} {
			list, err := f.s.ListIdentitiesToCheck(f.ctx, cutoff, tc.limit)
			if err != nil {
				t.Fatalf("ListIdentitiesToCheck: %v", err)
			}
			var got []string
			for _, id := range list {
				got = append(got, id.Name)
			}
			equal(t, fmt.Sprintf("due identities, limit %d", tc.limit), got, tc.want)
		}
	})

	t.Run("updating an identity replaces its state", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		a := f.account("a")
		id := identity(a.ID, "example.org")
		id.Type = store.IdentityDomain
		f.createIdentity(id)
		id.VerificationStatus = store.StatusSuccess
		id.VerificationToken = "new-token"
		id.DkimSigningEnabled = true
		id.DkimStatus = store.StatusSuccess
		id.DkimKeys = []store.DkimKey{{Selector: "s1", SealedPrivateKey: []byte{1}, PublicKey: "p", KeyLength: "RSA_1024_BIT", Active: true, CreatedAt: t0}}
		id.ConfigurationSet = "cs"
		id.Tags = []store.Tag{{Name: "k", Value: "v"}}
		id.MailFromDomain, id.MailFromStatus = "mail.example.org", store.StatusSuccess
		id.MailFromSince, id.BehaviorOnMxFailure = t0.Add(30*time.Minute), store.BehaviorReject
		id.CheckedAt = t0.Add(time.Hour)
		id.VerifiedAt = t0.Add(time.Hour)
		if err := f.s.UpdateIdentity(f.ctx, id); err != nil {
			t.Fatalf("UpdateIdentity: %v", err)
		}
		got, err := f.s.GetIdentity(f.ctx, a.ID, "example.org")
		if err != nil {
			t.Fatalf("GetIdentity: %v", err)
		}
		equal(t, "updated identity", got, id)
		if _, err := f.s.GetIdentityByToken(f.ctx, "tok-"+a.ID+"-example.org"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetIdentityByToken(old token) = %v, want ErrNotFound", err)
		}
	})

	t.Run("a deleted identity is gone", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		a := f.account("a")
		f.createIdentity(identity(a.ID, "gone@example.com"))
		f.createIdentity(identity(a.ID, "kept@example.com"))
		if err := f.s.DeleteIdentity(f.ctx, a.ID, "gone@example.com"); err != nil {
			t.Fatalf("DeleteIdentity: %v", err)
		}
		if _, err := f.s.GetIdentity(f.ctx, a.ID, "gone@example.com"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetIdentity after delete = %v, want ErrNotFound", err)
		}
		if err := f.s.DeleteIdentity(f.ctx, a.ID, "gone@example.com"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("second DeleteIdentity = %v, want ErrNotFound", err)
		}
		if _, err := f.s.GetIdentity(f.ctx, a.ID, "kept@example.com"); err != nil {
			t.Errorf("GetIdentity(kept): %v", err)
		}
	})

	t.Run("unknown identities are not found", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		a := f.account("a")
		f.createIdentity(identity(a.ID, "known@example.com"))
		tokenless := identity(a.ID, "tokenless.example")
		tokenless.VerificationToken = ""
		f.createIdentity(tokenless)
		for _, tc := range []struct {
			name string
			call func() error
		}{
			{"GetIdentity of another name", func() error { _, err := f.s.GetIdentity(f.ctx, a.ID, "KNOWN@example.com"); return err }},
			{"GetIdentity of another account", func() error {
				_, err := f.s.GetIdentity(f.ctx, "999999999999", "known@example.com")
				return err
			}},
			{"GetIdentityByToken", func() error { _, err := f.s.GetIdentityByToken(f.ctx, "no-such-token"); return err }},
			{"GetIdentityByToken of the empty token", func() error { _, err := f.s.GetIdentityByToken(f.ctx, ""); return err }},
			{"UpdateIdentity", func() error { return f.s.UpdateIdentity(f.ctx, identity(a.ID, "unknown@example.com")) }},
			{"DeleteIdentity", func() error { return f.s.DeleteIdentity(f.ctx, a.ID, "unknown@example.com") }},
			{"CreateIdentity in an unknown account", func() error {
				return f.s.CreateIdentity(f.ctx, identity("999999999999", "x@example.com"))
			}},
		} {
			if err := tc.call(); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s = %v, want ErrNotFound", tc.name, err)
			}
		}
	})
}
