package sqlite

import (
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/store/migrate"
)

// A database of schema version 2 gets the MAIL FROM columns when it is
// opened: its identities read back with no custom MAIL FROM domain and
// SES's default behavior, its waiting mail is claimed with the default
// return-path domain.
func TestMailFromMigrationDefaults(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "version2.db")
	db, err := sql.Open("sqlite", dsn(path, options{busyTimeout: 10 * time.Second}, true))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer db.Close()
	list, err := migrate.Load(migrations, "migrations")
	if err != nil {
		t.Fatalf("load migrations: %v", err)
	}
	if err := applyMigrations(ctx, db, list[:2]); err != nil {
		t.Fatalf("migrate to version 2: %v", err)
	}
	for _, q := range []string{
		`INSERT INTO accounts VALUES ('111111111111', 'a', 0, 1, 'HEALTHY', 200, 1, '[]', 0, 0)`,
		`INSERT INTO identities VALUES ('111111111111', 'example.com', 'DOMAIN', 'SUCCESS', 'tok', 1,
			'SUCCESS', '[]', '', '[]', 0, 0, 0)`,
		`INSERT INTO messages VALUES ('m1', '111111111111', 'a@example.com', '', '', '', '', '[]', 'api-v2', 0, 10)`,
		`INSERT INTO recipients (message_id, idx, address, domain, status, attempts, next_attempt_at, updated_at, outcome)
			VALUES ('m1', 0, 'x@example.net', 'example.net', 'queued', 0, 0, 0, '{}')`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("fill version 2: %v", err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}

	s := openTemp(t, path)
	defer closeStore(t, s)
	id, err := s.GetIdentity(ctx, "111111111111", "example.com")
	if err != nil {
		t.Fatalf("GetIdentity: %v", err)
	}
	if id.MailFromDomain != "" || id.MailFromStatus != "" || !id.MailFromSince.IsZero() ||
		id.BehaviorOnMxFailure != store.BehaviorUseDefault {
		t.Errorf("migrated identity has MAIL FROM %q %q %v %q; want none, with %s", id.MailFromDomain,
			id.MailFromStatus, id.MailFromSince, id.BehaviorOnMxFailure, store.BehaviorUseDefault)
	}
	claims, err := s.ClaimDue(ctx, "node-a", time.UnixMicro(0), time.Minute, 10)
	if err != nil {
		t.Fatalf("ClaimDue: %v", err)
	}
	if len(claims) != 1 || claims[0].MailFromDomain != "" {
		t.Errorf("ClaimDue on a migrated database = %+v, want one claim with the default return-path domain", claims)
	}
}
