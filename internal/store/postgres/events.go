package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/store/column"
	"github.com/hikyaku/hikyaku/internal/store/cursor"
)

const eventColumns = `id, account_id, type, subtype, message_id, recipient, source, configuration_set, at, detail`

// fanOutColumns are eventColumns without the detail, which routing does
// not read: fan-out holds the write lock, and the blobs are most of the
// bytes.
const fanOutColumns = `id, account_id, type, subtype, message_id, recipient, source, configuration_set, at, ''::bytea`

// eventArrays holds events column by column, the shape unnest takes.
type eventArrays struct {
	accountID, typ, subtype, messageID, recipient, source, configurationSet []string
	at                                                                      []time.Time
	detail                                                                  [][]byte
}

func (a *eventArrays) add(evs []*store.Event) {
	for _, e := range evs {
		a.accountID = append(a.accountID, e.AccountID)
		a.typ = append(a.typ, e.Type)
		a.subtype = append(a.subtype, e.Subtype)
		a.messageID = append(a.messageID, e.MessageID)
		a.recipient = append(a.recipient, column.Address(e.Recipient))
		a.source = append(a.source, e.Source)
		a.configurationSet = append(a.configurationSet, e.ConfigurationSet)
		a.at = append(a.at, ts(e.At))
		a.detail = append(a.detail, blob(e.Detail))
	}
}

// AppendEvents durably appends evs in one statement, setting their IDs.
// The rows are inserted in input order, so identity values are assigned
// and returned in that order.
func (s *Store) AppendEvents(ctx context.Context, evs []*store.Event) error {
	if len(evs) == 0 {
		return nil
	}
	var a eventArrays
	a.add(evs)
	rows, err := s.pool.Query(ctx, `INSERT INTO events (account_id, type, subtype, message_id, recipient, source,
			configuration_set, at, detail)
		SELECT a, t, st, m, r, s, c, at, d FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
			$7::timestamptz[], $8::bytea[], $9::text[]) WITH ORDINALITY AS e(a, t, m, r, s, c, at, d, st, n)
		ORDER BY n
		RETURNING id`,
		a.accountID, a.typ, a.messageID, a.recipient, a.source, a.configurationSet, a.at, a.detail, a.subtype)
	if err != nil {
		return wrapf(err, "append events")
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return wrapf(err, "append events")
	}
	for i, id := range ids {
		if i < len(evs) {
			evs[i].ID = id
		}
	}
	return nil
}

// SearchEvents pages through the events matching f, newest first.
func (s *Store) SearchEvents(ctx context.Context, f store.EventFilter) ([]*store.Event, string, error) {
	where := []string{"account_id = $1"}
	args := []any{f.AccountID}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	for _, c := range []struct{ col, v string }{
		{"message_id", f.MessageID}, {"recipient", column.Address(f.Recipient)},
		{"source", f.Source}, {"configuration_set", f.ConfigurationSet},
	} {
		if c.v != "" {
			where = append(where, c.col+" = "+arg(c.v))
		}
	}
	if len(f.Types) > 0 {
		where = append(where, "type = ANY("+arg(f.Types)+")")
	}
	if !f.Since.IsZero() {
		where = append(where, "at >= "+arg(ts(f.Since)))
	}
	if !f.Until.IsZero() {
		where = append(where, "at < "+arg(ts(f.Until)))
	}
	if f.Cursor != "" {
		at, key, err := cursor.Decode(f.Cursor)
		if err != nil {
			return nil, "", wrapf(err, "search events")
		}
		id, err := strconv.ParseInt(key, 10, 64)
		if err != nil {
			return nil, "", wrapf(fmt.Errorf("%w: %q names no event", store.ErrInvalidCursor, f.Cursor), "search events")
		}
		tp := arg(at)
		where = append(where, "(at < "+tp+" OR (at = "+tp+" AND id < "+arg(id)+"))")
	}
	size := f.Limit
	if size <= 0 {
		size = 100
	}
	rows, err := s.pool.Query(ctx, `SELECT `+eventColumns+` FROM events
		WHERE `+strings.Join(where, " AND ")+` ORDER BY at DESC, id DESC LIMIT `+arg(size+1), args...)
	if err != nil {
		return nil, "", wrapf(err, "search events")
	}
	page, err := collect(rows, scanEvent)
	if err != nil {
		return nil, "", wrapf(err, "search events")
	}
	if len(page) <= size {
		return page, "", nil
	}
	page = page[:size]
	last := page[size-1]
	return page, cursor.Encode(last.At, strconv.FormatInt(last.ID, 10)), nil
}

