package postgres

import (
	"testing"

	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/store/pgtest"
	"github.com/hikyaku/hikyaku/internal/store/storetest"
)

func BenchmarkInsertMessage(b *testing.B) {
	storetest.BenchmarkInsertMessage(b, func(b *testing.B) storetest.Benched {
		s, err := Open(b.Context(), pgtest.DSN(b))
		if err != nil {
			b.Fatalf("Open: %v", err)
		}
		return storetest.Benched{Store: s, Commits: s.insert.Stats}
	})
}

func BenchmarkClaimDue(b *testing.B) {
	storetest.BenchmarkClaimDue(b, func(b *testing.B) store.Store {
		s, err := Open(b.Context(), pgtest.DSN(b))
		if err != nil {
			b.Fatalf("Open: %v", err)
		}
		return s
	})
}
