package identity

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hikyaku/hikyaku/internal/clock"
	"github.com/hikyaku/hikyaku/internal/dns"
	"github.com/hikyaku/hikyaku/internal/dnstest"
	"github.com/hikyaku/hikyaku/internal/secret"
	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/store/sqlite"
)

const (
	testAccount = "111122223333"
	testMXHost  = "mx.hikyaku.test"
)

type fixture struct {
	svc   *Service
	st    store.Store
	dns   *dnstest.Server
	clock *clock.Fake
}

// newFixture is a Service on a fresh SQLite store and its own fake DNS,
// with one account and no identities.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := t.Context()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	srv := dnstest.Start(t)
	srv.SetTTL(0)
	res, err := dns.New(dns.Config{Server: srv.Addr(), Timeout: 200 * time.Millisecond, Attempts: 1, CacheSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	box, err := secret.NewBox(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC))
	if err := st.CreateAccount(ctx, &store.Account{ID: testAccount, Name: "t", SendingEnabled: true,
		EnforcementStatus: "HEALTHY", CreatedAt: clk.Now(), UpdatedAt: clk.Now()}); err != nil {
		t.Fatal(err)
	}
	svc := &Service{Store: st, Box: box, Resolver: res, Clock: clk, Log: slog.New(slog.DiscardHandler),
		MXHost: testMXHost, Hostname: "out.hikyaku.test"}
	return &fixture{svc: svc, st: st, dns: srv, clock: clk}
}

// verified stores a verified identity (a domain without DKIM keys, or an
// address), without the DNS checks Create would make.
func (f *fixture) verified(t *testing.T, name string) *store.Identity {
	t.Helper()
	id := &store.Identity{AccountID: testAccount, Name: name, Type: store.IdentityEmail,
		VerificationStatus: store.StatusSuccess, DkimStatus: store.StatusNotStarted,
		BehaviorOnMxFailure: store.BehaviorUseDefault, CreatedAt: f.clock.Now(), VerifiedAt: f.clock.Now()}
	if IsDomain(name) {
		id.Type, id.DkimStatus = store.IdentityDomain, store.StatusSuccess
	}
	if err := f.st.CreateIdentity(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	return id
}

func (f *fixture) publishMX(name string) {
	f.dns.SetMX(name, dnstest.MX{Host: testMXHost, Pref: 10})
}

func TestSetMailFromAcceptsOnlyProperSubdomainsOfTheIdentity(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, identity, domain, behavior string
		wantErr                          error  // nil: accepted
		wantMsg                          string // in the error
	}{
		{"a subdomain of a domain identity", "example.com", "bounce.example.com", "", nil, ""},
		{"a deeper subdomain", "example.com", "a.b.example.com", store.BehaviorReject, nil, ""},
		{"a subdomain of an address identity's domain", "me@example.com", "bounce.example.com", "", nil, ""},
		{"the identity itself", "example.com", "example.com", "", ErrInvalidMailFrom,
			"Provided MAIL-FROM domain <example.com> is not subdomain of the domain of the identity <example.com>."},
		{"an address identity's own domain", "me@example.com", "example.com", "", ErrInvalidMailFrom,
			"Provided MAIL-FROM domain <example.com> is not subdomain of the domain of the identity <me@example.com>."},
		{"a sibling that only ends like the identity", "example.com", "notexample.com", "", ErrInvalidMailFrom, "not subdomain"},
		{"another domain", "example.com", "bounce.example.org", "", ErrInvalidMailFrom, "not subdomain"},
		{"the parent of a subdomain identity", "ses.example.com", "mail.example.com", "", ErrInvalidMailFrom, "not subdomain"},
		{"an unknown behavior", "example.com", "bounce.example.com", "BOUNCE", ErrInvalidMailFrom, "BehaviorOnMxFailure"},
		{"an unknown identity", "", "bounce.example.com", "", store.ErrNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			name := tt.identity
			if name == "" {
				name = "unknown.example"
			} else {
				f.verified(t, name)
			}
			id, err := f.svc.SetMailFrom(t.Context(), testAccount, name, tt.domain, tt.behavior)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.wantMsg) {
					t.Fatalf("SetMailFrom = %v, want %v containing %q", err, tt.wantErr, tt.wantMsg)
				}
				return
			}
			if err != nil {
				t.Fatalf("SetMailFrom: %v", err)
			}
			stored, err := f.st.GetIdentity(t.Context(), testAccount, name)
			if err != nil {
				t.Fatal(err)
			}
			wantBehavior := tt.behavior
			if wantBehavior == "" {
				wantBehavior = store.BehaviorUseDefault
			}
			if stored.MailFromDomain != tt.domain || stored.MailFromStatus != store.StatusPending ||
				stored.BehaviorOnMxFailure != wantBehavior || !stored.MailFromSince.Equal(f.clock.Now()) {
				t.Errorf("stored MAIL FROM %q %q %q since %v, want %q PENDING %q since %v", stored.MailFromDomain,
					stored.MailFromStatus, stored.BehaviorOnMxFailure, stored.MailFromSince, tt.domain, wantBehavior, f.clock.Now())
			}
			if id.MailFromStatus != stored.MailFromStatus {
				t.Errorf("returned status %q, stored %q", id.MailFromStatus, stored.MailFromStatus)
			}
		})
	}
}

