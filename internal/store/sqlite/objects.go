package sqlite

import (
	"context"
	"fmt"

	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/store/column"
)

const objectColumns = `account_id, kind, name, body, created_at, updated_at`

// CreateObject inserts o; ErrExists if taken, ErrNotFound if the account
// does not exist.
func (s *Store) CreateObject(ctx context.Context, o *store.Object) error {
	_, err := s.write.ExecContext(ctx, `INSERT INTO objects (`+objectColumns+`) VALUES (?, ?, ?, ?, ?, ?)`,
		o.AccountID, o.Kind, o.Name, blob(o.Body), column.Micros(o.CreatedAt), column.Micros(o.UpdatedAt))
	switch {
	case isUnique(err):
		return fmt.Errorf("sqlite: create %s %s: %w", o.Kind, o.Name, store.ErrExists)
	case isForeignKey(err):
		return fmt.Errorf("sqlite: create %s %s: account %s: %w", o.Kind, o.Name, o.AccountID, store.ErrNotFound)
	case err != nil:
		return fmt.Errorf("sqlite: create %s %s: %w", o.Kind, o.Name, err)
	}
	return nil
}

// UpdateObject replaces Body and UpdatedAt; ErrNotFound if absent.
func (s *Store) UpdateObject(ctx context.Context, o *store.Object) error {
	res, err := s.write.ExecContext(ctx, `UPDATE objects SET body = ?, updated_at = ?
		WHERE account_id = ? AND kind = ? AND name = ?`,
		blob(o.Body), column.Micros(o.UpdatedAt), o.AccountID, o.Kind, o.Name)
	if err := oneRow(res, err); err != nil {
		return fmt.Errorf("sqlite: update %s %s: %w", o.Kind, o.Name, err)
	}
	return nil
}

// GetObject returns one object; ErrNotFound if absent.
func (s *Store) GetObject(ctx context.Context, accountID, kind, name string) (*store.Object, error) {
	row := s.read.QueryRowContext(ctx, `SELECT `+objectColumns+` FROM objects
		WHERE account_id = ? AND kind = ? AND name = ?`, accountID, kind, name)
	o, err := scanObject(row)
	if err != nil {
		return nil, fmt.Errorf("sqlite: get %s %s: %w", kind, name, noRows(err))
	}
	return o, nil
}

// ListObjects pages through objects of kind whose name starts with prefix.
func (s *Store) ListObjects(ctx context.Context, accountID, kind, prefix, after string, limit int) ([]*store.Object, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	rows, err := s.read.QueryContext(ctx, `SELECT `+objectColumns+` FROM objects
		WHERE account_id = ? AND kind = ? AND substr(CAST(name AS BLOB), 1, ?) = CAST(? AS BLOB) AND name > ?
		ORDER BY name LIMIT ?`, accountID, kind, len(prefix), prefix, after, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list %s: %w", kind, err)
	}
	list, err := collect(rows, scanObject)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list %s: %w", kind, err)
	}
	return list, nil
}

// CountObjects counts objects of kind whose name starts with prefix.
func (s *Store) CountObjects(ctx context.Context, accountID, kind, prefix string) (int, error) {
	var n int
	err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM objects
		WHERE account_id = ? AND kind = ? AND substr(CAST(name AS BLOB), 1, ?) = CAST(? AS BLOB)`,
		accountID, kind, len(prefix), prefix).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("sqlite: count %s: %w", kind, err)
	}
	return n, nil
}

// DeleteObject removes one; ErrNotFound if absent.
func (s *Store) DeleteObject(ctx context.Context, accountID, kind, name string) error {
	res, err := s.write.ExecContext(ctx, `DELETE FROM objects WHERE account_id = ? AND kind = ? AND name = ?`,
		accountID, kind, name)
	if err := oneRow(res, err); err != nil {
		return fmt.Errorf("sqlite: delete %s %s: %w", kind, name, err)
	}
	return nil
}

// DeleteObjects removes every object of kind whose name starts with
// prefix.
func (s *Store) DeleteObjects(ctx context.Context, accountID, kind, prefix string) (int, error) {
	res, err := s.write.ExecContext(ctx, `DELETE FROM objects
		WHERE account_id = ? AND kind = ? AND substr(CAST(name AS BLOB), 1, ?) = CAST(? AS BLOB)`, accountID, kind, len(prefix), prefix)
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete %s %s*: %w", kind, prefix, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete %s %s*: %w", kind, prefix, err)
	}
	return int(n), nil
}

func scanObject(row scanner) (*store.Object, error) {
	var (
		o                store.Object
		created, updated int64
	)
	if err := row.Scan(&o.AccountID, &o.Kind, &o.Name, &o.Body, &created, &updated); err != nil {
		return nil, err
	}
	o.CreatedAt, o.UpdatedAt = column.FromMicros(created), column.FromMicros(updated)
	return &o, nil
}
