package postgres

import (
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hikyaku/hikyaku/internal/store/migrate"
	"github.com/hikyaku/hikyaku/internal/store/pgtest"
)

// ClaimDue must find due recipients through the partial indexes, never by
// reading all of recipients, whatever else the table holds. The planner
// decides from statistics, so the table gets some: 20,000 waiting
// recipients and as many delivered ones.
func TestClaimDueReadsThePartialIndexes(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s, err := Open(ctx, pgtest.DSN(t))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	for _, q := range []string{
		`INSERT INTO accounts VALUES ('111111111111', 'a', false, true, 'HEALTHY', 200, 1, '[]', now(), now())`,
		`INSERT INTO messages SELECT 'm' || i, '111111111111', 'a@example.com', '', '', '', '', '[]', 'api-v2', now(), 10
			FROM generate_series(0, 399) i`,
		`INSERT INTO recipients (message_id, idx, address, domain, status, attempts, next_attempt_at, updated_at, outcome)
			SELECT 'm' || (i / 100), i % 100, 'x@example.net', 'example.net',
				(ARRAY['queued', 'deferred', 'delivered', 'delivered'])[i % 4 + 1], i % 4,
				timestamptz '2025-03-14 08:00:00Z' + i * interval '1 ms', now(), '{}'
			FROM generate_series(0, 39999) i`,
		`ANALYZE`,
	} {
		if _, err := s.pool.Exec(ctx, q); err != nil {
			t.Fatalf("fill: %v", err)
		}
	}
	now := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
	rows, err := s.pool.Query(ctx, "EXPLAIN (COSTS OFF) "+claimSQL, now, 100, 50, "node-a", now.Add(time.Minute))
	if err != nil {
		t.Fatalf("EXPLAIN: %v", err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("EXPLAIN: %v", err)
	}
	plan := strings.Join(lines, "\n")
	for _, want := range []string{"Index Scan using recipients_due_first", "Index Scan using recipients_due_retry"} {
		if !strings.Contains(plan, want) {
			t.Errorf("the claim's plan has no %q:\n%s", want, plan)
		}
	}
	if strings.Contains(plan, "Seq Scan on recipients") {
		t.Errorf("the claim reads all of recipients:\n%s", plan)
	}
}

// A schema of release 1 (version 1) with mail waiting in it gets the
// queue's columns and indexes when a node opens it, and its waiting
// recipients are claimed like new ones.
func TestQueueMigrationKeepsWaitingRecipients(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dsn := pgtest.DSN(t)
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer pool.Close()
	list, err := migrate.Load(migrations, "migrations")
	if err != nil {
		t.Fatalf("load migrations: %v", err)
	}
	if err := applyMigrations(ctx, pool, list[:1]); err != nil {
		t.Fatalf("migrate to version 1: %v", err)
	}
	for _, q := range []string{
		`INSERT INTO accounts VALUES ('111111111111', 'a', false, true, 'HEALTHY', 200, 1, '[]', now(), now())`,
		`INSERT INTO messages VALUES ('m1', '111111111111', 'a@example.com', '', '', '', '', '[]', 'api-v2', now(), 10)`,
		`INSERT INTO recipients VALUES
			('m1', 0, 'x@example.net', 'example.net', 'queued', 0, 'epoch', now(), '{}'),
			('m1', 1, 'y@example.net', 'example.net', 'deferred', 2, 'epoch', now(), '{}'),
			('m1', 2, 'z@example.net', 'example.net', 'delivered', 1, 'epoch', now(), '{}')`,
	} {
		if _, err := pool.Exec(ctx, q); err != nil {
			t.Fatalf("fill version 1: %v", err)
		}
	}

	s, err := Open(ctx, dsn)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	claims, err := s.ClaimDue(ctx, "node-a", time.UnixMicro(0), time.Minute, 10)
	if err != nil {
		t.Fatalf("ClaimDue: %v", err)
	}
	if len(claims) != 2 || claims[0].Recipient.Index != 0 || claims[1].Recipient.Index != 1 {
		t.Errorf("ClaimDue on a migrated schema claimed %+v, want recipients 0 and 1 of m1", claims)
	}
	if q, d, err := s.QueueCounts(ctx); q != 1 || d != 1 || err != nil {
		t.Errorf("QueueCounts = %d, %d, %v; want 1, 1, nil", q, d, err)
	}
}
