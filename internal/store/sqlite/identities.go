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

const identityColumns = `account_id, name, type, verification_status, verification_token,
	dkim_signing_enabled, dkim_status, dkim_keys, configuration_set, tags,
	mail_from_domain, mail_from_status, mail_from_since, behavior_on_mx_failure,
	created_at, checked_at, verified_at`

// CreateIdentity inserts id; ErrExists if (AccountID, Name) is taken,
// ErrNotFound if the account does not exist.
func (s *Store) CreateIdentity(ctx context.Context, id *store.Identity) error {
	keys, tags, err := identityJSON(id)
	if err != nil {
		return fmt.Errorf("sqlite: create identity %s: %w", id.Name, err)
	}
	_, err = s.write.ExecContext(ctx, `INSERT INTO identities (`+identityColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id.AccountID, id.Name, id.Type, id.VerificationStatus, id.VerificationToken,
		id.DkimSigningEnabled, id.DkimStatus, keys, id.ConfigurationSet, tags,
		id.MailFromDomain, id.MailFromStatus, column.Micros(id.MailFromSince), id.BehaviorOnMxFailure,
		column.Micros(id.CreatedAt), column.Micros(id.CheckedAt), column.Micros(id.VerifiedAt))
	switch {
	case isUnique(err):
		return fmt.Errorf("sqlite: create identity %s in account %s: %w", id.Name, id.AccountID, store.ErrExists)
	case isForeignKey(err):
		return fmt.Errorf("sqlite: create identity %s: account %s: %w", id.Name, id.AccountID, store.ErrNotFound)
	case err != nil:
		return fmt.Errorf("sqlite: create identity %s: %w", id.Name, err)
	}
	return nil
}

// GetIdentity finds an identity by account and exact name.
func (s *Store) GetIdentity(ctx context.Context, accountID, name string) (*store.Identity, error) {
	row := s.read.QueryRowContext(ctx, `SELECT `+identityColumns+` FROM identities
		WHERE account_id = ? AND name = ?`, accountID, name)
	id, err := scanIdentity(row)
	if err != nil {
		return nil, fmt.Errorf("sqlite: get identity %s in account %s: %w", name, accountID, err)
	}
	return id, nil
}

// GetIdentityByToken finds the identity whose VerificationToken is token.
func (s *Store) GetIdentityByToken(ctx context.Context, token string) (*store.Identity, error) {
	if token == "" {
		return nil, fmt.Errorf("sqlite: get identity by empty token: %w", store.ErrNotFound)
	}
	row := s.read.QueryRowContext(ctx, `SELECT `+identityColumns+` FROM identities
		WHERE verification_token = ? ORDER BY account_id, name LIMIT 1`, token)
	id, err := scanIdentity(row)
	if err != nil {
		return nil, fmt.Errorf("sqlite: get identity by token: %w", err)
	}
	return id, nil
}

// ListIdentities pages through an account's identities ordered by name.
// limit <= 0 means no limit.
func (s *Store) ListIdentities(ctx context.Context, accountID, after string, limit int) ([]*store.Identity, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+identityColumns+` FROM identities
		WHERE account_id = ? AND name > ? ORDER BY name LIMIT ?`, accountID, after, sqlLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("sqlite: list identities of %s: %w", accountID, err)
	}
	list, err := collect(rows, scanIdentity)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list identities of %s: %w", accountID, err)
	}
	return list, nil
}

// ListIdentitiesToCheck returns identities whose verification, DKIM or
// MAIL FROM domain is pending or temporarily failed and which were last
// checked before before, oldest check first. limit <= 0 means no limit.
func (s *Store) ListIdentitiesToCheck(ctx context.Context, before time.Time, limit int) ([]*store.Identity, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+identityColumns+` FROM identities
		WHERE checked_at < ?1
		  AND (verification_status IN (?2, ?3) OR dkim_status IN (?2, ?3) OR mail_from_status IN (?2, ?3))
		ORDER BY checked_at, account_id, name LIMIT ?4`,
		column.Micros(before), store.StatusPending, store.StatusTemporaryFailure, sqlLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("sqlite: list identities to check: %w", err)
	}
	list, err := collect(rows, scanIdentity)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list identities to check: %w", err)
	}
	return list, nil
}

