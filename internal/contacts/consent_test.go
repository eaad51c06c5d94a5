package contacts

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestDoubleOptInKeepsPendingContactsFromListSends(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.newsletter(t)
	ctx := context.Background()
	c, err := f.svc.RequestConsent(ctx, acct, "Newsletter", "Ann@example.com")
	if err != nil || c.Consent != ConsentPending {
		t.Fatalf("RequestConsent: %+v, %v", c, err)
	}
	s := &Sending{Contacts: f.svc, Links: f.links}
	send, err := s.PrepareSend(ctx, acct, "Newsletter", "")
	if err != nil {
		t.Fatal(err)
	}
	if ok, why, err := send.Admits(ctx, "ann@example.com"); ok || err != nil || !strings.Contains(why, "double opt-in pending") {
		t.Fatalf("pending contact admitted: %v %q %v", ok, why, err)
	}

	link := f.links.ConfirmURL(acct, "Newsletter", "Ann@example.com", f.clock.Now())
	sealed := link[strings.Index(link, "?t=")+3:]
	if _, err := f.links.Open(sealed, f.clock.Now()); err != ErrInvalidToken {
		t.Errorf("a confirmation token opened as an unsubscribe token: %v", err)
	}
	tok, err := f.links.OpenConfirm(sealed, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Hour)
	c, err = f.svc.Confirm(ctx, tok)
	if err != nil || c.Consent != ConsentConfirmed || !c.ConfirmedAt.Equal(f.clock.Now()) {
		t.Fatalf("Confirm: %+v, %v", c, err)
	}
	if ok, why, _ := send.Admits(ctx, "ann@example.com"); !ok {
		t.Errorf("confirmed contact refused: %s", why)
	}
	if evs := f.subscriptionEvents(t); len(evs) != 1 || !strings.Contains(string(evs[0].Detail), SourceConfirm) {
		t.Errorf("Subscription events: %d", len(evs))
	}
	if _, err := f.links.OpenConfirm(sealed, f.clock.Now().Add(ConfirmTTL)); err != ErrExpiredToken {
		t.Errorf("an old confirmation link: %v", err)
	}
}

func TestRequestConsentRefusesUnsubscribedContacts(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.newsletter(t)
	ctx := context.Background()
	if err := f.svc.CreateContact(ctx, acct, "Newsletter", &Contact{EmailAddress: "gone@example.com", UnsubscribeAll: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.RequestConsent(ctx, acct, "Newsletter", "gone@example.com"); !strings.HasPrefix(code(err), "BadRequestException") {
		t.Errorf("RequestConsent of an unsubscribed contact: %s", code(err))
	}
}

func TestSunsetAndRepermission(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.newsletter(t)
	ctx := context.Background()
	for _, a := range []string{"old@example.com", "fan@example.com", "gone@example.com"} {
		if err := f.svc.CreateContact(ctx, acct, "Newsletter", &Contact{EmailAddress: a, UnsubscribeAll: a == "gone@example.com"}); err != nil {
			t.Fatal(err)
		}
	}
	f.clock.Advance(100 * 24 * time.Hour)
	tok := &Token{AccountID: acct, List: "Newsletter", Address: "fan@example.com"}
	if _, err := f.svc.Confirm(ctx, tok); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(DefaultSunsetAfter - 100*24*time.Hour)

	res, err := f.svc.Sunset(ctx, acct, "Newsletter", DefaultSunsetAfter, true)
	if err != nil || *res != (SunsetResult{Contacts: 3, Inactivated: 1, Skipped: 1}) {
		t.Fatalf("dry run: %+v, %v", res, err)
	}
	if c, _, _ := f.svc.GetContact(ctx, acct, "Newsletter", "old@example.com"); c.Consent != "" {
		t.Fatalf("the dry run changed the contact: %+v", c)
	}
	if res, err = f.svc.Sunset(ctx, acct, "Newsletter", DefaultSunsetAfter, false); err != nil || res.Inactivated != 1 {
		t.Fatalf("sunset: %+v, %v", res, err)
	}
	l, _ := f.svc.GetList(ctx, acct, "Newsletter")
	old, _, _ := f.svc.GetContact(ctx, acct, "Newsletter", "old@example.com")
	if ok, why := l.Admits(old, ""); ok || !strings.Contains(why, "sunset policy") {
		t.Errorf("inactive contact: %v %q", ok, why)
	}
	if res, _ = f.svc.Sunset(ctx, acct, "Newsletter", DefaultSunsetAfter, false); res.AlreadyInactive != 1 || res.Inactivated != 0 {
		t.Errorf("second pass: %+v", res)
	}

	var stale []string
	if err := f.svc.Stale(ctx, acct, "Newsletter", DefaultSunsetAfter, func(c *Contact) error {
		stale = append(stale, c.EmailAddress)
		_, err := f.svc.RequestConsent(ctx, acct, "Newsletter", c.EmailAddress)
		return err
	}); err != nil || strings.Join(stale, ",") != "old@example.com" {
		t.Fatalf("stale: %v, %v", stale, err)
	}
	f.clock.Advance(24 * time.Hour)
	if n, err := f.svc.Expire(ctx, acct, "Newsletter", 14*24*time.Hour, false); n != 0 || err != nil {
		t.Fatalf("expire inside the window: %d, %v", n, err)
	}
	f.clock.Advance(14 * 24 * time.Hour)
	if n, err := f.svc.Expire(ctx, acct, "Newsletter", 14*24*time.Hour, false); n != 1 || err != nil {
		t.Fatalf("expire: %d, %v", n, err)
	}
	if old, _, _ = f.svc.GetContact(ctx, acct, "Newsletter", "old@example.com"); !old.UnsubscribeAll {
		t.Errorf("not unsubscribed after the window: %+v", old)
	}
}
