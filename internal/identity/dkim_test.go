package identity

import (
	"testing"

	"github.com/hikyaku/hikyaku/internal/dkim"
	"github.com/hikyaku/hikyaku/internal/store"
)

// publish puts a key's DKIM record in the fake DNS.
func (f *fixture) publish(domain string, k store.DkimKey) {
	f.dns.SetTXT(k.Selector+"._domainkey."+domain, dkim.Record(k.PublicKey))
}

// A domain signs with its first key once the record is seen; a rotation
// adds a second selector and switches to it only when its record appears,
// signing with the old key until then; turning signing off stops it.
func TestDkimSigningRotationAndSwitch(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.svc.KeyBits = 1024 // fast; the size is not what is tested
	ctx := t.Context()
	id, err := f.svc.Create(ctx, testAccount, "example.com", nil)
	if err != nil {
		t.Fatal(err)
	}
	if sg, err := f.svc.SigningFor(ctx, testAccount, "example.com"); err != nil || sg != nil {
		t.Fatalf("before the record is published: signing %+v, %v; want none", sg, err)
	}
	first := id.DkimKeys[0]
	f.publish("example.com", first)
	if id, err = f.svc.Get(ctx, testAccount, "example.com"); err != nil || id.DkimStatus != store.StatusSuccess {
		t.Fatalf("after publishing: %+v, %v", id, err)
	}
	f.clock.Advance(signerTTL + 1)
	sg, err := f.svc.SigningFor(ctx, testAccount, "news.example.com") // subdomains inherit
	if err != nil || sg == nil || sg.Selector != first.Selector || sg.Domain != "example.com" {
		t.Fatalf("signing = %+v, %v; want selector %s of example.com", sg, err, first.Selector)
	}

	next, err := f.svc.RotateDkimKey(ctx, testAccount, "example.com", 0)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(signerTTL + 1)
	if sg, _ := f.svc.SigningFor(ctx, testAccount, "example.com"); sg == nil || sg.Selector != first.Selector {
		t.Fatalf("during the rotation signing uses %+v, want the old selector", sg)
	}
	if keys := CurrentKeys(mustGet(t, f, "example.com")); len(keys) != 2 {
		t.Fatalf("current keys during rotation = %d, want the old and the new", len(keys))
	}
	f.publish("example.com", *next)
	id = mustGet(t, f, "example.com") // Get notices the new record
	if keys := CurrentKeys(id); len(keys) != 1 || keys[0].Selector != next.Selector {
		t.Fatalf("after the new record: current keys %+v, want only %s", keys, next.Selector)
	}
	f.clock.Advance(signerTTL + 1)
	if sg, _ := f.svc.SigningFor(ctx, testAccount, "example.com"); sg == nil || sg.Selector != next.Selector {
		t.Fatalf("after the switch signing uses %+v, want %s", sg, next.Selector)
	}

	if err := f.svc.SetDkimSigning(ctx, testAccount, "example.com", false); err != nil {
		t.Fatal(err)
	}
	if sg, _ := f.svc.SigningFor(ctx, testAccount, "example.com"); sg != nil {
		t.Fatalf("signing disabled but still signing with %s", sg.Selector)
	}
}

func mustGet(t *testing.T, f *fixture, name string) *store.Identity {
	t.Helper()
	id, err := f.svc.Get(t.Context(), testAccount, name)
	if err != nil {
		t.Fatal(err)
	}
	return id
}
