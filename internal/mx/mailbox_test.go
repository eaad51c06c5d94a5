package mx

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// prefixBox is a Mailbox for the addresses starting with prefix.
type prefixBox struct {
	prefix string
	*recorder
}

func (b prefixBox) Accepts(rcpt string) bool { return strings.HasPrefix(rcpt, b.prefix) }

func startWith(t *testing.T, dir string, p Processor, boxes ...Mailbox) *Server {
	t.Helper()
	s := New(Config{Addr: "127.0.0.1:0", SpoolDir: dir, VERPKey: testKey, Hostname: "mx.hikyaku.test",
		Mailboxes: boxes, RetryInterval: time.Hour}, p, nil)
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func TestMailboxGetsItsRecipientsAndTheProcessorTheRest(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bounces := newRecorder(nil)
	box := prefixBox{"unsubscribe+", newRecorder(nil)}
	s := startWith(t, dir, bounces, box)
	if err := send(s, "someone@example.org"); err == nil {
		t.Fatal("an address no mailbox takes was accepted")
	}
	mine := "unsubscribe+abc@mx.hikyaku.test"
	v := verpAddr()
	if err := send(s, mine, v); err != nil {
		t.Fatal(err)
	}
	box.wait(t)
	bounces.wait(t)
	if got := box.got[0]; len(got) != 1 || got[0] != mine {
		t.Errorf("the mailbox got %v", got)
	}
	if got := bounces.got[0]; len(got) != 1 || got[0] != v {
		t.Errorf("the bounce processor got %v", got)
	}
	waitSpool(t, dir, 0)

	// Mail only for the mailbox does not reach the bounce processor.
	if err := send(s, mine); err != nil {
		t.Fatal(err)
	}
	box.wait(t)
	waitSpool(t, dir, 0)
	select {
	case <-bounces.calls:
		t.Error("the bounce processor got mail for the mailbox alone")
	default:
	}
}

func TestMailboxFailureKeepsTheMessage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	box := prefixBox{"unsubscribe+", newRecorder(errors.New("store down"))}
	s := startWith(t, dir, newRecorder(nil), box)
	if err := send(s, "unsubscribe+abc@mx.hikyaku.test"); err != nil {
		t.Fatal(err)
	}
	box.wait(t)
	time.Sleep(100 * time.Millisecond)
	if n := len(spooled(t, dir)); n != 1 {
		t.Errorf("%d messages in the spool after a failure, want 1 kept for retry", n)
	}
}

func waitSpool(t *testing.T, dir string, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(spooled(t, dir)) != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d messages in the spool, want %d", len(spooled(t, dir)), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
