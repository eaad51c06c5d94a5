package configset

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hikyaku/hikyaku/internal/clock"
	"github.com/hikyaku/hikyaku/internal/fault"
	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/store/sqlite"
)

// t0 is when every test's clock starts.
var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

const acct = "123456789012"

// setup opens a new SQLite store with one account and returns a Service on
// it with a fake clock.
func setup(t *testing.T) (context.Context, *Service, store.Store, *clock.Fake) {
	t.Helper()
	ctx := t.Context()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	if err := st.CreateAccount(ctx, &store.Account{ID: acct, Name: "a", SendingEnabled: true,
		EnforcementStatus: "HEALTHY", Max24HourSend: -1, MaxSendRate: -1,
		SuppressedReasons: []string{store.ReasonBounce, store.ReasonComplaint}, CreatedAt: t0, UpdatedAt: t0}); err != nil {
		t.Fatalf("create account: %v", err)
	}
	clk := clock.NewFake(t0)
	return ctx, New(st, clk), st, clk
}

// wantFault fails unless err is a fault with code, v1Code and status.
func wantFault(t *testing.T, err error, code, v1Code string, status int) {
	t.Helper()
	f := fault.As(err)
	if f == nil {
		t.Fatalf("got error %v, want fault %s", err, code)
	}
	if f.Code != code || f.QueryCode() != v1Code || f.HTTPStatus != status {
		t.Errorf("got fault %s/%s/%d (%s), want %s/%s/%d", f.Code, f.QueryCode(), f.HTTPStatus, f.Message, code, v1Code, status)
	}
}

func mustCreate(t *testing.T, ctx context.Context, s *Service, set *Set) {
	t.Helper()
	if err := s.Create(ctx, acct, set); err != nil {
		t.Fatalf("Create(%s): %v", set.Name, err)
	}
}

func snsDest(name string, types ...string) *Destination {
	return &Destination{Name: name, Enabled: true, MatchingEventTypes: types,
		SNSTopicARN: "arn:aws:sns:us-east-1:" + acct + ":" + name}
}

func TestCreateValidates(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		set  Set
		ok   bool
	}{
		{"a plain name is accepted", Set{Name: "transactional_2-b"}, true},
		{"a 64 character name is accepted", Set{Name: strings.Repeat("a", 64)}, true},
		{"an empty name is refused", Set{Name: ""}, false},
		{"a 65 character name is refused", Set{Name: strings.Repeat("a", 65)}, false},
		{"a name with a dot is refused", Set{Name: "a.b"}, false},
		{"a name with a slash is refused", Set{Name: "a/b"}, false},
		{"a name with a space is refused", Set{Name: "a b"}, false},
		{"a name with a non-ASCII letter is refused", Set{Name: "käse"}, false},
		{"TLS policy REQUIRE is accepted", Set{Name: "s", TLSPolicy: TLSRequire}, true},
		{"TLS policy OPTIONAL is accepted", Set{Name: "s", TLSPolicy: TLSOptional}, true},
		{"an unknown TLS policy is refused", Set{Name: "s", TLSPolicy: "MANDATORY"}, false},
		{"a lower-case TLS policy is refused", Set{Name: "s", TLSPolicy: "require"}, false},
		{"MaxDeliverySeconds 300 is accepted", Set{Name: "s", MaxDeliverySeconds: 300}, true},
		{"MaxDeliverySeconds 50400 is accepted", Set{Name: "s", MaxDeliverySeconds: 50400}, true},
		{"MaxDeliverySeconds 299 is refused", Set{Name: "s", MaxDeliverySeconds: 299}, false},
		{"MaxDeliverySeconds 50401 is refused", Set{Name: "s", MaxDeliverySeconds: 50401}, false},
		{"negative MaxDeliverySeconds is refused", Set{Name: "s", MaxDeliverySeconds: -1}, false},
		{"suppressed reasons BOUNCE and COMPLAINT are accepted",
			Set{Name: "s", Suppression: &Suppression{SuppressedReasons: []string{"BOUNCE", "COMPLAINT"}}}, true},
		{"an empty list of suppressed reasons is accepted", Set{Name: "s", Suppression: &Suppression{}}, true},
		{"an unknown suppressed reason is refused",
			Set{Name: "s", Suppression: &Suppression{SuppressedReasons: []string{"UNSUBSCRIBE"}}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, s, _, _ := setup(t)
			set := tc.set
			err := s.Create(ctx, acct, &set)
			if tc.ok {
				if err != nil {
					t.Fatalf("Create: %v", err)
				}
				got, err := s.Get(ctx, acct, tc.set.Name)
				if err != nil {
					t.Fatalf("Get: %v", err)
				}
				if !got.CreatedAt.Equal(t0) {
					t.Errorf("CreatedAt = %v, want the clock's %v", got.CreatedAt, t0)
				}
				return
			}
			wantFault(t, err, "BadRequestException", "InvalidParameterValue", 400)
			if _, err := s.Get(ctx, acct, tc.set.Name); fault.As(err) == nil || fault.As(err).HTTPStatus != 404 {
				t.Errorf("a refused set was stored: Get = %v", err)
			}
		})
	}
}

