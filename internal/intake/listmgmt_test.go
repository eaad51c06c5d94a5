package intake

import (
	"context"
	"log/slog"
	"regexp"
	"strings"
	"testing"

	"github.com/hikyaku/hikyaku/internal/contacts"
	"github.com/hikyaku/hikyaku/internal/dkim"
	"github.com/hikyaku/hikyaku/internal/eventlog"
	"github.com/hikyaku/hikyaku/internal/identity"
	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/templates"
)

// signer signs mail from example.com with one key.
type signer struct{ key *dkim.Key }

func (s signer) SigningFor(_ context.Context, _, domain string) (*identity.Signing, error) {
	if domain != "example.com" {
		return nil, nil
	}
	return &identity.Signing{Domain: "example.com", Selector: "sel", Key: s.key}, nil
}

// listFixture is a fixture whose Intake has list management, templates
// and DKIM signing, and a contact list Newsletter with topics Sports
// (default OPT_IN) and Daily (default OPT_OUT).
func listFixture(t *testing.T) (*fixture, *contacts.Service, *contacts.Links) {
	t.Helper()
	f := newFixture(t, true, -1, -1)
	svc := contacts.New(f.st, f.clock)
	links := contacts.NewLinks([]byte("unsubscribe key for the tests..."), "https://mail.example.com", "mx.example.com")
	key, err := dkim.GenerateKey(1024)
	if err != nil {
		t.Fatal(err)
	}
	tpl := templates.New(f.st, f.clock)
	f.in = New(f.st, verified{"example.com": true}, f.clock, slog.New(slog.DiscardHandler), Options{Region: "us-east-1",
		Hostname: "hikyaku.test", Templates: tpl, Signing: signer{key}, Lists: &contacts.Sending{Contacts: svc, Links: links}})
	ctx := context.Background()
	err = svc.CreateList(ctx, f.acct.ID, &contacts.List{Name: "Newsletter", Topics: []contacts.Topic{
		{Name: "Sports", DisplayName: "Sports", DefaultSubscriptionStatus: contacts.OptIn},
		{Name: "Daily", DisplayName: "Daily", DefaultSubscriptionStatus: contacts.OptOut}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := tpl.Create(ctx, f.acct.ID, &templates.Template{Name: "News", Subject: "News for {{name}}",
		Text: "Hi {{name}}. Unsubscribe: {{amazonSESUnsubscribeUrl}}", HTML: `<a href="{{amazonSESUnsubscribeUrl}}">unsubscribe</a>`}); err != nil {
		t.Fatal(err)
	}
	return f, svc, links
}

func (f *fixture) sendList(lm *ListManagement, s *Simple, to ...string) (string, error) {
	return f.in.Send(context.Background(), &Request{Account: f.acct, Origin: "api-v2", MaxSize: MaxSizeV2,
		From: "news@example.com", To: to, Simple: s, ListManagement: lm})
}

var unsubscribeURLRE = regexp.MustCompile(`https://mail\.example\.com/unsubscribe\?t=[A-Za-z0-9_%-]+`)

// header returns the unfolded value of a header field of body.
func header(body, name string) string {
	head, _, _ := strings.Cut(body, "\r\n\r\n")
	head = strings.ReplaceAll(strings.ReplaceAll(head, "\r\n ", " "), "\r\n\t", " ")
	for _, line := range strings.Split(head, "\r\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func TestListSendAddsSignedOneClickHeaders(t *testing.T) {
	t.Parallel()
	f, svc, links := listFixture(t)
	id, err := f.sendList(&ListManagement{ContactList: "Newsletter", Topic: "Sports"},
		&Simple{Subject: "hi", Text: "Leave: {{amazonSESUnsubscribeUrl}} {{amazonSESUnsubscribeUrl}} {{amazonSESUnsubscribeUrl}}",
			HTML:    "<a href='{{amazonSESUnsubscribeUrl}}'>x</a>",
			Headers: []Header{{Name: "List-Unsubscribe", Value: "<mailto:mine@example.com>"}}},
		"Jane <jane@example.net>")
	if err != nil {
		t.Fatal(err)
	}
	m, body := f.message(t, id)
	lu := header(body, "List-Unsubscribe")
	u := unsubscribeURLRE.FindString(lu)
	if u == "" || !strings.Contains(lu, "<mailto:"+links.Mailto(id, 0)+">") || strings.Contains(body, "mine@example.com") {
		t.Fatalf("List-Unsubscribe = %q", lu)
	}
	if got := header(body, "List-Unsubscribe-Post"); got != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe-Post = %q", got)
	}
	if strings.Count("\r\n"+body, "\r\nList-Unsubscribe:") != 1 {
		t.Errorf("the caller's List-Unsubscribe was not replaced:\n%s", body)
	}
	sig := header(body, "DKIM-Signature")
	if h := regexp.MustCompile(`h=([^;]+)`).FindStringSubmatch(strings.ReplaceAll(sig, " ", "")); h == nil ||
		!strings.Contains(h[1], ":List-Unsubscribe:List-Unsubscribe-Post:") {
		t.Errorf("DKIM h= does not cover the List-Unsubscribe fields: %s", sig)
	}
	// The token names the account, list, topic, recipient and message.
	sealed, _ := contacts.TokenFromURL(u)
	tok, err := links.Open(sealed, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	want := contacts.Token{AccountID: f.acct.ID, List: "Newsletter", Topic: "Sports", Address: "jane@example.net", MessageID: id,
		Expires: tok.Expires}
	if *tok != want {
		t.Errorf("token = %+v, want %+v", tok, want)
	}
	// The placeholder is filled twice at most, in text and HTML together.
	if n := strings.Count(body, "{{amazonSESUnsubscribeUrl}}"); n != 2 {
		t.Errorf("%d placeholders left, want 2 (of 4):\n%s", n, body)
	}
	// The recipient became a contact with no preferences.
	c, _, err := svc.GetContact(context.Background(), f.acct.ID, "Newsletter", "jane@example.net")
	if err != nil || len(c.TopicPreferences) != 0 || c.UnsubscribeAll {
		t.Errorf("contact = %+v, %v", c, err)
	}
	if m.Recipients[0].Status != store.RcptQueued {
		t.Errorf("status %s", m.Recipients[0].Status)
	}
}

func TestTemplatedListSendFillsTheUnsubscribeURL(t *testing.T) {
	t.Parallel()
	f, _, _ := listFixture(t)
	id, err := f.in.Send(context.Background(), &Request{Account: f.acct, Origin: "api-v2", MaxSize: MaxSizeV2,
		From: "news@example.com", To: []string{"jane@example.net"}, Operation: "SendTemplatedEmail",
		Template:       &TemplateContent{Name: "News", Data: `{"name":"Jane"}`},
		ListManagement: &ListManagement{ContactList: "Newsletter"}})
	if err != nil {
		t.Fatal(err)
	}
	_, body := f.message(t, id)
	if strings.Contains(body, "amazonSESUnsubscribeUrl") || len(unsubscribeURLRE.FindAllString(body, -1)) < 2 {
		t.Errorf("the template's unsubscribe URL is not filled:\n%s", body)
	}
}

func TestListSendSkipsUnsubscribedContacts(t *testing.T) {
	t.Parallel()
	f, svc, _ := listFixture(t)
	ctx := context.Background()
	for _, c := range []*contacts.Contact{
		{EmailAddress: "out@example.net", TopicPreferences: []contacts.Preference{{TopicName: "Sports", SubscriptionStatus: contacts.OptOut}}},
		{EmailAddress: "all@example.net", UnsubscribeAll: true},
		{EmailAddress: "daily@example.net", TopicPreferences: []contacts.Preference{{TopicName: "Daily", SubscriptionStatus: contacts.OptIn}}},
	} {
		if err := svc.CreateContact(ctx, f.acct.ID, "Newsletter", c); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name  string
		topic string
		want  map[string]string
	}{
		{"opt-out topic", "Sports", map[string]string{"out@example.net": store.RcptUnsubscribed, "all@example.net": store.RcptUnsubscribed,
			"daily@example.net": store.RcptQueued, "new@example.net": store.RcptQueued}},
		{"opt-in topic", "Daily", map[string]string{"out@example.net": store.RcptUnsubscribed, "all@example.net": store.RcptUnsubscribed,
			"daily@example.net": store.RcptQueued, "new@example.net": store.RcptUnsubscribed}},
		{"whole list", "", map[string]string{"out@example.net": store.RcptQueued, "all@example.net": store.RcptUnsubscribed,
			"daily@example.net": store.RcptQueued, "new@example.net": store.RcptQueued}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := f.sendList(&ListManagement{ContactList: "Newsletter", Topic: tt.topic}, &Simple{Subject: "s", Text: "t"},
				"out@example.net", "all@example.net", "daily@example.net", "new@example.net")
			if err != nil {
				t.Fatal(err)
			}
			m, body := f.message(t, id)
			if strings.Contains(body, "List-Unsubscribe") {
				t.Error("a message to several recipients has List-Unsubscribe")
			}
			bounces := map[string]string{}
			for _, e := range f.events(t, id) {
				if e.Type == "Bounce" {
					bounces[e.Recipient] = e.Subtype
				}
			}
			for _, r := range m.Recipients {
				if r.Status != tt.want[r.Address] {
					t.Errorf("%s: %s, want %s", r.Address, r.Status, tt.want[r.Address])
				}
				if r.Status == store.RcptUnsubscribed {
					if bounces[r.Address] != "Permanent/"+UnsubscribedSubType || !strings.Contains(r.Outcome.Diagnostic, "Newsletter") {
						t.Errorf("%s: bounce %q, outcome %+v", r.Address, bounces[r.Address], r.Outcome)
					}
				} else if bounces[r.Address] != "" {
					t.Errorf("%s was sent to and has a bounce", r.Address)
				}
			}
		})
	}
}

func TestListSendRefusals(t *testing.T) {
	t.Parallel()
	f, _, _ := listFixture(t)
	for _, tt := range []struct {
		lm   ListManagement
		want string
	}{
		{ListManagement{ContactList: "Other"}, "NotFoundException"},
		{ListManagement{ContactList: "Newsletter", Topic: "Golf"}, "BadRequestException"},
	} {
		if _, err := f.sendList(&tt.lm, &Simple{Subject: "s", Text: "t"}, "jane@example.net"); code(err) != tt.want {
			t.Errorf("%+v: %s, want %s", tt.lm, code(err), tt.want)
		}
	}
	plain := newFixture(t, true, -1, -1)
	if _, err := plain.sendList(&ListManagement{ContactList: "Newsletter"}, &Simple{Subject: "s", Text: "t"}, "a@example.net"); code(err) != "BadRequestException" {
		t.Errorf("without list management: %s", code(err))
	}
}

func TestListManagementHeader(t *testing.T) {
	t.Parallel()
	f, _, _ := listFixture(t)
	ctx := context.Background()
	// In custom headers of Simple content, as a SendBulkEmail's template
	// headers carry it.
	id, err := f.sendList(nil, &Simple{Subject: "s", Text: "t",
		Headers: []Header{{Name: "X-SES-LIST-MANAGEMENT-OPTIONS", Value: "Newsletter; topic=Daily"}}}, "jane@example.net")
	if err != nil {
		t.Fatal(err)
	}
	m, body := f.message(t, id)
	if strings.Contains(body, "X-SES-LIST") || header(body, "List-Unsubscribe-Post") == "" || m.Recipients[0].Status != store.RcptUnsubscribed {
		t.Errorf("status %s, body:\n%s", m.Recipients[0].Status, body)
	}
	// In raw content.
	raw := "From: news@example.com\r\nTo: joe@example.net\r\nSubject: raw\r\nX-SES-LIST-MANAGEMENT-OPTIONS: Newsletter\r\n\r\nhello\r\n"
	id, err = f.in.Send(ctx, &Request{Account: f.acct, Origin: "api-v2", MaxSize: MaxSizeV2, Raw: []byte(raw)})
	if err != nil {
		t.Fatal(err)
	}
	m, body = f.message(t, id)
	if strings.Contains(body, "X-SES-LIST") || unsubscribeURLRE.FindString(header(body, "List-Unsubscribe")) == "" ||
		m.Recipients[0].Status != store.RcptQueued {
		t.Errorf("raw: status %s, body:\n%s", m.Recipients[0].Status, body)
	}
	evs := f.events(t, id)
	if len(evs) != 1 || evs[0].Type != "Send" {
		t.Errorf("events %v", evs)
	}
	if _, err := eventlog.Decode(evs[0]); err != nil {
		t.Error(err)
	}
}

func TestRemoveFields(t *testing.T) {
	t.Parallel()
	in := "A: 1\r\nList-Unsubscribe: <x>,\r\n <y>\r\nB: 2\r\nlist-unsubscribe-post: z\r\n\r\nList-Unsubscribe: body\r\n"
	want := "A: 1\r\nB: 2\r\n\r\nList-Unsubscribe: body\r\n"
	if got := string(removeFields([]byte(in), "List-Unsubscribe", "List-Unsubscribe-Post")); got != want {
		t.Errorf("removeFields = %q, want %q", got, want)
	}
	last := "A: 1\r\nList-Unsubscribe: <x>\r\n\r\nbody"
	if got := string(removeFields([]byte(last), "List-Unsubscribe")); got != "A: 1\r\n\r\nbody" {
		t.Errorf("last field: %q", got)
	}
}
