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

func (f *fixture) event(accountID, typ, messageID, rcpt string, at time.Time) *store.Event {
	return &store.Event{AccountID: accountID, Type: typ, Subtype: "sub-" + typ, MessageID: messageID, Recipient: rcpt,
		Source: "a@example.com", ConfigurationSet: "cs", At: at, Detail: []byte(`{"k":"` + typ + `"}`)}
}

func (f *fixture) search(filter store.EventFilter) []*store.Event {
	f.t.Helper()
	var all []*store.Event
	for {
		page, next, err := f.s.SearchEvents(f.ctx, filter)
		if err != nil {
			f.t.Fatalf("SearchEvents(%+v): %v", filter, err)
		}
		all = append(all, page...)
		if next == "" {
			return all
		}
		filter.Cursor = next
	}
}

func eventTypes(list []*store.Event) []string {
	var s []string
	for _, e := range list {
		s = append(s, e.Type+":"+e.Recipient)
	}
	return s
}

func testEvents(t *testing.T, setup func(*testing.T) *fixture) {
	t.Run("events are appended with messages and attempts and found by every filter", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		a := f.account("a")
		m := f.message(a.ID, t0, "One@Example.net", "two@example.net")
		m.Events = []*store.Event{f.event(a.ID, "Send", m.ID, "", t0)}
		f.insert(m)

		older := f.message(a.ID, t0.Add(-time.Hour), "one@example.net")
		f.insert(older)
		found, err := f.s.FindRecipients(f.ctx, a.ID, "ONE@example.NET", t0.Add(-2*time.Hour), 0)
		if err != nil {
			t.Fatalf("FindRecipients: %v", err)
		}
		equal(t, "FindRecipients", found, []store.RecipientKey{{MessageID: m.ID, Index: 0}, {MessageID: older.ID, Index: 0}})
		found, _ = f.s.FindRecipients(f.ctx, a.ID, "one@example.net", t0, 1)
		equal(t, "FindRecipients(since, limit)", found, []store.RecipientKey{{MessageID: m.ID, Index: 0}})
		if found, _ := f.s.FindRecipients(f.ctx, f.account("c").ID, "one@example.net", time.Time{}, 0); len(found) != 0 {
			t.Errorf("FindRecipients in another account = %v", found)
		}

		c := f.claim(f.s, "node", t0.Add(time.Second), time.Minute, 10)
		if len(c) != 3 {
			t.Fatalf("claimed %d; want 3", len(c))
		}
		slices.SortFunc(c, func(x, y *store.Claim) int {
			return strings.Compare(x.Recipient.MessageID+x.Recipient.Address, y.Recipient.MessageID+y.Recipient.Address)
		})
		c = slices.DeleteFunc(c, func(x *store.Claim) bool { return x.Recipient.MessageID != m.ID })
		r := c[0].Recipient
		r.Status, r.Attempts = store.RcptDelivered, 1
		if err := f.s.FinishAttempt(f.ctx, "node", &r, nil, f.event(a.ID, "Delivery", m.ID, r.Address, t0.Add(2*time.Second))); err != nil {
			t.Fatalf("FinishAttempt: %v", err)
		}
		// A lost lease records no event.
		r2 := c[1].Recipient
		if err := f.s.FinishAttempt(f.ctx, "other", &r2, nil, f.event(a.ID, "Bounce", m.ID, r2.Address, t0.Add(3*time.Second))); !errors.Is(err, store.ErrLeaseLost) {
			t.Fatalf("FinishAttempt(other owner) = %v; want ErrLeaseLost", err)
		}
		late := f.event(a.ID, "Complaint", m.ID, "TWO@example.net", t0.Add(time.Hour))
		if err := f.s.AppendEvents(f.ctx, []*store.Event{late}); err != nil {
			t.Fatalf("AppendEvents: %v", err)
		}
		if late.ID == 0 {
			t.Errorf("AppendEvents set no ID")
		}

		equal(t, "by message", eventTypes(f.search(store.EventFilter{AccountID: a.ID, MessageID: m.ID})),
			[]string{"Complaint:two@example.net", "Delivery:one@example.net", "Send:"})
		equal(t, "by recipient", eventTypes(f.search(store.EventFilter{AccountID: a.ID, Recipient: "two@EXAMPLE.net"})),
			[]string{"Complaint:two@example.net"})
		equal(t, "by type", eventTypes(f.search(store.EventFilter{AccountID: a.ID, Types: []string{"Send", "Delivery"}})),
			[]string{"Delivery:one@example.net", "Send:"})
		equal(t, "by time", eventTypes(f.search(store.EventFilter{AccountID: a.ID, Since: t0.Add(time.Second), Until: t0.Add(time.Hour)})),
			[]string{"Delivery:one@example.net"})
		equal(t, "by configuration set and source", len(f.search(store.EventFilter{AccountID: a.ID, ConfigurationSet: "cs", Source: "a@example.com"})), 3)
		equal(t, "other account", len(f.search(store.EventFilter{AccountID: f.account("b").ID})), 0)
		got := f.search(store.EventFilter{AccountID: a.ID, Types: []string{"Complaint"}})
		want := *late
		want.Recipient = "two@example.net"
		equal(t, "stored event", got, []*store.Event{&want})
	})

	t.Run("events are counted by account, configuration set, type and subtype", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		a, b := f.account("a"), f.account("b")
		var evs []*store.Event
		for i := range 5 {
			evs = append(evs, f.event(a.ID, "Delivery", fmt.Sprint(i), "x@example.net", t0.Add(time.Duration(i)*time.Hour)))
		}
		other := f.event(a.ID, "Bounce", "9", "x@example.net", t0.Add(time.Hour))
		other.ConfigurationSet = "other"
		evs = append(evs, other, f.event(b.ID, "Delivery", "8", "y@example.net", t0.Add(2*time.Hour)))
		if err := f.s.AppendEvents(f.ctx, evs); err != nil {
			t.Fatalf("AppendEvents: %v", err)
		}
		got, err := f.s.CountEvents(f.ctx, t0.Add(time.Hour))
		if err != nil {
			t.Fatalf("CountEvents: %v", err)
		}
		slices.SortFunc(got, func(x, y store.EventCount) int {
			return strings.Compare(x.AccountID+x.ConfigurationSet+x.Type, y.AccountID+y.ConfigurationSet+y.Type)
		})
		equal(t, "CountEvents", got, []store.EventCount{
			{AccountID: a.ID, ConfigurationSet: "cs", Type: "Delivery", Subtype: "sub-Delivery", N: 4},
			{AccountID: a.ID, ConfigurationSet: "other", Type: "Bounce", Subtype: "sub-Bounce", N: 1},
			{AccountID: b.ID, ConfigurationSet: "cs", Type: "Delivery", Subtype: "sub-Delivery", N: 1},
		})
	})

	t.Run("search pages through many events newest first", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		a := f.account("a")
		var evs []*store.Event
		for i := range 25 {
			// Pairs share a time, so the pages must break ties by ID.
			evs = append(evs, f.event(a.ID, "Delivery", fmt.Sprintf("m%02d", i), "x@example.net", t0.Add(time.Duration(i/2)*time.Second)))
		}
		if err := f.s.AppendEvents(f.ctx, evs); err != nil {
			t.Fatalf("AppendEvents: %v", err)
		}
		got := f.search(store.EventFilter{AccountID: a.ID, Limit: 4})
		var ids []string
		for _, e := range got {
			ids = append(ids, e.MessageID)
		}
		var want []string
		for i := 24; i >= 0; i-- {
			want = append(want, fmt.Sprintf("m%02d", i))
		}
		equal(t, "pages", ids, want)
		if _, _, err := f.s.SearchEvents(f.ctx, store.EventFilter{AccountID: a.ID, Cursor: "garbage!"}); !errors.Is(err, store.ErrInvalidCursor) {
			t.Errorf("bad cursor = %v; want ErrInvalidCursor", err)
		}
	})

	t.Run("events fan out once to their targets and are delivered through leases", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		a := f.account("a")
		evs := []*store.Event{
			f.event(a.ID, "Send", "m1", "", t0), f.event(a.ID, "Delivery", "m1", "x@example.net", t0),
			f.event(a.ID, "Bounce", "m2", "y@example.net", t0),
		}
		if err := f.s.AppendEvents(f.ctx, evs); err != nil {
			t.Fatalf("AppendEvents: %v", err)
		}
		route := func(e *store.Event) ([]string, error) {
			switch e.Type {
			case "Send":
				return nil, nil
			case "Bounce":
				return []string{"t1", "t2"}, nil
			}
			return []string{"t1"}, nil
		}
		if _, err := f.s.FanOutEvents(f.ctx, t0, 10, func(*store.Event) ([]string, error) { return nil, errors.New("boom") }); err == nil {
			t.Fatalf("FanOutEvents with a failing route succeeded")
		}
		n, err := f.s.FanOutEvents(f.ctx, t0, 2, route)
		if err != nil || n != 2 {
			t.Fatalf("FanOutEvents = %d, %v; want 2", n, err)
		}
		n, err = f.s.FanOutEvents(f.ctx, t0, 10, route)
		if err != nil || n != 1 {
			t.Fatalf("FanOutEvents again = %d, %v; want 1", n, err)
		}
		if n, _ := f.s.FanOutEvents(f.ctx, t0, 10, route); n != 0 {
			t.Fatalf("FanOutEvents a third time took %d; want 0", n)
		}

		claimed, err := f.s.ClaimEventDeliveries(f.ctx, "n1", t0, time.Minute, 10)
		if err != nil {
			t.Fatalf("ClaimEventDeliveries: %v", err)
		}
		var got []string
		for _, d := range claimed {
			got = append(got, d.Event.Type+">"+d.Target)
			if d.State != store.DeliveryPending || d.Event.AccountID != a.ID {
				t.Errorf("claimed %+v", d)
			}
		}
		slices.Sort(got)
		equal(t, "claimed", got, []string{"Bounce>t1", "Bounce>t2", "Delivery>t1"})
		if more, _ := f.s.ClaimEventDeliveries(f.ctx, "n2", t0.Add(30*time.Second), time.Minute, 10); len(more) != 0 {
			t.Errorf("a second node claimed %d leased deliveries", len(more))
		}
		for i, d := range claimed {
			d.Attempts++
			d.UpdatedAt = t0.Add(time.Second)
			switch i {
			case 0:
				d.State = store.DeliveryDelivered
			case 1:
				d.State, d.LastError, d.NextAttemptAt = store.DeliveryPending, "HTTP 503", t0.Add(time.Hour)
			default:
				d.State, d.LastError = store.DeliveryDead, "HTTP 404"
			}
			if err := f.s.FinishEventDelivery(f.ctx, "n1", d); err != nil {
				t.Fatalf("FinishEventDelivery: %v", err)
			}
		}
		if err := f.s.FinishEventDelivery(f.ctx, "n1", claimed[0]); !errors.Is(err, store.ErrLeaseLost) {
			t.Errorf("FinishEventDelivery twice = %v; want ErrLeaseLost", err)
		}
		if due, _ := f.s.ClaimEventDeliveries(f.ctx, "n2", t0.Add(2*time.Hour), time.Minute, 10); len(due) != 1 || due[0].Attempts != 1 {
			t.Errorf("after an hour claimed %d; want the one retry", len(due))
		}
		if n, oldest, err := f.s.EventBacklog(f.ctx); err != nil || n != 1 || !oldest.Equal(t0) {
			t.Errorf("EventBacklog = %d, %v, %v; want 1 pending since t0", n, oldest, err)
		}
		health, err := f.s.EventTargetHealth(f.ctx, a.ID)
		if err != nil {
			t.Fatalf("EventTargetHealth: %v", err)
		}
		var total store.TargetHealth
		for _, h := range health {
			total.Pending += h.Pending
			total.Delivered += h.Delivered
			total.Dead += h.Dead
		}
		if len(health) != 2 || total.Pending != 1 || total.Delivered != 1 || total.Dead != 1 {
			t.Errorf("EventTargetHealth = %s", show(health))
		}
		n64, err := f.s.PruneEvents(f.ctx, t0.Add(time.Nanosecond*1000))
		if err != nil || n64 != 3 {
			t.Errorf("PruneEvents = %d, %v; want 3", n64, err)
		}
		if left, _ := f.s.ClaimEventDeliveries(f.ctx, "n3", t0.Add(3*time.Hour), time.Minute, 10); len(left) != 0 {
			t.Errorf("deliveries of pruned events remain: %d", len(left))
		}
	})
}