func TestExistsAndNotFound(t *testing.T) {
	t.Parallel()
	const (
		notFound, v1NotFound = "NotFoundException", "ConfigurationSetDoesNotExist"
	)
	for _, tc := range []struct {
		name           string
		do             func(context.Context, *Service) error
		code, v1Code   string
		status         int
		messageContain string
	}{
		{"creating a set twice is AlreadyExists", func(ctx context.Context, s *Service) error {
			return s.Create(ctx, acct, &Set{Name: "cs"})
		}, "AlreadyExistsException", "ConfigurationSetAlreadyExists", 400, "Configuration set <cs> already exists."},
		{"getting a missing set is NotFound", func(ctx context.Context, s *Service) error {
			_, err := s.Get(ctx, acct, "missing")
			return err
		}, notFound, v1NotFound, 404, "Configuration set <missing> does not exist."},
		{"updating a missing set is NotFound", func(ctx context.Context, s *Service) error {
			return s.Update(ctx, acct, "missing", func(*Set) error { return nil })
		}, notFound, v1NotFound, 404, "<missing>"},
		{"deleting a missing set is NotFound", func(ctx context.Context, s *Service) error {
			return s.Delete(ctx, acct, "missing")
		}, notFound, v1NotFound, 404, "<missing>"},
		{"looking up a missing set is NotFound", func(ctx context.Context, s *Service) error {
			_, _, err := s.Lookup(ctx, acct, "missing")
			return err
		}, notFound, v1NotFound, 404, "<missing>"},
		{"a set of another account is NotFound", func(ctx context.Context, s *Service) error {
			_, err := s.Get(ctx, "210987654321", "cs")
			return err
		}, notFound, v1NotFound, 404, "<cs>"},
		{"listing the destinations of a missing set is NotFound", func(ctx context.Context, s *Service) error {
			_, err := s.Destinations(ctx, acct, "missing")
			return err
		}, notFound, v1NotFound, 404, "<missing>"},
		{"adding a destination to a missing set is NotFound", func(ctx context.Context, s *Service) error {
			return s.CreateDestination(ctx, acct, "missing", snsDest("d", "SEND"))
		}, notFound, v1NotFound, 404, "<missing>"},
		{"updating a destination of a missing set is NotFound", func(ctx context.Context, s *Service) error {
			return s.UpdateDestination(ctx, acct, "missing", snsDest("d", "SEND"))
		}, notFound, v1NotFound, 404, "<missing>"},
		{"deleting a destination of a missing set is NotFound", func(ctx context.Context, s *Service) error {
			return s.DeleteDestination(ctx, acct, "missing", "d")
		}, notFound, v1NotFound, 404, "<missing>"},
		{"adding a destination twice is AlreadyExists", func(ctx context.Context, s *Service) error {
			return s.CreateDestination(ctx, acct, "cs", snsDest("d", "BOUNCE"))
		}, "AlreadyExistsException", "EventDestinationAlreadyExists", 400,
			"Event destination <d> already exists in configuration set <cs>."},
		{"updating a missing destination is NotFound", func(ctx context.Context, s *Service) error {
			return s.UpdateDestination(ctx, acct, "cs", snsDest("other", "SEND"))
		}, notFound, "EventDestinationDoesNotExist", 404,
			"Event destination <other> does not exist in configuration set <cs>."},
		{"deleting a missing destination is NotFound", func(ctx context.Context, s *Service) error {
			return s.DeleteDestination(ctx, acct, "cs", "other")
		}, notFound, "EventDestinationDoesNotExist", 404, "<other>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, s, _, _ := setup(t)
			mustCreate(t, ctx, s, &Set{Name: "cs", SendingEnabled: true})
			if err := s.CreateDestination(ctx, acct, "cs", snsDest("d", "SEND")); err != nil {
				t.Fatalf("CreateDestination: %v", err)
			}
			err := tc.do(ctx, s)
			wantFault(t, err, tc.code, tc.v1Code, tc.status)
			if f := fault.As(err); f != nil && !strings.Contains(f.Message, tc.messageContain) {
				t.Errorf("message %q does not contain %q", f.Message, tc.messageContain)
			}
		})
	}
}

