package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/store/column"
)

// GetMessage returns the message with its recipients (ordered by Index)
// but without Body; ErrNotFound if none.
func (s *Store) GetMessage(ctx context.Context, id string) (*store.Message, error) {
	var (
		m         = store.Message{ID: id}
		tags      string
		createdAt time.Time
	)
	err := s.pool.QueryRow(ctx, `SELECT account_id, source, from_header, subject,
		return_path, mail_from_domain, configuration_set, tags, origin, created_at, size
		FROM messages WHERE id = $1`, id).Scan(&m.AccountID, &m.Source, &m.FromHeader, &m.Subject,
		&m.ReturnPath, &m.MailFromDomain, &m.ConfigurationSet, &tags, &m.Origin, &createdAt, &m.Size)
	if err != nil {
		return nil, wrapf(noRows(err), "get message %s", id)
	}
	if m.Tags, err = column.ParseTags(tags); err != nil {
		return nil, wrapf(err, "get message %s", id)
	}
	m.CreatedAt = ts(createdAt)

	// Recipients are inserted by the message's statement, so once the
	// message row is visible all of them are.
	rows, err := s.pool.Query(ctx, `SELECT idx, address, domain, status, attempts,
		next_attempt_at, updated_at, outcome FROM recipients WHERE message_id = $1 ORDER BY idx`, id)
	if err != nil {
		return nil, wrapf(err, "get recipients of %s", id)
	}
	m.Recipients, err = collect(rows, func(row pgx.Row) (store.Recipient, error) {
		r := store.Recipient{MessageID: id}
		var next, updated time.Time
		var outcome string
		if err := row.Scan(&r.Index, &r.Address, &r.Domain, &r.Status, &r.Attempts,
			&next, &updated, &outcome); err != nil {
			return r, err
		}
		r.NextAttemptAt, r.UpdatedAt = ts(next), ts(updated)
		var err error
		r.Outcome, err = column.ParseOutcome(outcome)
		return r, err
	})
	if err != nil {
		return nil, wrapf(err, "get recipients of %s", id)
	}
	return &m, nil
}

// GetMessageBody returns the stored MIME bytes; ErrNotFound if none.
func (s *Store) GetMessageBody(ctx context.Context, id string) ([]byte, error) {
	var body []byte
	err := s.pool.QueryRow(ctx, `SELECT body FROM message_bodies WHERE message_id = $1`, id).Scan(&body)
	if err != nil {
		return nil, wrapf(noRows(err), "get body of %s", id)
	}
	return body, nil
}

// UpdateRecipient replaces the state fields (Status, Attempts,
// NextAttemptAt, UpdatedAt, Outcome) of recipient (r.MessageID, r.Index);
// ErrNotFound if absent.
func (s *Store) UpdateRecipient(ctx context.Context, r *store.Recipient) error {
	outcome, err := column.Outcome(r.Outcome)
	if err != nil {
		return fmt.Errorf("postgres: update recipient %d of %s: %w", r.Index, r.MessageID, err)
	}
	tag, err := s.pool.Exec(ctx, `UPDATE recipients SET status = $1, attempts = $2,
		next_attempt_at = $3, updated_at = $4, outcome = $5 WHERE message_id = $6 AND idx = $7`,
		r.Status, r.Attempts, ts(r.NextAttemptAt), ts(r.UpdatedAt), outcome, r.MessageID, r.Index)
	return wrapf(oneRow(tag, err), "update recipient %d of %s", r.Index, r.MessageID)
}

// FindRecipients returns the account's recipients with address addr in
// messages accepted since since, newest first.
func (s *Store) FindRecipients(ctx context.Context, accountID, addr string, since time.Time, limit int) ([]store.RecipientKey, error) {
	rows, err := s.pool.Query(ctx, `SELECT r.message_id, r.idx FROM recipients r
		JOIN messages m ON m.id = r.message_id
		WHERE lower(r.address) = $1 AND m.account_id = $2 AND m.created_at >= $3
		ORDER BY m.created_at DESC, r.message_id, r.idx LIMIT $4`,
		column.Address(addr), accountID, ts(since), sqlLimit(limit))
	if err != nil {
		return nil, wrapf(err, "find recipient %s", addr)
	}
	list, err := collect(rows, func(row pgx.Row) (store.RecipientKey, error) {
		var k store.RecipientKey
		return k, row.Scan(&k.MessageID, &k.Index)
	})
	return list, wrapf(err, "find recipient %s", addr)
}
