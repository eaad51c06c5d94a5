package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/hikyaku/hikyaku/internal/store"
)

func testObjects(t *testing.T, setup func(*testing.T) *fixture) {
	t.Run("objects are created once, read, updated, listed by prefix and deleted", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		a, b := f.account("a"), f.account("b")
		mk := func(acct, kind, name, body string) *store.Object {
			return &store.Object{AccountID: acct, Kind: kind, Name: name, Body: []byte(body), CreatedAt: t0, UpdatedAt: t0}
		}
		for _, o := range []*store.Object{
			mk(a.ID, "cs", "alpha", `{"n":1}`), mk(a.ID, "cs", "beta", `{"n":2}`),
			mk(a.ID, "dest", "alpha/one", `1`), mk(a.ID, "dest", "alpha/two", `2`),
			mk(a.ID, "dest", "alphabet/x", `3`), mk(b.ID, "cs", "alpha", `{"b":1}`),
		} {
			if err := f.s.CreateObject(f.ctx, o); err != nil {
				t.Fatalf("CreateObject(%s %s): %v", o.Kind, o.Name, err)
			}
		}
		if err := f.s.CreateObject(f.ctx, mk(a.ID, "cs", "alpha", `{}`)); !errors.Is(err, store.ErrExists) {
			t.Errorf("CreateObject(taken) = %v; want ErrExists", err)
		}
		if err := f.s.CreateObject(f.ctx, mk("999999999999", "cs", "x", `{}`)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("CreateObject(unknown account) = %v; want ErrNotFound", err)
		}
		got, err := f.s.GetObject(f.ctx, a.ID, "cs", "alpha")
		if err != nil {
			t.Fatalf("GetObject: %v", err)
		}
		equal(t, "GetObject", got, mk(a.ID, "cs", "alpha", `{"n":1}`))
		upd := mk(a.ID, "cs", "alpha", `{"n":9}`)
		upd.UpdatedAt = t0.Add(time.Hour)
		if err := f.s.UpdateObject(f.ctx, upd); err != nil {
			t.Fatalf("UpdateObject: %v", err)
		}
		got, _ = f.s.GetObject(f.ctx, a.ID, "cs", "alpha")
		equal(t, "GetObject after update", got, upd)
		if err := f.s.UpdateObject(f.ctx, mk(a.ID, "cs", "gamma", `{}`)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("UpdateObject(absent) = %v; want ErrNotFound", err)
		}
		names := func(list []*store.Object) []string {
			var n []string
			for _, o := range list {
				n = append(n, o.Name)
			}
			return n
		}
		list, err := f.s.ListObjects(f.ctx, a.ID, "dest", "alpha/", "", 0)
		if err != nil {
			t.Fatalf("ListObjects: %v", err)
		}
		equal(t, "ListObjects(prefix)", names(list), []string{"alpha/one", "alpha/two"})
		list, _ = f.s.ListObjects(f.ctx, a.ID, "cs", "", "alpha", 1)
		equal(t, "ListObjects(after, limit)", names(list), []string{"beta"})
		for _, c := range []struct {
			kind, prefix string
			want         int
		}{{"dest", "", 3}, {"dest", "alpha/", 2}, {"cs", "", 2}, {"cs", "z", 0}, {"none", "", 0}} {
			if n, err := f.s.CountObjects(f.ctx, a.ID, c.kind, c.prefix); err != nil || n != c.want {
				t.Errorf("CountObjects(%s, %q) = %d, %v; want %d", c.kind, c.prefix, n, err, c.want)
			}
		}
		n, err := f.s.DeleteObjects(f.ctx, a.ID, "dest", "alpha/")
		if err != nil || n != 2 {
			t.Errorf("DeleteObjects = %d, %v; want 2", n, err)
		}
		list, _ = f.s.ListObjects(f.ctx, a.ID, "dest", "", "", 0)
		equal(t, "ListObjects after DeleteObjects", names(list), []string{"alphabet/x"})
		if err := f.s.DeleteObject(f.ctx, a.ID, "cs", "alpha"); err != nil {
			t.Errorf("DeleteObject: %v", err)
		}
		if _, err := f.s.GetObject(f.ctx, a.ID, "cs", "alpha"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetObject(deleted) = %v; want ErrNotFound", err)
		}
		if err := f.s.DeleteObject(f.ctx, a.ID, "cs", "alpha"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("DeleteObject(deleted) = %v; want ErrNotFound", err)
		}
		if got, _ := f.s.GetObject(f.ctx, b.ID, "cs", "alpha"); got == nil || string(got.Body) != `{"b":1}` {
			t.Errorf("another account's object changed: %+v", got)
		}
	})
}
