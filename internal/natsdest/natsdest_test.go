package natsdest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// testURL is the NATS server (with JetStream) the tests run against.
const testURL = "nats://127.0.0.1:4222"

// connect returns a Publisher on the local NATS server and a unique stream
// name and subject for this test, deleting the stream afterwards.
func connect(t *testing.T) (p *Publisher, stream, subject string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", "127.0.0.1:4222", time.Second)
	if err != nil {
		t.Skipf("no NATS server at %s (%v): start nats-server -js to run this test", testURL, err)
	}
	conn.Close()
	p, err = Connect(testURL)
	if err != nil {
		t.Fatal(err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	stream = "HIKYAKU_TEST_" + strings.ToUpper(id)
	subject = "hikyaku.test." + id + ".events"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := p.js.DeleteStream(ctx, stream); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
			t.Errorf("deleting stream %s: %v", stream, err)
		}
		p.Close()
	})
	return p, stream, subject
}

func TestPublishDeduplicates(t *testing.T) {
	t.Parallel()
	p, stream, subject := connect(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	for range 2 { // The second call finds the stream and leaves it be.
		if err := p.EnsureStream(ctx, stream, []string{subject}); err != nil {
			t.Fatal(err)
		}
	}
	s, err := p.js.Stream(ctx, stream)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.CachedInfo().Config.Duplicates; got != DedupWindow {
		t.Errorf("duplicate window %v, want %v", got, DedupWindow)
	}

	events := []struct{ id, data string }{
		{"0101-a", `{"eventType":"Delivery"}`},
		{"0101-a", `{"eventType":"Delivery"}`}, // Republished after a "crash".
		{"0102-b", `{"eventType":"Bounce"}`},
		{"0101-a", `{"eventType":"Delivery"}`},
	}
	for _, e := range events {
		if err := p.Publish(ctx, subject, e.id, []byte(e.data)); err != nil {
			t.Fatal(err)
		}
	}

	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 2 {
		t.Errorf("stream holds %d messages, want 2", info.State.Msgs)
	}

	c, err := p.js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	batch, err := c.FetchNoWait(10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for m := range batch.Messages() {
		got = append(got, m.Headers().Get(nats.MsgIdHdr)+" "+string(m.Data()))
		if m.Subject() != subject {
			t.Errorf("subject %q, want %q", m.Subject(), subject)
		}
	}
	if err := batch.Error(); err != nil {
		t.Fatal(err)
	}
	want := []string{`0101-a {"eventType":"Delivery"}`, `0102-b {"eventType":"Bounce"}`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("consumed\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestPublishFailures(t *testing.T) {
	t.Parallel()
	p, _, subject := connect(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	// No stream captures the subject: JetStream has no responder.
	if err := p.Publish(ctx, subject, "id-1", []byte("x")); err == nil {
		t.Error("Publish with no stream succeeded")
	}
	if err := p.Publish(ctx, subject, "", []byte("x")); err == nil || !strings.Contains(err.Error(), "message id") {
		t.Errorf("Publish without an id: %v", err)
	}
}

func TestConnectFails(t *testing.T) {
	t.Parallel()
	// A port nothing listens on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	if _, err := Connect("nats://" + addr); err == nil {
		t.Error("Connect to a closed port succeeded")
	}
}
