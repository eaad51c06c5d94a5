// Package sqlite is the embedded store: one SQLite file (modernc.org/sqlite,
// pure Go) in WAL mode with synchronous=FULL, so a commit is durable when it
// returns.
//
// Several processes may open the same file at once (admin commands run
// while the server does). SQLite allows one writer at a time, so each Store
// writes through a single connection and every write transaction starts
// with BEGIN IMMEDIATE: a writer waits for the lock (up to the busy
// timeout) before it reads anything, and never hits a stale snapshot that
// no amount of waiting can fix. Reads use a separate pool; in WAL mode they
// neither block nor wait for the writer.
//
// InsertMessage group-commits (see package groupcommit): one transaction,
// so one WAL sync, for every message queued while the previous commit was
// syncing. On a two-core VM whose disk does about 3,000 synced 10 KB
// appends/s, one sender gets about 2,000 10 KB messages/s and 32 senders
// about 9,000 (BenchmarkInsertMessage).
//
// Times are kept as integer microseconds since the epoch, so they come back
// in UTC truncated to the microsecond.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/store/groupcommit"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is a store.Store on one SQLite file.
type Store struct {
	write *sql.DB // exactly one connection
	read  *sql.DB
	// writes group-commits InsertMessage and FinishAttempt.
	writes *groupcommit.Committer[*write]
	stmts  commitStmts
	// suppressedOne looks up one address on the read pool (GetSuppressed).
	suppressedOne *sql.Stmt

	closeOnce sync.Once
	closeErr  error
}

var _ store.Store = (*Store)(nil)

// Option adjusts Open.
type Option func(*options)

type options struct {
	busyTimeout time.Duration
	readConns   int
	batch       groupcommit.Config
}

// WithBusyTimeout sets how long a write waits for another connection or
// process to release the database before failing (default 10s).
func WithBusyTimeout(d time.Duration) Option {
	return func(o *options) { o.busyTimeout = d }
}

// WithReadConns sets the size of the read pool (default 2×GOMAXPROCS, at
// least 4).
func WithReadConns(n int) Option {
	return func(o *options) { o.readConns = n }
}

// WithGroupCommit sizes the group commit of InsertMessage (defaults: up
// to 256 messages or 8 MiB of bodies per transaction). Workers is always 1:
// SQLite has one writer.
func WithGroupCommit(cfg groupcommit.Config) Option {
	return func(o *options) { o.batch = cfg }
}

// Open opens (creating if needed) the database file at path and brings its
// schema up to date. The directory must exist.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	o := options{
		busyTimeout: 10 * time.Second,
		readConns:   max(4, 2*runtime.GOMAXPROCS(0)),
	}
	for _, opt := range opts {
		opt(&o)
	}
	if path == "" || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("sqlite: open %q: the path must be non-empty and hold no '?' or '#'", path)
	}

	write, err := sql.Open("sqlite", dsn(path, o, true))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	// One writer: SQLite serialises writers anyway, and a single connection
	// keeps the prepared commit statements warm.
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)

	s := &Store{write: write}
	if err := s.setup(ctx, path, o); err != nil {
		s.closeDBs()
		return nil, err
	}
	// The committer's context is not a caller's: a cancelled request must
	// not abort a transaction that holds other callers' messages.
	o.batch.Workers = 1
	s.writes = groupcommit.New(context.WithoutCancel(ctx), o.batch, s.commitWrites)
	return s, nil
}

func (s *Store) setup(ctx context.Context, path string, o options) error {
	if err := enableWAL(ctx, s.write, o.busyTimeout); err != nil {
		return fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if err := migrateUp(ctx, s.write); err != nil {
		return fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	read, err := sql.Open("sqlite", dsn(path, o, false))
	if err != nil {
		return fmt.Errorf("sqlite: open %s for reading: %w", path, err)
	}
	read.SetMaxOpenConns(o.readConns)
	read.SetMaxIdleConns(o.readConns)
	s.read = read
	if err := read.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: open %s for reading: %w", path, err)
	}
	if err := s.stmts.prepare(ctx, s.write); err != nil {
		return fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if s.suppressedOne, err = read.PrepareContext(ctx, `SELECT `+suppressedColumns+` FROM suppressed
		WHERE account_id = ? AND address = ?`); err != nil {
		return fmt.Errorf("sqlite: open %s: prepare: %w", path, err)
	}
	return nil
}

// dsn builds the connection string. Per-connection settings go here so
// that every connection the pool opens gets them.
func dsn(path string, o options, writer bool) string {
	q := url.Values{}
	q.Set("_busy_timeout", strconv.FormatInt(o.busyTimeout.Milliseconds(), 10))
	q.Set("_foreign_keys", "1")
	if writer {
		// FULL: the WAL is synced at every commit, so a returned commit
		// survives power loss (NORMAL would only guarantee consistency).
		q.Set("_synchronous", "FULL")
		q.Set("_txlock", "immediate")
	} else {
		q.Set("_query_only", "1")
	}
	return path + "?" + q.Encode()
}

// enableWAL switches the file to WAL mode (a persistent property of the
// file, so it is done once here rather than per connection). Two processes
// creating the file at the same moment may see SQLITE_BUSY here even with
// a busy timeout, so it retries until the busy timeout has passed.
func enableWAL(ctx context.Context, db *sql.DB, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		var mode string
		err := db.QueryRowContext(ctx, "PRAGMA journal_mode=WAL").Scan(&mode)
		switch {
		case err == nil && strings.EqualFold(mode, "wal"):
			return nil
		case err == nil:
			return fmt.Errorf("enable WAL: journal mode stayed %q", mode)
		case !isBusy(err) || time.Now().After(deadline):
			return fmt.Errorf("enable WAL: %w", err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("enable WAL: %w", errors.Join(err, ctx.Err()))
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Close waits for pending InsertMessage calls to commit, then closes the
// database. Later calls return the first call's result.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.writes.Close()
		s.closeErr = s.closeDBs()
	})
	return s.closeErr
}

func (s *Store) closeDBs() error {
	errs := []error{s.stmts.close()}
	if s.suppressedOne != nil {
		errs = append(errs, s.suppressedOne.Close())
	}
	if s.read != nil {
		errs = append(errs, s.read.Close())
	}
	errs = append(errs, s.write.Close())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sqlite: close: %w", err)
	}
	return nil
}