func TestDestinationValidation(t *testing.T) {
	t.Parallel()
	topic := "arn:aws:sns:us-east-1:" + acct + ":t"
	bus := "arn:aws:events:us-east-1:" + acct + ":event-bus/default"
	cw := map[string]json.RawMessage{"CloudWatchDestination": json.RawMessage(`{"DimensionConfigurations":[]}`)}
	for _, tc := range []struct {
		name string
		d    Destination
		ok   bool
	}{
		{"an SNS destination is accepted", Destination{Name: "d", MatchingEventTypes: []string{"SEND", "BOUNCE"}, SNSTopicARN: topic}, true},
		{"an EventBridge destination is accepted", Destination{Name: "d", MatchingEventTypes: []string{"OPEN"}, EventBusARN: bus}, true},
		{"a CloudWatch destination is accepted", Destination{Name: "d", MatchingEventTypes: []string{"CLICK"}, Other: cw}, true},
		{"every event type is accepted", Destination{Name: "d", MatchingEventTypes: EventTypes, SNSTopicARN: topic}, true},
		{"no destination kind is refused", Destination{Name: "d", MatchingEventTypes: []string{"SEND"}}, false},
		{"SNS and EventBridge together are refused",
			Destination{Name: "d", MatchingEventTypes: []string{"SEND"}, SNSTopicARN: topic, EventBusARN: bus}, false},
		{"SNS and CloudWatch together are refused",
			Destination{Name: "d", MatchingEventTypes: []string{"SEND"}, SNSTopicARN: topic, Other: cw}, false},
		{"two kinds of other destinations are refused", Destination{Name: "d", MatchingEventTypes: []string{"SEND"},
			Other: map[string]json.RawMessage{"CloudWatchDestination": nil, "KinesisFirehoseDestination": nil}}, false},
		{"no event types are refused", Destination{Name: "d", SNSTopicARN: topic}, false},
		{"an unknown event type is refused", Destination{Name: "d", MatchingEventTypes: []string{"SEND", "SENT"}, SNSTopicARN: topic}, false},
		{"an event type in the event's own spelling is refused",
			Destination{Name: "d", MatchingEventTypes: []string{"Send"}, SNSTopicARN: topic}, false},
		{"a bad destination name is refused", Destination{Name: "d/e", MatchingEventTypes: []string{"SEND"}, SNSTopicARN: topic}, false},
		{"an empty destination name is refused", Destination{Name: "", MatchingEventTypes: []string{"SEND"}, SNSTopicARN: topic}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, s, _, _ := setup(t)
			mustCreate(t, ctx, s, &Set{Name: "cs"})
			d := tc.d
			err := s.CreateDestination(ctx, acct, "cs", &d)
			if tc.ok {
				if err != nil {
					t.Fatalf("CreateDestination: %v", err)
				}
				list, err := s.Destinations(ctx, acct, "cs")
				if err != nil || len(list) != 1 || list[0].Name != tc.d.Name {
					t.Fatalf("Destinations = %v, %v; want the one created", list, err)
				}
				// The same definition passes UpdateDestination's validation too.
				if err := s.UpdateDestination(ctx, acct, "cs", &d); err != nil {
					t.Errorf("UpdateDestination: %v", err)
				}
				return
			}
			wantFault(t, err, "BadRequestException", "InvalidParameterValue", 400)
			wantFault(t, s.UpdateDestination(ctx, acct, "cs", &d), "BadRequestException", "InvalidParameterValue", 400)
			if list, err := s.Destinations(ctx, acct, "cs"); err != nil || len(list) != 0 {
				t.Errorf("a refused destination was stored: %v, %v", list, err)
			}
		})
	}
}

