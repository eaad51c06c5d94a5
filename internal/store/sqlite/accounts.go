package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/store/column"
)

const accountColumns = `id, name, production, sending_enabled, enforcement_status,
	max_24hour_send, max_send_rate, suppressed_reasons, created_at, updated_at`

// CreateAccount inserts a; ErrExists if the name or ID is taken.
func (s *Store) CreateAccount(ctx context.Context, a *store.Account) error {
	reasons, err := column.Strings(a.SuppressedReasons)
	if err != nil {
		return fmt.Errorf("sqlite: create account %s: %w", a.Name, err)
	}
	_, err = s.write.ExecContext(ctx, `INSERT INTO accounts (`+accountColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.Name, a.Production, a.SendingEnabled, a.EnforcementStatus,
		a.Max24HourSend, a.MaxSendRate, reasons, column.Micros(a.CreatedAt), column.Micros(a.UpdatedAt))
	if isUnique(err) {
		return fmt.Errorf("sqlite: create account %s (%s): %w", a.Name, a.ID, store.ErrExists)
	}
	if err != nil {
		return fmt.Errorf("sqlite: create account %s: %w", a.Name, err)
	}
	return nil
}

// GetAccount returns the account with id; ErrNotFound if none.
func (s *Store) GetAccount(ctx context.Context, id string) (*store.Account, error) {
	row := s.read.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts WHERE id = ?`, id)
	a, err := scanAccount(row)
	if err != nil {
		return nil, fmt.Errorf("sqlite: get account %s: %w", id, err)
	}
	return a, nil
}

// GetAccountByName returns the account called name; ErrNotFound if none.
func (s *Store) GetAccountByName(ctx context.Context, name string) (*store.Account, error) {
	row := s.read.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts WHERE name = ?`, name)
	a, err := scanAccount(row)
	if err != nil {
		return nil, fmt.Errorf("sqlite: get account named %s: %w", name, err)
	}
	return a, nil
}

// ListAccounts returns all accounts ordered by name.
func (s *Store) ListAccounts(ctx context.Context) ([]*store.Account, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+accountColumns+` FROM accounts ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list accounts: %w", err)
	}
	list, err := collect(rows, scanAccount)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list accounts: %w", err)
	}
	return list, nil
}

// UpdateAccount replaces every field of the account with a.ID except
// CreatedAt; ErrNotFound if absent, ErrExists if renamed to a taken name.
func (s *Store) UpdateAccount(ctx context.Context, a *store.Account) error {
	reasons, err := column.Strings(a.SuppressedReasons)
	if err != nil {
		return fmt.Errorf("sqlite: update account %s: %w", a.ID, err)
	}
	res, err := s.write.ExecContext(ctx, `UPDATE accounts SET name = ?, production = ?,
		sending_enabled = ?, enforcement_status = ?, max_24hour_send = ?, max_send_rate = ?,
		suppressed_reasons = ?, updated_at = ? WHERE id = ?`,
		a.Name, a.Production, a.SendingEnabled, a.EnforcementStatus, a.Max24HourSend,
		a.MaxSendRate, reasons, column.Micros(a.UpdatedAt), a.ID)
	if isUnique(err) {
		return fmt.Errorf("sqlite: update account %s: name %s: %w", a.ID, a.Name, store.ErrExists)
	}
	if err := oneRow(res, err); err != nil {
		return fmt.Errorf("sqlite: update account %s: %w", a.ID, err)
	}
	return nil
}

func scanAccount(row scanner) (*store.Account, error) {
	var (
		a                    store.Account
		reasons              string
		createdAt, updatedAt int64
	)
	err := row.Scan(&a.ID, &a.Name, &a.Production, &a.SendingEnabled, &a.EnforcementStatus,
		&a.Max24HourSend, &a.MaxSendRate, &reasons, &createdAt, &updatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if a.SuppressedReasons, err = column.ParseStrings(reasons); err != nil {
		return nil, err
	}
	a.CreatedAt = column.FromMicros(createdAt)
	a.UpdatedAt = column.FromMicros(updatedAt)
	return &a, nil
}
