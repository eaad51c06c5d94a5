package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/store/column"
	"github.com/hikyaku/hikyaku/internal/store/cursor"
)

const eventColumns = `id, account_id, type, subtype, message_id, recipient, source, configuration_set, at, detail`

// fanOutColumns are eventColumns without the detail, which routing does
// not read: fan-out holds the write lock, and the blobs are most of the
// bytes.
const fanOutColumns = `id, account_id, type, subtype, message_id, recipient, source, configuration_set, at, x''`

const insertEventSQL = `INSERT INTO events (account_id, type, subtype, message_id, recipient, source,
	configuration_set, at, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`

// insertEvents appends evs within tx and sets their IDs.
func (s *Store) insertEvents(ctx context.Context, tx *sql.Tx, evs []*store.Event) error {
	if len(evs) == 0 {
		return nil
	}
	stmt := tx.StmtContext(ctx, s.stmts.event)
	for _, e := range evs {
		err := stmt.QueryRowContext(ctx, e.AccountID, e.Type, e.Subtype, e.MessageID, column.Address(e.Recipient),
			e.Source, e.ConfigurationSet, column.Micros(e.At), blob(e.Detail)).Scan(&e.ID)
		if err != nil {
			return fmt.Errorf("append %s event of %s: %w", e.Type, e.MessageID, err)
		}
	}
	return nil
}

// AppendEvents durably appends evs in one transaction, setting their IDs.
func (s *Store) AppendEvents(ctx context.Context, evs []*store.Event) (err error) {
	if len(evs) == 0 {
		return nil
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: append events: begin: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback() // report the error that caused the rollback
		}
	}()
	if err := s.insertEvents(ctx, tx, evs); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: append events: commit: %w", err)
	}
	return nil
}

// SearchEvents pages through the events matching f, newest first.
func (s *Store) SearchEvents(ctx context.Context, f store.EventFilter) ([]*store.Event, string, error) {
	where := []string{"account_id = ?"}
	args := []any{f.AccountID}
	for _, c := range []struct{ col, v string }{
		{"message_id", f.MessageID}, {"recipient", column.Address(f.Recipient)},
		{"source", f.Source}, {"configuration_set", f.ConfigurationSet},
	} {
		if c.v != "" {
			where = append(where, c.col+" = ?")
			args = append(args, c.v)
		}
	}
	if len(f.Types) > 0 {
		where = append(where, "type IN ("+placeholders(len(f.Types))+")")
		for _, t := range f.Types {
			args = append(args, t)
		}
	}
	if !f.Since.IsZero() {
		where = append(where, "at >= ?")
		args = append(args, column.Micros(f.Since))
	}
	if !f.Until.IsZero() {
		where = append(where, "at < ?")
		args = append(args, column.Micros(f.Until))
	}
	if f.Cursor != "" {
		at, id, err := decodeEventCursor(f.Cursor)
		if err != nil {
			return nil, "", fmt.Errorf("sqlite: search events: %w", err)
		}
		where = append(where, "(at < ? OR (at = ? AND id < ?))")
		args = append(args, column.Micros(at), column.Micros(at), id)
	}
	size := f.Limit
	if size <= 0 {
		size = 100
	}
	args = append(args, size+1)
	rows, err := s.read.QueryContext(ctx, `SELECT `+eventColumns+` FROM events
		WHERE `+strings.Join(where, " AND ")+` ORDER BY at DESC, id DESC LIMIT ?`, args...)
	if err != nil {
		return nil, "", fmt.Errorf("sqlite: search events: %w", err)
	}
	page, err := collect(rows, scanEvent)
	if err != nil {
		return nil, "", fmt.Errorf("sqlite: search events: %w", err)
	}
	if len(page) <= size {
		return page, "", nil
	}
	page = page[:size]
	last := page[size-1]
	return page, cursor.Encode(last.At, strconv.FormatInt(last.ID, 10)), nil
}

func decodeEventCursor(c string) (time.Time, int64, error) {
	at, key, err := cursor.Decode(c)
	if err != nil {
		return time.Time{}, 0, err
	}
	id, err := strconv.ParseInt(key, 10, 64)
	if err != nil {
		return time.Time{}, 0, fmt.Errorf("%w: %q names no event", store.ErrInvalidCursor, c)
	}
	return at, id, nil
}

