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

// outcome is what a test expects of a recipient after an attempt.
type outcome struct {
	status     string // store.Rcpt*
	enhanced   string // Outcome.Status
	bounceType string
	subType    string
	delayType  string
}

// TestAttemptOutcomes offers one recipient to a server that misbehaves in
// one way, and checks where the recipient ends up: its status, the
// outcome fields SES events are made of, the attempt count and log, the
// suppression list, the site's throttle, and how many copies the server
// kept. Faults limited by Times clear before the retry, which must then
// deliver.
func TestAttemptOutcomes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		opts smtptest.Options
		tls  delivery.TLSMode
		// suppress puts BOUNCE in the account's SuppressedReasons.
		suppress bool
		first    outcome
		// reply is part of the first attempt's logged reply.
		reply string
		// retried: the clock is moved past the backoff after the first
		// attempt, and the retry delivers.
		retried bool
		// copies is how many messages the server kept in the end.
		copies         int
		suppressed     bool
		throttled      bool
		plaintext      bool
		skipInShortRun bool
	}{
		{
			name:   "a willing server takes the message over TLS",
			first:  outcome{status: store.RcptDelivered, enhanced: "2.0.0"},
			reply:  "250 2.0.0",
			copies: 1,
		},
		{
			name: "a 421 greeting defers, throttles the site, and the next connection delivers",
			opts: smtptest.Options{Conn: func(n int) smtptest.ConnFaults {
				if n == 1 {
					return smtptest.ConnFaults{Greeting: &smtptest.ServiceUnavailable}
				}
				return smtptest.ConnFaults{}
			}},
			first:     outcome{status: store.RcptDeferred, enhanced: "4.7.0", delayType: "SendingDeferral"},
			reply:     "greeting: 421 4.7.0 Error: too many connections",
			retried:   true,
			copies:    1,
			throttled: true,
		},
		{
			name:    "a 450 to RCPT TO defers, and the retry delivers once the mailbox is free",
			opts:    smtptest.Options{Rcpt: fault("rcpt", times(smtptest.MailboxBusy, 1))},
			first:   outcome{status: store.RcptDeferred, enhanced: "4.2.1", delayType: "RecipientServerError"},
			reply:   "RCPT TO: 450 4.2.1 Mailbox busy",
			retried: true,
			copies:  1,
		},
		{
			name:    "a 451 to RCPT TO defers, and the retry delivers",
			opts:    smtptest.Options{Rcpt: fault("rcpt", times(smtptest.LocalError, 1))},
			first:   outcome{status: store.RcptDeferred, enhanced: "4.3.0", delayType: "RecipientServerError"},
			reply:   "RCPT TO: 451 4.3.0 Temporary local problem",
			retried: true,
			copies:  1,
		},
		{
			name:    "a 452 to RCPT TO defers as MailboxFull, and the retry delivers",
			opts:    smtptest.Options{Rcpt: fault("rcpt", times(smtptest.InsufficientStorage, 1))},
			first:   outcome{status: store.RcptDeferred, enhanced: "4.3.1", delayType: "MailboxFull"},
			reply:   "RCPT TO: 452 4.3.1 Insufficient system storage",
			retried: true,
			copies:  1,
		},
		{
			name:       "a 550 5.1.1 bounces as Permanent/General and suppresses the address when the account suppresses bounces",
			opts:       smtptest.Options{Rcpt: fault("rcpt", smtptest.NoSuchUser)},
			suppress:   true,
			first:      outcome{status: store.RcptBounced, enhanced: "5.1.1", bounceType: "Permanent", subType: "General"},
			reply:      "RCPT TO: 550 5.1.1 No such user",
			suppressed: true,
		},
		{
			name:  "a 550 5.1.1 bounces as Permanent/General but suppresses nothing when the account does not suppress bounces",
			opts:  smtptest.Options{Rcpt: fault("rcpt", smtptest.NoSuchUser)},
			first: outcome{status: store.RcptBounced, enhanced: "5.1.1", bounceType: "Permanent", subType: "General"},
			reply: "RCPT TO: 550 5.1.1 No such user",
		},
		{
			name:     "a 550 about anything but the address bounces as General and suppresses nothing",
			opts:     smtptest.Options{Rcpt: fault("rcpt", smtptest.Reply(550, "5.7.1", "Relaying denied"))},
			suppress: true,
			first:    outcome{status: store.RcptBounced, enhanced: "5.7.1", bounceType: "Permanent", subType: "General"},
			reply:    "RCPT TO: 550 5.7.1 Relaying denied",
		},
		{
			name:     "a 552 to the final dot bounces as MailboxFull and suppresses nothing",
			opts:     smtptest.Options{Data: fault("rcpt", smtptest.MailboxFull)},
			suppress: true,
			first:    outcome{status: store.RcptBounced, enhanced: "5.2.2", bounceType: "Permanent", subType: "MailboxFull"},
			reply:    "end of DATA: 552 5.2.2 Mailbox full",
		},
		{
			name:     "a 554 to the final dot bounces as ContentRejected and suppresses nothing",
			opts:     smtptest.Options{Data: fault("rcpt", smtptest.Rejected)},
			suppress: true,
			first:    outcome{status: store.RcptBounced, enhanced: "5.7.1", bounceType: "Permanent", subType: "ContentRejected"},
			reply:    "end of DATA: 554 5.7.1 Message rejected as spam",
		},
		{
			name:    "a connection dropped mid-DATA defers, and the retry delivers one copy",
			opts:    smtptest.Options{Data: fault("rcpt", times(smtptest.Drop, 1))},
			first:   outcome{status: store.RcptDeferred, enhanced: "4.4.2", delayType: "TransientCommunicationFailure"},
			reply:   "4.4.2",
			retried: true,
			copies:  1,
		},
		{
			name:    "a RCPT TO stalled past the command timeout defers, and the retry delivers one copy",
			opts:    smtptest.Options{Rcpt: fault("rcpt", smtptest.Fault{Stall: testTimeouts.Command + 2*time.Second, Times: 1})},
			first:   outcome{status: store.RcptDeferred, enhanced: "4.4.2", delayType: "TransientCommunicationFailure"},
			reply:   "RCPT TO: 4.4.2",
			retried: true,
			copies:  1,
		},
		{
			// RFC 1047: a server that takes the message but answers the
			// final dot too late looks like a failure, so the message is
			// sent again. Delivery is at least once; this is the known
			// duplicate.
			name:           "a final dot answered after the timeout defers, and the retry makes a second copy",
			opts:           smtptest.Options{Data: fault("rcpt", smtptest.Fault{Stall: testTimeouts.DataDone + 2*time.Second, Times: 1})},
			first:          outcome{status: store.RcptDeferred, enhanced: "4.4.2", delayType: "TransientCommunicationFailure"},
			reply:          "end of DATA: 4.4.2",
			retried:        true,
			copies:         2,
			skipInShortRun: true,
		},
		{
			name:      "a refused STARTTLS still delivers in plaintext under opportunistic TLS",
			opts:      smtptest.Options{RefuseSTARTTLS: true},
			first:     outcome{status: store.RcptDelivered, enhanced: "2.0.0"},
			reply:     "250 2.0.0",
			copies:    1,
			plaintext: true,
		},
		{
			name:  "a refused STARTTLS defers on a route that requires TLS",
			opts:  smtptest.Options{RefuseSTARTTLS: true},
			tls:   delivery.TLSRequired,
			first: outcome{status: store.RcptDeferred, enhanced: "5.5.1", delayType: "TransientCommunicationFailure"},
			reply: "STARTTLS: 502 5.5.1",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.skipInShortRun && testing.Short() {
				t.Skip("waits out the final-dot timeout")
			}
			srv := smtptest.Start(t, tc.opts)
			f := newFixture(t, options{routes: []delivery.Route{route("dest.test", srv, tc.tls)}, suppressBounces: tc.suppress})
			r := f.start(f.config("node-1"))
			const addr = "rcpt@dest.test"
			id := f.send(addr)

			got := f.waitAttempts(id, 0, 1)
			checkOutcome(t, got, tc.first)
			log := f.attempts(id, 0)
			if len(log) != 1 || log[0].Status != tc.first.status || !strings.Contains(log[0].Reply, tc.reply) ||
				!log[0].At.Equal(t0) {
				t.Errorf("attempt log %+v, want one %s attempt at %v replying %q", log, tc.first.status, t0, tc.reply)
			}
			if tc.first.status == store.RcptDeferred {
				wait := got.NextAttemptAt.Sub(f.clk.Now())
				if wait < testBackoff*4/5 || wait > retryAfter {
					t.Errorf("first retry in %v, want the backoff %v ±20%%", wait, testBackoff)
				}
			}
			if st, ok := f.siteStats(srv.Addr); !ok || (st.ThrottleLevel > 0) != tc.throttled {
				t.Errorf("site %s: stats %+v (known: %v), want throttled = %v", srv.Addr, st, ok, tc.throttled)
			}
			if tc.retried {
				f.advance(retryAfter, r)
				got = f.waitAttempts(id, 0, 2)
				checkOutcome(t, got, outcome{status: store.RcptDelivered, enhanced: "2.0.0"})
				if log := f.attempts(id, 0); len(log) != 2 || log[1].Status != store.RcptDelivered {
					t.Errorf("attempt log %+v, want a delivery second", log)
				}
			}
			r.stop()
			// A copy taken after the client gave up arrives when the
			// server's stall ends.
			f.waitFor("the server to keep the copies", func() bool { return srv.Delivered(addr) >= tc.copies })
			if n := srv.Delivered(addr); n != tc.copies {
				t.Errorf("the server kept %d copies, want %d", n, tc.copies)
			}
			if tc.copies > 0 {
				if msgs := srv.Messages(); msgs[0].TLS == tc.plaintext {
					t.Errorf("delivered with TLS = %v, want %v", msgs[0].TLS, !tc.plaintext)
				}
			}
			sup, err := f.st.GetSuppressed(context.Background(), f.acct.ID, []string{addr})
			if err != nil {
				t.Fatal(err)
			}
			if e := sup[addr]; (e != nil) != tc.suppressed {
				t.Errorf("suppression entry %+v, want suppressed = %v", e, tc.suppressed)
			} else if e != nil && (e.Reason != store.ReasonBounce || e.MessageID != id) {
				t.Errorf("suppression entry %+v, want reason BOUNCE from message %s", e, id)
			}
		})
	}
}

// checkOutcome compares a recipient's status and outcome with want.
func checkOutcome(t *testing.T, r store.Recipient, want outcome) {
	t.Helper()
	o := r.Outcome
	if r.Status != want.status || o.Status != want.enhanced || o.BounceType != want.bounceType ||
		o.BounceSubType != want.subType || o.DelayType != want.delayType {
		t.Errorf("recipient %s with outcome %+v, want %+v", r.Status, o, want)
	}
	if want.status == store.RcptDelivered && o.RemoteMTA == "" {
		t.Errorf("outcome %+v names no remote MTA", o)
	}
}

// fault is a fault table with one entry.
func fault(key string, f smtptest.Fault) map[string]smtptest.Fault {
	return map[string]smtptest.Fault{key: f}
}

// times limits a fault to its first n uses.
func times(f smtptest.Fault, n int) smtptest.Fault {
	f.Times = n
	return f
}
