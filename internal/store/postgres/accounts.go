package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/store/column"
)

const accountColumns = `id, name, production, sending_enabled, enforcement_status,
	max_24hour_send, max_send_rate, suppressed_reasons, created_at, updated_at`

// CreateAccount inserts a; ErrExists if the name or ID is taken.
func (s *Store) CreateAccount(ctx context.Context, a *store.Account) error {
	reasons, err := column.Strings(a.SuppressedReasons)
	if err != nil {
		return wrapf(err, "create account %s", a.Name)
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO accounts (`+accountColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		a.ID, a.Name, a.Production, a.SendingEnabled, a.EnforcementStatus,
		a.Max24HourSend, a.MaxSendRate, reasons, ts(a.CreatedAt), ts(a.UpdatedAt))
	if isUnique(err) {
		return fmt.Errorf("postgres: create account %s (%s): %w", a.Name, a.ID, store.ErrExists)
	}
	return wrapf(err, "create account %s", a.Name)
}

// GetAccount returns the account with id; ErrNotFound if none.
func (s *Store) GetAccount(ctx context.Context, id string) (*store.Account, error) {
	a, err := scanAccount(s.pool.QueryRow(ctx, `SELECT `+accountColumns+` FROM accounts WHERE id = $1`, id))
	return a, wrapf(err, "get account %s", id)
}

// GetAccountByName returns the account called name; ErrNotFound if none.
func (s *Store) GetAccountByName(ctx context.Context, name string) (*store.Account, error) {
	a, err := scanAccount(s.pool.QueryRow(ctx, `SELECT `+accountColumns+` FROM accounts WHERE name = $1`, name))
	return a, wrapf(err, "get account named %s", name)
}

// ListAccounts returns all accounts ordered by name.
func (s *Store) ListAccounts(ctx context.Context) ([]*store.Account, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+accountColumns+` FROM accounts ORDER BY name`)
	if err != nil {
		return nil, wrapf(err, "list accounts")
	}
	list, err := collect(rows, scanAccount)
	return list, wrapf(err, "list accounts")
}

// UpdateAccount replaces every field of the account with a.ID except
// CreatedAt; ErrNotFound if absent, ErrExists if renamed to a taken name.
func (s *Store) UpdateAccount(ctx context.Context, a *store.Account) error {
	reasons, err := column.Strings(a.SuppressedReasons)
	if err != nil {
		return wrapf(err, "update account %s", a.ID)
	}
	tag, err := s.pool.Exec(ctx, `UPDATE accounts SET name = $1, production = $2,
		sending_enabled = $3, enforcement_status = $4, max_24hour_send = $5, max_send_rate = $6,
		suppressed_reasons = $7, updated_at = $8 WHERE id = $9`,
		a.Name, a.Production, a.SendingEnabled, a.EnforcementStatus, a.Max24HourSend,
		a.MaxSendRate, reasons, ts(a.UpdatedAt), a.ID)
	if isUnique(err) {
		return fmt.Errorf("postgres: update account %s: name %s: %w", a.ID, a.Name, store.ErrExists)
	}
	return wrapf(oneRow(tag, err), "update account %s", a.ID)
}

func scanAccount(row pgx.Row) (*store.Account, error) {
	var (
		a                    store.Account
		reasons              string
		createdAt, updatedAt time.Time
	)
	err := row.Scan(&a.ID, &a.Name, &a.Production, &a.SendingEnabled, &a.EnforcementStatus,
		&a.Max24HourSend, &a.MaxSendRate, &reasons, &createdAt, &updatedAt)
	if err != nil {
		return nil, noRows(err)
	}
	if a.SuppressedReasons, err = column.ParseStrings(reasons); err != nil {
		return nil, err
	}
	a.CreatedAt, a.UpdatedAt = ts(createdAt), ts(updatedAt)
	return &a, nil
}
