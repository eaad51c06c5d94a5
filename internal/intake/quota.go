package intake

import (
	"context"
	"math"
	"sync"
	"time"

	"github.com/hikyaku/hikyaku/internal/fault"
	"github.com/hikyaku/hikyaku/internal/store"
)

// quotas enforces each account's MaxSendRate and Max24HourSend, counted per
// recipient as SES counts them. The daily count starts from the store's
// statistics the first time an account sends and is then kept in memory in
// 15-minute buckets, so the check costs no query. With several nodes each
// node counts what it accepted on top of what the store held when it
// started; the store's statistics stay exact.
type quotas struct {
	mu       sync.Mutex
	accounts map[string]*accountQuota
}

type accountQuota struct {
	// Token bucket for the send rate. Tokens may go negative: a message
	// with more recipients than the burst is accepted when the bucket is
	// full, and later ones wait until it has refilled.
	tokens float64
	last   time.Time
	// Recipients per 15-minute bucket over the last 24 hours.
	buckets map[int64]int64
}

func newQuotas() *quotas { return &quotas{accounts: map[string]*accountQuota{}} }

func bucketOf(t time.Time) int64 { return t.Unix() / int64(store.StatsBucketSize/time.Second) }

// load returns the account's state, reading the last 24 hours of
// statistics the first time.
func (q *quotas) load(ctx context.Context, st store.MessageStore, accountID string, now time.Time) (*accountQuota, error) {
	q.mu.Lock()
	a, ok := q.accounts[accountID]
	q.mu.Unlock()
	if ok {
		return a, nil
	}
	stats, err := st.Stats(ctx, accountID, now.Add(-24*time.Hour))
	if err != nil {
		return nil, err
	}
	a = &accountQuota{buckets: map[int64]int64{}, last: now, tokens: math.Inf(1)}
	for _, b := range stats {
		a.buckets[bucketOf(b.Start)] += b.DeliveryAttempts
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if old, ok := q.accounts[accountID]; ok {
		return old, nil
	}
	q.accounts[accountID] = a
	return a, nil
}

// sentLast24h sums the account's buckets of the last 24 hours.
func (a *accountQuota) sentLast24h(now time.Time) int64 {
	first := bucketOf(now.Add(-24 * time.Hour))
	var n int64
	for b, c := range a.buckets {
		if b <= first {
			delete(a.buckets, b)
			continue
		}
		n += c
	}
	return n
}

// take reserves n recipients (daily of them count toward the daily quota)
// for the account or refuses with SES's throttling errors.
func (q *quotas) take(ctx context.Context, st store.MessageStore, acct *store.Account, n, daily int, now time.Time) error {
	a, err := q.load(ctx, st, acct.ID, now)
	if err != nil {
		return err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if acct.MaxSendRate > 0 {
		burst := math.Max(acct.MaxSendRate, 1)
		a.tokens = math.Min(burst, a.tokens+now.Sub(a.last).Seconds()*acct.MaxSendRate)
		a.last = now
		if a.tokens < math.Min(float64(n), burst)-1e-9 {
			return fault.SendRateExceeded()
		}
	}
	if acct.Max24HourSend >= 0 && daily > 0 {
		if float64(a.sentLast24h(now)+int64(daily)) > acct.Max24HourSend {
			return fault.DailyQuotaExceeded()
		}
	}
	if acct.MaxSendRate > 0 {
		a.tokens -= float64(n)
	}
	a.buckets[bucketOf(now)] += int64(daily)
	return nil
}

// giveBack returns a reservation whose message was not committed.
func (q *quotas) giveBack(acct *store.Account, n, daily int, at time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	a, ok := q.accounts[acct.ID]
	if !ok {
		return
	}
	if acct.MaxSendRate > 0 {
		a.tokens += float64(n)
	}
	a.buckets[bucketOf(at)] -= int64(daily)
}

// SentLast24Hours is what GetAccount and GetSendQuota report.
func (q *quotas) SentLast24Hours(ctx context.Context, st store.MessageStore, accountID string, now time.Time) (int64, error) {
	a, err := q.load(ctx, st, accountID, now)
	if err != nil {
		return 0, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	return a.sentLast24h(now), nil
}
