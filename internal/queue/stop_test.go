package queue_test

import (
	"context"
	"testing"

	"github.com/hikyaku/hikyaku/internal/delivery"
	"github.com/hikyaku/hikyaku/internal/dnstest"
	"github.com/hikyaku/hikyaku/internal/smtptest"
	"github.com/hikyaku/hikyaku/internal/store"
)

// A node that stops while it resolves a recipient's domain gives the
// recipient back untouched: no attempt is counted or logged for a lookup
// the node itself cut short, and the recipient is due at once for the next
// start or another node.
func TestStopDuringResolveCountsNoAttempt(t *testing.T) {
	t.Parallel()
	f := newFixture(t, options{})
	f.dns.SetFailure("silent.test", dnstest.Timeout)
	r := f.start(f.config("node-1"))
	id := f.send("rcpt@silent.test")
	f.waitFor("the MX lookup", func() bool { return f.dns.Count("silent.test", dnstest.TypeMX) > 0 })
	r.stop()

	got := f.recipient(id, 0)
	if got.Status != store.RcptQueued || got.Attempts != 0 || got.NextAttemptAt.After(f.clk.Now()) {
		t.Errorf("after the stop: recipient %s, %d attempts, next at %v (now %v); want queued, 0, due now",
			got.Status, got.Attempts, got.NextAttemptAt, f.clk.Now())
	}
	if log := f.attempts(id, 0); len(log) != 0 {
		t.Errorf("attempt log %+v, want none", log)
	}
	// The next start takes it up at once.
	f.dns.SetFailure("silent.test", dnstest.NoFailure)
	f.start(f.config("node-1"))
	r2 := f.waitAttempts(id, 0, 1)
	if r2.Status != store.RcptBounced || r2.Outcome.Status != "5.1.2" {
		t.Errorf("after the restart: recipient %s %+v, want bounced 5.1.2 (the domain does not exist)", r2.Status, r2.Outcome)
	}
}

// A node that stops while it reads a message's body from the store gives
// the recipient back untouched too: the read was cut short, not failed.
func TestStopDuringBodyReadCountsNoAttempt(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.Options{})
	f := newFixture(t, options{routes: []delivery.Route{route("dest.test", srv, "")}})
	slow := &slowBody{Store: f.st, reading: make(chan struct{})}
	r := f.startOn(f.config("node-1"), slow, f.pool)
	id := f.send("rcpt@dest.test")
	<-slow.reading
	r.stop()

	got := f.recipient(id, 0)
	if got.Status != store.RcptQueued || got.Attempts != 0 || got.NextAttemptAt.After(f.clk.Now()) {
		t.Errorf("after the stop: recipient %s, %d attempts, next at %v (now %v); want queued, 0, due now",
			got.Status, got.Attempts, got.NextAttemptAt, f.clk.Now())
	}
	if log := f.attempts(id, 0); len(log) != 0 {
		t.Errorf("attempt log %+v, want none", log)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("the server got %d messages", n)
	}
}

// slowBody is a store whose GetMessageBody waits for its context to end.
type slowBody struct {
	store.Store
	reading chan struct{}
}

func (s *slowBody) GetMessageBody(ctx context.Context, id string) ([]byte, error) {
	close(s.reading)
	<-ctx.Done()
	return nil, ctx.Err()
}
