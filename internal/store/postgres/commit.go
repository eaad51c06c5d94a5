package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

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
// (also by another message of the same batch) fails with ErrExists and one
// whose account does not exist with ErrNotFound; neither affects the other
// messages of its transaction.
func (s *Store) InsertMessage(ctx context.Context, m *store.Message) error {
	// Encode here, in the caller's goroutine, so the single committer
	// spends its time on I/O only.
	row, err := newMessageRow(m)
	if err != nil {
		return fmt.Errorf("postgres: insert message %s: %w", m.ID, err)
	}
	if err := s.insert.Submit(ctx, row, len(row.body)); err != nil {
		return fmt.Errorf("postgres: insert message %s: %w", m.ID, err)
	}
	return nil
}

// messageRow is a message encoded into column values.
type messageRow struct {
	id, accountID, source, fromHeader, subject string
	returnPath, mailFromDomain                 string
	configurationSet, tags, origin             string
	createdAt                                  time.Time
	size                                       int32
	body                                       []byte
	bucket                                     time.Time
	recipients                                 []recipientRow
	// counted is m.CountedRecipients(): what the statistics gain.
	counted int
	events  []*store.Event
}

type recipientRow struct {
	address, domain, status  string
	attempts                 int32
	nextAttemptAt, updatedAt time.Time
	outcome                  string
	// leaseOwner and leaseUntil are nil unless the recipient is inserted
	// claimed (store.Message.LeaseOwner).
	leaseOwner *string
	leaseUntil *time.Time
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
		tags:             tags, origin: m.Origin, createdAt: ts(m.CreatedAt), size: int32(m.Size),
		body:       blob(m.Body),
		bucket:     column.Bucket(m.CreatedAt),
		recipients: make([]recipientRow, len(m.Recipients)),
		counted:    m.CountedRecipients(),
		events:     m.Events,
	}
	for i, r := range m.Recipients {
		outcome, err := column.Outcome(r.Outcome)
		if err != nil {
			return nil, fmt.Errorf("recipient %d: %w", i, err)
		}
		row.recipients[i] = recipientRow{
			address: r.Address, domain: r.Domain, status: r.Status, attempts: int32(r.Attempts),
			nextAttemptAt: ts(r.NextAttemptAt), updatedAt: ts(r.UpdatedAt), outcome: outcome,
		}
		if m.LeaseOwner != "" && r.Status == store.RcptQueued {
			owner, until := m.LeaseOwner, ts(m.LeaseUntil)
			row.recipients[i].leaseOwner, row.recipients[i].leaseUntil = &owner, &until
		}
	}
	return row, nil
}

// insertBatchSQL writes a whole batch in one statement, so one round trip
// and one commit: messages of known accounts whose IDs are free, then the
// bodies and recipients of exactly those, then their delivery attempts,
// summed per statistics bucket (in key order, so that concurrent nodes
// lock bucket rows in the same order and cannot deadlock). It returns the
// IDs it stored. Foreign keys are checked at the end of the statement, by
// which time every part has been written.
const insertBatchSQL = `
WITH input AS (
	SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
		$7::text[], $8::text[], $9::text[], $10::timestamptz[], $11::int4[], $12::bytea[],
		$13::timestamptz[], $14::int4[], $24::text[])
	AS u(id, account_id, source, from_header, subject, return_path, configuration_set,
		tags, origin, created_at, size, body, bucket, n_recipients, mail_from_domain)
), stored AS (
	INSERT INTO messages (id, account_id, source, from_header, subject, return_path,
		mail_from_domain, configuration_set, tags, origin, created_at, size)
	SELECT id, account_id, source, from_header, subject, return_path,
		mail_from_domain, configuration_set, tags::jsonb, origin, created_at, size
	FROM input
	WHERE EXISTS (SELECT 1 FROM accounts a WHERE a.id = input.account_id)
	ON CONFLICT (id) DO NOTHING
	RETURNING id
), bodies AS (
	INSERT INTO message_bodies (message_id, body)
	SELECT input.id, input.body FROM input JOIN stored USING (id)
), recipients AS (
	INSERT INTO recipients (message_id, idx, address, domain, status, attempts,
		next_attempt_at, updated_at, outcome, lease_owner, lease_until)
	SELECT r.message_id, r.idx, r.address, r.domain, r.status, r.attempts,
		r.next_attempt_at, r.updated_at, r.outcome::jsonb, r.lease_owner, r.lease_until
	FROM unnest($15::text[], $16::int4[], $17::text[], $18::text[], $19::text[], $20::int4[],
		$21::timestamptz[], $22::timestamptz[], $23::text[], $34::text[], $35::timestamptz[])
	AS r(message_id, idx, address, domain, status, attempts, next_attempt_at, updated_at, outcome,
		lease_owner, lease_until)
	JOIN stored ON stored.id = r.message_id
), attempts AS (
	INSERT INTO stats AS s (account_id, bucket_start, delivery_attempts, bounces, complaints, rejects)
	SELECT input.account_id, input.bucket, sum(input.n_recipients), 0, 0, 0
	FROM input JOIN stored USING (id)
	GROUP BY input.account_id, input.bucket
	ORDER BY input.account_id, input.bucket
	ON CONFLICT (account_id, bucket_start) DO UPDATE
		SET delivery_attempts = s.delivery_attempts + excluded.delivery_attempts
), logged AS (
	INSERT INTO events (account_id, type, subtype, message_id, recipient, source, configuration_set, at, detail)
	SELECT e.account_id, e.type, e.subtype, e.message_id, e.recipient, e.source, e.configuration_set, e.at, e.detail
	FROM unnest($25::text[], $26::text[], $27::text[], $28::text[], $29::text[], $30::text[],
		$31::timestamptz[], $32::bytea[], $33::text[])
	AS e(account_id, type, message_id, recipient, source, configuration_set, at, detail, subtype)
	JOIN stored ON stored.id = e.message_id
)
SELECT id FROM stored`

