package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/store/column"
	"github.com/hikyaku/hikyaku/internal/store/cursor"
)

const suppressedColumns = `account_id, address, reason, message_id, feedback_id, last_update`

// PutSuppressed inserts or replaces the entry for (AccountID, Address),
// lower-casing the address; ErrNotFound if the account does not exist.
func (s *Store) PutSuppressed(ctx context.Context, e *store.Suppressed) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO suppressed (`+suppressedColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (account_id, address) DO UPDATE SET reason = excluded.reason,
			message_id = excluded.message_id, feedback_id = excluded.feedback_id,
			last_update = excluded.last_update`,
		e.AccountID, column.Address(e.Address), e.Reason, e.MessageID, e.FeedbackID, ts(e.LastUpdate))
	if isForeignKey(err) {
		return fmt.Errorf("postgres: suppress %s: account %s: %w", e.Address, e.AccountID, store.ErrNotFound)
	}
	return wrapf(err, "suppress %s", e.Address)
}

// GetSuppressed returns the entries among addresses that are on the
// account's list, keyed by lower-cased address.
func (s *Store) GetSuppressed(ctx context.Context, accountID string, addresses []string) (map[string]*store.Suppressed, error) {
	found := map[string]*store.Suppressed{}
	if len(addresses) == 0 {
		return found, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT `+suppressedColumns+` FROM suppressed
		WHERE account_id = $1 AND address = ANY($2)`, accountID, column.Addresses(addresses))
	if err != nil {
		return nil, wrapf(err, "look up suppressed addresses")
	}
	list, err := collect(rows, scanSuppressed)
	if err != nil {
		return nil, wrapf(err, "look up suppressed addresses")
	}
	for _, e := range list {
		found[e.Address] = e
	}
	return found, nil
}

// ListSuppressed pages through the entries matching f, newest LastUpdate
// first and by address among equal times. A malformed f.Cursor yields
// ErrInvalidCursor.
func (s *Store) ListSuppressed(ctx context.Context, accountID string, f store.SuppressedFilter) ([]*store.Suppressed, string, error) {
	where := []string{"account_id = $1"}
	args := []any{accountID}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if len(f.Reasons) > 0 {
		where = append(where, "reason = ANY("+arg(f.Reasons)+")")
	}
	if !f.Start.IsZero() {
		where = append(where, "last_update >= "+arg(ts(f.Start)))
	}
	if !f.End.IsZero() {
		where = append(where, "last_update < "+arg(ts(f.End)))
	}
	if f.Cursor != "" {
		t, addr, err := cursor.Decode(f.Cursor)
		if err != nil {
			return nil, "", wrapf(err, "list suppressed addresses")
		}
		tp := arg(t)
		where = append(where, "(last_update < "+tp+" OR (last_update = "+tp+" AND address > "+arg(addr)+"))")
	}
	size := f.PageSize
	if size <= 0 {
		size = 100
	}
	// One extra row says whether another page follows.
	rows, err := s.pool.Query(ctx, `SELECT `+suppressedColumns+` FROM suppressed
		WHERE `+strings.Join(where, " AND ")+`
		ORDER BY last_update DESC, address LIMIT `+arg(size+1), args...)
	if err != nil {
		return nil, "", wrapf(err, "list suppressed addresses")
	}
	page, err := collect(rows, scanSuppressed)
	if err != nil {
		return nil, "", wrapf(err, "list suppressed addresses")
	}
	if len(page) <= size {
		return page, "", nil
	}
	page = page[:size]
	last := page[size-1]
	return page, cursor.Encode(last.LastUpdate, last.Address), nil
}

// DeleteSuppressed removes the entry; ErrNotFound if absent.
func (s *Store) DeleteSuppressed(ctx context.Context, accountID, address string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM suppressed WHERE account_id = $1 AND address = $2`,
		accountID, column.Address(address))
	return wrapf(oneRow(tag, err), "unsuppress %s", address)
}

func scanSuppressed(row pgx.Row) (*store.Suppressed, error) {
	var (
		e          store.Suppressed
		lastUpdate time.Time
	)
	if err := row.Scan(&e.AccountID, &e.Address, &e.Reason, &e.MessageID, &e.FeedbackID, &lastUpdate); err != nil {
		return nil, err
	}
	e.LastUpdate = ts(lastUpdate)
	return &e, nil
}
