package contacts

import (
	"context"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hikyaku/hikyaku/internal/eventlog"
	"github.com/hikyaku/hikyaku/internal/msgid"
	"github.com/hikyaku/hikyaku/internal/store"
)

func TestTokenRoundTrip(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	now := f.clock.Now()
	id := msgid.New(now)
	tok := f.links.NewToken(acct, "Newsletter", "Sports", "Jane@example.com", id, now)
	sealed := f.links.Seal(tok)
	got, err := f.links.Open(sealed, now.Add(59*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if *got != tok {
		t.Errorf("Open = %+v, want %+v", got, tok)
	}
	u := f.links.URL(sealed)
	if !strings.HasPrefix(u, "https://mail.example.com/unsubscribe?t=") {
		t.Errorf("URL = %s", u)
	}
	if back, ok := TokenFromURL(u); !ok || back != sealed {
		t.Errorf("TokenFromURL(%s) = %s %v", u, back, ok)
	}
}

func TestTokenExpires(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	now := f.clock.Now()
	sealed := f.links.Seal(f.links.NewToken(acct, "L", "", "a@example.com", msgid.New(now), now))
	if _, err := f.links.Open(sealed, now.Add(DefaultTokenTTL)); !errors.Is(err, ErrExpiredToken) {
		t.Errorf("after %v: %v, want expired", DefaultTokenTTL, err)
	}
}

func TestTokenTamperingIsRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	now := f.clock.Now()
	tok := f.links.NewToken(acct, "Newsletter", "Sports", "jane@example.com", msgid.New(now), now)
	sealed := f.links.Seal(tok)
	raw, _ := base64.RawURLEncoding.DecodeString(sealed)

	other := NewLinks([]byte("another key, another node cluster"), "https://x", "mx")
	forgedTopic := tok
	forgedTopic.Topic = ""
	forgedAddr := tok
	forgedAddr.Address = "victim@example.com"
	later := tok
	later.Expires = tok.Expires.Add(365 * 24 * time.Hour)
	cases := map[string]string{
		"empty":                "",
		"not base64":           "!!!",
		"another key":          other.Seal(tok),
		"truncated":            sealed[:len(sealed)-4],
		"flipped payload byte": flip(raw, 10),
		"flipped mac byte":     flip(raw, len(raw)-1),
		"version changed":      flip(raw, 0),
		// Re-sealing another token needs the key: a token sealed under
		// a different key with changed fields must not open.
		"whole list instead of topic": other.Seal(forgedTopic),
		"someone else's address":      other.Seal(forgedAddr),
		"longer expiry":               other.Seal(later),
		"appended bytes":              base64.RawURLEncoding.EncodeToString(append(append([]byte{}, raw...), 0)),
	}
	for name, s := range cases {
		if got, err := f.links.Open(s, now); !errors.Is(err, ErrInvalidToken) {
			t.Errorf("%s: Open = %+v, %v; want ErrInvalidToken", name, got, err)
		}
	}
}

func flip(b []byte, i int) string {
	c := append([]byte{}, b...)
	c[i] ^= 0x01
	return base64.RawURLEncoding.EncodeToString(c)
}

func TestMailtoAddress(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	id := msgid.New(f.clock.Now())
	for _, index := range []int{0, 7, 49} {
		addr := f.links.Mailto(id, index)
		local, domain, _ := strings.Cut(addr, "@")
		if !strings.HasPrefix(local, "unsubscribe+") || len(local) > 64 || domain != "mx.example.com" {
			t.Fatalf("Mailto = %s (local part %d characters)", addr, len(local))
		}
		for _, a := range []string{addr, strings.ToUpper(addr)} {
			gotID, gotIndex, ok := f.links.ParseMailto(a)
			if !ok || gotID != id || gotIndex != index {
				t.Errorf("ParseMailto(%s) = %s %d %v", a, gotID, gotIndex, ok)
			}
		}
		other := NewLinks([]byte("other key"), "", "mx.example.com")
		if _, _, ok := other.ParseMailto(addr); ok {
			t.Errorf("an address made with another key is taken")
		}
		changed := strings.Replace(addr, "-"+strconv.Itoa(index)+"-", "-"+strconv.Itoa(index+1)+"-", 1)
		if _, _, ok := f.links.ParseMailto(changed); ok {
			t.Errorf("%s taken with another index", changed)
		}
	}
	for _, bad := range []string{"", "unsubscribe@mx.example.com", "b-abc@mx.example.com", "unsubscribe+@x"} {
		if _, _, ok := f.links.ParseMailto(bad); ok {
			t.Errorf("ParseMailto(%q) ok", bad)
		}
	}
}

// sentMessage commits a message to addr whose List-Unsubscribe header
// carries the token of the list and topic, as intake makes it.
func (f *fixture) sentMessage(t *testing.T, addr, topic string) (string, *Token) {
	t.Helper()
	now := f.clock.Now()
	id := msgid.New(now)
	tok := f.links.NewToken(acct, "Newsletter", topic, addr, id, now)
	body := "List-Unsubscribe: <" + f.links.URL(f.links.Seal(tok)) + ">, <mailto:" + f.links.Mailto(id, 0) + ">\r\n" +
		"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\nFrom: news@example.com\r\nTo: " + addr + "\r\nSubject: hi\r\n\r\nhello\r\n"
	m := &store.Message{ID: id, AccountID: acct, Source: "news@example.com", ConfigurationSet: "cs", Origin: "api-v2",
		CreatedAt: now, Size: len(body), Body: []byte(body),
		Recipients: []store.Recipient{{MessageID: id, Address: addr, Domain: "example.net", Status: store.RcptQueued, NextAttemptAt: now, UpdatedAt: now}}}
	if err := f.st.InsertMessage(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	return id, &tok
}

func (f *fixture) subscriptionEvents(t *testing.T) []*store.Event {
	t.Helper()
	evs, _, err := f.st.SearchEvents(context.Background(), store.EventFilter{AccountID: acct, Types: []string{"Subscription"}})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func TestOneClickUnsubscribesFromTheTopicAndRecordsTheEvent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.newsletter(t)
	ctx := context.Background()
	id, tok := f.sentMessage(t, "jane@example.net", "Sports")
	changed, err := f.svc.Apply(ctx, tok, SourceHeader, OneClick(tok))
	if err != nil || !changed {
		t.Fatalf("Apply = %v, %v", changed, err)
	}
	c, l, err := f.svc.GetContact(ctx, acct, "Newsletter", "jane@example.net")
	if err != nil {
		t.Fatal(err)
	}
	if c.Preference("Sports") != OptOut || c.UnsubscribeAll {
		t.Errorf("contact after one-click: %+v", c)
	}
	if ok, _ := l.Admits(c, "Sports"); ok {
		t.Error("still admitted to the topic")
	}
	evs := f.subscriptionEvents(t)
	if len(evs) != 1 {
		t.Fatalf("%d Subscription events", len(evs))
	}
	e := evs[0]
	if e.MessageID != id || e.Recipient != "jane@example.net" || e.ConfigurationSet != "cs" || e.Source != "news@example.com" {
		t.Errorf("event = %+v", e)
	}
	d, err := eventlog.Decode(e)
	if err != nil {
		t.Fatal(err)
	}
	s := d.Subscription
	if s.ContactList != "Newsletter" || s.Source != "UnsubscribeHeader" || s.New.UnsubscribeAll ||
		len(s.New.Topics) != 1 || s.New.Topics[0].Status != "OptOut" || len(s.Old.Topics) != 0 || len(s.Old.Defaults) != 2 {
		t.Errorf("subscription = %+v", s)
	}

	// The same click again changes nothing and records nothing.
	if changed, err := f.svc.Apply(ctx, tok, SourceHeader, OneClick(tok)); err != nil || changed {
		t.Errorf("second Apply = %v, %v", changed, err)
	}
	if n := len(f.subscriptionEvents(t)); n != 1 {
		t.Errorf("%d events after a repeated click", n)
	}
}

func TestOneClickWithoutTopicUnsubscribesFromAll(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.newsletter(t)
	_, tok := f.sentMessage(t, "joe@example.net", "")
	if _, err := f.svc.Apply(context.Background(), tok, SourceHeader, OneClick(tok)); err != nil {
		t.Fatal(err)
	}
	c, _, err := f.svc.GetContact(context.Background(), acct, "Newsletter", "joe@example.net")
	if err != nil || !c.UnsubscribeAll {
		t.Fatalf("contact = %+v, %v", c, err)
	}
}

func TestMailboxUnsubscribesByMail(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.newsletter(t)
	ctx := context.Background()
	id, _ := f.sentMessage(t, "jane@example.net", "Daily")
	mb := &Mailbox{Contacts: f.svc, Links: f.links, Store: f.st, Clock: f.clock}
	rcpt := f.links.Mailto(id, 0)
	if !mb.Accepts(rcpt) || mb.Accepts("unsubscribe+x@mx.example.com") {
		t.Fatal("Accepts is wrong")
	}
	if err := mb.Process(ctx, []byte("Subject: unsubscribe\r\n\r\n"), []string{rcpt}); err != nil {
		t.Fatal(err)
	}
	c, _, err := f.svc.GetContact(ctx, acct, "Newsletter", "jane@example.net")
	if err != nil || c.Preference("Daily") != OptOut {
		t.Fatalf("contact = %+v, %v", c, err)
	}
	// Mail to the address of a recipient index the message lacks.
	if err := mb.Process(ctx, nil, []string{f.links.Mailto(id, 3)}); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("unknown recipient: %v", err)
	}
	// After the link expired, the address no longer works.
	f.clock.Advance(DefaultTokenTTL + time.Hour)
	if err := mb.Process(ctx, nil, []string{rcpt}); !errors.Is(err, ErrExpiredToken) {
		t.Errorf("expired: %v", err)
	}
}
