package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/store/column"
)

// dueSQL selects due recipients of one kind with their message, oldest
// due first, through that kind's partial index (recipients_due_first or
// recipients_due_retry). Its WHERE repeats the index's own word for word,
// with literals, or SQLite could not use the index; INDEXED BY makes sure
// it does, failing the query rather than falling back to another plan:
// left to itself SQLite prefers recipients_by_due and sorts every waiting
// recipient, 200 ms a call with 100,000 waiting against 1 ms
// (BenchmarkClaimDue). CROSS JOIN keeps it from starting at messages.
const dueSQL = `SELECT r.message_id, r.idx, r.address, r.domain, r.status, r.attempts,
		r.next_attempt_at, r.updated_at, r.outcome,
		m.account_id, m.source, m.return_path, m.mail_from_domain, m.configuration_set, m.origin,
		m.created_at, m.size
	FROM recipients r INDEXED BY %s CROSS JOIN messages m ON m.id = r.message_id
	WHERE status IN ('queued', 'deferred') AND attempts %s
	  AND r.next_attempt_at <= ?1 AND (r.lease_until IS NULL OR r.lease_until <= ?1)
	ORDER BY r.next_attempt_at
	LIMIT ?2`

var (
	dueFirstSQL = fmt.Sprintf(dueSQL, "recipients_due_first", "= 0")
	dueRetrySQL = fmt.Sprintf(dueSQL, "recipients_due_retry", "> 0")
)

