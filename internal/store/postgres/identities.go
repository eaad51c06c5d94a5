package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

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
		return wrapf(err, "create identity %s", id.Name)
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO identities (`+identityColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
		id.AccountID, id.Name, id.Type, id.VerificationStatus, id.VerificationToken,
		id.DkimSigningEnabled, id.DkimStatus, keys, id.ConfigurationSet, tags,
		id.MailFromDomain, id.MailFromStatus, ts(id.MailFromSince), id.BehaviorOnMxFailure,
		ts(id.CreatedAt), ts(id.CheckedAt), ts(id.VerifiedAt))
	switch {
	case isUnique(err):
		return fmt.Errorf("postgres: create identity %s in account %s: %w", id.Name, id.AccountID, store.ErrExists)
	case isForeignKey(err):
		return fmt.Errorf("postgres: create identity %s: account %s: %w", id.Name, id.AccountID, store.ErrNotFound)
	}
	return wrapf(err, "create identity %s", id.Name)
}

// GetIdentity finds an identity by account and exact name.
func (s *Store) GetIdentity(ctx context.Context, accountID, name string) (*store.Identity, error) {
	id, err := scanIdentity(s.pool.QueryRow(ctx, `SELECT `+identityColumns+` FROM identities
		WHERE account_id = $1 AND name = $2`, accountID, name))
	return id, wrapf(err, "get identity %s in account %s", name, accountID)
}

// GetIdentityByToken finds the identity whose VerificationToken is token.
func (s *Store) GetIdentityByToken(ctx context.Context, token string) (*store.Identity, error) {
	if token == "" {
		return nil, fmt.Errorf("postgres: get identity by empty token: %w", store.ErrNotFound)
	}
	id, err := scanIdentity(s.pool.QueryRow(ctx, `SELECT `+identityColumns+` FROM identities
		WHERE verification_token = $1 ORDER BY account_id, name LIMIT 1`, token))
	return id, wrapf(err, "get identity by token")
}

// ListIdentities pages through an account's identities ordered by name.
// limit <= 0 means no limit.
func (s *Store) ListIdentities(ctx context.Context, accountID, after string, limit int) ([]*store.Identity, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+identityColumns+` FROM identities
		WHERE account_id = $1 AND name > $2 ORDER BY name LIMIT $3`, accountID, after, sqlLimit(limit))
	if err != nil {
		return nil, wrapf(err, "list identities of %s", accountID)
	}
	list, err := collect(rows, scanIdentity)
	return list, wrapf(err, "list identities of %s", accountID)
}

// ListIdentitiesToCheck returns identities whose verification, DKIM or
// MAIL FROM domain is pending or temporarily failed and which were last
// checked before before, oldest check first. limit <= 0 means no limit.
func (s *Store) ListIdentitiesToCheck(ctx context.Context, before time.Time, limit int) ([]*store.Identity, error) {
	due := []string{store.StatusPending, store.StatusTemporaryFailure}
	rows, err := s.pool.Query(ctx, `SELECT `+identityColumns+` FROM identities
		WHERE checked_at < $1 AND (verification_status = ANY($2) OR dkim_status = ANY($2)
			OR mail_from_status = ANY($2))
		ORDER BY checked_at, account_id, name LIMIT $3`, ts(before), due, sqlLimit(limit))
	if err != nil {
		return nil, wrapf(err, "list identities to check")
	}
	list, err := collect(rows, scanIdentity)
	return list, wrapf(err, "list identities to check")
}

// UpdateIdentity replaces the fields of (id.AccountID, id.Name) other than
// Type and CreatedAt; ErrNotFound if absent.
func (s *Store) UpdateIdentity(ctx context.Context, id *store.Identity) error {
	keys, tags, err := identityJSON(id)
	if err != nil {
		return wrapf(err, "update identity %s", id.Name)
	}
	tag, err := s.pool.Exec(ctx, `UPDATE identities SET verification_status = $1,
		verification_token = $2, dkim_signing_enabled = $3, dkim_status = $4, dkim_keys = $5,
		configuration_set = $6, tags = $7, mail_from_domain = $8, mail_from_status = $9,
		mail_from_since = $10, behavior_on_mx_failure = $11, checked_at = $12, verified_at = $13
		WHERE account_id = $14 AND name = $15`,
		id.VerificationStatus, id.VerificationToken, id.DkimSigningEnabled, id.DkimStatus, keys,
		id.ConfigurationSet, tags, id.MailFromDomain, id.MailFromStatus, ts(id.MailFromSince),
		id.BehaviorOnMxFailure, ts(id.CheckedAt), ts(id.VerifiedAt), id.AccountID, id.Name)
	return wrapf(oneRow(tag, err), "update identity %s in account %s", id.Name, id.AccountID)
}

// DeleteIdentity removes it; ErrNotFound if absent.
func (s *Store) DeleteIdentity(ctx context.Context, accountID, name string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM identities WHERE account_id = $1 AND name = $2`, accountID, name)
	return wrapf(oneRow(tag, err), "delete identity %s in account %s", name, accountID)
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

func scanIdentity(row pgx.Row) (*store.Identity, error) {
	var (
		id                                              store.Identity
		keys, tags                                      string
		mailFromSince, createdAt, checkedAt, verifiedAt time.Time
	)
	err := row.Scan(&id.AccountID, &id.Name, &id.Type, &id.VerificationStatus, &id.VerificationToken,
		&id.DkimSigningEnabled, &id.DkimStatus, &keys, &id.ConfigurationSet, &tags,
		&id.MailFromDomain, &id.MailFromStatus, &mailFromSince, &id.BehaviorOnMxFailure,
		&createdAt, &checkedAt, &verifiedAt)
	if err != nil {
		return nil, noRows(err)
	}
	if id.DkimKeys, err = column.ParseDkimKeys(keys); err != nil {
		return nil, err
	}
	if id.Tags, err = column.ParseTags(tags); err != nil {
		return nil, err
	}
	id.MailFromSince = ts(mailFromSince)
	id.CreatedAt, id.CheckedAt, id.VerifiedAt = ts(createdAt), ts(checkedAt), ts(verifiedAt)
	return &id, nil
}
