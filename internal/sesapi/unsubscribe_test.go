package sesapi

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hikyaku/hikyaku/internal/clock"
	"github.com/hikyaku/hikyaku/internal/contacts"
	"github.com/hikyaku/hikyaku/internal/msgid"
	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/store/sqlite"
)

const testAccount = "111122223333"

type unsubscribeFixture struct {
	srv   *httptest.Server
	svc   *contacts.Service
	links *contacts.Links
	clock *clock.Fake
}

func newUnsubscribeFixture(t *testing.T) *unsubscribeFixture {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clk := clock.NewFake(time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC))
	if err := st.CreateAccount(ctx, &store.Account{ID: testAccount, Name: "t", SendingEnabled: true, EnforcementStatus: "HEALTHY",
		CreatedAt: clk.Now(), UpdatedAt: clk.Now()}); err != nil {
		t.Fatal(err)
	}
	svc := contacts.New(st, clk)
	err = svc.CreateList(ctx, testAccount, &contacts.List{Name: "Newsletter", Topics: []contacts.Topic{
		{Name: "Sports", DisplayName: "Sports <news>", DefaultSubscriptionStatus: contacts.OptIn},
		{Name: "Daily", DisplayName: "Daily digest", DefaultSubscriptionStatus: contacts.OptOut}}})
	if err != nil {
		t.Fatal(err)
	}
	links := contacts.NewLinks([]byte("unsubscribe key for the tests..."), "http://unused", "mx.example.com")
	s := &Server{Store: st, Contacts: svc, Links: links, Clock: clk, Log: slog.New(slog.DiscardHandler)}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	links.SetBaseURL(srv.URL)
	return &unsubscribeFixture{srv: srv, svc: svc, links: links, clock: clk}
}

func (f *unsubscribeFixture) link(topic string) string {
	now := f.clock.Now()
	return f.links.URL(f.links.Seal(f.links.NewToken(testAccount, "Newsletter", topic, "jane@example.net", msgid.New(now), now)))
}

func (f *unsubscribeFixture) contact(t *testing.T) *contacts.Contact {
	t.Helper()
	c, _, err := f.svc.GetContact(context.Background(), testAccount, "Newsletter", "jane@example.net")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func post(t *testing.T, u string, form url.Values) (int, string) {
	t.Helper()
	resp, err := http.Post(u, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestOneClickPost(t *testing.T) {
	t.Parallel()
	f := newUnsubscribeFixture(t)
	code, body := post(t, f.link("Sports"), url.Values{"List-Unsubscribe": {"One-Click"}})
	if code != http.StatusOK || !strings.Contains(body, "You are unsubscribed") {
		t.Fatalf("POST: %d\n%s", code, body)
	}
	if c := f.contact(t); c.Preference("Sports") != contacts.OptOut || c.UnsubscribeAll {
		t.Errorf("contact = %+v", c)
	}
	code, _ = post(t, f.link(""), url.Values{"List-Unsubscribe": {"One-Click"}})
	if c := f.contact(t); code != http.StatusOK || !c.UnsubscribeAll {
		t.Errorf("without a topic: %d, %+v", code, c)
	}
}

func TestPreferencePage(t *testing.T) {
	t.Parallel()
	f := newUnsubscribeFixture(t)
	link := f.link("Sports")
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	page := string(b)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `name="topic.Sports" checked`) ||
		strings.Contains(page, `name="topic.Daily" checked`) || !strings.Contains(page, "Sports &lt;news&gt;") {
		t.Fatalf("GET: %s\n%s", resp.Status, page)
	}
	if _, _, err := f.svc.GetContact(context.Background(), testAccount, "Newsletter", "jane@example.net"); err == nil {
		t.Error("GET made a contact: a link scanner would subscribe people")
	}
	// Opt in to Daily, keep Sports.
	code, body := post(t, link, url.Values{"topic.Sports": {"on"}, "topic.Daily": {"on"}})
	if code != http.StatusOK || !strings.Contains(body, "Your preferences are saved.") || !strings.Contains(body, `name="topic.Daily" checked`) {
		t.Fatalf("form POST: %d\n%s", code, body)
	}
	c := f.contact(t)
	if c.Preference("Daily") != contacts.OptIn || c.Preference("Sports") != "" || c.UnsubscribeAll {
		t.Errorf("contact = %+v", c)
	}
	post(t, link, url.Values{"all": {"on"}})
	if c := f.contact(t); !c.UnsubscribeAll || c.Preference("Sports") != contacts.OptOut {
		t.Errorf("after unsubscribe from all: %+v", c)
	}
}

func TestBadUnsubscribeLinks(t *testing.T) {
	t.Parallel()
	f := newUnsubscribeFixture(t)
	link := f.link("Sports")
	if code, _ := post(t, link+"A", url.Values{"List-Unsubscribe": {"One-Click"}}); code != http.StatusBadRequest {
		t.Errorf("altered link: %d", code)
	}
	if code, _ := post(t, f.srv.URL+contacts.Path, url.Values{"List-Unsubscribe": {"One-Click"}}); code != http.StatusBadRequest {
		t.Errorf("no token: %d", code)
	}
	f.clock.Advance(contacts.DefaultTokenTTL)
	if code, _ := post(t, link, url.Values{"List-Unsubscribe": {"One-Click"}}); code != http.StatusGone {
		t.Errorf("expired link: %d", code)
	}
	if _, _, err := f.svc.GetContact(context.Background(), testAccount, "Newsletter", "jane@example.net"); err == nil {
		t.Error("a refused link changed the contact")
	}
}
