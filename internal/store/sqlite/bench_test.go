package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/store/storetest"
)

func BenchmarkInsertMessage(b *testing.B) {
	storetest.BenchmarkInsertMessage(b, func(b *testing.B) storetest.Benched {
		s, err := Open(b.Context(), filepath.Join(b.TempDir(), "bench.db"))
		if err != nil {
			b.Fatalf("Open: %v", err)
		}
		return storetest.Benched{Store: s, Commits: s.writes.Stats}
	})
}

func BenchmarkClaimDue(b *testing.B) {
	storetest.BenchmarkClaimDue(b, func(b *testing.B) store.Store {
		s, err := Open(b.Context(), filepath.Join(b.TempDir(), "bench.db"))
		if err != nil {
			b.Fatalf("Open: %v", err)
		}
		return s
	})
}
