package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/store/column"
)

// finishSQL updates the recipient only while owner ($8) holds it and, if
// it did and $9 says there was an attempt, logs the attempt: one
// statement, so one round trip and one transaction. A node taking the
// recipient over at the same moment has either locked the row first (then
// this finds another owner and changes nothing) or waits for this to
// commit (then finds the lease gone and the recipient due or not by the
// new NextAttemptAt).
const finishSQL = `
WITH finished AS (
	UPDATE recipients SET status = $3, attempts = $4, next_attempt_at = $5, updated_at = $6,
		outcome = $7, lease_owner = NULL, lease_until = NULL
	WHERE message_id = $1 AND idx = $2 AND lease_owner = $8
	RETURNING message_id, idx
), logged AS (
	INSERT INTO attempts (message_id, idx, at, duration_ns, host, status, reply)
	SELECT message_id, idx, $10::timestamptz, $11::bigint, $12::text, $13::text, $14::text
	FROM finished WHERE $9::boolean
), logged_events AS (
	INSERT INTO events (account_id, type, subtype, message_id, recipient, source, configuration_set, at, detail)
	SELECT e.account_id, e.type, e.subtype, e.message_id, e.recipient, e.source, e.configuration_set, e.at, e.detail
	FROM unnest($15::text[], $16::text[], $17::text[], $18::text[], $19::text[], $20::text[],
		$21::timestamptz[], $22::bytea[], $23::text[])
	AS e(account_id, type, message_id, recipient, source, configuration_set, at, detail, subtype)
	WHERE EXISTS (SELECT 1 FROM finished)
)
SELECT count(*) FROM finished`

// FinishAttempt records the result of an attempt on a recipient owner has
// claimed (see store.QueueStore): ErrLeaseLost if owner no longer holds it,
// ErrNotFound if there is no such recipient.
func (s *Store) FinishAttempt(ctx context.Context, owner string, r *store.Recipient, a *store.Attempt, evs ...*store.Event) error {
	outcome, err := column.Outcome(r.Outcome)
	if err != nil {
		return fmt.Errorf("postgres: finish attempt on recipient %d of %s: %w", r.Index, r.MessageID, err)
	}
	var log store.Attempt
	if a != nil {
		log = *a
	}
	var ev eventArrays
	ev.add(evs)
	var n int
	err = s.pool.QueryRow(ctx, finishSQL, r.MessageID, r.Index, r.Status, r.Attempts,
		ts(r.NextAttemptAt), ts(r.UpdatedAt), outcome, owner,
		a != nil, ts(log.At), int64(log.Duration), log.Host, log.Status, log.Reply,
		ev.accountID, ev.typ, ev.messageID, ev.recipient, ev.source, ev.configurationSet, ev.at, ev.detail, ev.subtype).Scan(&n)
	if err != nil {
		return wrapf(err, "finish attempt on recipient %d of %s", r.Index, r.MessageID)
	}
	if n == 0 {
		return wrapf(s.leaseLost(ctx, r.MessageID, r.Index), "finish attempt on recipient %d of %s by %s", r.Index, r.MessageID, owner)
	}
	return nil
}

// leaseLost says why a guarded update matched nothing: ErrLeaseLost if the
// recipient exists, ErrNotFound if not.
func (s *Store) leaseLost(ctx context.Context, messageID string, index int) error {
	var exists bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM recipients WHERE message_id = $1 AND idx = $2)`,
		messageID, index).Scan(&exists)
	switch {
	case err != nil:
		return fmt.Errorf("lease lost or recipient absent, and looking up which failed: %w", err)
	case exists:
		return store.ErrLeaseLost
	default:
		return store.ErrNotFound
	}
}

// Attempts returns the recipient's attempt log, oldest first; an unknown
// recipient has an empty one.
func (s *Store) Attempts(ctx context.Context, messageID string, index int) ([]store.Attempt, error) {
	rows, err := s.pool.Query(ctx, `SELECT at, duration_ns, host, status, reply FROM attempts
		WHERE message_id = $1 AND idx = $2 ORDER BY at, seq`, messageID, index)
	if err != nil {
		return nil, wrapf(err, "attempts on recipient %d of %s", index, messageID)
	}
	list, err := collect(rows, func(row pgx.Row) (store.Attempt, error) {
		var (
			a    store.Attempt
			nano int64
		)
		err := row.Scan(&a.At, &nano, &a.Host, &a.Status, &a.Reply)
		a.At, a.Duration = ts(a.At), time.Duration(nano)
		return a, err
	})
	return list, wrapf(err, "attempts on recipient %d of %s", index, messageID)
}
