package storetest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hikyaku/hikyaku/internal/store"
)

// attempts returns the recipient's log, failing the test if it fails.
func (f *fixture) attempts(messageID string, index int) []store.Attempt {
	f.t.Helper()
	list, err := f.s.Attempts(f.ctx, messageID, index)
	if err != nil {
		f.t.Fatalf("Attempts(%s, %d): %v", messageID, index, err)
	}
	return list
}

func testAttempts(t *testing.T, setup func(*testing.T) *fixture) {
	t.Run("finishing an attempt records the result, frees the lease and logs the attempt", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		m := f.waiting(f.account("a").ID, 0, 2, t0)
		claims := f.claim(f.s, "node-a", t0, time.Minute, 10)

		r := claims[0].Recipient
		r.Status, r.Attempts = store.RcptDeferred, 1
		r.NextAttemptAt, r.UpdatedAt = t0.Add(10*time.Minute), t0.Add(2*time.Second)
		r.Outcome = store.Outcome{Status: "4.7.1", SMTPReply: "451 4.7.1 try later", RemoteMTA: "mx.example.net"}
		a := store.Attempt{At: t0.Add(time.Second), Duration: 1234567891, Host: "mx.example.net",
			Status: store.RcptDeferred, Reply: "451 4.7.1 try later"}
		if err := f.s.FinishAttempt(f.ctx, "node-a", &r, &a); err != nil {
			t.Fatalf("FinishAttempt: %v", err)
		}
		other := claims[1].Recipient
		other.Status, other.Attempts, other.UpdatedAt = store.RcptDelivered, 1, t0.Add(3*time.Second)
		if err := f.s.FinishAttempt(f.ctx, "node-a", &other, nil); err != nil {
			t.Fatalf("FinishAttempt without an attempt: %v", err)
		}

		want := withoutBody(m)
		want.Recipients = []store.Recipient{r, other}
		equal(t, "message after FinishAttempt", f.get(m.ID), want)
		equal(t, "attempt log", f.attempts(m.ID, 0), []store.Attempt{a})
		equal(t, "attempt log after a finish without an attempt", f.attempts(m.ID, 1), nil)

		// The lease is gone: the deferred recipient is due again at its
		// own next attempt, not at the end of the lease.
		if got := f.claim(f.s, "node-b", r.NextAttemptAt.Add(-time.Microsecond), time.Minute, 10); len(got) != 0 {
			t.Errorf("claimed before the next attempt: %s", show(keys(got)))
		}
		equal(t, "claimed at the next attempt", keys(f.claim(f.s, "node-b", r.NextAttemptAt, time.Minute, 10)), keysOf(m, 0))
	})

	t.Run("FinishAttempt is refused unless the caller holds the lease, and then changes nothing", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		a := f.account("a")
		const lease = 5 * time.Minute
		m := f.waiting(a.ID, 0, 3, t0)
		unclaimed := f.waiting(a.ID, 0, 1, t0.Add(24*time.Hour))
		claims := f.claim(f.s, "node-a", t0, lease, 10)
		finished := claims[1].Recipient
		finished.Status = store.RcptDelivered
		if err := f.s.FinishAttempt(f.ctx, "node-a", &finished, nil); err != nil {
			t.Fatalf("FinishAttempt: %v", err)
		}
		if _, err := f.s.ExtendLease(f.ctx, "node-a", keysOf(m, 0), t0.Add(time.Hour)); err != nil {
			t.Fatalf("ExtendLease: %v", err)
		}
		// Node a stalls; when its lease on recipient 2 ends, node b takes
		// it over.
		equal(t, "node b's takeover", keys(f.claim(f.s, "node-b", t0.Add(lease), lease, 10)), keysOf(m, 2))
		before := []*store.Message{f.get(m.ID), f.get(unclaimed.ID)}

		attempt := &store.Attempt{At: t0.Add(time.Second), Host: "mx.example.net", Status: store.RcptDelivered, Reply: "250 ok"}
		for _, tc := range []struct {
			name  string
			owner string
			key   store.RecipientKey
			want  error
		}{
			{"a recipient node b took over after the lease expired, by node a", "node-a", store.RecipientKey{MessageID: m.ID, Index: 2}, store.ErrLeaseLost},
			{"a recipient node a holds, by node b", "node-b", store.RecipientKey{MessageID: m.ID, Index: 0}, store.ErrLeaseLost},
			{"a recipient already finished", "node-a", store.RecipientKey{MessageID: m.ID, Index: 1}, store.ErrLeaseLost},
			{"a recipient never claimed", "node-a", store.RecipientKey{MessageID: unclaimed.ID, Index: 0}, store.ErrLeaseLost},
			{"an unknown index", "node-a", store.RecipientKey{MessageID: m.ID, Index: 9}, store.ErrNotFound},
			{"an unknown message", "node-a", store.RecipientKey{MessageID: "no-such-message"}, store.ErrNotFound},
		} {
			r := &store.Recipient{MessageID: tc.key.MessageID, Index: tc.key.Index, Status: store.RcptDelivered,
				Attempts: 1, UpdatedAt: t0.Add(time.Hour)}
			if err := f.s.FinishAttempt(f.ctx, tc.owner, r, attempt); !errors.Is(err, tc.want) {
				t.Errorf("FinishAttempt on %s = %v, want %v", tc.name, err, tc.want)
			}
		}
		equal(t, "messages after refused FinishAttempts", []*store.Message{f.get(m.ID), f.get(unclaimed.ID)}, before)
		for i := range m.Recipients {
			equal(t, "attempt log after refused FinishAttempts", f.attempts(m.ID, i), nil)
		}
		equal(t, "attempt log after refused FinishAttempts", f.attempts(unclaimed.ID, 0), nil)
		if n, err := f.s.ExtendLease(f.ctx, "node-a", keysOf(m, 2), t0.Add(time.Hour)); n != 0 || err != nil {
			t.Errorf("ExtendLease of a lease taken over = %d, %v; want 0, nil", n, err)
		}
	})

	t.Run("a lease that ran out but that no node took over is still its owner's", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		m := f.waiting(f.account("a").ID, 0, 2, t0)
		claims := f.claim(f.s, "node-a", t0, time.Minute, 10)
		// An hour later node a is back from a stall; nobody claimed since.
		until := t0.Add(time.Hour + time.Minute)
		if n, err := f.s.ExtendLease(f.ctx, "node-a", keysOf(m, 1), until); n != 1 || err != nil {
			t.Errorf("ExtendLease of a lapsed lease = %d, %v; want 1, nil", n, err)
		}
		r := claims[0].Recipient
		r.Status, r.Attempts = store.RcptDelivered, 1
		if err := f.s.FinishAttempt(f.ctx, "node-a", &r, nil); err != nil {
			t.Errorf("FinishAttempt on a lapsed lease = %v, want nil", err)
		}
		want := withoutBody(m)
		want.Recipients = []store.Recipient{r, claimOf(m, 1, until).Recipient}
		equal(t, "message after its owner came back", f.get(m.ID), want)
	})

	t.Run("the attempt log reads back oldest first with times in UTC to the microsecond", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		m := f.message(f.account("a").ID, t0, "x@example.net", "y@example.net")
		m.Recipients[1].NextAttemptAt = t0.Add(1000 * time.Hour) // never due here
		f.insert(m)
		tokyo := time.FixedZone("JST", 9*3600)
		logged := []store.Attempt{
			{At: time.Date(2025, 3, 14, 18, 26, 53, 589793238, tokyo), Duration: 30 * time.Second,
				Status: store.RcptDeferred, Reply: "dial tcp 192.0.2.1:25: i/o timeout"},
			{At: time.Date(2025, 3, 14, 18, 36, 53, 999999999, tokyo), Duration: 1,
				Host: "mx2.example.net", Status: store.RcptDeferred, Reply: "421 4.3.2 " + strings.Repeat("busy ", 200)},
			{At: time.Date(2025, 3, 14, 9, 56, 53, 1000, time.UTC), Duration: 987654321,
				Host: "mx1.example.net", Status: store.RcptDelivered, Reply: "250 2.0.0 OK queued as 1A2B3C"},
		}
		now := t0
		for i, a := range logged {
			claims := f.claim(f.s, "node-a", now, time.Minute, 1)
			if len(claims) != 1 {
				t.Fatalf("attempt %d: claimed %d recipients, want 1", i, len(claims))
			}
			r := claims[0].Recipient
			r.Status, r.Attempts, r.NextAttemptAt = a.Status, i+1, now.Add(time.Hour)
			if err := f.s.FinishAttempt(f.ctx, "node-a", &r, &a); err != nil {
				t.Fatalf("FinishAttempt %d: %v", i, err)
			}
			now = now.Add(time.Hour)
		}
		want := make([]store.Attempt, len(logged))
		for i, a := range logged {
			a.At = a.At.UTC().Truncate(time.Microsecond)
			want[i] = a
		}
		equal(t, "attempt log", f.attempts(m.ID, 0), want)
		equal(t, "log of the other recipient", f.attempts(m.ID, 1), nil)
		equal(t, "log of an unknown recipient", f.attempts("no-such-message", 0), nil)
	})
}