func TestDestinationLimit(t *testing.T) {
	t.Parallel()
	ctx, s, _, _ := setup(t)
	mustCreate(t, ctx, s, &Set{Name: "cs"})
	for i := range MaxDestinations {
		if err := s.CreateDestination(ctx, acct, "cs", snsDest(fmt.Sprintf("d%02d", i), "SEND")); err != nil {
			t.Fatalf("destination %d: %v", i+1, err)
		}
	}
	err := s.CreateDestination(ctx, acct, "cs", snsDest("one-too-many", "SEND"))
	wantFault(t, err, "LimitExceededException", "LimitExceeded", 400)
	if list, _ := s.Destinations(ctx, acct, "cs"); len(list) != MaxDestinations {
		t.Errorf("%d destinations stored, want %d", len(list), MaxDestinations)
	}
	// Deleting one makes room again.
	if err := s.DeleteDestination(ctx, acct, "cs", "d03"); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateDestination(ctx, acct, "cs", snsDest("replacement", "SEND")); err != nil {
		t.Errorf("after a delete: %v", err)
	}
}

func TestDeleteRemovesDestinations(t *testing.T) {
	t.Parallel()
	ctx, s, st, _ := setup(t)
	// "cs-2" shares a prefix with "cs": its destinations must survive.
	for _, name := range []string{"cs", "cs-2"} {
		mustCreate(t, ctx, s, &Set{Name: name})
		for _, d := range []string{"a", "b"} {
			if err := s.CreateDestination(ctx, acct, name, snsDest(d, "SEND")); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := s.Delete(ctx, acct, "cs"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := s.Get(ctx, acct, "cs"); fault.As(err) == nil || fault.As(err).HTTPStatus != 404 {
		t.Errorf("Get after Delete = %v, want NotFound", err)
	}
	objs, err := st.ListObjects(ctx, acct, kindDestination, "", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, o := range objs {
		names = append(names, o.Name)
	}
	if want := []string{"cs-2/a", "cs-2/b"}; !slices.Equal(names, want) {
		t.Errorf("destinations left in the store: %q, want %q", names, want)
	}
	// A new set of the old name starts without destinations.
	mustCreate(t, ctx, s, &Set{Name: "cs"})
	if list, err := s.Destinations(ctx, acct, "cs"); err != nil || len(list) != 0 {
		t.Errorf("recreated set has destinations %v, %v", list, err)
	}
}

func TestUpdate(t *testing.T) {
	t.Parallel()
	ctx, s, _, clk := setup(t)
	mustCreate(t, ctx, s, &Set{Name: "cs", SendingEnabled: true})
	clk.Advance(time.Hour)
	if err := s.Update(ctx, acct, "cs", func(set *Set) error {
		set.SendingEnabled = false
		set.TLSPolicy = TLSRequire
		return nil
	}); err != nil {
		t.Fatalf("Update: %v", err)
	}
	got, err := s.Get(ctx, acct, "cs")
	if err != nil {
		t.Fatal(err)
	}
	if got.SendingEnabled || got.TLSPolicy != TLSRequire || !got.CreatedAt.Equal(t0) {
		t.Errorf("after Update: %+v", got)
	}

	t.Run("a change that fails validation is not stored", func(t *testing.T) {
		err := s.Update(ctx, acct, "cs", func(set *Set) error { set.MaxDeliverySeconds = 10; return nil })
		wantFault(t, err, "BadRequestException", "InvalidParameterValue", 400)
		if got, _ := s.Get(ctx, acct, "cs"); got.MaxDeliverySeconds != 0 {
			t.Errorf("MaxDeliverySeconds = %d, want unchanged 0", got.MaxDeliverySeconds)
		}
	})
	t.Run("an error from the change is returned and nothing stored", func(t *testing.T) {
		boom := errors.New("boom")
		if err := s.Update(ctx, acct, "cs", func(set *Set) error { set.SendingPoolName = "x"; return boom }); !errors.Is(err, boom) {
			t.Errorf("Update = %v, want %v", err, boom)
		}
		if got, _ := s.Get(ctx, acct, "cs"); got.SendingPoolName != "" {
			t.Errorf("SendingPoolName = %q, want unchanged", got.SendingPoolName)
		}
	})
}

func TestList(t *testing.T) {
	t.Parallel()
	ctx, s, _, _ := setup(t)
	for _, name := range []string{"c", "a", "e", "b", "d"} {
		mustCreate(t, ctx, s, &Set{Name: name})
	}
	for _, tc := range []struct {
		after string
		limit int
		want  []string
		more  bool
	}{
		{"", 2, []string{"a", "b"}, true},
		{"b", 2, []string{"c", "d"}, true},
		{"d", 2, []string{"e"}, false},
		{"", 5, []string{"a", "b", "c", "d", "e"}, false},
		{"e", 5, nil, false},
	} {
		names, more, err := s.List(ctx, acct, tc.after, tc.limit)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(names, tc.want) || more != tc.more {
			t.Errorf("List(after %q, limit %d) = %q, %v; want %q, %v", tc.after, tc.limit, names, more, tc.want, tc.more)
		}
	}
}

func TestLookupCache(t *testing.T) {
	t.Parallel()

	t.Run("a change made through another node shows after CacheTTL", func(t *testing.T) {
		t.Parallel()
		ctx, s, st, clk := setup(t)
		other := New(st, clk) // another node on the same store
		mustCreate(t, ctx, s, &Set{Name: "cs", SendingEnabled: true})
		set, dests, err := s.Lookup(ctx, acct, "cs")
		if err != nil || !set.SendingEnabled || len(dests) != 0 {
			t.Fatalf("Lookup = %+v, %v, %v", set, dests, err)
		}
		if err := other.Update(ctx, acct, "cs", func(set *Set) error { set.SendingEnabled = false; return nil }); err != nil {
			t.Fatal(err)
		}
		if err := other.CreateDestination(ctx, acct, "cs", snsDest("d", "SEND")); err != nil {
			t.Fatal(err)
		}
		clk.Advance(CacheTTL - time.Millisecond)
		if set, dests, _ := s.Lookup(ctx, acct, "cs"); !set.SendingEnabled || len(dests) != 0 {
			t.Errorf("within CacheTTL: SendingEnabled %v, %d destinations; want the cached true, 0", set.SendingEnabled, len(dests))
		}
		clk.Advance(time.Millisecond)
		if set, dests, _ := s.Lookup(ctx, acct, "cs"); set.SendingEnabled || len(dests) != 1 {
			t.Errorf("after CacheTTL: SendingEnabled %v, %d destinations; want false, 1", set.SendingEnabled, len(dests))
		}
	})

	t.Run("a change made through the same service shows at once", func(t *testing.T) {
		t.Parallel()
		ctx, s, _, _ := setup(t)
		mustCreate(t, ctx, s, &Set{Name: "cs", SendingEnabled: true})
		steps := []struct {
			what   string
			change func() error
			check  func(*Set, []*Destination) bool
		}{
			{"Update", func() error {
				return s.Update(ctx, acct, "cs", func(set *Set) error { set.SendingEnabled = false; return nil })
			}, func(set *Set, _ []*Destination) bool { return !set.SendingEnabled }},
			{"CreateDestination", func() error { return s.CreateDestination(ctx, acct, "cs", snsDest("d", "SEND")) },
				func(_ *Set, d []*Destination) bool { return len(d) == 1 && d[0].Enabled }},
			{"UpdateDestination", func() error {
				d := snsDest("d", "SEND")
				d.Enabled = false
				return s.UpdateDestination(ctx, acct, "cs", d)
			}, func(_ *Set, d []*Destination) bool { return len(d) == 1 && !d[0].Enabled }},
			{"DeleteDestination", func() error { return s.DeleteDestination(ctx, acct, "cs", "d") },
				func(_ *Set, d []*Destination) bool { return len(d) == 0 }},
		}
		for _, step := range steps {
			if _, _, err := s.Lookup(ctx, acct, "cs"); err != nil { // fill the cache
				t.Fatal(err)
			}
			if err := step.change(); err != nil {
				t.Fatalf("%s: %v", step.what, err)
			}
			set, dests, err := s.Lookup(ctx, acct, "cs")
			if err != nil || !step.check(set, dests) {
				t.Errorf("Lookup right after %s: %+v, %d destinations, %v", step.what, set, len(dests), err)
			}
		}
		if err := s.Delete(ctx, acct, "cs"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Lookup(ctx, acct, "cs"); fault.As(err) == nil || fault.As(err).HTTPStatus != 404 {
			t.Errorf("Lookup right after Delete = %v, want NotFound", err)
		}
	})

	t.Run("a missing set is remembered for CacheTTL unless created here", func(t *testing.T) {
		t.Parallel()
		ctx, s, st, clk := setup(t)
		other := New(st, clk)
		if _, _, err := s.Lookup(ctx, acct, "cs"); fault.As(err) == nil {
			t.Fatalf("Lookup = %v, want NotFound", err)
		}
		mustCreate(t, ctx, other, &Set{Name: "cs"})
		if _, _, err := s.Lookup(ctx, acct, "cs"); fault.As(err) == nil || fault.As(err).HTTPStatus != 404 {
			t.Errorf("within CacheTTL: Lookup = %v, want the cached NotFound", err)
		}
		clk.Advance(CacheTTL)
		if _, _, err := s.Lookup(ctx, acct, "cs"); err != nil {
			t.Errorf("after CacheTTL: %v", err)
		}
		// Created through the Service itself: seen at once.
		if _, _, err := s.Lookup(ctx, acct, "cs2"); err == nil {
			t.Fatal("Lookup of cs2 found it before it was created")
		}
		mustCreate(t, ctx, s, &Set{Name: "cs2"})
		if _, _, err := s.Lookup(ctx, acct, "cs2"); err != nil {
			t.Errorf("right after Create: %v", err)
		}
	})

	t.Run("a clock that goes back does not keep a stale entry", func(t *testing.T) {
		t.Parallel()
		ctx, s, st, clk := setup(t)
		other := New(st, clk)
		mustCreate(t, ctx, s, &Set{Name: "cs", SendingEnabled: true})
		if _, _, err := s.Lookup(ctx, acct, "cs"); err != nil {
			t.Fatal(err)
		}
		if err := other.Update(ctx, acct, "cs", func(set *Set) error { set.SendingEnabled = false; return nil }); err != nil {
			t.Fatal(err)
		}
		clk.Set(t0.Add(-time.Hour))
		if set, _, _ := s.Lookup(ctx, acct, "cs"); set.SendingEnabled {
			t.Error("after the clock went back, Lookup still returned the cached set")
		}
	})
}

func TestSuppressedReasons(t *testing.T) {
	t.Parallel()
	ctx, s, _, _ := setup(t)
	account := &store.Account{ID: acct, SuppressedReasons: []string{store.ReasonBounce, store.ReasonComplaint}}
	mustCreate(t, ctx, s, &Set{Name: "plain"})
	mustCreate(t, ctx, s, &Set{Name: "none", Suppression: &Suppression{}})
	mustCreate(t, ctx, s, &Set{Name: "bounce", Suppression: &Suppression{SuppressedReasons: []string{store.ReasonBounce}}})
	for _, tc := range []struct {
		name, set string
		want      []string
	}{
		{"mail without a set uses the account's reasons", "", account.SuppressedReasons},
		{"a set without suppression options uses the account's reasons", "plain", account.SuppressedReasons},
		{"a set with an empty list suppresses nothing", "none", nil},
		{"a set's own list replaces the account's", "bounce", []string{store.ReasonBounce}},
		{"a missing set falls back to the account's reasons", "missing", account.SuppressedReasons},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := s.SuppressedReasons(ctx, account, tc.set); !slices.Equal(got, tc.want) {
				t.Errorf("SuppressedReasons(%q) = %q, want %q", tc.set, got, tc.want)
			}
		})
	}
}

func TestMatches(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		eventType string
		types     []string
		enabled   bool
		want      bool
	}{
		{"Send", []string{"SEND"}, true, true},
		{"Send", []string{"SEND"}, false, false},
		{"Send", []string{"BOUNCE", "DELIVERY"}, true, false},
		{"Bounce", []string{"BOUNCE", "DELIVERY"}, true, true},
		{"Rendering Failure", []string{"RENDERING_FAILURE"}, true, true},
		{"DeliveryDelay", []string{"DELIVERY_DELAY"}, true, true},
		{"DeliveryDelay", []string{"DELIVERY"}, true, false},
		{"Subscription", []string{"SUBSCRIPTION"}, true, true},
		{"Click", []string{"OPEN"}, true, false},
	} {
		d := &Destination{Enabled: tc.enabled, MatchingEventTypes: tc.types}
		if got := d.Matches(tc.eventType); got != tc.want {
			t.Errorf("destination %v (enabled %v) matches %q: %v, want %v", tc.types, tc.enabled, tc.eventType, got, tc.want)
		}
	}
	// Every SES event type maps onto the EventType enum.
	for _, typ := range []string{"Send", "Reject", "Bounce", "Complaint", "Delivery", "Open", "Click",
		"Rendering Failure", "DeliveryDelay", "Subscription"} {
		if !slices.Contains(EventTypes, EventTypeOf(typ)) {
			t.Errorf("EventTypeOf(%q) = %q, not in EventTypes", typ, EventTypeOf(typ))
		}
	}
}
