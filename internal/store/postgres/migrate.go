package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hikyaku/hikyaku/internal/store/migrate"
)

// migrateUp applies the pending migrations in one transaction. A
// transaction-scoped advisory lock, keyed by the schema, serialises nodes
// that start together: the second waits, then finds nothing left to do.
// DDL is transactional in PostgreSQL, so a failed migration leaves no
// trace.
func migrateUp(ctx context.Context, pool *pgxpool.Pool) error {
	list, err := migrate.Load(migrations, "migrations")
	if err != nil {
		return err
	}
	return applyMigrations(ctx, pool, list)
}

// applyMigrations brings the schema up to the last of list; tests use it
// to make databases of earlier versions.
func applyMigrations(ctx context.Context, pool *pgxpool.Pool, list []migrate.Migration) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx,
			`SELECT pg_advisory_xact_lock(hashtext('hikyaku migrate ' || coalesce(current_schema(), '')))`); err != nil {
			return fmt.Errorf("migrate: lock: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    integer PRIMARY KEY,
			name       text NOT NULL,
			applied_at timestamptz NOT NULL DEFAULT now()
		)`); err != nil {
			return fmt.Errorf("migrate: create schema_migrations (does the DSN's search_path name an existing schema?): %w", err)
		}
		rows, err := tx.Query(ctx, `SELECT version FROM schema_migrations ORDER BY version`)
		if err != nil {
			return fmt.Errorf("migrate: read schema_migrations: %w", err)
		}
		applied, err := pgx.CollectRows(rows, pgx.RowTo[int])
		if err != nil {
			return fmt.Errorf("migrate: read schema_migrations: %w", err)
		}
		pending, err := migrate.Pending(list, applied)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		for _, m := range pending {
			// Without arguments pgx uses the simple protocol, which
			// runs every statement of the file.
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return fmt.Errorf("migrate: apply %s: %w", m.Name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`,
				m.Version, m.Name); err != nil {
				return fmt.Errorf("migrate: record %s: %w", m.Name, err)
			}
		}
		return nil
	})
}
