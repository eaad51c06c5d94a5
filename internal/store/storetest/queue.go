package storetest

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/hikyaku/hikyaku/internal/store"
)

// waiting inserts a message of account with n recipients waiting for their
// first attempt (attempts 0: queued) or for a retry (deferred), and returns
// it. The last is due at due, each one a microsecond after the one before.
func (f *fixture) waiting(accountID string, attempts, n int, due time.Time) *store.Message {
	f.t.Helper()
	addrs := make([]string, n)
	for i := range addrs {
		addrs[i] = fmt.Sprintf("r%d@example.net", i)
	}
	m := f.message(accountID, t0, addrs...)
	for i := range m.Recipients {
		r := &m.Recipients[i]
		r.Attempts = attempts
		if attempts > 0 {
			r.Status = store.RcptDeferred
		}
		r.NextAttemptAt = due.Add(-time.Duration(n-1-i) * time.Microsecond)
	}
	f.insert(m)
	return m
}

// claim calls ClaimDue on s and fails the test if it fails.
func (f *fixture) claim(s store.Store, owner string, now time.Time, lease time.Duration, limit int) []*store.Claim {
	f.t.Helper()
	claims, err := s.ClaimDue(f.ctx, owner, now, lease, limit)
	if err != nil {
		f.t.Fatalf("ClaimDue(%s, %v): %v", owner, now, err)
	}
	return claims
}

// get returns the message without its body, failing the test if it fails.
func (f *fixture) get(id string) *store.Message {
	f.t.Helper()
	m, err := f.s.GetMessage(f.ctx, id)
	if err != nil {
		f.t.Fatalf("GetMessage(%s): %v", id, err)
	}
	return m
}

// claimOf is what ClaimDue returns for recipient i of m, leased until
// until.
func claimOf(m *store.Message, i int, until time.Time) *store.Claim {
	until = until.UTC().Truncate(time.Microsecond)
	r := m.Recipients[i]
	r.NextAttemptAt = until
	return &store.Claim{
		Recipient: r, AccountID: m.AccountID, Source: m.Source, ReturnPath: m.ReturnPath,
		MailFromDomain: m.MailFromDomain, ConfigurationSet: m.ConfigurationSet, Origin: m.Origin, MessageCreatedAt: m.CreatedAt,
		Size: m.Size, LeaseUntil: until,
	}
}

// keys returns the claimed recipients' keys, sorted.
func keys(claims []*store.Claim) []store.RecipientKey {
	list := make([]store.RecipientKey, len(claims))
	for i, c := range claims {
		list[i] = store.RecipientKey{MessageID: c.Recipient.MessageID, Index: c.Recipient.Index}
	}
	slices.SortFunc(list, func(a, b store.RecipientKey) int {
		return cmp.Or(cmp.Compare(a.MessageID, b.MessageID), cmp.Compare(a.Index, b.Index))
	})
	return list
}

// keysOf returns the keys of m's recipients at indexes, sorted.
func keysOf(m *store.Message, indexes ...int) []store.RecipientKey {
	list := make([]store.RecipientKey, len(indexes))
	for i, idx := range indexes {
		list[i] = store.RecipientKey{MessageID: m.ID, Index: idx}
	}
	slices.SortFunc(list, func(a, b store.RecipientKey) int { return cmp.Compare(a.Index, b.Index) })
	return list
}

