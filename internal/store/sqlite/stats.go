package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/store/column"
)

const addStatsSQL = `INSERT INTO stats (account_id, bucket_start, delivery_attempts, bounces, complaints, rejects)
	VALUES (?, ?, ?, ?, ?, ?)
	ON CONFLICT (account_id, bucket_start) DO UPDATE SET
		delivery_attempts = delivery_attempts + excluded.delivery_attempts,
		bounces = bounces + excluded.bounces,
		complaints = complaints + excluded.complaints,
		rejects = rejects + excluded.rejects`

// AddStats adds delta's counters (its Start is ignored) to the account's
// bucket containing t; ErrNotFound if the account does not exist.
func (s *Store) AddStats(ctx context.Context, accountID string, t time.Time, delta store.StatBucket) error {
	_, err := s.write.ExecContext(ctx, addStatsSQL, accountID, column.Micros(column.Bucket(t)),
		delta.DeliveryAttempts, delta.Bounces, delta.Complaints, delta.Rejects)
	if isForeignKey(err) {
		return fmt.Errorf("sqlite: add statistics: account %s: %w", accountID, store.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("sqlite: add statistics of %s: %w", accountID, err)
	}
	return nil
}

// Stats returns the account's non-empty buckets starting at or after
// since, oldest first.
func (s *Store) Stats(ctx context.Context, accountID string, since time.Time) ([]store.StatBucket, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT bucket_start, delivery_attempts, bounces, complaints, rejects
		FROM stats WHERE account_id = ? AND bucket_start >= ?
		  AND (delivery_attempts <> 0 OR bounces <> 0 OR complaints <> 0 OR rejects <> 0)
		ORDER BY bucket_start`, accountID, column.Micros(since))
	if err != nil {
		return nil, fmt.Errorf("sqlite: statistics of %s: %w", accountID, err)
	}
	list, err := collect(rows, func(row scanner) (store.StatBucket, error) {
		var b store.StatBucket
		var start int64
		err := row.Scan(&start, &b.DeliveryAttempts, &b.Bounces, &b.Complaints, &b.Rejects)
		b.Start = column.FromMicros(start)
		return b, err
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: statistics of %s: %w", accountID, err)
	}
	return list, nil
}