// ClaimDue leases up to limit due recipients to owner until now+lease (see
// store.QueueStore). It reads and leases them in one IMMEDIATE transaction,
// so no other connection or process can claim between the two. limit <= 0
// claims nothing.
func (s *Store) ClaimDue(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) (claims []*store.Claim, err error) {
	if owner == "" || lease <= 0 {
		return nil, fmt.Errorf("sqlite: claim due recipients: need an owner and a positive lease, got %q and %v", owner, lease)
	}
	if limit <= 0 {
		return nil, nil
	}
	at, until := column.Micros(now), column.Micros(now.Add(lease))
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim due recipients: begin: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback() // report the error that caused the rollback
		}
	}()

	// Each kind may take the whole limit if the other has nothing due, so
	// read up to limit of each, then share.
	first, err := due(ctx, tx, dueFirstSQL, at, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim due first attempts: %w", err)
	}
	retries, err := due(ctx, tx, dueRetrySQL, at, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim due retries: %w", err)
	}
	claims = share(first, retries, limit)

	// One statement per chunk leases them all: the write lock is held for
	// as short a time as can be, as intake's commits wait for it.
	leaseUntil := column.FromMicros(until)
	for chunk := range slices.Chunk(claims, leaseChunk) {
		args := make([]any, 0, 3+2*len(chunk))
		args = append(args, owner, until, until)
		for _, c := range chunk {
			args = append(args, c.Recipient.MessageID, c.Recipient.Index)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE recipients
			SET lease_owner = ?, lease_until = ?, next_attempt_at = ?
			WHERE (message_id, idx) IN (VALUES `+strings.TrimSuffix(strings.Repeat("(?, ?), ", len(chunk)), ", ")+`)`,
			args...); err != nil {
			return nil, fmt.Errorf("sqlite: lease %d recipients: %w", len(chunk), err)
		}
	}
	for _, c := range claims {
		c.Recipient.NextAttemptAt, c.LeaseUntil = leaseUntil, leaseUntil
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite: claim due recipients: commit: %w", err)
	}
	return claims, nil
}

// leaseChunk bounds the recipients leased by one statement, well below
// SQLite's limit on bound parameters.
const leaseChunk = 400

// dueClaim is a claim not yet leased, with the time it was due.
type dueClaim struct {
	claim *store.Claim
	due   int64
}

func due(ctx context.Context, tx *sql.Tx, query string, now int64, limit int) ([]dueClaim, error) {
	rows, err := tx.QueryContext(ctx, query, now, limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(row scanner) (dueClaim, error) {
		var (
			c                      store.Claim
			r                      = &c.Recipient
			next, updated, created int64
			outcome                string
		)
		err := row.Scan(&r.MessageID, &r.Index, &r.Address, &r.Domain, &r.Status, &r.Attempts,
			&next, &updated, &outcome,
			&c.AccountID, &c.Source, &c.ReturnPath, &c.MailFromDomain, &c.ConfigurationSet, &c.Origin,
			&created, &c.Size)
		if err != nil {
			return dueClaim{}, err
		}
		r.UpdatedAt, c.MessageCreatedAt = column.FromMicros(updated), column.FromMicros(created)
		if r.Outcome, err = column.ParseOutcome(outcome); err != nil {
			return dueClaim{}, fmt.Errorf("recipient %d of %s: %w", r.Index, r.MessageID, err)
		}
		return dueClaim{&c, next}, nil
	})
}

// share picks up to limit of first attempts and retries, each list oldest
// first: half of limit for each (the odd one to first attempts), and what
// one kind leaves of its half to the other. The result is ordered by due
// time.
func share(first, retries []dueClaim, limit int) []*store.Claim {
	nFirst := min(len(first), max(limit-limit/2, limit-len(retries)))
	nRetries := min(len(retries), limit-nFirst)
	picked := append(first[:nFirst:nFirst], retries[:nRetries]...)
	slices.SortFunc(picked, func(a, b dueClaim) int {
		ra, rb := &a.claim.Recipient, &b.claim.Recipient
		return cmp.Or(cmp.Compare(a.due, b.due), cmp.Compare(ra.MessageID, rb.MessageID), cmp.Compare(ra.Index, rb.Index))
	})
	claims := make([]*store.Claim, len(picked))
	for i, p := range picked {
		claims[i] = p.claim
	}
	return claims
}

// ExtendLease moves the leases owner holds on keys, and their next attempt,
// to until; it returns how many it moved. Keys named twice count once.
func (s *Store) ExtendLease(ctx context.Context, owner string, keys []store.RecipientKey, until time.Time) (n int, err error) {
	keys = uniqueKeys(keys)
	if len(keys) == 0 {
		return 0, nil
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("sqlite: extend leases: begin: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback() // report the error that caused the rollback
		}
	}()
	stmt, err := tx.PrepareContext(ctx, `UPDATE recipients SET lease_until = ?1, next_attempt_at = ?1
		WHERE message_id = ?2 AND idx = ?3 AND lease_owner = ?4`)
	if err != nil {
		return 0, fmt.Errorf("sqlite: extend leases: %w", err)
	}
	defer stmt.Close()
	u := column.Micros(until)
	for _, k := range keys {
		res, err := stmt.ExecContext(ctx, u, k.MessageID, k.Index, owner)
		if err != nil {
			return 0, fmt.Errorf("sqlite: extend lease of recipient %d of %s: %w", k.Index, k.MessageID, err)
		}
		m, err := res.RowsAffected()
		if err != nil {
			return 0, fmt.Errorf("sqlite: extend lease of recipient %d of %s: %w", k.Index, k.MessageID, err)
		}
		n += int(m)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("sqlite: extend leases: commit: %w", err)
	}
	return n, nil
}

// uniqueKeys returns keys without repeats, in their first order.
func uniqueKeys(keys []store.RecipientKey) []store.RecipientKey {
	seen := make(map[store.RecipientKey]bool, len(keys))
	out := make([]store.RecipientKey, 0, len(keys))
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

// QueueCounts returns how many recipients are queued and deferred. It
// counts entries of the recipients_by_due index without reading rows, but
// still all of them: about 80 ms for a million waiting recipients, a
// figure for metrics rather than for every message.
func (s *Store) QueueCounts(ctx context.Context) (queued, deferred int64, err error) {
	err = s.read.QueryRowContext(ctx, `SELECT
			(SELECT count(*) FROM recipients WHERE status = 'queued'),
			(SELECT count(*) FROM recipients WHERE status = 'deferred')`).Scan(&queued, &deferred)
	if err != nil {
		return 0, 0, fmt.Errorf("sqlite: count the queue: %w", err)
	}
	return queued, deferred, nil
}

// RetryNow makes the waiting (queued or deferred) recipients of domain (all when empty) due at
// now (see store.QueueStore), retryChunk at a time. Each chunk is one
// statement, committed on its own: moving a million recipients in one
// takes the write lock for about 40 s on a 2-core VM (20 s for half a
// million), longer than intake and the queue wait for it (the busy
// timeout, 10 s); a chunk holds it for about 0.1 s. Moved recipients are
// due at now, so the next chunk's range (due after now) no longer holds
// them.
func (s *Store) RetryNow(ctx context.Context, domain string, now time.Time) (int64, error) {
	var total int64
	for {
		res, err := s.write.ExecContext(ctx, `UPDATE recipients SET next_attempt_at = ?1
			WHERE (message_id, idx) IN (SELECT message_id, idx FROM recipients
				WHERE status IN ('queued', 'deferred') AND next_attempt_at > ?1
				  AND (?2 = '' OR domain = ?2) AND (lease_until IS NULL OR lease_until <= ?1)
				LIMIT ?3)`,
			column.Micros(now), strings.ToLower(domain), retryChunk)
		if err != nil {
			return total, fmt.Errorf("sqlite: make deferred recipients due now (%d moved): %w", total, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, fmt.Errorf("sqlite: make deferred recipients due now (%d moved): %w", total, err)
		}
		total += n
		if n < retryChunk {
			return total, nil
		}
	}
}

// retryChunk is how many recipients one statement of RetryNow moves.
const retryChunk = 2000