func testQueue(t *testing.T, setup func(*testing.T) *fixture) {
	t.Run("a claim leases the due recipients with what delivery needs of their message", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		a := f.account("a")
		m := f.message(a.ID, t0, "x@example.net", "y@example.net")
		m.ReturnPath, m.ConfigurationSet, m.Origin = "bounces@example.com", "transactional", "smtp"
		m.MailFromDomain = "bounce.example.com"
		m.Recipients[1].Outcome = store.Outcome{SMTPReply: "451 4.7.1 greylisted"}
		f.insert(m)
		later := f.waiting(a.ID, 0, 1, t0.Add(time.Hour))

		now := t0.Add(time.Minute)
		got := f.claim(f.s, "node-a", now, 5*time.Minute, 10)
		until := now.Add(5 * time.Minute)
		equal(t, "ClaimDue", got, []*store.Claim{claimOf(m, 0, until), claimOf(m, 1, until)})

		want := withoutBody(m)
		want.Recipients = []store.Recipient{claimOf(m, 0, until).Recipient, claimOf(m, 1, until).Recipient}
		equal(t, "message after the claim: next attempt moved to the end of the lease, status kept", f.get(m.ID), want)
		equal(t, "message not yet due", f.get(later.ID), withoutBody(later))
	})

	t.Run("a message inserted claimed is its owner's until the lease ends, then anyone's", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		const lease = 5 * time.Minute
		m := f.message(f.account("a").ID, t0, "x@example.net", "suppressed@example.net", "y@example.net")
		m.Recipients[1].Status = store.RcptSuppressed
		m.LeaseOwner, m.LeaseUntil = "node-a", t0.Add(lease)
		for _, i := range []int{0, 2} {
			m.Recipients[i].NextAttemptAt = m.LeaseUntil
		}
		f.insert(m)
		for _, now := range []time.Time{t0, t0.Add(lease - time.Microsecond)} {
			if got := f.claim(f.s, "node-b", now, lease, 10); len(got) != 0 {
				t.Errorf("at %v, while node a's lease from the insert holds, node b claimed %s", now.Sub(t0), show(keys(got)))
			}
		}
		// The owner records an attempt under the lease it was inserted with.
		r := m.Recipients[0]
		r.Status, r.Attempts, r.UpdatedAt = store.RcptDelivered, 1, t0.Add(time.Second)
		if err := f.s.FinishAttempt(f.ctx, "node-a", &r, nil); err != nil {
			t.Fatalf("FinishAttempt by the owner of the insert's lease: %v", err)
		}
		r2 := m.Recipients[2]
		r2.Status, r2.Attempts = store.RcptDelivered, 1
		if err := f.s.FinishAttempt(f.ctx, "node-b", &r2, nil); !errors.Is(err, store.ErrLeaseLost) {
			t.Errorf("FinishAttempt by another node = %v, want ErrLeaseLost", err)
		}
		// Node a died before delivering recipient 2: once the lease ends,
		// node b takes it over, and only it (the suppressed one was never leased).
		got := f.claim(f.s, "node-b", t0.Add(lease), lease, 10)
		equal(t, "node b's claim once the insert's lease expired", got, []*store.Claim{claimOf(m, 2, t0.Add(2*lease))})
	})

	t.Run("a recipient is due at its next attempt time, not a microsecond before", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		m := f.waiting(f.account("a").ID, 0, 1, t0)
		if got := f.claim(f.s, "node-a", t0.Add(-time.Microsecond), time.Minute, 10); len(got) != 0 {
			t.Errorf("ClaimDue a microsecond early claimed %s", show(keys(got)))
		}
		equal(t, "ClaimDue on time", keys(f.claim(f.s, "node-a", t0, time.Minute, 10)), keysOf(m, 0))
	})

	t.Run("claimed recipients are not claimed again until the lease expires, then another node takes them over", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		m := f.waiting(f.account("a").ID, 0, 2, t0)
		const lease = 5 * time.Minute
		equal(t, "node a's claim", keys(f.claim(f.s, "node-a", t0, lease, 10)), keysOf(m, 0, 1))
		for _, now := range []time.Time{t0, t0.Add(time.Minute), t0.Add(lease - time.Microsecond)} {
			if got := f.claim(f.s, "node-b", now, lease, 10); len(got) != 0 {
				t.Errorf("at %v, while node a's lease holds, node b claimed %s", now.Sub(t0), show(keys(got)))
			}
		}
		// Node a died: when its lease ends, node b takes the work.
		got := f.claim(f.s, "node-b", t0.Add(lease), lease, 10)
		equal(t, "node b's claim once the lease expired", got,
			[]*store.Claim{claimOf(m, 0, t0.Add(2*lease)), claimOf(m, 1, t0.Add(2*lease))})
	})

	t.Run("first attempts and retries each get half of the limit, and what one leaves goes to the other", func(t *testing.T) {
		t.Parallel()
		for _, tc := range []struct {
			name                   string
			first, retries, limit  int
			wantFirst, wantRetries int
		}{
			{"a backlog of 1,000 due retries leaves room for a new message", 1, 1000, 10, 1, 9},
			{"with plenty of both each gets half", 20, 20, 10, 5, 5},
			{"an odd limit gives the extra one to first attempts", 20, 20, 5, 3, 2},
			{"retries take what first attempts leave", 2, 20, 10, 2, 8},
			{"first attempts take what retries leave", 20, 3, 10, 7, 3},
			{"a limit of one goes to a first attempt", 5, 5, 1, 1, 0},
			{"a limit of one goes to a retry if nothing else is due", 0, 5, 1, 0, 1},
			{"fewer due than the limit are all claimed", 2, 3, 10, 2, 3},
		} {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				f := setup(t)
				a := f.account("a")
				// Retries have waited longer than the new mail, so a queue
				// ordered by due time alone would starve it.
				var first, retries *store.Message
				if tc.retries > 0 {
					retries = f.waiting(a.ID, 3, tc.retries, t0.Add(-time.Hour))
				}
				if tc.first > 0 {
					first = f.waiting(a.ID, 0, tc.first, t0)
				}
				got := f.claim(f.s, "node-a", t0, time.Minute, tc.limit)

				var wantKeys []store.RecipientKey
				for i := range tc.wantFirst {
					wantKeys = append(wantKeys, keysOf(first, i)...)
				}
				for i := range tc.wantRetries {
					wantKeys = append(wantKeys, keysOf(retries, i)...)
				}
				slices.SortFunc(wantKeys, func(a, b store.RecipientKey) int {
					return cmp.Or(cmp.Compare(a.MessageID, b.MessageID), cmp.Compare(a.Index, b.Index))
				})
				equal(t, "claimed: the oldest of each kind", keys(got), wantKeys)
				due := func(c *store.Claim) time.Time {
					last, n := t0, tc.first
					if c.Recipient.Attempts > 0 {
						last, n = t0.Add(-time.Hour), tc.retries
					}
					return last.Add(-time.Duration(n-1-c.Recipient.Index) * time.Microsecond)
				}
				if !slices.IsSortedFunc(got, func(a, b *store.Claim) int { return due(a).Compare(due(b)) }) {
					t.Errorf("claims are not in the order they were due: %s", show(keys(got)))
				}
			})
		}
	})

	t.Run("only queued and deferred recipients are claimed", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		a := f.account("a")
		statuses := []string{
			store.RcptQueued, store.RcptDeferred, store.RcptDelivered, store.RcptBounced,
			store.RcptComplained, store.RcptSuppressed,
		}
		// Every status once as a first attempt and once as a retry.
		addrs := make([]string, 2*len(statuses))
		for i := range addrs {
			addrs[i] = fmt.Sprintf("r%d@example.net", i)
		}
		m := f.message(a.ID, t0, addrs...)
		for i := range m.Recipients {
			r := &m.Recipients[i]
			r.Status = statuses[i%len(statuses)]
			r.Attempts = i / len(statuses)
		}
		f.insert(m)
		for _, now := range []time.Time{t0, t0.Add(time.Hour), t0.Add(24 * time.Hour)} {
			// Each claim's lease has ended by the next one.
			got := f.claim(f.s, "node-a", now, time.Minute, 100)
			equal(t, fmt.Sprintf("claimed at %v", now.Sub(t0)), keys(got), keysOf(m, 0, 1, 6, 7))
		}
	})

	t.Run("ExtendLease moves only the owner's leases, and with them the recipients' next attempt", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		a := f.account("a")
		mine := f.waiting(a.ID, 0, 3, t0)
		theirs := f.waiting(a.ID, 0, 1, t0.Add(time.Hour))
		const lease = 2 * time.Hour
		equal(t, "node a's claim", keys(f.claim(f.s, "node-a", t0, lease, 10)), keysOf(mine, 0, 1, 2))
		equal(t, "node b's claim", keys(f.claim(f.s, "node-b", t0.Add(time.Hour), lease, 10)), keysOf(theirs, 0))

		until := t0.Add(5 * time.Hour)
		extend := append(keysOf(mine, 0, 1, 0), // one key twice
			store.RecipientKey{MessageID: theirs.ID, Index: 0}, // node b's
			store.RecipientKey{MessageID: mine.ID, Index: 7},   // no such recipient
			store.RecipientKey{MessageID: "no-such-message"})   // no such message
		n, err := f.s.ExtendLease(f.ctx, "node-a", extend, until)
		if err != nil {
			t.Fatalf("ExtendLease: %v", err)
		}
		if n != 2 {
			t.Errorf("ExtendLease = %d, want 2 (recipients 0 and 1 of node a's message)", n)
		}
		if n, err := f.s.ExtendLease(f.ctx, "node-a", nil, until); n != 0 || err != nil {
			t.Errorf("ExtendLease(no keys) = %d, %v; want 0, nil", n, err)
		}

		got := f.get(mine.ID)
		equal(t, "extended recipient's next attempt", got.Recipients[0].NextAttemptAt, until)
		equal(t, "recipient left out keeps its next attempt", got.Recipients[2].NextAttemptAt, t0.Add(lease))
		const long = 24 * time.Hour // node c holds what it takes
		equal(t, "claimed when the first leases end", keys(f.claim(f.s, "node-c", t0.Add(lease), long, 10)), keysOf(mine, 2))
		equal(t, "claimed when node b's lease ends", keys(f.claim(f.s, "node-c", t0.Add(time.Hour+lease), long, 10)), keysOf(theirs, 0))
		equal(t, "claimed when the extended leases end", keys(f.claim(f.s, "node-c", until, long, 10)), keysOf(mine, 0, 1))
	})

	t.Run("QueueCounts counts queued and deferred recipients, claimed or not", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		counts := func(what string, wantQueued, wantDeferred int64) {
			t.Helper()
			q, d, err := f.s.QueueCounts(f.ctx)
			if err != nil {
				t.Fatalf("QueueCounts: %v", err)
			}
			if q != wantQueued || d != wantDeferred {
				t.Errorf("QueueCounts %s = %d queued, %d deferred; want %d, %d", what, q, d, wantQueued, wantDeferred)
			}
		}
		counts("of an empty store", 0, 0)
		a := f.account("a")
		f.waiting(a.ID, 0, 3, t0)
		f.waiting(a.ID, 2, 2, t0.Add(time.Hour))
		done := f.message(a.ID, t0, "delivered@example.net", "bounced@example.net")
		done.Recipients[0].Status, done.Recipients[1].Status = store.RcptDelivered, store.RcptBounced
		f.insert(done)
		counts("of a filled store", 3, 2)

		claims := f.claim(f.s, "node-a", t0, time.Minute, 2)
		counts("after a claim", 3, 2)
		r := claims[0].Recipient
		r.Status, r.Attempts = store.RcptDelivered, 1
		if err := f.s.FinishAttempt(f.ctx, "node-a", &r, nil); err != nil {
			t.Fatalf("FinishAttempt: %v", err)
		}
		counts("after one was delivered", 2, 2)
	})

	t.Run("RetryNow makes waiting recipients due now, by domain or all, and leaves leased and already due ones alone", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		later := t0.Add(time.Hour)
		m := f.message(f.account("a").ID, t0, "deferred@slow.test", "deferred@fast.test", "queued@slow.test",
			"leased@slow.test", "delivered@slow.test", "lapsed@slow.test")
		for i, r := range []struct {
			domain, status string
			due            time.Time
		}{
			{"slow.test", store.RcptDeferred, later},
			{"fast.test", store.RcptDeferred, later},
			{"slow.test", store.RcptQueued, later},
			{"slow.test", store.RcptDeferred, t0.Add(-time.Minute)},     // leased below until later
			{"slow.test", store.RcptDelivered, later},                   // final
			{"slow.test", store.RcptDeferred, t0.Add(-2 * time.Minute)}, // leased below for a minute
		} {
			rcpt := &m.Recipients[i]
			rcpt.Domain, rcpt.Status, rcpt.NextAttemptAt = r.domain, r.status, r.due
			if r.status != store.RcptQueued {
				rcpt.Attempts = 2
			}
		}
		f.insert(m)
		equal(t, "claim of a minute", keys(f.claim(f.s, "node-a", t0, time.Minute, 1)), keysOf(m, 5))
		equal(t, "claim of an hour", keys(f.claim(f.s, "node-b", t0, time.Hour, 10)), keysOf(m, 3))
		want := withoutBody(m)
		want.Recipients = slices.Clone(m.Recipients)
		want.Recipients[3].NextAttemptAt = later
		want.Recipients[5].NextAttemptAt = t0.Add(time.Minute)

		retry := func(domain string, now time.Time, wantN int64, moved ...int) {
			t.Helper()
			n, err := f.s.RetryNow(f.ctx, domain, now)
			if err != nil {
				t.Fatalf("RetryNow(%q): %v", domain, err)
			}
			if n != wantN {
				t.Errorf("RetryNow(%q) = %d, want %d", domain, n, wantN)
			}
			for _, i := range moved {
				want.Recipients[i].NextAttemptAt = now
			}
			equal(t, fmt.Sprintf("message after RetryNow(%q)", domain), f.get(m.ID), want)
		}
		// The hour's lease holds; the minute's has lapsed, so that recipient
		// is due already and keeps its place, as those moved before do
		// below. Attempts are kept.
		now := t0.Add(10 * time.Minute)
		retry("SLOW.test", now, 2, 0, 2)
		now = now.Add(10 * time.Minute)
		retry("", now, 1, 1)
		retry("other.test", now, 0)
		equal(t, "claimed after RetryNow", keys(f.claim(f.s, "node-c", now, time.Minute, 10)), keysOf(m, 0, 1, 2, 5))
	})

	t.Run("RetryNow moves a backlog of thousands", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		const n = 5001 // more than one statement's share in either backend
		m := f.waiting(f.account("a").ID, 3, n, t0.Add(time.Hour))
		moved, err := f.s.RetryNow(f.ctx, "", t0)
		if err != nil || moved != n {
			t.Fatalf("RetryNow = %d, %v; want %d, nil", moved, err, n)
		}
		for _, r := range f.get(m.ID).Recipients {
			if !r.NextAttemptAt.Equal(t0) || r.Attempts != 3 {
				t.Fatalf("recipient %d after RetryNow: next attempt %v, %d attempts; want %v, 3", r.Index, r.NextAttemptAt, r.Attempts, t0)
			}
		}
	})

	t.Run("a claim without an owner or a positive lease is refused and a limit below one claims nothing", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		m := f.waiting(f.account("a").ID, 0, 1, t0)
		for _, tc := range []struct {
			name  string
			owner string
			lease time.Duration
		}{
			{"no owner", "", time.Minute},
			{"a zero lease", "node-a", 0},
			{"a negative lease", "node-a", -time.Minute},
		} {
			if got, err := f.s.ClaimDue(f.ctx, tc.owner, t0, tc.lease, 10); err == nil {
				t.Errorf("ClaimDue with %s = %s, want an error", tc.name, show(keys(got)))
			}
		}
		for _, limit := range []int{0, -1} {
			if got := f.claim(f.s, "node-a", t0, time.Minute, limit); len(got) != 0 {
				t.Errorf("ClaimDue(limit %d) claimed %s", limit, show(keys(got)))
			}
		}
		equal(t, "message after refused claims", f.get(m.ID), withoutBody(m))
	})
}