// FanOutEvents makes the deliveries of up to limit events not yet fanned
// out. The events are locked FOR UPDATE SKIP LOCKED, so concurrent nodes
// take different ones.
func (s *Store) FanOutEvents(ctx context.Context, now time.Time, limit int, route func(*store.Event) ([]string, error)) (int, error) {
	if limit <= 0 {
		return 0, nil
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, wrapf(err, "fan out events")
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	rows, err := tx.Query(ctx, `SELECT `+fanOutColumns+` FROM events WHERE NOT fanned
		ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`, limit)
	if err != nil {
		return 0, wrapf(err, "fan out events")
	}
	evs, err := collect(rows, scanEvent)
	if err != nil {
		return 0, wrapf(err, "fan out events")
	}
	if len(evs) == 0 {
		return 0, nil
	}
	var (
		ids     []int64
		dEvent  []int64
		dTarget []string
	)
	for _, e := range evs {
		targets, err := route(e)
		if err != nil {
			return 0, fmt.Errorf("postgres: fan out event %d: %w", e.ID, err)
		}
		ids = append(ids, e.ID)
		for _, t := range targets {
			dEvent = append(dEvent, e.ID)
			dTarget = append(dTarget, t)
		}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO event_deliveries (event_id, target, state, attempts,
			next_attempt_at, last_error, updated_at)
		SELECT e, t, 'pending', 0, $3, '', $3 FROM unnest($1::bigint[], $2::text[]) AS d(e, t)
		ON CONFLICT DO NOTHING`, dEvent, dTarget, ts(now)); err != nil {
		return 0, wrapf(err, "fan out events")
	}
	if _, err := tx.Exec(ctx, `UPDATE events SET fanned = true WHERE id = ANY($1)`, ids); err != nil {
		return 0, wrapf(err, "fan out events")
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, wrapf(err, "fan out events: commit")
	}
	return len(evs), nil
}

// ClaimEventDeliveries leases up to limit due pending deliveries in one
// statement.
func (s *Store) ClaimEventDeliveries(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]*store.EventDelivery, error) {
	if owner == "" || lease <= 0 {
		return nil, fmt.Errorf("postgres: claim event deliveries: need an owner and a positive lease, got %q and %v", owner, lease)
	}
	if limit <= 0 {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, `
WITH due AS (
	SELECT event_id, target, next_attempt_at FROM event_deliveries
	WHERE state = 'pending' AND next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until <= $1)
	ORDER BY next_attempt_at LIMIT $2
	FOR UPDATE SKIP LOCKED
)
UPDATE event_deliveries d SET lease_owner = $3, lease_until = $4, next_attempt_at = $4
FROM due JOIN events e ON e.id = due.event_id
WHERE d.event_id = due.event_id AND d.target = due.target
RETURNING d.event_id, d.target, d.state, d.attempts, d.next_attempt_at, d.last_error, d.updated_at,
	e.id, e.account_id, e.type, e.subtype, e.message_id, e.recipient, e.source, e.configuration_set, e.at, e.detail,
	due.next_attempt_at`, ts(now), limit, owner, ts(now.Add(lease)))
	if err != nil {
		return nil, wrapf(err, "claim event deliveries")
	}
	type claimed struct {
		d   *store.EventDelivery
		due time.Time
	}
	list, err := collect(rows, func(row pgx.Row) (claimed, error) {
		var (
			d   store.EventDelivery
			e   store.Event
			due time.Time
		)
		err := row.Scan(&d.EventID, &d.Target, &d.State, &d.Attempts, &d.NextAttemptAt, &d.LastError, &d.UpdatedAt,
			&e.ID, &e.AccountID, &e.Type, &e.Subtype, &e.MessageID, &e.Recipient, &e.Source, &e.ConfigurationSet, &e.At, &e.Detail,
			&due)
		d.NextAttemptAt, d.UpdatedAt, e.At = ts(d.NextAttemptAt), ts(d.UpdatedAt), ts(e.At)
		d.Event = &e
		return claimed{&d, due}, err
	})
	if err != nil {
		return nil, wrapf(err, "claim event deliveries")
	}
	// RETURNING has no order: restore the oldest-due-first of the claim.
	sortClaimed := func(a, b claimed) int { return a.due.Compare(b.due) }
	slices.SortFunc(list, sortClaimed)
	out := make([]*store.EventDelivery, len(list))
	for i, c := range list {
		out[i] = c.d
	}
	return out, nil
}

// FinishEventDelivery records the result of a claimed delivery.
func (s *Store) FinishEventDelivery(ctx context.Context, owner string, d *store.EventDelivery) error {
	tag, err := s.pool.Exec(ctx, `UPDATE event_deliveries SET state = $1, attempts = $2,
		next_attempt_at = $3, last_error = $4, updated_at = $5, lease_owner = NULL, lease_until = NULL
		WHERE event_id = $6 AND target = $7 AND lease_owner = $8`,
		d.State, d.Attempts, ts(d.NextAttemptAt), d.LastError, ts(d.UpdatedAt), d.EventID, d.Target, owner)
	if err := oneRow(tag, err); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			var exists bool
			if s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM event_deliveries WHERE event_id = $1 AND target = $2)`,
				d.EventID, d.Target).Scan(&exists) == nil && exists {
				err = store.ErrLeaseLost
			}
		}
		return wrapf(err, "finish event delivery %d to %s", d.EventID, d.Target)
	}
	return nil
}