func TestMailFromStatusFollowsTheMXRecord(t *testing.T) {
	t.Parallel()
	const domain = "bounce.example.com"
	tests := []struct {
		name    string
		publish func(*dnstest.Server)
		want    string
	}{
		{"one MX at the inbound MX host verifies it", func(s *dnstest.Server) {
			s.SetMX(domain, dnstest.MX{Host: testMXHost, Pref: 10})
		}, store.StatusSuccess},
		{"the host name is compared without case", func(s *dnstest.Server) {
			s.SetMX(domain, dnstest.MX{Host: strings.ToUpper(testMXHost), Pref: 10})
		}, store.StatusSuccess},
		{"no record yet is pending", func(*dnstest.Server) {}, store.StatusPending},
		{"a name without MX records is pending", func(s *dnstest.Server) {
			s.SetTXT(domain, "v=spf1 a:out.hikyaku.test ~all")
		}, store.StatusPending},
		{"an MX at another host is pending", func(s *dnstest.Server) {
			s.SetMX(domain, dnstest.MX{Host: "feedback-smtp.us-east-1.amazonses.com", Pref: 10})
		}, store.StatusPending},
		{"a second MX record is pending, as SES wants exactly one", func(s *dnstest.Server) {
			s.SetMX(domain, dnstest.MX{Host: testMXHost, Pref: 10}, dnstest.MX{Host: "backup.example.com", Pref: 20})
		}, store.StatusPending},
		{"a null MX is pending", func(s *dnstest.Server) {
			s.SetMX(domain, dnstest.MX{Host: ".", Pref: 0})
		}, store.StatusPending},
		{"a DNS failure is temporary", func(s *dnstest.Server) {
			s.SetFailure(domain, dnstest.ServFail, dnstest.TypeMX)
		}, store.StatusTemporaryFailure},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			f.verified(t, "example.com")
			tt.publish(f.dns)
			id, err := f.svc.SetMailFrom(t.Context(), testAccount, "example.com", domain, "")
			if err != nil {
				t.Fatalf("SetMailFrom: %v", err)
			}
			if id.MailFromStatus != tt.want {
				t.Errorf("MailFromStatus = %s, want %s", id.MailFromStatus, tt.want)
			}
		})
	}
}

func TestPendingMailFromIsCheckedOnGetAndPeriodically(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		check func(*fixture, *testing.T) *store.Identity
	}{
		{"on Get", func(f *fixture, t *testing.T) *store.Identity {
			id, err := f.svc.Get(t.Context(), testAccount, "me@example.com")
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			return id
		}},
		{"by CheckPending", func(f *fixture, t *testing.T) *store.Identity {
			f.clock.Advance(10 * time.Minute)
			if n, err := f.svc.CheckPending(t.Context(), 5*time.Minute, 10); err != nil || n != 1 {
				t.Fatalf("CheckPending = %d, %v; want 1 identity checked", n, err)
			}
			id, err := f.st.GetIdentity(t.Context(), testAccount, "me@example.com")
			if err != nil {
				t.Fatal(err)
			}
			return id
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			f.verified(t, "me@example.com")
			id, err := f.svc.SetMailFrom(t.Context(), testAccount, "me@example.com", "bounce.example.com", "")
			if err != nil || id.MailFromStatus != store.StatusPending {
				t.Fatalf("SetMailFrom = %+v, %v; want PENDING", id, err)
			}
			f.publishMX("bounce.example.com")
			got := tt.check(f, t)
			if got.MailFromStatus != store.StatusSuccess {
				t.Errorf("MailFromStatus after the record appeared = %s, want SUCCESS", got.MailFromStatus)
			}
			if got.VerificationStatus != store.StatusSuccess {
				t.Errorf("checking the MAIL FROM domain changed the address's verification to %s", got.VerificationStatus)
			}
		})
	}
}

