package sqlite

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/store/column"
	"github.com/hikyaku/hikyaku/internal/store/cursor"
)

const suppressedColumns = `account_id, address, reason, message_id, feedback_id, last_update`

// PutSuppressed inserts or replaces the entry for (AccountID, Address),
// lower-casing the address; ErrNotFound if the account does not exist.
func (s *Store) PutSuppressed(ctx context.Context, e *store.Suppressed) error {
	_, err := s.write.ExecContext(ctx, `INSERT INTO suppressed (`+suppressedColumns+`)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (account_id, address) DO UPDATE SET reason = excluded.reason,
			message_id = excluded.message_id, feedback_id = excluded.feedback_id,
			last_update = excluded.last_update`,
		e.AccountID, column.Address(e.Address), e.Reason, e.MessageID, e.FeedbackID,
		column.Micros(e.LastUpdate))
	if isForeignKey(err) {
		return fmt.Errorf("sqlite: suppress %s: account %s: %w", e.Address, e.AccountID, store.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("sqlite: suppress %s: %w", e.Address, err)
	}
	return nil
}

// getSuppressedChunk bounds the number of addresses per query, well below
// SQLite's limit on bound parameters.
const getSuppressedChunk = 500

// GetSuppressed returns the entries among addresses that are on the
// account's list, keyed by lower-cased address.
func (s *Store) GetSuppressed(ctx context.Context, accountID string, addresses []string) (map[string]*store.Suppressed, error) {
	found := map[string]*store.Suppressed{}
	if len(addresses) == 1 {
		// Intake asks this for every message, mostly of one recipient:
		// a statement prepared once saves parsing it every time.
		rows, err := s.suppressedOne.QueryContext(ctx, accountID, column.Address(addresses[0]))
		if err != nil {
			return nil, fmt.Errorf("sqlite: look up suppressed addresses: %w", err)
		}
		list, err := collect(rows, scanSuppressed)
		if err != nil {
			return nil, fmt.Errorf("sqlite: look up suppressed addresses: %w", err)
		}
		for _, e := range list {
			found[e.Address] = e
		}
		return found, nil
	}
	for chunk := range slices.Chunk(column.Addresses(addresses), getSuppressedChunk) {
		args := []any{accountID}
		for _, a := range chunk {
			args = append(args, a)
		}
		rows, err := s.read.QueryContext(ctx, `SELECT `+suppressedColumns+` FROM suppressed
			WHERE account_id = ? AND address IN (`+placeholders(len(chunk))+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("sqlite: look up suppressed addresses: %w", err)
		}
		list, err := collect(rows, scanSuppressed)
		if err != nil {
			return nil, fmt.Errorf("sqlite: look up suppressed addresses: %w", err)
		}
		for _, e := range list {
			found[e.Address] = e
		}
	}
	return found, nil
}

// ListSuppressed pages through the entries matching f, newest LastUpdate
// first and by address among equal times. A malformed f.Cursor yields
// ErrInvalidCursor.
func (s *Store) ListSuppressed(ctx context.Context, accountID string, f store.SuppressedFilter) ([]*store.Suppressed, string, error) {
	where := []string{"account_id = ?"}
	args := []any{accountID}
	if len(f.Reasons) > 0 {
		where = append(where, "reason IN ("+placeholders(len(f.Reasons))+")")
		for _, r := range f.Reasons {
			args = append(args, r)
		}
	}
	if !f.Start.IsZero() {
		where = append(where, "last_update >= ?")
		args = append(args, column.Micros(f.Start))
	}
	if !f.End.IsZero() {
		where = append(where, "last_update < ?")
		args = append(args, column.Micros(f.End))
	}
	if f.Cursor != "" {
		t, addr, err := cursor.Decode(f.Cursor)
		if err != nil {
			return nil, "", fmt.Errorf("sqlite: list suppressed addresses: %w", err)
		}
		where = append(where, "(last_update < ? OR (last_update = ? AND address > ?))")
		args = append(args, column.Micros(t), column.Micros(t), addr)
	}
	size := f.PageSize
	if size <= 0 {
		size = 100
	}
	// One extra row says whether another page follows.
	args = append(args, size+1)
	rows, err := s.read.QueryContext(ctx, `SELECT `+suppressedColumns+` FROM suppressed
		WHERE `+strings.Join(where, " AND ")+`
		ORDER BY last_update DESC, address LIMIT ?`, args...)
	if err != nil {
		return nil, "", fmt.Errorf("sqlite: list suppressed addresses: %w", err)
	}
	page, err := collect(rows, scanSuppressed)
	if err != nil {
		return nil, "", fmt.Errorf("sqlite: list suppressed addresses: %w", err)
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
	res, err := s.write.ExecContext(ctx, `DELETE FROM suppressed WHERE account_id = ? AND address = ?`,
		accountID, column.Address(address))
	if err := oneRow(res, err); err != nil {
		return fmt.Errorf("sqlite: unsuppress %s: %w", address, err)
	}
	return nil
}

func scanSuppressed(row scanner) (*store.Suppressed, error) {
	var (
		e          store.Suppressed
		lastUpdate int64
	)
	if err := row.Scan(&e.AccountID, &e.Address, &e.Reason, &e.MessageID, &e.FeedbackID, &lastUpdate); err != nil {
		return nil, err
	}
	e.LastUpdate = column.FromMicros(lastUpdate)
	return &e, nil
}
