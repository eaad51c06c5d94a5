package postgres

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/store/column"
)

// claimSQL claims in one statement: one round trip, and no transaction
// left open between choosing and leasing. first and retries lock up to
// limit ($2) due recipients of each kind, oldest first. Each WHERE repeats
// the WHERE of its kind's partial index (recipients_due_first,
// recipients_due_retry), so the planner can read that index in order and
// stop after limit rows (TestClaimDueReadsThePartialIndexes). SKIP LOCKED
// passes over rows another node is claiming at that moment rather than
// wait for them, and PostgreSQL rechecks the WHERE of every row it locks,
// so a row another node has just leased is no longer due. candidates
// marks the rows beyond each kind's half ($3 for first attempts, the rest
// for retries) as spill; picked keeps the rows within the halves and tops
// them up with the other kind's spill. Rows locked but not picked are free
// again when the statement commits. RETURNING cannot show the old
// next_attempt_at, so picked carries it, as due, to order the claims by.
const claimSQL = `
WITH first AS (
	SELECT message_id, idx, next_attempt_at FROM recipients
	WHERE status IN ('queued', 'deferred') AND attempts = 0
	  AND next_attempt_at <= $1::timestamptz AND (lease_until IS NULL OR lease_until <= $1::timestamptz)
	ORDER BY next_attempt_at
	LIMIT $2::int
	FOR UPDATE SKIP LOCKED
), retries AS (
	SELECT message_id, idx, next_attempt_at FROM recipients
	WHERE status IN ('queued', 'deferred') AND attempts > 0
	  AND next_attempt_at <= $1::timestamptz AND (lease_until IS NULL OR lease_until <= $1::timestamptz)
	ORDER BY next_attempt_at
	LIMIT $2::int
	FOR UPDATE SKIP LOCKED
), candidates AS (
	SELECT message_id, idx, next_attempt_at,
		row_number() OVER (ORDER BY next_attempt_at) > $3::int AS spill
	FROM first
	UNION ALL
	SELECT message_id, idx, next_attempt_at,
		row_number() OVER (ORDER BY next_attempt_at) > $2::int - $3::int AS spill
	FROM retries
), picked AS (
	SELECT message_id, idx, next_attempt_at AS due FROM candidates
	ORDER BY spill, next_attempt_at
	LIMIT $2::int
)
UPDATE recipients r SET lease_owner = $4, lease_until = $5, next_attempt_at = $5
FROM picked p JOIN messages m ON m.id = p.message_id
WHERE r.message_id = p.message_id AND r.idx = p.idx
RETURNING r.message_id, r.idx, r.address, r.domain, r.status, r.attempts, r.updated_at, r.outcome,
	m.account_id, m.source, m.return_path, m.mail_from_domain, m.configuration_set, m.origin,
	m.created_at, m.size, p.due`

// ClaimDue leases up to limit due recipients to owner until now+lease (see
// store.QueueStore); limit <= 0 claims nothing.
func (s *Store) ClaimDue(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]*store.Claim, error) {
	if owner == "" || lease <= 0 {
		return nil, fmt.Errorf("postgres: claim due recipients: need an owner and a positive lease, got %q and %v", owner, lease)
	}
	if limit <= 0 {
		return nil, nil
	}
	until := ts(now.Add(lease))
	rows, err := s.pool.Query(ctx, claimSQL, ts(now), limit, limit-limit/2, owner, until)
	if err != nil {
		return nil, wrapf(err, "claim due recipients")
	}
	type dueClaim struct {
		claim *store.Claim
		due   time.Time
	}
	picked, err := collect(rows, func(row pgx.Row) (dueClaim, error) {
		var (
			c                = store.Claim{LeaseUntil: until}
			r                = &c.Recipient
			updated, created time.Time
			outcome          string
			due              time.Time
		)
		err := row.Scan(&r.MessageID, &r.Index, &r.Address, &r.Domain, &r.Status, &r.Attempts,
			&updated, &outcome,
			&c.AccountID, &c.Source, &c.ReturnPath, &c.MailFromDomain, &c.ConfigurationSet, &c.Origin,
			&created, &c.Size, &due)
		if err != nil {
			return dueClaim{}, err
		}
		r.NextAttemptAt, r.UpdatedAt, c.MessageCreatedAt = until, ts(updated), ts(created)
		if r.Outcome, err = column.ParseOutcome(outcome); err != nil {
			return dueClaim{}, fmt.Errorf("recipient %d of %s: %w", r.Index, r.MessageID, err)
		}
		return dueClaim{&c, due}, nil
	})
	if err != nil {
		// The leases may be taken all the same, unknown to the caller;
		// they lapse at until.
		return nil, wrapf(err, "claim due recipients")
	}
	slices.SortFunc(picked, func(a, b dueClaim) int {
		ra, rb := &a.claim.Recipient, &b.claim.Recipient
		return cmp.Or(a.due.Compare(b.due), cmp.Compare(ra.MessageID, rb.MessageID), cmp.Compare(ra.Index, rb.Index))
	})
	claims := make([]*store.Claim, len(picked))
	for i, p := range picked {
		claims[i] = p.claim
	}
	return claims, nil
}

