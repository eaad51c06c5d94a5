package sqlite

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hikyaku/hikyaku/internal/store/migrate"
)

// ClaimDue must read the partial indexes in due order, never the waiting
// recipients as a whole: on 100,000 of them that is the difference between
// a millisecond and 200 (see dueSQL).
func TestClaimDueReadsThePartialIndexesInOrder(t *testing.T) {
	t.Parallel()
	s := openTemp(t, filepath.Join(t.TempDir(), "plan.db"))
	defer closeStore(t, s)
	for _, tc := range []struct{ index, query string }{
		{"recipients_due_first", dueFirstSQL},
		{"recipients_due_retry", dueRetrySQL},
	} {
		rows, err := s.read.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+tc.query, 0, 10)
		if err != nil {
			t.Fatalf("EXPLAIN: %v", err)
		}
		steps, err := collect(rows, func(row scanner) (string, error) {
			var id, parent, unused int
			var detail string
			err := row.Scan(&id, &parent, &unused, &detail)
			return detail, err
		})
		if err != nil {
			t.Fatalf("EXPLAIN: %v", err)
		}
		plan := strings.Join(steps, "\n")
		if !strings.Contains(plan, "SEARCH r USING INDEX "+tc.index) || strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("plan of the %s query:\n%s\nwant a search of %s with no sort", tc.index, plan, tc.index)
		}
	}
}

// A database of release 1 (schema version 1) with mail waiting in it gets
// the queue's columns and indexes when it is opened, and its waiting
// recipients are claimed like new ones.
func TestQueueMigrationKeepsWaitingRecipients(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "version1.db")
	db, err := sql.Open("sqlite", dsn(path, options{busyTimeout: 10 * time.Second}, true))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer db.Close()
	list, err := migrate.Load(migrations, "migrations")
	if err != nil {
		t.Fatalf("load migrations: %v", err)
	}
	if err := applyMigrations(ctx, db, list[:1]); err != nil {
		t.Fatalf("migrate to version 1: %v", err)
	}
	for _, q := range []string{
		`INSERT INTO accounts VALUES ('111111111111', 'a', 0, 1, 'HEALTHY', 200, 1, '[]', 0, 0)`,
		`INSERT INTO messages VALUES ('m1', '111111111111', 'a@example.com', '', '', '', '', '[]', 'api-v2', 0, 10)`,
		`INSERT INTO recipients VALUES
			('m1', 0, 'x@example.net', 'example.net', 'queued', 0, 0, 0, '{}'),
			('m1', 1, 'y@example.net', 'example.net', 'deferred', 2, 0, 0, '{}'),
			('m1', 2, 'z@example.net', 'example.net', 'delivered', 1, 0, 0, '{}')`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("fill version 1: %v", err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}

	s := openTemp(t, path)
	defer closeStore(t, s)
	claims, err := s.ClaimDue(ctx, "node-a", time.UnixMicro(0), time.Minute, 10)
	if err != nil {
		t.Fatalf("ClaimDue: %v", err)
	}
	if len(claims) != 2 || claims[0].Recipient.Index != 0 || claims[1].Recipient.Index != 1 {
		t.Errorf("ClaimDue on a migrated database claimed %+v, want recipients 0 and 1 of m1", claims)
	}
	if q, d, err := s.QueueCounts(ctx); q != 1 || d != 1 || err != nil {
		t.Errorf("QueueCounts = %d, %d, %v; want 1, 1, nil", q, d, err)
	}
}
