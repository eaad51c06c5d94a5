package postgres

import (
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/store/column"
)

// collect scans every row with scan and closes rows.
func collect[T any](rows pgx.Rows, scan func(pgx.Row) (T, error)) ([]T, error) {
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (T, error) { return scan(r) })
	if len(list) == 0 {
		list = nil
	}
	return list, err
}

// noRows maps pgx's "no rows" to store.ErrNotFound.
func noRows(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return store.ErrNotFound
	}
	return err
}

// oneRow turns the result of an UPDATE or DELETE by key into ErrNotFound
// when no row matched.
func oneRow(tag pgconn.CommandTag, err error) error {
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return store.ErrNotFound
	}
	return nil
}

// blob returns b, or an empty slice for nil: pgx sends a nil []byte as
// NULL, which NOT NULL columns refuse.
func blob(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// ts is a time as stored: UTC, microsecond precision. PostgreSQL would
// round nanoseconds; the store truncates, as the SQLite backend does.
func ts(t time.Time) time.Time { return column.Time(t) }

// sqlLimit maps "no limit" (limit <= 0) to NULL, which LIMIT takes as
// "all".
func sqlLimit(limit int) *int {
	if limit <= 0 {
		return nil
	}
	return &limit
}

// wrapf wraps err, when there is one, with the operation's context.
func wrapf(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("postgres: "+format+": %w", append(args, err)...)
}
