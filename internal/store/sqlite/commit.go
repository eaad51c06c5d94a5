package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/store/column"
)

// InsertMessage durably commits m with its body and recipients, grouped
// with concurrent calls into one transaction (see package groupcommit), and
// adds m.CountedRecipients() delivery attempts to the account's statistics
// bucket of m.CreatedAt in the same transaction.
//
// Each recipient is stored under m.ID at its position in m.Recipients,
// whatever its MessageID and Index fields say. A message whose ID is taken
// fails with ErrExists and one whose account does not exist with
// ErrNotFound; neither affects the other messages of its transaction.
func (s *Store) InsertMessage(ctx context.Context, m *store.Message) error {
	// Encode here, in the caller's goroutine, so the single committer
	// spends its time on I/O only.
	row, err := newMessageRow(m)
	if err != nil {
		return fmt.Errorf("sqlite: insert message %s: %w", m.ID, err)
	}
	if err := s.writes.Submit(ctx, &write{msg: row}, len(row.body)); err != nil {
		return fmt.Errorf("sqlite: insert message %s: %w", m.ID, err)
	}
	return nil
}

// messageRow is a message encoded into column values.
type messageRow struct {
	id, accountID, source, fromHeader, subject string
	returnPath, mailFromDomain                 string
	configurationSet, tags, origin             string
	createdAt                                  int64
	size                                       int
	body                                       []byte
	bucket                                     int64
	recipients                                 []recipientRow
	// counted is m.CountedRecipients(): what the statistics gain.
	counted int
	events  []*store.Event
	// leaseOwner and leaseUntil lease the queued recipients at insert
	// (store.Message.LeaseOwner); leaseOwner is nil when unclaimed.
	leaseOwner any
	leaseUntil any
}

type recipientRow struct {
	address, domain, status string
	attempts                int
	nextAttemptAt           int64
	updatedAt               int64
	outcome                 string
}

func newMessageRow(m *store.Message) (*messageRow, error) {
	tags, err := column.Tags(m.Tags)
	if err != nil {
		return nil, err
	}
	row := &messageRow{
		id: m.ID, accountID: m.AccountID, source: m.Source, fromHeader: m.FromHeader,
		subject: m.Subject, returnPath: m.ReturnPath, mailFromDomain: m.MailFromDomain,
		configurationSet: m.ConfigurationSet,
		tags:             tags, origin: m.Origin, createdAt: column.Micros(m.CreatedAt), size: m.Size,
		body:       blob(m.Body),
		bucket:     column.Micros(column.Bucket(m.CreatedAt)),
		recipients: make([]recipientRow, len(m.Recipients)),
		counted:    m.CountedRecipients(),
		events:     m.Events,
	}
	if m.LeaseOwner != "" {
		row.leaseOwner, row.leaseUntil = m.LeaseOwner, column.Micros(m.LeaseUntil)
	}
	for i, r := range m.Recipients {
		outcome, err := column.Outcome(r.Outcome)
		if err != nil {
			return nil, fmt.Errorf("recipient %d: %w", i, err)
		}
		row.recipients[i] = recipientRow{
			address: r.Address, domain: r.Domain, status: r.Status, attempts: r.Attempts,
			nextAttemptAt: column.Micros(r.NextAttemptAt), updatedAt: column.Micros(r.UpdatedAt),
			outcome: outcome,
		}
	}
	return row, nil
}

// commitStmts are the statements of a group commit, prepared once on the
// write connection.
type commitStmts struct {
	accountExists, message, body, recipient, stats, event *sql.Stmt
	// finish and attempt are FinishAttempt's (applyFinishes).
	finish, attempt *sql.Stmt
}