// ExtendLease moves the leases owner holds on keys, and their next attempt,
// to until, in one statement; it returns how many it moved. Keys named
// twice count once.
func (s *Store) ExtendLease(ctx context.Context, owner string, keys []store.RecipientKey, until time.Time) (int, error) {
	if len(keys) == 0 {
		return 0, nil
	}
	ids := make([]string, len(keys))
	idxs := make([]int32, len(keys))
	for i, k := range keys {
		ids[i], idxs[i] = k.MessageID, int32(k.Index)
	}
	tag, err := s.pool.Exec(ctx, `UPDATE recipients r SET lease_until = $1, next_attempt_at = $1
		FROM (SELECT DISTINCT * FROM unnest($2::text[], $3::int4[])) AS k(message_id, idx)
		WHERE r.message_id = k.message_id AND r.idx = k.idx AND r.lease_owner = $4`,
		ts(until), ids, idxs, owner)
	if err != nil {
		return 0, wrapf(err, "extend %d leases of %s", len(keys), owner)
	}
	return int(tag.RowsAffected()), nil
}

// QueueCounts returns how many recipients are queued and deferred. It
// counts entries of the recipients_by_due index (an index-only scan while
// vacuum keeps up), but still all of them: about 300 ms for a million
// waiting recipients, a figure for metrics rather than for every message.
func (s *Store) QueueCounts(ctx context.Context) (queued, deferred int64, err error) {
	err = s.pool.QueryRow(ctx, `SELECT
			(SELECT count(*) FROM recipients WHERE status = 'queued'),
			(SELECT count(*) FROM recipients WHERE status = 'deferred')`).Scan(&queued, &deferred)
	if err != nil {
		return 0, 0, wrapf(err, "count the queue")
	}
	return queued, deferred, nil
}

// RetryNow makes the waiting (queued or deferred) recipients of domain (all when empty) due at
// now (see store.QueueStore), retryChunk at a time, each chunk a statement
// of its own: the first are claimed while the rest are moved, and no
// transaction holds a big backlog's row locks. FOR UPDATE waits for a
// claim under way on a row and checks the row again afterwards, so a
// recipient it leased is left alone. Moved recipients are due at now, so
// the next chunk no longer finds them.
func (s *Store) RetryNow(ctx context.Context, domain string, now time.Time) (int64, error) {
	var total int64
	for {
		tag, err := s.pool.Exec(ctx, `UPDATE recipients r SET next_attempt_at = $1
			FROM (SELECT message_id, idx FROM recipients
				WHERE status IN ('queued', 'deferred') AND next_attempt_at > $1
				  AND ($2 = '' OR domain = $2) AND (lease_until IS NULL OR lease_until <= $1)
				LIMIT $3
				FOR UPDATE) AS due
			WHERE r.message_id = due.message_id AND r.idx = due.idx`,
			ts(now), strings.ToLower(domain), retryChunk)
		if err != nil {
			return total, wrapf(err, "make deferred recipients due now (%d moved)", total)
		}
		n := tag.RowsAffected()
		total += n
		if n < retryChunk {
			return total, nil
		}
	}
}

// retryChunk is how many recipients one statement of RetryNow moves.
const retryChunk = 5000
