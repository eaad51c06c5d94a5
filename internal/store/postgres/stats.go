package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/store/column"
)

// AddStats adds delta's counters (its Start is ignored) to the account's
// bucket containing t; ErrNotFound if the account does not exist.
func (s *Store) AddStats(ctx context.Context, accountID string, t time.Time, delta store.StatBucket) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO stats AS s
		(account_id, bucket_start, delivery_attempts, bounces, complaints, rejects)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (account_id, bucket_start) DO UPDATE SET
			delivery_attempts = s.delivery_attempts + excluded.delivery_attempts,
			bounces = s.bounces + excluded.bounces,
			complaints = s.complaints + excluded.complaints,
			rejects = s.rejects + excluded.rejects`,
		accountID, column.Bucket(t), delta.DeliveryAttempts, delta.Bounces, delta.Complaints, delta.Rejects)
	if isForeignKey(err) {
		return fmt.Errorf("postgres: add statistics: account %s: %w", accountID, store.ErrNotFound)
	}
	return wrapf(err, "add statistics of %s", accountID)
}

// Stats returns the account's non-empty buckets starting at or after
// since, oldest first.
func (s *Store) Stats(ctx context.Context, accountID string, since time.Time) ([]store.StatBucket, error) {
	rows, err := s.pool.Query(ctx, `SELECT bucket_start, delivery_attempts, bounces, complaints, rejects
		FROM stats WHERE account_id = $1 AND bucket_start >= $2
		  AND (delivery_attempts <> 0 OR bounces <> 0 OR complaints <> 0 OR rejects <> 0)
		ORDER BY bucket_start`, accountID, ts(since))
	if err != nil {
		return nil, wrapf(err, "statistics of %s", accountID)
	}
	list, err := collect(rows, func(row pgx.Row) (store.StatBucket, error) {
		var b store.StatBucket
		err := row.Scan(&b.Start, &b.DeliveryAttempts, &b.Bounces, &b.Complaints, &b.Rejects)
		b.Start = ts(b.Start)
		return b, err
	})
	return list, wrapf(err, "statistics of %s", accountID)
}
