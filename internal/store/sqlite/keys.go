package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/store/column"
)

const keyColumns = `id, account_id, sealed_secret, active, created_at`

// CreateAccessKey inserts k; ErrExists if k.ID is taken, ErrNotFound if
// its account does not exist.
func (s *Store) CreateAccessKey(ctx context.Context, k *store.AccessKey) error {
	_, err := s.write.ExecContext(ctx, `INSERT INTO access_keys (`+keyColumns+`) VALUES (?, ?, ?, ?, ?)`,
		k.ID, k.AccountID, blob(k.SealedSecret), k.Active, column.Micros(k.CreatedAt))
	switch {
	case isUnique(err):
		return fmt.Errorf("sqlite: create access key %s: %w", k.ID, store.ErrExists)
	case isForeignKey(err):
		return fmt.Errorf("sqlite: create access key %s: account %s: %w", k.ID, k.AccountID, store.ErrNotFound)
	case err != nil:
		return fmt.Errorf("sqlite: create access key %s: %w", k.ID, err)
	}
	return nil
}

// GetAccessKey returns the key with id; ErrNotFound if none.
func (s *Store) GetAccessKey(ctx context.Context, id string) (*store.AccessKey, error) {
	row := s.read.QueryRowContext(ctx, `SELECT `+keyColumns+` FROM access_keys WHERE id = ?`, id)
	k, err := scanKey(row)
	if err != nil {
		return nil, fmt.Errorf("sqlite: get access key %s: %w", id, err)
	}
	return k, nil
}

// ListAccessKeys returns the account's keys ordered by creation time.
func (s *Store) ListAccessKeys(ctx context.Context, accountID string) ([]*store.AccessKey, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+keyColumns+` FROM access_keys
		WHERE account_id = ? ORDER BY created_at, id`, accountID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list access keys of %s: %w", accountID, err)
	}
	list, err := collect(rows, scanKey)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list access keys of %s: %w", accountID, err)
	}
	return list, nil
}

func scanKey(row scanner) (*store.AccessKey, error) {
	var (
		k         store.AccessKey
		createdAt int64
	)
	err := row.Scan(&k.ID, &k.AccountID, &k.SealedSecret, &k.Active, &createdAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if len(k.SealedSecret) == 0 {
		k.SealedSecret = nil
	}
	k.CreatedAt = column.FromMicros(createdAt)
	return &k, nil
}