func (c *commitStmts) prepare(ctx context.Context, db *sql.DB) error {
	for _, p := range []struct {
		stmt **sql.Stmt
		sql  string
	}{
		{&c.accountExists, `SELECT 1 FROM accounts WHERE id = ?`},
		{&c.message, `INSERT INTO messages (id, account_id, source, from_header, subject,
			return_path, mail_from_domain, configuration_set, tags, origin, created_at, size)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`},
		{&c.body, `INSERT INTO message_bodies (message_id, body) VALUES (?, ?)`},
		{&c.recipient, `INSERT INTO recipients (message_id, idx, address, domain, status,
			attempts, next_attempt_at, updated_at, outcome, lease_owner, lease_until)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		{&c.stats, addStatsSQL},
		{&c.event, insertEventSQL},
		{&c.finish, `UPDATE recipients SET status = ?, attempts = ?,
			next_attempt_at = ?, updated_at = ?, outcome = ?, lease_owner = NULL, lease_until = NULL
			WHERE message_id = ? AND idx = ? AND lease_owner = ?`},
		{&c.attempt, `INSERT INTO attempts
			(message_id, idx, at, duration_ns, host, status, reply) VALUES (?, ?, ?, ?, ?, ?, ?)`},
	} {
		stmt, err := db.PrepareContext(ctx, p.sql)
		if err != nil {
			return fmt.Errorf("prepare %.40q: %w", p.sql, err)
		}
		*p.stmt = stmt
	}
	return nil
}

func (c *commitStmts) close() error {
	var errs []error
	for _, s := range []*sql.Stmt{c.accountExists, c.message, c.body, c.recipient, c.stats, c.event, c.finish, c.attempt} {
		if s != nil {
			errs = append(errs, s.Close())
		}
	}
	return errors.Join(errs...)
}

// write is one group-committed write: a message to insert (InsertMessage)
// or an attempt to record (FinishAttempt).
type write struct {
	msg *messageRow
	fin *finishRow
}

// commitWrites is the groupcommit.CommitFunc: one IMMEDIATE transaction,
// so one WAL sync, for the whole batch. Inserts and finishes share it:
// as two committers they took turns on the one write connection, each
// waiting for the other's sync (BENCHMARKS.md).
func (s *Store) commitWrites(ctx context.Context, batch []*write) (itemErrs []error, err error) {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback() // report the error that caused the rollback
		}
	}()
	var (
		msgs         []*messageRow
		fins         []*finishRow
		msgAt, finAt []int
	)
	for i, w := range batch {
		if w.msg != nil {
			msgs, msgAt = append(msgs, w.msg), append(msgAt, i)
		} else {
			fins, finAt = append(fins, w.fin), append(finAt, i)
		}
	}
	itemErrs = make([]error, len(batch))
	if len(msgs) > 0 {
		errs, err := s.insertMessages(ctx, tx, msgs)
		if err != nil {
			return nil, err
		}
		for j, e := range errs {
			itemErrs[msgAt[j]] = e
		}
	}
	if len(fins) > 0 {
		errs, err := s.applyFinishes(ctx, tx, fins)
		if err != nil {
			return nil, err
		}
		for j, e := range errs {
			itemErrs[finAt[j]] = e
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	return itemErrs, nil
}

// insertMessages writes a batch of InsertMessage calls in tx.
func (s *Store) insertMessages(ctx context.Context, tx *sql.Tx, batch []*messageRow) (itemErrs []error, err error) {
	known, err := s.knownAccounts(ctx, tx, batch)
	if err != nil {
		return nil, err
	}
	var (
		message   = tx.StmtContext(ctx, s.stmts.message)
		body      = tx.StmtContext(ctx, s.stmts.body)
		recipient = tx.StmtContext(ctx, s.stmts.recipient)
		attempts  = map[statKey]int64{}
	)
	itemErrs = make([]error, len(batch))
	for i, m := range batch {
		if !known[m.accountID] {
			itemErrs[i] = fmt.Errorf("account %s: %w", m.accountID, store.ErrNotFound)
			continue
		}
		res, err := message.ExecContext(ctx, m.id, m.accountID, m.source, m.fromHeader, m.subject,
			m.returnPath, m.mailFromDomain, m.configurationSet, m.tags, m.origin, m.createdAt, m.size)
		if err != nil {
			return nil, fmt.Errorf("insert message %s: %w", m.id, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return nil, fmt.Errorf("insert message %s: %w", m.id, err)
		} else if n == 0 {
			itemErrs[i] = store.ErrExists
			continue
		}
		if _, err := body.ExecContext(ctx, m.id, m.body); err != nil {
			return nil, fmt.Errorf("insert body of %s: %w", m.id, err)
		}
		for idx, r := range m.recipients {
			owner, until := m.leaseOwner, m.leaseUntil
			if r.status != store.RcptQueued {
				owner, until = nil, nil
			}
			if _, err := recipient.ExecContext(ctx, m.id, idx, r.address, r.domain, r.status,
				r.attempts, r.nextAttemptAt, r.updatedAt, r.outcome, owner, until); err != nil {
				return nil, fmt.Errorf("insert recipient %d of %s: %w", idx, m.id, err)
			}
		}
		if err := s.insertEvents(ctx, tx, m.events); err != nil {
			return nil, err
		}
		attempts[statKey{m.accountID, m.bucket}] += int64(m.counted)
	}
	if err := s.addAttempts(ctx, tx, attempts); err != nil {
		return nil, err
	}
	return itemErrs, nil
}

// knownAccounts reports which of the batch's accounts exist, so that a
// message for an unknown account fails alone instead of failing the whole
// transaction on the foreign key.
func (s *Store) knownAccounts(ctx context.Context, tx *sql.Tx, batch []*messageRow) (map[string]bool, error) {
	stmt := tx.StmtContext(ctx, s.stmts.accountExists)
	known := map[string]bool{}
	for _, m := range batch {
		if _, seen := known[m.accountID]; seen {
			continue
		}
		var one int
		err := stmt.QueryRowContext(ctx, m.accountID).Scan(&one)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			known[m.accountID] = false
		case err != nil:
			return nil, fmt.Errorf("look up account %s: %w", m.accountID, err)
		default:
			known[m.accountID] = true
		}
	}
	return known, nil
}

type statKey struct {
	accountID string
	bucket    int64
}

// addAttempts adds the batch's delivery attempts to the statistics.
func (s *Store) addAttempts(ctx context.Context, tx *sql.Tx, attempts map[statKey]int64) error {
	keys := make([]statKey, 0, len(attempts))
	for k := range attempts {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b statKey) int {
		return cmp.Or(cmp.Compare(a.accountID, b.accountID), cmp.Compare(a.bucket, b.bucket))
	})
	stmt := tx.StmtContext(ctx, s.stmts.stats)
	for _, k := range keys {
		if _, err := stmt.ExecContext(ctx, k.accountID, k.bucket, attempts[k], 0, 0, 0); err != nil {
			return fmt.Errorf("add statistics of %s: %w", k.accountID, err)
		}
	}
	return nil
}
