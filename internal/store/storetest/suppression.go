package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hikyaku/hikyaku/internal/store"
)

func (f *fixture) suppress(e *store.Suppressed) {
	f.t.Helper()
	if err := f.s.PutSuppressed(f.ctx, e); err != nil {
		f.t.Fatalf("PutSuppressed(%s): %v", e.Address, err)
	}
}

func testSuppression(t *testing.T, setup func(*testing.T) *fixture) {
	t.Run("putting an address again replaces its entry", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		a := f.account("a")
		f.suppress(&store.Suppressed{AccountID: a.ID, Address: "x@example.net", Reason: store.ReasonBounce, MessageID: "m1", FeedbackID: "f1", LastUpdate: t0})
		again := &store.Suppressed{AccountID: a.ID, Address: "x@example.net", Reason: store.ReasonComplaint, MessageID: "m2", FeedbackID: "f2", LastUpdate: t0.Add(time.Hour)}
		f.suppress(again)
		got, err := f.s.GetSuppressed(f.ctx, a.ID, []string{"x@example.net"})
		if err != nil {
			t.Fatalf("GetSuppressed: %v", err)
		}
		equal(t, "GetSuppressed", got, map[string]*store.Suppressed{"x@example.net": again})
	})

	t.Run("addresses are stored lower-cased and looked up case-insensitively", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		a, b := f.account("a"), f.account("b")
		f.suppress(&store.Suppressed{AccountID: a.ID, Address: "Mixed.Case@Example.NET", Reason: store.ReasonBounce, LastUpdate: t0})
		f.suppress(&store.Suppressed{AccountID: b.ID, Address: "other@example.net", Reason: store.ReasonBounce, LastUpdate: t0})
		got, err := f.s.GetSuppressed(f.ctx, a.ID, []string{"MIXED.case@example.net", "mixed.case@example.net", "other@example.net", "absent@example.net"})
		if err != nil {
			t.Fatalf("GetSuppressed: %v", err)
		}
		equal(t, "GetSuppressed", got, map[string]*store.Suppressed{
			"mixed.case@example.net": {AccountID: a.ID, Address: "mixed.case@example.net", Reason: store.ReasonBounce, LastUpdate: t0},
		})
		none, err := f.s.GetSuppressed(f.ctx, a.ID, nil)
		if err != nil || len(none) != 0 {
			t.Errorf("GetSuppressed(no addresses) = %v, %v; want empty", none, err)
		}
	})

	t.Run("a lookup of many addresses finds every listed one", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		a := f.account("a")
		var lookup []string
		want := map[string]*store.Suppressed{}
		for i := range 1200 {
			addr := fmt.Sprintf("user%d@example.net", i)
			lookup = append(lookup, strings.ToUpper(addr))
			if i%100 == 7 {
				e := &store.Suppressed{AccountID: a.ID, Address: addr, Reason: store.ReasonBounce, LastUpdate: t0}
				f.suppress(e)
				want[addr] = e
			}
		}
		got, err := f.s.GetSuppressed(f.ctx, a.ID, lookup)
		if err != nil {
			t.Fatalf("GetSuppressed: %v", err)
		}
		equal(t, "GetSuppressed of 1200 addresses", got, want)
	})

	t.Run("listing filters by reason and time and pages through every match newest first", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		a, b := f.account("a"), f.account("b")
		var all []*store.Suppressed
		for i := range 23 {
			reason := store.ReasonBounce
			if i%3 == 0 {
				reason = store.ReasonComplaint
			}
			e := &store.Suppressed{
				AccountID: a.ID, Address: fmt.Sprintf("u%02d@example.net", (i*7)%23), Reason: reason,
				// Groups of equal times, so that pages split ties.
				LastUpdate: t0.Add(time.Duration(i/4) * time.Minute),
			}
			f.suppress(e)
			all = append(all, e)
		}
		f.suppress(&store.Suppressed{AccountID: b.ID, Address: "other@example.net", Reason: store.ReasonBounce, LastUpdate: t0})
		slices.SortFunc(all, func(x, y *store.Suppressed) int {
			if c := y.LastUpdate.Compare(x.LastUpdate); c != 0 {
				return c
			}
			return strings.Compare(x.Address, y.Address)
		})
		matching := func(keep func(*store.Suppressed) bool) []*store.Suppressed {
			var out []*store.Suppressed
			for _, e := range all {
				if keep(e) {
					out = append(out, e)
				}
			}
			return out
		}

		for _, tc := range []struct {
			name   string
			filter store.SuppressedFilter
			want   []*store.Suppressed
		}{
			{"everything", store.SuppressedFilter{}, all},
			{"complaints only", store.SuppressedFilter{Reasons: []string{store.ReasonComplaint}},
				matching(func(e *store.Suppressed) bool { return e.Reason == store.ReasonComplaint })},
			{"both reasons", store.SuppressedFilter{Reasons: []string{store.ReasonBounce, store.ReasonComplaint}}, all},
			{"from a start time", store.SuppressedFilter{Start: t0.Add(2 * time.Minute)},
				matching(func(e *store.Suppressed) bool { return !e.LastUpdate.Before(t0.Add(2 * time.Minute)) })},
			{"before an end time", store.SuppressedFilter{End: t0.Add(2 * time.Minute)},
				matching(func(e *store.Suppressed) bool { return e.LastUpdate.Before(t0.Add(2 * time.Minute)) })},
			{"bounces in a window", store.SuppressedFilter{Reasons: []string{store.ReasonBounce}, Start: t0.Add(time.Minute), End: t0.Add(4 * time.Minute)},
				matching(func(e *store.Suppressed) bool {
					return e.Reason == store.ReasonBounce && !e.LastUpdate.Before(t0.Add(time.Minute)) && e.LastUpdate.Before(t0.Add(4*time.Minute))
				})},
			{"an empty window", store.SuppressedFilter{Start: t0.Add(time.Hour)}, nil},
		} {
			for _, size := range []int{1, 3, 4, 0} {
				filter := tc.filter
				filter.PageSize = size
				equal(t, fmt.Sprintf("%s in pages of %d", tc.name, size), f.listAll(a.ID, filter), tc.want)
			}
		}
	})

	t.Run("a cursor the store did not hand out is refused with ErrInvalidCursor", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		a := f.account("a")
		for _, c := range []string{"!!!", "bm90IGEgY3Vyc29y", "eA"} {
			_, _, err := f.s.ListSuppressed(f.ctx, a.ID, store.SuppressedFilter{Cursor: c})
			if !errors.Is(err, store.ErrInvalidCursor) {
				t.Errorf("ListSuppressed(cursor %q) = %v, want ErrInvalidCursor", c, err)
			}
		}
	})

	t.Run("a deleted address is no longer suppressed", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		a := f.account("a")
		f.suppress(&store.Suppressed{AccountID: a.ID, Address: "gone@example.net", Reason: store.ReasonBounce, LastUpdate: t0})
		f.suppress(&store.Suppressed{AccountID: a.ID, Address: "kept@example.net", Reason: store.ReasonBounce, LastUpdate: t0})
		if err := f.s.DeleteSuppressed(f.ctx, a.ID, "GONE@example.net"); err != nil {
			t.Fatalf("DeleteSuppressed: %v", err)
		}
		got, err := f.s.GetSuppressed(f.ctx, a.ID, []string{"gone@example.net", "kept@example.net"})
		if err != nil {
			t.Fatalf("GetSuppressed: %v", err)
		}
		if _, ok := got["gone@example.net"]; ok || len(got) != 1 {
			t.Errorf("GetSuppressed after delete = %v, want only kept@example.net", show(got))
		}
		if err := f.s.DeleteSuppressed(f.ctx, a.ID, "gone@example.net"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("second DeleteSuppressed = %v, want ErrNotFound", err)
		}
	})

	t.Run("an entry for an unknown account is refused with ErrNotFound", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		err := f.s.PutSuppressed(f.ctx, &store.Suppressed{AccountID: "999999999999", Address: "x@example.net", Reason: store.ReasonBounce, LastUpdate: t0})
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("PutSuppressed = %v, want ErrNotFound", err)
		}
	})
}

// listAll follows ListSuppressed's cursors to the end and checks each page.
func (f *fixture) listAll(accountID string, filter store.SuppressedFilter) []*store.Suppressed {
	f.t.Helper()
	size := filter.PageSize
	if size == 0 {
		size = 100
	}
	var all []*store.Suppressed
	for pages := 0; ; pages++ {
		if pages > 100 {
			f.t.Fatalf("ListSuppressed(%+v): paging does not end", filter)
		}
		page, next, err := f.s.ListSuppressed(f.ctx, accountID, filter)
		if err != nil {
			f.t.Fatalf("ListSuppressed(%+v): %v", filter, err)
		}
		if len(page) > size || (next != "" && len(page) < size) {
			f.t.Fatalf("ListSuppressed(%+v): page of %d with next %q", filter, len(page), next)
		}
		all = append(all, page...)
		if next == "" {
			return all
		}
		filter.Cursor = next
	}
}