// commitMessages is the groupcommit.CommitFunc.
func (s *Store) commitMessages(ctx context.Context, batch []*messageRow) ([]error, error) {
	itemErrs := make([]error, len(batch))
	var a batchArrays
	seen := make(map[string]bool, len(batch))
	for i, m := range batch {
		if seen[m.id] {
			itemErrs[i] = store.ErrExists
			continue
		}
		seen[m.id] = true
		a.add(m)
	}

	rows, err := s.pool.Query(ctx, insertBatchSQL, a.args()...)
	if err != nil {
		return nil, fmt.Errorf("insert %d messages: %w", len(a.id), err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("insert %d messages: %w", len(a.id), err)
	}
	if len(ids) == len(a.id) {
		return itemErrs, nil
	}

	// Some were refused: say why, now that the batch is committed.
	stored := make(map[string]bool, len(ids))
	for _, id := range ids {
		stored[id] = true
	}
	known, err := s.knownAccounts(ctx, batch)
	if err != nil {
		// The batch is committed; only the reason for a refusal is
		// unknown, so those callers get this error and the others nil.
		err = fmt.Errorf("message refused, and looking up why failed: %w", err)
	}
	for i, m := range batch {
		switch {
		case itemErrs[i] != nil || stored[m.id]:
		case err != nil:
			itemErrs[i] = err
		case !known[m.accountID]:
			itemErrs[i] = fmt.Errorf("account %s: %w", m.accountID, store.ErrNotFound)
		default:
			itemErrs[i] = store.ErrExists
		}
	}
	return itemErrs, nil
}

func (s *Store) knownAccounts(ctx context.Context, batch []*messageRow) (map[string]bool, error) {
	var ids []string
	for _, m := range batch {
		ids = append(ids, m.accountID)
	}
	rows, err := s.pool.Query(ctx, `SELECT id FROM accounts WHERE id = ANY($1)`, ids)
	if err != nil {
		return nil, err
	}
	found, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	known := make(map[string]bool, len(found))
	for _, id := range found {
		known[id] = true
	}
	return known, nil
}

// batchArrays holds a batch column by column, the shape unnest takes.
type batchArrays struct {
	id, accountID, source, fromHeader, subject, returnPath []string
	mailFromDomain, configurationSet, tags, origin         []string
	createdAt, bucket                                      []time.Time
	size, nRecipients                                      []int32
	body                                                   [][]byte

	rMessageID, rAddress, rDomain, rStatus, rOutcome []string
	rIdx, rAttempts                                  []int32
	rNextAttemptAt, rUpdatedAt                       []time.Time
	rLeaseOwner                                      []*string
	rLeaseUntil                                      []*time.Time

	events eventArrays
}

func (a *batchArrays) add(m *messageRow) {
	a.id = append(a.id, m.id)
	a.accountID = append(a.accountID, m.accountID)
	a.source = append(a.source, m.source)
	a.fromHeader = append(a.fromHeader, m.fromHeader)
	a.subject = append(a.subject, m.subject)
	a.returnPath = append(a.returnPath, m.returnPath)
	a.mailFromDomain = append(a.mailFromDomain, m.mailFromDomain)
	a.configurationSet = append(a.configurationSet, m.configurationSet)
	a.tags = append(a.tags, m.tags)
	a.origin = append(a.origin, m.origin)
	a.createdAt = append(a.createdAt, m.createdAt)
	a.size = append(a.size, m.size)
	a.body = append(a.body, m.body)
	a.bucket = append(a.bucket, m.bucket)
	a.nRecipients = append(a.nRecipients, int32(m.counted))
	for i, r := range m.recipients {
		a.rMessageID = append(a.rMessageID, m.id)
		a.rIdx = append(a.rIdx, int32(i))
		a.rAddress = append(a.rAddress, r.address)
		a.rDomain = append(a.rDomain, r.domain)
		a.rStatus = append(a.rStatus, r.status)
		a.rAttempts = append(a.rAttempts, r.attempts)
		a.rNextAttemptAt = append(a.rNextAttemptAt, r.nextAttemptAt)
		a.rUpdatedAt = append(a.rUpdatedAt, r.updatedAt)
		a.rOutcome = append(a.rOutcome, r.outcome)
		a.rLeaseOwner = append(a.rLeaseOwner, r.leaseOwner)
		a.rLeaseUntil = append(a.rLeaseUntil, r.leaseUntil)
	}
	a.events.add(m.events)
}

// args returns the arrays in insertBatchSQL's parameter order. Columns
// added by later migrations take the next free numbers ($24 on), so that
// the numbers of the others stay put.
func (a *batchArrays) args() []any {
	return []any{
		a.id, a.accountID, a.source, a.fromHeader, a.subject, a.returnPath,
		a.configurationSet, a.tags, a.origin, a.createdAt, a.size, a.body,
		a.bucket, a.nRecipients,
		a.rMessageID, a.rIdx, a.rAddress, a.rDomain, a.rStatus, a.rAttempts,
		a.rNextAttemptAt, a.rUpdatedAt, a.rOutcome,
		a.mailFromDomain,
		a.events.accountID, a.events.typ, a.events.messageID, a.events.recipient, a.events.source,
		a.events.configurationSet, a.events.at, a.events.detail, a.events.subtype,
		a.rLeaseOwner, a.rLeaseUntil,
	}
}