func TestMailFromFailsAfter72HoursUntilSetAgain(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	f.verified(t, "example.com")
	if _, err := f.svc.SetMailFrom(ctx, testAccount, "example.com", "bounce.example.com", store.BehaviorReject); err != nil {
		t.Fatal(err)
	}
	status := func() string {
		t.Helper()
		id, err := f.st.GetIdentity(ctx, testAccount, "example.com")
		if err != nil {
			t.Fatal(err)
		}
		return id.MailFromStatus
	}
	f.clock.Advance(71 * time.Hour)
	if _, err := f.svc.CheckPending(ctx, time.Minute, 10); err != nil {
		t.Fatal(err)
	}
	if got := status(); got != store.StatusPending {
		t.Fatalf("after 71 hours: %s, want PENDING", got)
	}
	f.clock.Advance(2 * time.Hour)
	if _, err := f.svc.CheckPending(ctx, time.Minute, 10); err != nil {
		t.Fatal(err)
	}
	if got := status(); got != store.StatusFailed {
		t.Fatalf("after 73 hours: %s, want FAILED", got)
	}

	f.publishMX("bounce.example.com")
	f.clock.Advance(time.Hour)
	if n, err := f.svc.CheckPending(ctx, time.Minute, 10); err != nil || n != 0 {
		t.Fatalf("CheckPending = %d, %v; a FAILED MAIL FROM domain is not checked again", n, err)
	}
	if _, err := f.svc.Get(ctx, testAccount, "example.com"); err != nil {
		t.Fatal(err)
	}
	if got := status(); got != store.StatusFailed {
		t.Fatalf("Get re-checked a FAILED MAIL FROM domain: %s", got)
	}
	id, err := f.svc.SetMailFrom(ctx, testAccount, "example.com", "bounce.example.com", store.BehaviorReject)
	if err != nil || id.MailFromStatus != store.StatusSuccess {
		t.Fatalf("setting it again = %+v, %v; want SUCCESS", id, err)
	}
}

func TestRemovingMailFromKeepsTheBehavior(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.verified(t, "example.com")
	f.publishMX("bounce.example.com")
	if _, err := f.svc.SetMailFrom(t.Context(), testAccount, "example.com", "bounce.example.com", store.BehaviorReject); err != nil {
		t.Fatal(err)
	}
	id, err := f.svc.SetMailFrom(t.Context(), testAccount, "example.com", "", store.BehaviorReject)
	if err != nil {
		t.Fatal(err)
	}
	if id.MailFromDomain != "" || id.MailFromStatus != "" || !id.MailFromSince.IsZero() || id.BehaviorOnMxFailure != store.BehaviorReject {
		t.Errorf("after removal: %q %q %v %q; want no domain, behavior kept", id.MailFromDomain, id.MailFromStatus,
			id.MailFromSince, id.BehaviorOnMxFailure)
	}
	if mf, err := f.svc.MailFromFor(t.Context(), testAccount, "news@example.com"); err != nil || mf != nil {
		t.Errorf("MailFromFor after removal = %+v, %v; want none", mf, err)
	}
}

