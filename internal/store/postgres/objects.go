package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hikyaku/hikyaku/internal/store"
)

const objectColumns = `account_id, kind, name, body, created_at, updated_at`

// CreateObject inserts o; ErrExists if taken, ErrNotFound if the account
// does not exist.
func (s *Store) CreateObject(ctx context.Context, o *store.Object) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO objects (`+objectColumns+`) VALUES ($1, $2, $3, $4, $5, $6)`,
		o.AccountID, o.Kind, o.Name, blob(o.Body), ts(o.CreatedAt), ts(o.UpdatedAt))
	switch {
	case isUnique(err):
		return fmt.Errorf("postgres: create %s %s: %w", o.Kind, o.Name, store.ErrExists)
	case isForeignKey(err):
		return fmt.Errorf("postgres: create %s %s: account %s: %w", o.Kind, o.Name, o.AccountID, store.ErrNotFound)
	}
	return wrapf(err, "create %s %s", o.Kind, o.Name)
}

// UpdateObject replaces Body and UpdatedAt; ErrNotFound if absent.
func (s *Store) UpdateObject(ctx context.Context, o *store.Object) error {
	tag, err := s.pool.Exec(ctx, `UPDATE objects SET body = $1, updated_at = $2
		WHERE account_id = $3 AND kind = $4 AND name = $5`,
		blob(o.Body), ts(o.UpdatedAt), o.AccountID, o.Kind, o.Name)
	return wrapf(oneRow(tag, err), "update %s %s", o.Kind, o.Name)
}

// GetObject returns one object; ErrNotFound if absent.
func (s *Store) GetObject(ctx context.Context, accountID, kind, name string) (*store.Object, error) {
	row := s.pool.QueryRow(ctx, `SELECT `+objectColumns+` FROM objects
		WHERE account_id = $1 AND kind = $2 AND name = $3`, accountID, kind, name)
	o, err := scanObject(row)
	if err != nil {
		return nil, wrapf(noRows(err), "get %s %s", kind, name)
	}
	return o, nil
}

// ListObjects pages through objects of kind whose name starts with prefix.
func (s *Store) ListObjects(ctx context.Context, accountID, kind, prefix, after string, limit int) ([]*store.Object, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+objectColumns+` FROM objects
		WHERE account_id = $1 AND kind = $2 AND left(name, $3) = $4 AND name > $5
		ORDER BY name LIMIT $6`, accountID, kind, len([]rune(prefix)), prefix, after, sqlLimit(limit))
	if err != nil {
		return nil, wrapf(err, "list %s", kind)
	}
	list, err := collect(rows, scanObject)
	return list, wrapf(err, "list %s", kind)
}

// CountObjects counts objects of kind whose name starts with prefix.
func (s *Store) CountObjects(ctx context.Context, accountID, kind, prefix string) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM objects
		WHERE account_id = $1 AND kind = $2 AND left(name, $3) = $4`,
		accountID, kind, len([]rune(prefix)), prefix).Scan(&n)
	return n, wrapf(err, "count %s", kind)
}

// DeleteObject removes one; ErrNotFound if absent.
func (s *Store) DeleteObject(ctx context.Context, accountID, kind, name string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM objects WHERE account_id = $1 AND kind = $2 AND name = $3`,
		accountID, kind, name)
	return wrapf(oneRow(tag, err), "delete %s %s", kind, name)
}

// DeleteObjects removes every object of kind whose name starts with
// prefix.
func (s *Store) DeleteObjects(ctx context.Context, accountID, kind, prefix string) (int, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM objects WHERE account_id = $1 AND kind = $2 AND left(name, $3) = $4`,
		accountID, kind, len([]rune(prefix)), prefix)
	if err != nil {
		return 0, wrapf(err, "delete %s %s*", kind, prefix)
	}
	return int(tag.RowsAffected()), nil
}

func scanObject(row pgx.Row) (*store.Object, error) {
	var (
		o                store.Object
		created, updated time.Time
	)
	if err := row.Scan(&o.AccountID, &o.Kind, &o.Name, &o.Body, &created, &updated); err != nil {
		return nil, err
	}
	o.CreatedAt, o.UpdatedAt = ts(created), ts(updated)
	return &o, nil
}
