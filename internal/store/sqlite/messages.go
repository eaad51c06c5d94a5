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

// GetMessage returns the message with its recipients (ordered by Index)
// but without Body; ErrNotFound if none.
func (s *Store) GetMessage(ctx context.Context, id string) (*store.Message, error) {
	var (
		m         = store.Message{ID: id}
		tags      string
		createdAt int64
	)
	err := s.read.QueryRowContext(ctx, `SELECT account_id, source, from_header, subject,
		return_path, mail_from_domain, configuration_set, tags, origin, created_at, size
		FROM messages WHERE id = ?`, id).Scan(&m.AccountID, &m.Source, &m.FromHeader, &m.Subject,
		&m.ReturnPath, &m.MailFromDomain, &m.ConfigurationSet, &tags, &m.Origin, &createdAt, &m.Size)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlite: get message %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: get message %s: %w", id, err)
	}
	if m.Tags, err = column.ParseTags(tags); err != nil {
		return nil, fmt.Errorf("sqlite: get message %s: %w", id, err)
	}
	m.CreatedAt = column.FromMicros(createdAt)

	// Recipients are inserted in the message's transaction, so once the
	// message row is visible all of them are.
	rows, err := s.read.QueryContext(ctx, `SELECT idx, address, domain, status, attempts,
		next_attempt_at, updated_at, outcome FROM recipients WHERE message_id = ? ORDER BY idx`, id)
	if err != nil {
		return nil, fmt.Errorf("sqlite: get recipients of %s: %w", id, err)
	}
	m.Recipients, err = collect(rows, func(row scanner) (store.Recipient, error) {
		r := store.Recipient{MessageID: id}
		var next, updated int64
		var outcome string
		if err := row.Scan(&r.Index, &r.Address, &r.Domain, &r.Status, &r.Attempts,
			&next, &updated, &outcome); err != nil {
			return r, err
		}
		r.NextAttemptAt = column.FromMicros(next)
		r.UpdatedAt = column.FromMicros(updated)
		r.Outcome, err = column.ParseOutcome(outcome)
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: get recipients of %s: %w", id, err)
	}
	return &m, nil
}

// GetMessageBody returns the stored MIME bytes; ErrNotFound if none.
func (s *Store) GetMessageBody(ctx context.Context, id string) ([]byte, error) {
	var body []byte
	err := s.read.QueryRowContext(ctx, `SELECT body FROM message_bodies WHERE message_id = ?`, id).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlite: get body of %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: get body of %s: %w", id, err)
	}
	return body, nil
}

// UpdateRecipient replaces the state fields (Status, Attempts,
// NextAttemptAt, UpdatedAt, Outcome) of recipient (r.MessageID, r.Index);
// ErrNotFound if absent.
func (s *Store) UpdateRecipient(ctx context.Context, r *store.Recipient) error {
	outcome, err := column.Outcome(r.Outcome)
	if err != nil {
		return fmt.Errorf("sqlite: update recipient %d of %s: %w", r.Index, r.MessageID, err)
	}
	res, err := s.write.ExecContext(ctx, `UPDATE recipients SET status = ?, attempts = ?,
		next_attempt_at = ?, updated_at = ?, outcome = ? WHERE message_id = ? AND idx = ?`,
		r.Status, r.Attempts, column.Micros(r.NextAttemptAt), column.Micros(r.UpdatedAt), outcome,
		r.MessageID, r.Index)
	if err := oneRow(res, err); err != nil {
		return fmt.Errorf("sqlite: update recipient %d of %s: %w", r.Index, r.MessageID, err)
	}
	return nil
}

// FindRecipients returns the account's recipients with address addr in
// messages accepted since since, newest first.
func (s *Store) FindRecipients(ctx context.Context, accountID, addr string, since time.Time, limit int) ([]store.RecipientKey, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := s.read.QueryContext(ctx, `SELECT r.message_id, r.idx FROM recipients r
		JOIN messages m ON m.id = r.message_id
		WHERE lower(r.address) = ? AND m.account_id = ? AND m.created_at >= ?
		ORDER BY m.created_at DESC, r.message_id, r.idx LIMIT ?`,
		column.Address(addr), accountID, column.Micros(since), limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find recipient %s: %w", addr, err)
	}
	list, err := collect(rows, func(row scanner) (store.RecipientKey, error) {
		var k store.RecipientKey
		return k, row.Scan(&k.MessageID, &k.Index)
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: find recipient %s: %w", addr, err)
	}
	return list, nil
}