func TestMailFromForFindsTheClosestVerifiedIdentityWithOne(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	for _, n := range []string{"example.com", "own@example.com", "plain@example.com", "other.test"} {
		f.verified(t, n)
	}
	unverified := &store.Identity{AccountID: testAccount, Name: "unverified@example.com", Type: store.IdentityEmail,
		VerificationStatus: store.StatusPending, DkimStatus: store.StatusNotStarted, CreatedAt: f.clock.Now()}
	if err := f.st.CreateIdentity(ctx, unverified); err != nil {
		t.Fatal(err)
	}
	f.publishMX("bounce.example.com")
	for _, s := range []struct{ identity, domain, behavior string }{
		{"example.com", "bounce.example.com", store.BehaviorUseDefault},
		{"own@example.com", "own.example.com", store.BehaviorReject},
		{"unverified@example.com", "unverified.example.com", store.BehaviorReject},
	} {
		if _, err := f.svc.SetMailFrom(ctx, testAccount, s.identity, s.domain, s.behavior); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		sender string
		want   *MailFrom
	}{
		{"news@example.com", &MailFrom{Identity: "example.com", Domain: "bounce.example.com", Status: store.StatusSuccess, Behavior: store.BehaviorUseDefault}},
		{"x@deep.sub.example.com", &MailFrom{Identity: "example.com", Domain: "bounce.example.com", Status: store.StatusSuccess, Behavior: store.BehaviorUseDefault}},
		{"plain@example.com", &MailFrom{Identity: "example.com", Domain: "bounce.example.com", Status: store.StatusSuccess, Behavior: store.BehaviorUseDefault}},
		{"own@example.com", &MailFrom{Identity: "own@example.com", Domain: "own.example.com", Status: store.StatusPending, Behavior: store.BehaviorReject}},
		{"unverified@example.com", &MailFrom{Identity: "example.com", Domain: "bounce.example.com", Status: store.StatusSuccess, Behavior: store.BehaviorUseDefault}},
		{"a@other.test", nil},
		{"a@nowhere.test", nil},
	}
	for _, tt := range tests {
		t.Run(tt.sender, func(t *testing.T) {
			got, err := f.svc.MailFromFor(ctx, testAccount, tt.sender)
			if err != nil {
				t.Fatal(err)
			}
			if (got == nil) != (tt.want == nil) || got != nil && *got != *tt.want {
				t.Errorf("MailFromFor(%s) = %+v, want %+v", tt.sender, got, tt.want)
			}
		})
	}

	// A change made through the service is seen at once, not after the
	// cache's few seconds.
	f.publishMX("own.example.com")
	if _, err := f.svc.Get(ctx, testAccount, "own@example.com"); err != nil {
		t.Fatal(err)
	}
	if got, err := f.svc.MailFromFor(ctx, testAccount, "own@example.com"); err != nil || got == nil || got.Status != store.StatusSuccess {
		t.Errorf("MailFromFor after the check = %+v, %v; want SUCCESS", got, err)
	}
}

func TestMailFromForIsCached(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.verified(t, "example.com")
	if mf, err := f.svc.MailFromFor(ctx, testAccount, "a@example.com"); err != nil || mf != nil {
		t.Fatalf("MailFromFor = %+v, %v; want none", mf, err)
	}
	// Another node sets a MAIL FROM domain, straight in the shared store.
	id, err := f.st.GetIdentity(ctx, testAccount, "example.com")
	if err != nil {
		t.Fatal(err)
	}
	id.MailFromDomain, id.MailFromStatus = "bounce.example.com", store.StatusSuccess
	if err := f.st.UpdateIdentity(ctx, id); err != nil {
		t.Fatal(err)
	}
	if mf, _ := f.svc.MailFromFor(ctx, testAccount, "a@example.com"); mf != nil {
		t.Errorf("MailFromFor within the cache's lifetime = %+v, want the cached none", mf)
	}
	f.clock.Advance(verifiedTTL)
	if mf, _ := f.svc.MailFromFor(ctx, testAccount, "a@example.com"); mf == nil || mf.Domain != "bounce.example.com" {
		t.Errorf("MailFromFor after the cache's lifetime = %+v, want bounce.example.com", mf)
	}
}

func TestRecordsIncludeTheMailFromMXAndSPF(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.verified(t, "example.com")
	id, err := f.svc.SetMailFrom(t.Context(), testAccount, "example.com", "bounce.example.com", "")
	if err != nil {
		t.Fatal(err)
	}
	lines := f.svc.Records(id)
	for _, want := range []string{
		"bounce.example.com. 3600 IN MX 10 mx.hikyaku.test.",
		`bounce.example.com. 3600 IN TXT "v=spf1 a:out.hikyaku.test ~all"`,
	} {
		if !slices.Contains(lines, want) {
			t.Errorf("Records lacks %q:\n%s", want, strings.Join(lines, "\n"))
		}
	}
	id.MailFromDomain = ""
	for _, l := range f.svc.Records(id) {
		if strings.HasPrefix(l, "bounce.") {
			t.Errorf("Records without a MAIL FROM domain has %q", l)
		}
	}
}
