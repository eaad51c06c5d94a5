// Package natsdest is an event destination that publishes hikyaku's events
// to a NATS JetStream stream.
//
// Each event is published with the Nats-Msg-Id header set to the event's
// own id, so when hikyaku publishes an event again after a crash (it could
// not tell whether the first publish landed), JetStream drops the copy
// within the stream's duplicate window. Publish returns only once the
// stream has stored the message (or recognised it as a duplicate).
package natsdest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// DedupWindow is the duplicate window of streams made by EnsureStream:
// how long JetStream remembers a Nats-Msg-Id. It covers a restart of
// hikyaku and a retry soon after; JetStream's default is two minutes.
const DedupWindow = time.Hour

// Publisher publishes events to JetStream over one NATS connection. It is
// safe for concurrent use.
type Publisher struct {
	nc *nats.Conn
	js jetstream.JetStream
}

// Connect connects to the NATS server at url (e.g. "nats://127.0.0.1:4222";
// a comma-separated list for a cluster). The connection reconnects on its
// own for as long as the Publisher is open; publishes fail while it is
// down.
func Connect(url string) (*Publisher, error) {
	nc, err := nats.Connect(url, nats.Name("hikyaku"), nats.MaxReconnects(-1))
	if err != nil {
		return nil, fmt.Errorf("natsdest: connecting to %s: %w", url, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("natsdest: %w", err)
	}
	return &Publisher{nc: nc, js: js}, nil
}

// EnsureStream creates the stream name capturing subjects, with
// DedupWindow, if there is no stream of that name. An existing stream is
// left as it is, since an operator may have tuned it.
func (p *Publisher) EnsureStream(ctx context.Context, name string, subjects []string) error {
	_, err := p.js.Stream(ctx, name)
	if err == nil {
		return nil
	}
	if !errors.Is(err, jetstream.ErrStreamNotFound) {
		return fmt.Errorf("natsdest: looking up stream %s: %w", name, err)
	}
	_, err = p.js.CreateStream(ctx, jetstream.StreamConfig{
		Name:       name,
		Subjects:   subjects,
		Duplicates: DedupWindow,
	})
	if err != nil && !errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) { // Lost a race: fine.
		return fmt.Errorf("natsdest: creating stream %s for %v: %w", name, subjects, err)
	}
	return nil
}

// Publish stores data on subject under msgID (the Nats-Msg-Id header) and
// waits for JetStream's acknowledgement. Publishing the same msgID again
// within the stream's duplicate window succeeds without storing a copy.
// It fails if no stream captures subject.
func (p *Publisher) Publish(ctx context.Context, subject, msgID string, data []byte) error {
	if msgID == "" {
		return errors.New("natsdest: Publish needs a message id for deduplication")
	}
	if _, err := p.js.Publish(ctx, subject, data, jetstream.WithMsgID(msgID)); err != nil {
		return fmt.Errorf("natsdest: publishing %s to %s: %w", msgID, subject, err)
	}
	return nil
}

// Close closes the connection. Publish waits for its acknowledgement, so
// nothing published is left in flight.
func (p *Publisher) Close() { p.nc.Close() }