// EventTargetHealth summarises deliveries per target of the account.
func (s *Store) EventTargetHealth(ctx context.Context, accountID string) ([]store.TargetHealth, error) {
	rows, err := s.pool.Query(ctx, `SELECT d.target,
			count(*) FILTER (WHERE d.state = 'pending'),
			count(*) FILTER (WHERE d.state = 'delivered'),
			count(*) FILTER (WHERE d.state = 'dead'),
			max(d.updated_at) FILTER (WHERE d.state = 'delivered'),
			max(d.updated_at) FILTER (WHERE d.last_error <> ''),
			coalesce((array_agg(d.last_error ORDER BY d.updated_at DESC) FILTER (WHERE d.last_error <> ''))[1], '')
		FROM event_deliveries d JOIN events e ON e.id = d.event_id
		WHERE e.account_id = $1 GROUP BY d.target ORDER BY d.target`, accountID)
	if err != nil {
		return nil, wrapf(err, "event target health")
	}
	list, err := collect(rows, func(row pgx.Row) (store.TargetHealth, error) {
		var (
			h                 store.TargetHealth
			delivered, failed *time.Time
		)
		err := row.Scan(&h.Target, &h.Pending, &h.Delivered, &h.Dead, &delivered, &failed, &h.LastError)
		if delivered != nil {
			h.LastDelivered = ts(*delivered)
		}
		if failed != nil {
			h.LastFailure = ts(*failed)
		}
		return h, err
	})
	return list, wrapf(err, "event target health")
}

// PruneEvents deletes events older than before, with their deliveries.
func (s *Store) PruneEvents(ctx context.Context, before time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM events WHERE at < $1`, ts(before))
	if err != nil {
		return 0, wrapf(err, "prune events")
	}
	return tag.RowsAffected(), nil
}

func scanEvent(row pgx.Row) (*store.Event, error) {
	var e store.Event
	if err := row.Scan(&e.ID, &e.AccountID, &e.Type, &e.Subtype, &e.MessageID, &e.Recipient, &e.Source,
		&e.ConfigurationSet, &e.At, &e.Detail); err != nil {
		return nil, err
	}
	e.At = ts(e.At)
	return &e, nil
}

// EventBacklog counts pending deliveries and finds the oldest one's event
// time.
func (s *Store) EventBacklog(ctx context.Context) (int64, time.Time, error) {
	var (
		n      int64
		oldest *time.Time
	)
	err := s.pool.QueryRow(ctx, `SELECT count(*), min(e.at) FROM event_deliveries d
		JOIN events e ON e.id = d.event_id WHERE d.state = 'pending'`).Scan(&n, &oldest)
	if err != nil {
		return 0, time.Time{}, wrapf(err, "event backlog")
	}
	if oldest == nil {
		return n, time.Time{}, nil
	}
	return n, ts(*oldest), nil
}

// CountEvents counts events since since by account, set, type and subtype.
func (s *Store) CountEvents(ctx context.Context, since time.Time) ([]store.EventCount, error) {
	rows, err := s.pool.Query(ctx, `SELECT account_id, configuration_set, type, subtype, count(*)
		FROM events WHERE at >= $1 GROUP BY account_id, configuration_set, type, subtype`, ts(since))
	if err != nil {
		return nil, wrapf(err, "count events")
	}
	list, err := collect(rows, func(row pgx.Row) (store.EventCount, error) {
		var c store.EventCount
		return c, row.Scan(&c.AccountID, &c.ConfigurationSet, &c.Type, &c.Subtype, &c.N)
	})
	return list, wrapf(err, "count events")
}
