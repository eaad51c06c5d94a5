// Package migrate reads a backend's versioned schema migrations: SQL files
// named NNNN_description.sql (0001_init.sql, 0002_queue_leases.sql, ...)
// embedded in the backend. Each backend applies them in version order
// inside one transaction, under its own lock, and records each applied
// version in a schema_migrations table, so that the schema of a database is
// always exactly "all migrations up to N".
//
// Migrations are append-only: once released, a file is never edited; a
// change is a new file with the next number.
package migrate

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
)

// Migration is one schema step.
type Migration struct {
	Version int    // from the file name's numeric prefix, from 1
	Name    string // the file name
	SQL     string
}

// Load returns the migrations in dir of fsys, ordered by version. It
// rejects names without a numeric prefix, duplicate versions and gaps, all
// of which would otherwise show up only on some databases.
func Load(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var list []Migration
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".sql") {
			continue
		}
		prefix, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(prefix)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must be NNNN_description.sql", name)
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", name, err)
		}
		list = append(list, Migration{Version: v, Name: name, SQL: string(b)})
	}
	slices.SortFunc(list, func(a, b Migration) int { return a.Version - b.Version })
	for i, m := range list {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migration %s: expected version %d (versions must run 1, 2, 3, ... without gaps or repeats)", m.Name, i+1)
		}
	}
	return list, nil
}

// Pending returns the migrations in list not in applied, and an error if
// applied holds a version list does not know: the database was migrated by
// a newer release, and this one must not write to it.
func Pending(list []Migration, applied []int) ([]Migration, error) {
	known := len(list)
	done := make(map[int]bool, len(applied))
	for _, v := range applied {
		if v > known {
			return nil, fmt.Errorf("database schema is at version %d but this hikyaku knows only up to %d: upgrade hikyaku", v, known)
		}
		done[v] = true
	}
	var pending []Migration
	for _, m := range list {
		if !done[m.Version] {
			pending = append(pending, m)
		}
	}
	return pending, nil
}
