package postgres

import (
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/store/migrate"
	"github.com/hikyaku/hikyaku/internal/store/pgtest"
)

// A schema of version 2 gets the MAIL FROM columns when a node opens it:
// its identities read back with no custom MAIL FROM domain and SES's
// default behavior, its waiting mail is claimed with the default
// return-path domain.
func TestMailFromMigrationDefaults(t *testing.T) {
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
	if err := applyMigrations(ctx, pool, list[:2]); err != nil {
		t.Fatalf("migrate to version 2: %v", err)
	}
	for _, q := range []string{
		`INSERT INTO accounts VALUES ('111111111111', 'a', false, true, 'HEALTHY', 200, 1, '[]', now(), now())`,
		`INSERT INTO identities VALUES ('111111111111', 'example.com', 'DOMAIN', 'SUCCESS', 'tok', true,
			'SUCCESS', '[]', '', '[]', now(), now(), now())`,
		`INSERT INTO messages VALUES ('m1', '111111111111', 'a@example.com', '', '', '', '', '[]', 'api-v2', now(), 10)`,
		`INSERT INTO recipients (message_id, idx, address, domain, status, attempts, next_attempt_at, updated_at, outcome)
			VALUES ('m1', 0, 'x@example.net', 'example.net', 'queued', 0, 'epoch', now(), '{}')`,
	} {
		if _, err := pool.Exec(ctx, q); err != nil {
			t.Fatalf("fill version 2: %v", err)
		}
	}

	s, err := Open(ctx, dsn)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
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
		t.Errorf("ClaimDue on a migrated schema = %+v, want one claim with the default return-path domain", claims)
	}
}
