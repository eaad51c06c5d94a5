// Package storetest is the conformance suite of store.Store: every backend
// runs it (from its own tests) and must pass all of it, so that code above
// the store behaves the same on SQLite and PostgreSQL. Run takes one Store
// at a time; RunShared covers what needs two on one database (the queue's
// leases between nodes).
//
// Beyond the interface's documentation the suite pins these behaviours:
//   - times come back in UTC, truncated to the microsecond;
//   - empty lists (tags, keys, reasons) come back nil;
//   - a key, identity, statistic or suppression for an unknown account, and
//     a message for one, fail with ErrNotFound; a message whose ID is taken
//     fails with ErrExists without failing the messages committed with it;
//   - limit <= 0 in ListIdentities and ListIdentitiesToCheck means no limit;
//     in ClaimDue it claims nothing, and an empty owner or a lease that is
//     not positive is refused;
//   - a lease is its owner's until another node claims the recipient:
//     FinishAttempt and ExtendLease compare owners, not clocks;
//   - an unknown recipient's attempt log is empty, not ErrNotFound, and
//     attempt durations come back to the nanosecond.
package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hikyaku/hikyaku/internal/store"
)

// Run runs the suite. open must return a new, empty store for each call
// and register with t.Cleanup whatever else it needs released (temporary
// files, a database schema); the suite closes the store itself, before
// those cleanups run, and fails if Close does.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	for _, group := range []struct {
		name string
		run  func(*testing.T, func(*testing.T) *fixture)
	}{
		{"accounts", testAccounts},
		{"access keys", testAccessKeys},
		{"identities", testIdentities},
		{"messages", testMessages},
		{"concurrent inserts", testConcurrentInserts},
		{"queue", testQueue},
		{"attempts", testAttempts},
		{"statistics", testStats},
		{"suppression list", testSuppression},
		{"objects", testObjects},
		{"events", testEvents},
		{"times", testTimes},
	} {
		t.Run(group.name, func(t *testing.T) {
			t.Parallel()
			group.run(t, func(t *testing.T) *fixture { return newFixture(t, open) })
		})
	}
}

// fixture is one empty store and the means to fill it.
type fixture struct {
	t   *testing.T
	s   store.Store
	ctx context.Context
	ids atomic.Int64
}

func newFixture(t *testing.T, open func(*testing.T) store.Store) *fixture {
	t.Helper()
	s := open(t)
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return &fixture{t: t, s: s, ctx: t.Context()}
}

// t0 is the suite's "now": an arbitrary instant with microseconds, in UTC.
var t0 = time.Date(2025, 3, 14, 9, 26, 53, 589793000, time.UTC)

// newID returns a fresh 12-digit ID, unique within the fixture.
func (f *fixture) newID() string {
	return fmt.Sprintf("%012d", 100000000000+f.ids.Add(1))
}

// account creates an account called name.
func (f *fixture) account(name string) *store.Account {
	f.t.Helper()
	a := &store.Account{
		ID: f.newID(), Name: name, SendingEnabled: true, EnforcementStatus: "HEALTHY",
		Max24HourSend: 200, MaxSendRate: 1, CreatedAt: t0, UpdatedAt: t0,
	}
	if err := f.s.CreateAccount(f.ctx, a); err != nil {
		f.t.Fatalf("CreateAccount(%s): %v", name, err)
	}
	return a
}

// message returns (without inserting) a message of account with one
// recipient per address.
func (f *fixture) message(accountID string, created time.Time, addresses ...string) *store.Message {
	body := fmt.Appendf(nil, "From: a@example.com\r\nSubject: test %d\r\n\r\nhello\r\n", f.ids.Add(1))
	m := &store.Message{
		ID: fmt.Sprintf("0100%012x-%s", f.ids.Add(1), accountID), AccountID: accountID,
		Source: "a@example.com", FromHeader: "A <a@example.com>", Subject: "test",
		Origin: "api-v2", CreatedAt: created, Size: len(body), Body: body,
	}
	for i, a := range addresses {
		m.Recipients = append(m.Recipients, store.Recipient{
			MessageID: m.ID, Index: i, Address: a, Domain: "example.net",
			Status: store.RcptQueued, NextAttemptAt: created, UpdatedAt: created,
		})
	}
	return m
}

// equal fails the test when got and want differ.
func equal[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got  %s\n want %s", what, show(got), show(want))
	}
}

// show renders v for a failure message, following pointers.
func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%+v", v)
	}
	return string(b)
}