// UpdateIdentity replaces the fields of (id.AccountID, id.Name) other than
// Type and CreatedAt; ErrNotFound if absent.
func (s *Store) UpdateIdentity(ctx context.Context, id *store.Identity) error {
	keys, tags, err := identityJSON(id)
	if err != nil {
		return fmt.Errorf("sqlite: update identity %s: %w", id.Name, err)
	}
	res, err := s.write.ExecContext(ctx, `UPDATE identities SET verification_status = ?,
		verification_token = ?, dkim_signing_enabled = ?, dkim_status = ?, dkim_keys = ?,
		configuration_set = ?, tags = ?, mail_from_domain = ?, mail_from_status = ?,
		mail_from_since = ?, behavior_on_mx_failure = ?, checked_at = ?, verified_at = ?
		WHERE account_id = ? AND name = ?`,
		id.VerificationStatus, id.VerificationToken, id.DkimSigningEnabled, id.DkimStatus, keys,
		id.ConfigurationSet, tags, id.MailFromDomain, id.MailFromStatus,
		column.Micros(id.MailFromSince), id.BehaviorOnMxFailure,
		column.Micros(id.CheckedAt), column.Micros(id.VerifiedAt),
		id.AccountID, id.Name)
	if err := oneRow(res, err); err != nil {
		return fmt.Errorf("sqlite: update identity %s in account %s: %w", id.Name, id.AccountID, err)
	}
	return nil
}

// DeleteIdentity removes it; ErrNotFound if absent.
func (s *Store) DeleteIdentity(ctx context.Context, accountID, name string) error {
	res, err := s.write.ExecContext(ctx, `DELETE FROM identities WHERE account_id = ? AND name = ?`,
		accountID, name)
	if err := oneRow(res, err); err != nil {
		return fmt.Errorf("sqlite: delete identity %s in account %s: %w", name, accountID, err)
	}
	return nil
}

func identityJSON(id *store.Identity) (keys, tags string, err error) {
	if keys, err = column.DkimKeys(id.DkimKeys); err != nil {
		return "", "", err
	}
	if tags, err = column.Tags(id.Tags); err != nil {
		return "", "", err
	}
	return keys, tags, nil
}

func scanIdentity(row scanner) (*store.Identity, error) {
	var (
		id                               store.Identity
		keys, tags                       string
		mailFromSince                    int64
		createdAt, checkedAt, verifiedAt int64
	)
	err := row.Scan(&id.AccountID, &id.Name, &id.Type, &id.VerificationStatus, &id.VerificationToken,
		&id.DkimSigningEnabled, &id.DkimStatus, &keys, &id.ConfigurationSet, &tags,
		&id.MailFromDomain, &id.MailFromStatus, &mailFromSince, &id.BehaviorOnMxFailure,
		&createdAt, &checkedAt, &verifiedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if id.DkimKeys, err = column.ParseDkimKeys(keys); err != nil {
		return nil, err
	}
	if id.Tags, err = column.ParseTags(tags); err != nil {
		return nil, err
	}
	id.MailFromSince = column.FromMicros(mailFromSince)
	id.CreatedAt = column.FromMicros(createdAt)
	id.CheckedAt = column.FromMicros(checkedAt)
	id.VerifiedAt = column.FromMicros(verifiedAt)
	return &id, nil
}

// sqlLimit maps "no limit" (limit <= 0) to SQLite's LIMIT -1.
func sqlLimit(limit int) int {
	if limit <= 0 {
		return -1
	}
	return limit
}
