package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hikyaku/hikyaku/internal/store"
)

const keyColumns = `id, account_id, sealed_secret, active, created_at`

// CreateAccessKey inserts k; ErrExists if k.ID is taken, ErrNotFound if
// its account does not exist.
func (s *Store) CreateAccessKey(ctx context.Context, k *store.AccessKey) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO access_keys (`+keyColumns+`) VALUES ($1, $2, $3, $4, $5)`,
		k.ID, k.AccountID, blob(k.SealedSecret), k.Active, ts(k.CreatedAt))
	switch {
	case isUnique(err):
		return fmt.Errorf("postgres: create access key %s: %w", k.ID, store.ErrExists)
	case isForeignKey(err):
		return fmt.Errorf("postgres: create access key %s: account %s: %w", k.ID, k.AccountID, store.ErrNotFound)
	}
	return wrapf(err, "create access key %s", k.ID)
}

// GetAccessKey returns the key with id; ErrNotFound if none.
func (s *Store) GetAccessKey(ctx context.Context, id string) (*store.AccessKey, error) {
	k, err := scanKey(s.pool.QueryRow(ctx, `SELECT `+keyColumns+` FROM access_keys WHERE id = $1`, id))
	return k, wrapf(err, "get access key %s", id)
}

// ListAccessKeys returns the account's keys ordered by creation time.
func (s *Store) ListAccessKeys(ctx context.Context, accountID string) ([]*store.AccessKey, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+keyColumns+` FROM access_keys
		WHERE account_id = $1 ORDER BY created_at, id`, accountID)
	if err != nil {
		return nil, wrapf(err, "list access keys of %s", accountID)
	}
	list, err := collect(rows, scanKey)
	return list, wrapf(err, "list access keys of %s", accountID)
}

func scanKey(row pgx.Row) (*store.AccessKey, error) {
	var (
		k         store.AccessKey
		createdAt time.Time
	)
	if err := row.Scan(&k.ID, &k.AccountID, &k.SealedSecret, &k.Active, &createdAt); err != nil {
		return nil, noRows(err)
	}
	if len(k.SealedSecret) == 0 {
		k.SealedSecret = nil
	}
	k.CreatedAt = ts(createdAt)
	return &k, nil
}
