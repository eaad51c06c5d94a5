package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/hikyaku/hikyaku/internal/store"
)

func testStats(t *testing.T, setup func(*testing.T) *fixture) {
	t.Run("added counters accumulate per 15-minute bucket and empty buckets are left out", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		a, b := f.account("a"), f.account("b")
		b0 := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
		for _, add := range []struct {
			account string
			at      time.Time
			delta   store.StatBucket
		}{
			{a.ID, b0, store.StatBucket{DeliveryAttempts: 10, Bounces: 1}},
			{a.ID, b0.Add(7 * time.Minute), store.StatBucket{DeliveryAttempts: 5, Complaints: 2, Rejects: 1}},
			{a.ID, b0.Add(15*time.Minute - time.Microsecond), store.StatBucket{Bounces: 3}},
			{a.ID, b0.Add(30 * time.Minute), store.StatBucket{}}, // empty: not reported
			{a.ID, b0.Add(45 * time.Minute).In(time.FixedZone("EST", -5*3600)), store.StatBucket{Rejects: 4}},
			{a.ID, b0.Add(-24 * time.Hour), store.StatBucket{DeliveryAttempts: 1}},
			{b.ID, b0, store.StatBucket{DeliveryAttempts: 100}},
		} {
			if err := f.s.AddStats(f.ctx, add.account, add.at, add.delta); err != nil {
				t.Fatalf("AddStats(%v): %v", add.at, err)
			}
		}
		for _, tc := range []struct {
			name  string
			since time.Time
			want  []store.StatBucket
		}{
			{"since the beginning", time.Time{}, []store.StatBucket{
				{Start: b0.Add(-24 * time.Hour), DeliveryAttempts: 1},
				{Start: b0, DeliveryAttempts: 15, Bounces: 4, Complaints: 2, Rejects: 1},
				{Start: b0.Add(45 * time.Minute), Rejects: 4},
			}},
			{"since a bucket start", b0, []store.StatBucket{
				{Start: b0, DeliveryAttempts: 15, Bounces: 4, Complaints: 2, Rejects: 1},
				{Start: b0.Add(45 * time.Minute), Rejects: 4},
			}},
			{"since within a bucket", b0.Add(time.Minute), []store.StatBucket{
				{Start: b0.Add(45 * time.Minute), Rejects: 4},
			}},
			{"since after the last bucket", b0.Add(time.Hour), nil},
		} {
			got, err := f.s.Stats(f.ctx, a.ID, tc.since)
			if err != nil {
				t.Fatalf("Stats: %v", err)
			}
			equal(t, "Stats "+tc.name, got, tc.want)
		}
	})

	t.Run("counters of an unknown account are refused with ErrNotFound", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		err := f.s.AddStats(f.ctx, "999999999999", t0, store.StatBucket{DeliveryAttempts: 1})
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("AddStats = %v, want ErrNotFound", err)
		}
	})
}
