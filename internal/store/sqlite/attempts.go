package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/store/column"
)

// FinishAttempt records the result of an attempt on a recipient owner has
// claimed (see store.QueueStore): ErrLeaseLost if owner no longer holds
// it, ErrNotFound if there is no such recipient. Concurrent calls are
// group-committed like InsertMessage: each is its own guarded update, but
// many share one transaction and one WAL sync, which took the delivery
// side from one fsync per recipient to one per batch (BENCHMARKS.md).
func (s *Store) FinishAttempt(ctx context.Context, owner string, r *store.Recipient, a *store.Attempt, evs ...*store.Event) error {
	outcome, err := column.Outcome(r.Outcome)
	if err != nil {
		return fmt.Errorf("sqlite: finish attempt on recipient %d of %s: %w", r.Index, r.MessageID, err)
	}
	item := &finishRow{owner: owner, r: *r, a: a, outcome: outcome, events: evs}
	if err := s.writes.Submit(ctx, &write{fin: item}, 256+len(outcome)); err != nil {
		return fmt.Errorf("sqlite: finish attempt on recipient %d of %s by %s: %w", r.Index, r.MessageID, owner, err)
	}
	return nil
}

// finishRow is one FinishAttempt waiting for its group commit.
type finishRow struct {
	owner   string
	r       store.Recipient
	a       *store.Attempt
	outcome string
	events  []*store.Event
}

// applyFinishes applies a batch of FinishAttempt calls in tx; a lost
// lease fails only its own call.
func (s *Store) applyFinishes(ctx context.Context, tx *sql.Tx, batch []*finishRow) (itemErrs []error, err error) {
	itemErrs = make([]error, len(batch))
	// Prepared once on the write connection: parsing the SQL again for
	// every recipient cost a fifth of this function.
	update, attempt := tx.StmtContext(ctx, s.stmts.finish), tx.StmtContext(ctx, s.stmts.attempt)
	for i, f := range batch {
		r := f.r
		res, err := update.ExecContext(ctx,
			r.Status, r.Attempts, column.Micros(r.NextAttemptAt), column.Micros(r.UpdatedAt), f.outcome,
			r.MessageID, r.Index, f.owner)
		if err := oneRow(res, err); errors.Is(err, store.ErrNotFound) {
			itemErrs[i] = leaseLost(ctx, tx, r.MessageID, r.Index)
			continue
		} else if err != nil {
			return nil, fmt.Errorf("update recipient %d of %s: %w", r.Index, r.MessageID, err)
		}
		if a := f.a; a != nil {
			if _, err := attempt.ExecContext(ctx,
				r.MessageID, r.Index, column.Micros(a.At), int64(a.Duration), a.Host, a.Status, a.Reply); err != nil {
				return nil, fmt.Errorf("log attempt on recipient %d of %s: %w", r.Index, r.MessageID, err)
			}
		}
		if err := s.insertEvents(ctx, tx, f.events); err != nil {
			return nil, err
		}
	}
	return itemErrs, nil
}

// leaseLost says why a guarded update matched nothing: ErrLeaseLost if the
// recipient exists, ErrNotFound if not.
func leaseLost(ctx context.Context, tx *sql.Tx, messageID string, index int) error {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM recipients WHERE message_id = ? AND idx = ?`,
		messageID, index).Scan(&one)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return store.ErrNotFound
	case err != nil:
		return fmt.Errorf("lease lost or recipient absent, and looking up which failed: %w", err)
	default:
		return store.ErrLeaseLost
	}
}

// Attempts returns the recipient's attempt log, oldest first; an unknown
// recipient has an empty one.
func (s *Store) Attempts(ctx context.Context, messageID string, index int) ([]store.Attempt, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT at, duration_ns, host, status, reply FROM attempts
		WHERE message_id = ? AND idx = ? ORDER BY at, seq`, messageID, index)
	if err != nil {
		return nil, fmt.Errorf("sqlite: attempts on recipient %d of %s: %w", index, messageID, err)
	}
	list, err := collect(rows, func(row scanner) (store.Attempt, error) {
		var (
			a        store.Attempt
			at, nano int64
		)
		err := row.Scan(&at, &nano, &a.Host, &a.Status, &a.Reply)
		a.At, a.Duration = column.FromMicros(at), time.Duration(nano)
		return a, err
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: attempts on recipient %d of %s: %w", index, messageID, err)
	}
	return list, nil
}
