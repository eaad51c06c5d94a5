package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/store/groupcommit"
	"github.com/hikyaku/hikyaku/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return openTemp(t, filepath.Join(t.TempDir(), "hikyaku.db"))
	})
}

// Two Stores on one file are what a server and an admin command are: each
// its own connections, SQLite's file locks between them.
func TestConformanceShared(t *testing.T) {
	storetest.RunShared(t, func(t *testing.T) (store.Store, store.Store) {
		path := filepath.Join(t.TempDir(), "shared.db")
		return openTemp(t, path), openTemp(t, path)
	})
}

// openTemp opens path; the caller closes the store.
func openTemp(t *testing.T, path string, opts ...Option) *Store {
	t.Helper()
	s, err := Open(t.Context(), path, opts...)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func closeStore(t *testing.T, s *Store) {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

func account(id string) *store.Account {
	return &store.Account{ID: id, Name: "acct-" + id, EnforcementStatus: "HEALTHY"}
}

func message(accountID, id string) *store.Message {
	return &store.Message{
		ID: id, AccountID: accountID, Origin: "api-v2", Body: []byte("Subject: hi\r\n\r\nhi\r\n"),
		CreatedAt:  time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC),
		Recipients: []store.Recipient{{Address: "x@example.net", Domain: "example.net", Status: store.RcptQueued}},
	}
}

// Two Stores on one file stand in for two processes (the server and an
// admin command): each has its own connections and takes SQLite's file
// locks independently.
func TestTwoStoresOnOneFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "shared.db")

	// Open both at once on a file that does not exist yet: both race to
	// create it, switch it to WAL and migrate it.
	var (
		stores [2]*Store
		errs   [2]error
		wg     sync.WaitGroup
	)
	for i := range stores {
		wg.Go(func() { stores[i], errs[i] = Open(t.Context(), path) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open %d: %v", i, err)
		}
		defer closeStore(t, stores[i])
	}
	server, admin := stores[0], stores[1]
	ctx := t.Context()

	t.Run("each sees what the other wrote", func(t *testing.T) {
		if err := admin.CreateAccount(ctx, account("111111111111")); err != nil {
			t.Fatalf("admin CreateAccount: %v", err)
		}
		if _, err := server.GetAccount(ctx, "111111111111"); err != nil {
			t.Errorf("server GetAccount: %v", err)
		}
		if err := server.InsertMessage(ctx, message("111111111111", "m-from-server")); err != nil {
			t.Fatalf("server InsertMessage: %v", err)
		}
		if _, err := admin.GetMessage(ctx, "m-from-server"); err != nil {
			t.Errorf("admin GetMessage: %v", err)
		}
	})

	t.Run("both write at once without database-is-locked errors", func(t *testing.T) {
		const writers, each = 8, 40
		errs := make(chan error, 2*writers*each)
		var wg sync.WaitGroup
		for i, s := range stores {
			for w := range writers {
				wg.Go(func() {
					for n := range each {
						id := fmt.Sprintf("%d-%d-%d", i, w, n)
						var err error
						if n%4 == 0 {
							// Admin-style single-statement writes between the
							// group commits.
							err = s.PutSuppressed(ctx, &store.Suppressed{AccountID: "111111111111", Address: id + "@example.net", Reason: store.ReasonBounce})
						} else {
							err = s.InsertMessage(ctx, message("111111111111", id))
						}
						if err != nil {
							errs <- fmt.Errorf("store %d write %s: %w", i, id, err)
						}
					}
				})
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		for i := range stores {
			for w := range writers {
				for n := 1; n < each; n += 4 {
					id := fmt.Sprintf("%d-%d-%d", i, w, n)
					if _, err := stores[1-i].GetMessage(ctx, id); err != nil {
						t.Errorf("the other store's GetMessage(%s): %v", id, err)
					}
				}
			}
		}
	})
}

// Close must let queued inserts finish: whatever InsertMessage reported as
// stored is in the file when it is opened again, and nothing is lost.
func TestCloseDrainsPendingInserts(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "drain.db")
	s := openTemp(t, path)
	ctx := t.Context()
	if err := s.CreateAccount(ctx, account("222222222222")); err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}

	// Another "process" holds the write lock, so the inserts pile up
	// behind a commit that cannot start.
	locker, err := sql.Open("sqlite", path+"?_txlock=immediate")
	if err != nil {
		t.Fatalf("open locker: %v", err)
	}
	defer locker.Close()
	lock, err := locker.BeginTx(ctx, nil)
	if err != nil {
		t.Fatalf("take the write lock: %v", err)
	}

	const n = 200
	results := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { results[i] = s.InsertMessage(ctx, message("222222222222", fmt.Sprint("m", i))) })
	}
	for st := s.writes.Stats(); st.Pending+st.InFlight < n; st = s.writes.Stats() {
		time.Sleep(time.Millisecond)
	}
	closed := make(chan struct{})
	go func() { closeStore(t, s); close(closed) }()
	time.Sleep(10 * time.Millisecond) // Close is now waiting for the queue
	if err := lock.Rollback(); err != nil {
		t.Fatalf("release the write lock: %v", err)
	}
	<-closed
	wg.Wait()
	if err := s.InsertMessage(ctx, message("222222222222", "late")); !errors.Is(err, groupcommit.ErrClosed) {
		t.Errorf("InsertMessage after Close = %v, want ErrClosed", err)
	}

	s = openTemp(t, path)
	defer closeStore(t, s)
	for i, err := range results {
		if err != nil {
			t.Errorf("message %d: InsertMessage = %v", i, err)
		} else if _, err := s.GetMessage(ctx, fmt.Sprint("m", i)); err != nil {
			t.Errorf("message %d: stored, but after reopening GetMessage = %v", i, err)
		}
	}
}

func TestOpenRefusesANewerSchema(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "newer.db")
	s := openTemp(t, path)
	if _, err := s.write.ExecContext(context.Background(),
		"INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_future.sql', 0)"); err != nil {
		t.Fatalf("pretend a newer release migrated: %v", err)
	}
	closeStore(t, s)
	if s, err := Open(t.Context(), path); err == nil {
		s.Close()
		t.Fatal("Open of a database migrated by a newer release succeeded")
	}
}
