package postgres

import (
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/store/pgtest"
	"github.com/hikyaku/hikyaku/internal/store/storetest"
)

// The tests need a server: set HIKYAKU_TEST_POSTGRES (see package pgtest),
// e.g. to postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable. Each
// test runs in a schema of its own there.

func TestConformance(t *testing.T) {
	if os.Getenv(pgtest.EnvDSN) == "" {
		t.Skipf("set %s to a PostgreSQL DSN to run the conformance suite, e.g. %s='postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable'", pgtest.EnvDSN, pgtest.EnvDSN)
	}
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := Open(t.Context(), pgtest.DSN(t))
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		return s
	})
}

// Two Stores on one schema are two nodes: each its own pool.
func TestConformanceShared(t *testing.T) {
	storetest.RunShared(t, func(t *testing.T) (store.Store, store.Store) {
		dsn := pgtest.DSN(t)
		var stores [2]store.Store
		for i := range stores {
			s, err := Open(t.Context(), dsn)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			stores[i] = s
		}
		return stores[0], stores[1]
	})
}

// Nodes starting at once on an empty schema all migrate it; the advisory
// lock makes all but one wait and then find nothing to do.
func TestConcurrentOpensMigrateOnce(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DSN(t)
	type opened struct {
		s   *Store
		err error
	}
	results := make(chan opened)
	for range 4 {
		go func() {
			s, err := Open(t.Context(), dsn)
			results <- opened{s, err}
		}()
	}
	for range 4 {
		r := <-results
		if r.err != nil {
			t.Errorf("Open: %v", r.err)
			continue
		}
		defer r.s.Close()
	}
}

func TestOpenPointsAtAMissingSchema(t *testing.T) {
	t.Parallel()
	base := os.Getenv(pgtest.EnvDSN)
	if base == "" {
		t.Skipf("set %s to a PostgreSQL DSN", pgtest.EnvDSN)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", pgtest.EnvDSN, err)
	}
	q := u.Query()
	q.Set("search_path", "hk_test_does_not_exist")
	u.RawQuery = q.Encode()

	s, err := Open(t.Context(), u.String())
	if err == nil {
		s.Close()
		t.Fatal("Open with a search_path naming no schema succeeded")
	}
	if !strings.Contains(err.Error(), "search_path") {
		t.Errorf("Open error %q does not point at search_path", err)
	}
}