// FanOutEvents makes the deliveries of up to limit events not yet fanned
// out, in one IMMEDIATE transaction.
func (s *Store) FanOutEvents(ctx context.Context, now time.Time, limit int, route func(*store.Event) ([]string, error)) (n int, err error) {
	if limit <= 0 {
		return 0, nil
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("sqlite: fan out events: begin: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback() // report the error that caused the rollback
		}
	}()
	rows, err := tx.QueryContext(ctx, `SELECT `+fanOutColumns+` FROM events INDEXED BY events_to_fan_out
		WHERE fanned = 0 ORDER BY id LIMIT ?`, limit)
	if err != nil {
		return 0, fmt.Errorf("sqlite: fan out events: %w", err)
	}
	evs, err := collect(rows, scanEvent)
	if err != nil {
		return 0, fmt.Errorf("sqlite: fan out events: %w", err)
	}
	if len(evs) == 0 {
		return 0, tx.Rollback()
	}
	at := column.Micros(now)
	for _, e := range evs {
		targets, err := route(e)
		if err != nil {
			return 0, fmt.Errorf("sqlite: fan out event %d: %w", e.ID, err)
		}
		for _, t := range targets {
			if _, err := tx.ExecContext(ctx, `INSERT INTO event_deliveries (event_id, target, state,
				attempts, next_attempt_at, last_error, updated_at) VALUES (?, ?, 'pending', 0, ?, '', ?)
				ON CONFLICT DO NOTHING`, e.ID, t, at, at); err != nil {
				return 0, fmt.Errorf("sqlite: fan out event %d to %s: %w", e.ID, t, err)
			}
		}
	}
	// The events taken are exactly the unfanned ones up to the last: this
	// transaction holds the write lock. One statement marks them all.
	if _, err := tx.ExecContext(ctx, `UPDATE events SET fanned = 1 WHERE fanned = 0 AND id <= ?`,
		evs[len(evs)-1].ID); err != nil {
		return 0, fmt.Errorf("sqlite: fan out events: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("sqlite: fan out events: commit: %w", err)
	}
	return len(evs), nil
}

const deliveryColumns = `d.event_id, d.target, d.state, d.attempts, d.next_attempt_at, d.last_error, d.updated_at`

// ClaimEventDeliveries leases up to limit due pending deliveries.
func (s *Store) ClaimEventDeliveries(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) (list []*store.EventDelivery, err error) {
	if owner == "" || lease <= 0 {
		return nil, fmt.Errorf("sqlite: claim event deliveries: need an owner and a positive lease, got %q and %v", owner, lease)
	}
	if limit <= 0 {
		return nil, nil
	}
	at, until := column.Micros(now), column.Micros(now.Add(lease))
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim event deliveries: begin: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback() // report the error that caused the rollback
		}
	}()
	rows, err := tx.QueryContext(ctx, `SELECT `+deliveryColumns+`, `+prefixed("e.", eventColumns)+`
		FROM event_deliveries d INDEXED BY event_deliveries_due CROSS JOIN events e ON e.id = d.event_id
		WHERE d.state = 'pending' AND d.next_attempt_at <= ?1 AND (d.lease_until IS NULL OR d.lease_until <= ?1)
		ORDER BY d.next_attempt_at LIMIT ?2`, at, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim event deliveries: %w", err)
	}
	list, err = collect(rows, func(row scanner) (*store.EventDelivery, error) {
		return scanDelivery(row, true)
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim event deliveries: %w", err)
	}
	for _, d := range list {
		if _, err := tx.ExecContext(ctx, `UPDATE event_deliveries SET lease_owner = ?, lease_until = ?,
			next_attempt_at = ? WHERE event_id = ? AND target = ?`, owner, until, until, d.EventID, d.Target); err != nil {
			return nil, fmt.Errorf("sqlite: lease event delivery %d to %s: %w", d.EventID, d.Target, err)
		}
		d.NextAttemptAt = column.FromMicros(until)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite: claim event deliveries: commit: %w", err)
	}
	return list, nil
}

// FinishEventDelivery records the result of a claimed delivery.
func (s *Store) FinishEventDelivery(ctx context.Context, owner string, d *store.EventDelivery) error {
	res, err := s.write.ExecContext(ctx, `UPDATE event_deliveries SET state = ?, attempts = ?,
		next_attempt_at = ?, last_error = ?, updated_at = ?, lease_owner = NULL, lease_until = NULL
		WHERE event_id = ? AND target = ? AND lease_owner = ?`,
		d.State, d.Attempts, column.Micros(d.NextAttemptAt), d.LastError, column.Micros(d.UpdatedAt),
		d.EventID, d.Target, owner)
	if err := oneRow(res, err); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			var one int
			if s.read.QueryRowContext(ctx, `SELECT 1 FROM event_deliveries WHERE event_id = ? AND target = ?`,
				d.EventID, d.Target).Scan(&one) == nil {
				err = store.ErrLeaseLost
			}
		}
		return fmt.Errorf("sqlite: finish event delivery %d to %s: %w", d.EventID, d.Target, err)
	}
	return nil
}

