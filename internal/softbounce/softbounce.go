// Package softbounce decides when an address that keeps failing softly
// should be suppressed. A block, a spam filter, a full mailbox or a
// carrier's refusal of PC mail says nothing final about the address, so
// one such bounce suppresses nothing; but an address that fails this way
// again and again, on several days, is as good as dead to the sender and
// hurts its reputation. The history is the event log: the address's
// Bounce events other than hard ones, suppression skips and the mailbox
// simulator's.
package softbounce

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hikyaku/hikyaku/internal/store"
)

// Policy is when soft failures add up to a suppression.
type Policy struct {
	// Failures is how many soft bounces it takes, on at least Days
	// different days (UTC), within Window.
	Failures int
	Days     int
	Window   time.Duration
}

// Default suppresses after 4 soft bounces spread over at least 3 days of
// the last 14.
var Default = Policy{Failures: 4, Days: 3, Window: 14 * 24 * time.Hour}

// Searcher is the event log.
type Searcher interface {
	SearchEvents(ctx context.Context, f store.EventFilter) ([]*store.Event, string, error)
}

// Due reports whether addr's soft bounces in the account, with the one
// being recorded now (at now) if pending, reach the policy; and a sentence
// saying why.
func (p Policy) Due(ctx context.Context, st Searcher, accountID, addr string, now time.Time, pending bool) (bool, string, error) {
	f := store.EventFilter{AccountID: accountID, Recipient: addr, Types: []string{"Bounce"},
		Since: now.Add(-p.Window), Limit: 200}
	n := 0
	days := map[string]bool{}
	if pending {
		n++
		days[now.UTC().Format(time.DateOnly)] = true
	}
	for {
		page, next, err := st.SearchEvents(ctx, f)
		if err != nil {
			return false, "", err
		}
		for _, e := range page {
			if !soft(e.Subtype) {
				continue
			}
			n++
			days[e.At.UTC().Format(time.DateOnly)] = true
		}
		if next == "" || n >= 10*p.Failures {
			break
		}
		f.Cursor = next
	}
	if n >= p.Failures && len(days) >= p.Days {
		return true, formatWhy(n, len(days), p.Window), nil
	}
	return false, "", nil
}

func formatWhy(n, days int, window time.Duration) string {
	return fmt.Sprintf("soft bounces kept coming: %d on %d different days within %s", n, days, window)
}

// soft tells a bounce subtype that counts: not a hard one (the address
// is then suppressed at once anyway), not a suppression or unsubscribe
// skip, not the simulator's.
func soft(subtype string) bool {
	switch {
	case strings.HasPrefix(subtype, "simulated"), subtype == "Permanent/OnAccountSuppressionList",
		subtype == "Permanent/UnsubscribedRecipient",
		subtype == "Permanent/NoEmail", subtype == "Undetermined/Undetermined":
		return false
	}
	return subtype != ""
}
