package storetest

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/hikyaku/hikyaku/internal/store"
)

func (f *fixture) insert(m *store.Message) {
	f.t.Helper()
	if err := f.s.InsertMessage(f.ctx, m); err != nil {
		f.t.Fatalf("InsertMessage(%s): %v", m.ID, err)
	}
}

// withoutBody returns a copy of m as GetMessage returns it.
func withoutBody(m *store.Message) *store.Message {
	c := *m
	c.Body = nil
	return &c
}

func testMessages(t *testing.T, setup func(*testing.T) *fixture) {
	t.Run("an inserted message reads back with its recipients in order but without its body", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		a := f.account("a")
		m := f.message(a.ID, t0, "x@example.net", "y@example.net", "z@example.org")
		m.ReturnPath = "bounces@example.com"
		m.MailFromDomain = "bounce.example.com"
		m.ConfigurationSet = "transactional"
		m.Tags = []store.Tag{{Name: "campaign", Value: "spring"}}
		m.Recipients[2].Domain = "example.org"
		m.Recipients[2].Status = store.RcptSuppressed
		m.Recipients[2].Outcome = store.Outcome{Diagnostic: "on the account suppression list"}
		f.insert(m)
		got, err := f.s.GetMessage(f.ctx, m.ID)
		if err != nil {
			t.Fatalf("GetMessage: %v", err)
		}
		equal(t, "GetMessage", got, withoutBody(m))
	})

	t.Run("the body reads back byte for byte", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		a := f.account("a")
		m := f.message(a.ID, t0, "x@example.net")
		m.Body = bytes.Repeat([]byte("0123456789abcdef\r\n\x00\xff"), 4096) // binary-safe, 80 KB
		m.Size = len(m.Body)
		f.insert(m)
		body, err := f.s.GetMessageBody(f.ctx, m.ID)
		if err != nil {
			t.Fatalf("GetMessageBody: %v", err)
		}
		if !bytes.Equal(body, m.Body) {
			t.Errorf("GetMessageBody returned %d bytes that differ from the %d inserted", len(body), len(m.Body))
		}
	})

	t.Run("updating a recipient changes only that recipient's state", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		a := f.account("a")
		m := f.message(a.ID, t0, "x@example.net", "y@example.net")
		f.insert(m)
		r := m.Recipients[1]
		r.Status = store.RcptBounced
		r.Attempts = 3
		r.NextAttemptAt = time.Time{}
		r.UpdatedAt = t0.Add(time.Hour)
		r.Outcome = store.Outcome{
			BounceType: "Permanent", BounceSubType: "General", Status: "5.1.1",
			SMTPReply: "550 5.1.1 user unknown", Diagnostic: "smtp; 550 5.1.1 user unknown",
			RemoteMTA: "mx.example.net", Simulated: true,
		}
		if err := f.s.UpdateRecipient(f.ctx, &r); err != nil {
			t.Fatalf("UpdateRecipient: %v", err)
		}
		got, err := f.s.GetMessage(f.ctx, m.ID)
		if err != nil {
			t.Fatalf("GetMessage: %v", err)
		}
		want := withoutBody(m)
		want.Recipients = []store.Recipient{m.Recipients[0], r}
		equal(t, "message after UpdateRecipient", got, want)
	})

	t.Run("recipients are stored under the message ID at their position", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		a := f.account("a")
		m := f.message(a.ID, t0, "x@example.net", "y@example.net")
		for i := range m.Recipients {
			m.Recipients[i].MessageID, m.Recipients[i].Index = "", 7
		}
		f.insert(m)
		got, err := f.s.GetMessage(f.ctx, m.ID)
		if err != nil {
			t.Fatalf("GetMessage: %v", err)
		}
		for i, r := range got.Recipients {
			if r.MessageID != m.ID || r.Index != i {
				t.Errorf("recipient %d stored as (%q, %d), want (%q, %d)", i, r.MessageID, r.Index, m.ID, i)
			}
		}
	})

	t.Run("a taken message ID is refused with ErrExists and the first message kept", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		a := f.account("a")
		first := f.message(a.ID, t0, "x@example.net")
		f.insert(first)
		again := f.message(a.ID, t0, "y@example.net", "z@example.net")
		again.ID = first.ID
		if err := f.s.InsertMessage(f.ctx, again); !errors.Is(err, store.ErrExists) {
			t.Fatalf("InsertMessage(duplicate) = %v, want ErrExists", err)
		}
		got, err := f.s.GetMessage(f.ctx, first.ID)
		if err != nil {
			t.Fatalf("GetMessage: %v", err)
		}
		equal(t, "message after refused duplicate", got, withoutBody(first))
		body, err := f.s.GetMessageBody(f.ctx, first.ID)
		if err != nil || !bytes.Equal(body, first.Body) {
			t.Errorf("GetMessageBody after refused duplicate = %q, %v; want the first body", body, err)
		}
		stats, err := f.s.Stats(f.ctx, a.ID, time.Time{})
		if err != nil {
			t.Fatalf("Stats: %v", err)
		}
		equal(t, "statistics count only the stored message", stats,
			[]store.StatBucket{{Start: t0.Truncate(store.StatsBucketSize), DeliveryAttempts: 1}})
	})

	t.Run("a message of an unknown account is refused with ErrNotFound", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		m := f.message("999999999999", t0, "x@example.net")
		if err := f.s.InsertMessage(f.ctx, m); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("InsertMessage = %v, want ErrNotFound", err)
		}
		if _, err := f.s.GetMessage(f.ctx, m.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetMessage of the refused message = %v, want ErrNotFound", err)
		}
	})

	t.Run("unknown messages and recipients are not found", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		a := f.account("a")
		m := f.message(a.ID, t0, "x@example.net")
		f.insert(m)
		for _, tc := range []struct {
			name string
			call func() error
		}{
			{"GetMessage", func() error { _, err := f.s.GetMessage(f.ctx, "no-such-message"); return err }},
			{"GetMessageBody", func() error { _, err := f.s.GetMessageBody(f.ctx, "no-such-message"); return err }},
			{"UpdateRecipient of an unknown message", func() error {
				return f.s.UpdateRecipient(f.ctx, &store.Recipient{MessageID: "no-such-message", Status: store.RcptDelivered})
			}},
			{"UpdateRecipient of an unknown index", func() error {
				return f.s.UpdateRecipient(f.ctx, &store.Recipient{MessageID: m.ID, Index: 1, Status: store.RcptDelivered})
			}},
		} {
			if err := tc.call(); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s = %v, want ErrNotFound", tc.name, err)
			}
		}
	})

	t.Run("each message adds its recipients to the delivery attempts of its 15-minute bucket", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		a, b := f.account("a"), f.account("b")
		bucket := time.Date(2025, 3, 14, 9, 15, 0, 0, time.UTC)
		tokyo := time.FixedZone("JST", 9*3600)
		f.insert(f.message(a.ID, bucket, "1@example.net"))
		f.insert(f.message(a.ID, bucket.Add(14*time.Minute+59*time.Second).In(tokyo), "2@example.net", "3@example.net"))
		f.insert(f.message(a.ID, bucket.Add(15*time.Minute), "4@example.net"))
		f.insert(f.message(b.ID, bucket, "5@example.net"))
		got, err := f.s.Stats(f.ctx, a.ID, time.Time{})
		if err != nil {
			t.Fatalf("Stats: %v", err)
		}
		equal(t, "Stats", got, []store.StatBucket{
			{Start: bucket, DeliveryAttempts: 3},
			{Start: bucket.Add(15 * time.Minute), DeliveryAttempts: 1},
		})
	})

	t.Run("simulator recipients and system mail are not counted as delivery attempts", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		a := f.account("a")
		bucket := time.Date(2025, 3, 14, 9, 15, 0, 0, time.UTC)
		m := f.message(a.ID, bucket, "1@example.net", "success@simulator.amazonses.com")
		m.Recipients[1].Outcome.Simulated = true
		f.insert(m)
		sys := f.message(a.ID, bucket, "2@example.net")
		sys.Origin = "system"
		f.insert(sys)
		got, err := f.s.Stats(f.ctx, a.ID, time.Time{})
		if err != nil {
			t.Fatalf("Stats: %v", err)
		}
		equal(t, "Stats", got, []store.StatBucket{{Start: bucket, DeliveryAttempts: 1}})
	})
}