// EventTargetHealth summarises deliveries per target of the account.
func (s *Store) EventTargetHealth(ctx context.Context, accountID string) ([]store.TargetHealth, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT d.target,
			SUM(d.state = 'pending'), SUM(d.state = 'delivered'), SUM(d.state = 'dead'),
			COALESCE(MAX(CASE WHEN d.state = 'delivered' THEN d.updated_at END), 0),
			COALESCE(MAX(CASE WHEN d.last_error <> '' THEN d.updated_at END), 0),
			COALESCE((SELECT d2.last_error FROM event_deliveries d2 JOIN events e2 ON e2.id = d2.event_id
				WHERE d2.target = d.target AND e2.account_id = ?1 AND d2.last_error <> ''
				ORDER BY d2.updated_at DESC LIMIT 1), '')
		FROM event_deliveries d JOIN events e ON e.id = d.event_id
		WHERE e.account_id = ?1 GROUP BY d.target ORDER BY d.target`, accountID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: event target health: %w", err)
	}
	list, err := collect(rows, func(row scanner) (store.TargetHealth, error) {
		var (
			h                 store.TargetHealth
			delivered, failed int64
		)
		err := row.Scan(&h.Target, &h.Pending, &h.Delivered, &h.Dead, &delivered, &failed, &h.LastError)
		if delivered != 0 {
			h.LastDelivered = column.FromMicros(delivered)
		}
		if failed != 0 {
			h.LastFailure = column.FromMicros(failed)
		}
		return h, err
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: event target health: %w", err)
	}
	return list, nil
}

// PruneEvents deletes events older than before, with their deliveries.
func (s *Store) PruneEvents(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.write.ExecContext(ctx, `DELETE FROM events WHERE id IN
		(SELECT id FROM events WHERE at < ?)`, column.Micros(before))
	if err != nil {
		return 0, fmt.Errorf("sqlite: prune events: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlite: prune events: %w", err)
	}
	return n, nil
}

func scanEvent(row scanner) (*store.Event, error) {
	var (
		e  store.Event
		at int64
	)
	if err := row.Scan(&e.ID, &e.AccountID, &e.Type, &e.Subtype, &e.MessageID, &e.Recipient, &e.Source,
		&e.ConfigurationSet, &at, &e.Detail); err != nil {
		return nil, err
	}
	e.At = column.FromMicros(at)
	return &e, nil
}

func scanDelivery(row scanner, withEvent bool) (*store.EventDelivery, error) {
	var (
		d             store.EventDelivery
		next, updated int64
		e             store.Event
		at            int64
	)
	dest := []any{&d.EventID, &d.Target, &d.State, &d.Attempts, &next, &d.LastError, &updated}
	if withEvent {
		dest = append(dest, &e.ID, &e.AccountID, &e.Type, &e.Subtype, &e.MessageID, &e.Recipient, &e.Source,
			&e.ConfigurationSet, &at, &e.Detail)
	}
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	d.NextAttemptAt, d.UpdatedAt = column.FromMicros(next), column.FromMicros(updated)
	if withEvent {
		e.At = column.FromMicros(at)
		d.Event = &e
	}
	return &d, nil
}

// prefixed qualifies each of a comma-separated column list with p.
func prefixed(p, columns string) string {
	cols := strings.Split(columns, ",")
	for i, c := range cols {
		cols[i] = p + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}

// EventBacklog counts pending deliveries and finds the oldest one's event
// time.
func (s *Store) EventBacklog(ctx context.Context) (int64, time.Time, error) {
	var (
		n      int64
		oldest sql.NullInt64
	)
	err := s.read.QueryRowContext(ctx, `SELECT count(*), min(e.at) FROM event_deliveries d
		INDEXED BY event_deliveries_due JOIN events e ON e.id = d.event_id WHERE d.state = 'pending'`).Scan(&n, &oldest)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("sqlite: event backlog: %w", err)
	}
	if !oldest.Valid {
		return n, time.Time{}, nil
	}
	return n, column.FromMicros(oldest.Int64), nil
}

// CountEvents counts events since since by account, set, type and subtype.
func (s *Store) CountEvents(ctx context.Context, since time.Time) ([]store.EventCount, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT account_id, configuration_set, type, subtype, count(*)
		FROM events INDEXED BY events_by_at WHERE at >= ?
		GROUP BY account_id, configuration_set, type, subtype`, column.Micros(since))
	if err != nil {
		return nil, fmt.Errorf("sqlite: count events: %w", err)
	}
	list, err := collect(rows, func(row scanner) (store.EventCount, error) {
		var c store.EventCount
		return c, row.Scan(&c.AccountID, &c.ConfigurationSet, &c.Type, &c.Subtype, &c.N)
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: count events: %w", err)
	}
	return list, nil
}
