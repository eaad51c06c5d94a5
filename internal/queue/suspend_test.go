package queue_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hikyaku/hikyaku/internal/delivery"
	"github.com/hikyaku/hikyaku/internal/smtptest"
	"github.com/hikyaku/hikyaku/internal/store"
)

// A site whose attempts all fail temporarily is suspended after 32 in a
// row (Postfix's dead destination): the rest of its mail is deferred
// without a connection, as attempts with no host whose reply says so, and
// its backoff grows. Permanent failures never suspend a site: the site
// answers. Once the site recovers, the first retry is the probe, the
// others wait for its answer rather than being deferred again, and
// everything is delivered, each once.
func TestASiteFailingEveryAttemptIsSuspended(t *testing.T) {
	t.Parallel()
	const n = 80
	for _, tc := range []struct {
		name    string
		fault   smtptest.Fault
		suspend bool
	}{
		{"mailbox busy", smtptest.MailboxBusy, true},
		{"no such user", smtptest.NoSuchUser, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := smtptest.Start(t, smtptest.Options{Rcpt: fault("r", tc.fault)})
			f := newFixture(t, options{routes: []delivery.Route{route("dead.test", srv, "")}})
			ids := make([]string, n)
			for i := range ids {
				ids[i] = f.send("r@dead.test")
			}
			r := f.start(f.config("node-1"))
			for _, id := range ids {
				f.waitAttempts(id, 0, 1)
			}
			tried, held := 0, 0
			for _, id := range ids {
				a := f.attempts(id, 0)[0]
				switch {
				case a.Host != "":
					tried++
				case strings.HasPrefix(a.Reply, "local: 4.2.1 delivery temporarily suspended after ") &&
					strings.HasSuffix(a.Reply, " temporary failures in a row: RCPT TO: 450 4.2.1 Mailbox busy, try again later"):
					held++
					if rc := f.recipient(id, 0); rc.Status != store.RcptDeferred || rc.Attempts != 1 || rc.Outcome.Status != "4.2.1" {
						t.Errorf("held recipient: status %s, %d attempts, outcome %q", rc.Status, rc.Attempts, rc.Outcome.Status)
					}
				default:
					t.Errorf("attempt with no host: %q", a.Reply)
				}
			}
			if got := f.counter("suspended_deferrals_total"); int(got) != held {
				t.Errorf("suspended_deferrals_total %v, %d held", got, held)
			}
			if !tc.suspend {
				if tried != n || f.counter("site_suspensions_total") != 0 {
					t.Errorf("%d of %d tried, %v suspensions; permanent failures must not suspend a site",
						tried, n, f.counter("site_suspensions_total"))
				}
				return
			}
			// Workers that took a job before the 32nd failure still try it
			// (20 connections), then no more.
			if tried < 32 || tried >= 32+20 || held != n-tried {
				t.Errorf("%d tried, %d held of %d; want 32 to 51 tried and the rest held", tried, held, n)
			}
			if got := f.counter("site_suspensions_total"); got != 1 {
				t.Errorf("site_suspensions_total %v, want 1", got)
			}

			// The retries come due while the site is still down: one probe,
			// and the others, having waited for its answer, are deferred
			// again without a connection.
			f.advance(maxRetryAfter, r)
			probes := 0
			for _, id := range ids {
				f.waitAttempts(id, 0, 2)
				if a := f.attempts(id, 0); a[len(a)-1].Host != "" {
					probes++
				}
			}
			if probes != 1 {
				t.Errorf("%d attempts reached the suspended site, want 1 probe", probes)
			}
			// Every recipient had one DeliveryDelay event, for its first
			// attempt, held or not, and the probe one for its own; the
			// retries held back add none.
			delays := 0
			for _, id := range ids {
				evs, _, err := f.st.SearchEvents(context.Background(),
					store.EventFilter{AccountID: f.acct.ID, MessageID: id, Types: []string{"DeliveryDelay"}})
				if err != nil || len(evs) == 0 {
					t.Errorf("%s: no DeliveryDelay event (%v)", id, err)
				}
				delays += len(evs)
			}
			if delays != n+1 {
				t.Errorf("%d DeliveryDelay events for %d recipients and one probe, want %d", delays, n, n+1)
			}

			// The site recovers, and new mail comes before the held
			// recipients are due again: it is the probe, and when it is
			// delivered, the held mail is made due at once and follows
			// (without the waiting jobs being deferred again).
			srv.ClearFaults()
			f.advance(2*time.Second+10*time.Second, r) // past the next probe, before any retry
			probe := f.send("r@dead.test")
			r.Notify()
			f.waitDelivered(append(ids, probe))
			if got := srv.Delivered("r@dead.test"); got != n+1 {
				t.Errorf("%d copies delivered, want %d", got, n+1)
			}
			for _, id := range ids {
				if rc := f.recipient(id, 0); rc.Attempts != 3 {
					t.Errorf("%s: %d attempts, want 3 (none deferred again while the probe was out)", id, rc.Attempts)
				}
			}
			if !strings.Contains(f.log.String(), "held mail due now") {
				t.Error("no \"held mail due now\" in the log")
			}
			if !strings.Contains(f.log.String(), "site resumed") {
				t.Error("no \"site resumed\" in the log")
			}
		})
	}
}
