package contacts

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hikyaku/hikyaku/internal/clock"
	"github.com/hikyaku/hikyaku/internal/fault"
	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/store/sqlite"
)

const acct = "111122223333"

type fixture struct {
	svc   *Service
	st    store.Store
	clock *clock.Fake
	links *Links
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clk := clock.NewFake(time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC))
	if err := st.CreateAccount(ctx, &store.Account{ID: acct, Name: "t", SendingEnabled: true, EnforcementStatus: "HEALTHY",
		CreatedAt: clk.Now(), UpdatedAt: clk.Now()}); err != nil {
		t.Fatal(err)
	}
	return &fixture{svc: New(st, clk), st: st, clock: clk,
		links: NewLinks([]byte("0123456789abcdef0123456789abcdef"), "https://mail.example.com/", "mx.example.com")}
}

// newsletter is a list with an opt-out topic (Sports, default OPT_IN) and
// an opt-in one (Daily, default OPT_OUT).
func (f *fixture) newsletter(t testing.TB) {
	t.Helper()
	err := f.svc.CreateList(context.Background(), acct, &List{Name: "Newsletter", Description: "news", Topics: []Topic{
		{Name: "Sports", DisplayName: "Sports news", DefaultSubscriptionStatus: OptIn},
		{Name: "Daily", DisplayName: "Daily digest", DefaultSubscriptionStatus: OptOut},
	}})
	if err != nil {
		t.Fatal(err)
	}
}

func code(err error) string {
	if f := fault.As(err); f != nil {
		return f.Code + ": " + f.Message
	}
	if err != nil {
		return "non-fault: " + err.Error()
	}
	return ""
}

func TestOneListPerAccount(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.newsletter(t)
	ctx := context.Background()
	for _, name := range []string{"Other", "Newsletter"} {
		err := f.svc.CreateList(ctx, acct, &List{Name: name})
		if got, want := code(err), "BadRequestException: A maximum of 1 Lists allowed per account."; got != want {
			t.Errorf("second list %s: %s, want %s", name, got, want)
		}
	}
	lists, more, err := f.svc.Lists(ctx, acct, "", 10)
	if err != nil || more || len(lists) != 1 || lists[0].Name != "Newsletter" {
		t.Fatalf("Lists = %v %v %v", lists, more, err)
	}
}

func TestListValidation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	many := make([]Topic, MaxTopics+1)
	for i := range many {
		many[i] = Topic{Name: "t" + strings.Repeat("x", i), DisplayName: "T", DefaultSubscriptionStatus: OptIn}
	}
	tests := []struct {
		name string
		list List
		want string
	}{
		{"blank name", List{Name: ""}, "ContactListName can't be blank."},
		{"bad name", List{Name: "a b"}, "ContactListName can contain up to 64 characters."},
		{"too many topics", List{Name: "L", Topics: many}, "Maximum of <20> topics allowed per ContactList"},
		{"duplicate topic", List{Name: "L", Topics: []Topic{{Name: "A", DisplayName: "a", DefaultSubscriptionStatus: OptIn},
			{Name: "A", DisplayName: "b", DefaultSubscriptionStatus: OptOut}}}, "Duplicate topic names"},
		{"bad status", List{Name: "L", Topics: []Topic{{Name: "A", DisplayName: "a", DefaultSubscriptionStatus: "YES"}}},
			"1 validation error detected: Value at 'topics.1.member.defaultSubscriptionStatus' failed to satisfy constraint"},
		{"no display name", List{Name: "L", Topics: []Topic{{Name: "A", DefaultSubscriptionStatus: OptIn}}},
			"1 validation error detected: Value at 'topics.1.member.displayName'"},
		{"long description", List{Name: "L", Description: strings.Repeat("d", 501)}, "List description can contain up to 500 characters."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := f.svc.CreateList(ctx, acct, &tt.list)
			if got := code(err); !strings.Contains(got, "BadRequestException: "+tt.want) {
				t.Errorf("got %s, want BadRequestException: %s", got, tt.want)
			}
		})
	}
}

func TestListLifecycle(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.svc.GetList(ctx, acct, "Newsletter"); code(err) != "NotFoundException: List with name: Newsletter doesn't exist." {
		t.Fatalf("missing list: %s", code(err))
	}
	f.newsletter(t)
	if err := f.svc.CreateContact(ctx, acct, "Newsletter", &Contact{EmailAddress: "Jane@Example.com"}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Hour)
	err := f.svc.UpdateList(ctx, acct, &List{Name: "Newsletter", Topics: []Topic{{Name: "Sports", DisplayName: "S", DefaultSubscriptionStatus: OptOut}}})
	if err != nil {
		t.Fatal(err)
	}
	l, err := f.svc.GetList(ctx, acct, "Newsletter")
	if err != nil {
		t.Fatal(err)
	}
	if l.Description != "" || len(l.Topics) != 1 || !l.LastUpdatedTimestamp.After(l.CreatedTimestamp) {
		t.Errorf("UpdateList is not a complete replacement: %+v", l)
	}
	if err := f.svc.DeleteList(ctx, acct, "Newsletter"); err != nil {
		t.Fatal(err)
	}
	f.newsletter(t)
	if _, _, err := f.svc.GetContact(ctx, acct, "Newsletter", "jane@example.com"); !strings.HasPrefix(code(err), "NotFoundException") {
		t.Errorf("a contact survived the deletion of its list: %s", code(err))
	}
}

func TestContactLifecycle(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.newsletter(t)
	ctx := context.Background()
	c := &Contact{EmailAddress: "Jane@Example.com", AttributesData: `{"Name":"Jane"}`,
		TopicPreferences: []Preference{{TopicName: "Daily", SubscriptionStatus: OptIn}}}
	if err := f.svc.CreateContact(ctx, acct, "Newsletter", c); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		c    Contact
		want string
	}{
		{"same address in another case", Contact{EmailAddress: "jane@example.com"}, "AlreadyExistsException: jane@example.com already exists in List."},
		{"invalid address", Contact{EmailAddress: "not an address"}, "BadRequestException: EmailAddress <not an address> is invalid"},
		{"blank address", Contact{EmailAddress: " "}, "BadRequestException: EmailAddress can't be blank."},
		{"unknown topic", Contact{EmailAddress: "x@example.com", TopicPreferences: []Preference{{TopicName: "Golf", SubscriptionStatus: OptIn}}},
			"BadRequestException: List: Newsletter doesn't contain Topic: Golf"},
		{"attributes not an object", Contact{EmailAddress: "x@example.com", AttributesData: "[1]"}, "BadRequestException: AttributesData must be a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := code(f.svc.CreateContact(ctx, acct, "Newsletter", &tt.c)); !strings.HasPrefix(got, tt.want) {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
	if got := code(f.svc.CreateContact(ctx, acct, "Other", &Contact{EmailAddress: "x@example.com"})); got != "NotFoundException: List with name: Other doesn't exist." {
		t.Errorf("contact of a missing list: %s", got)
	}

	got, l, err := f.svc.GetContact(ctx, acct, "Newsletter", "JANE@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if got.EmailAddress != "Jane@Example.com" || got.AttributesData != `{"Name":"Jane"}` {
		t.Errorf("GetContact = %+v", got)
	}
	if d := l.Defaults(got); len(d) != 1 || d[0] != (Preference{"Sports", OptIn}) {
		t.Errorf("TopicDefaultPreferences = %v", d)
	}

	// An update merges preferences by topic and replaces the rest.
	f.clock.Advance(time.Minute)
	err = f.svc.UpdateContact(ctx, acct, "Newsletter", &Contact{EmailAddress: "jane@example.com",
		TopicPreferences: []Preference{{TopicName: "Sports", SubscriptionStatus: OptOut}}})
	if err != nil {
		t.Fatal(err)
	}
	got, _, _ = f.svc.GetContact(ctx, acct, "Newsletter", "jane@example.com")
	if got.Preference("Daily") != OptIn || got.Preference("Sports") != OptOut || got.AttributesData != "" ||
		!got.LastUpdatedTimestamp.After(got.CreatedTimestamp) {
		t.Errorf("after UpdateContact: %+v", got)
	}
	if err := f.svc.UpdateContact(ctx, acct, "Newsletter", &Contact{EmailAddress: "joe@example.com"}); code(err) != "NotFoundException: joe@example.com doesn't exist in List." {
		t.Errorf("update of a missing contact: %s", code(err))
	}
	if err := f.svc.DeleteContact(ctx, acct, "Newsletter", "jane@example.com"); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.DeleteContact(ctx, acct, "Newsletter", "jane@example.com"); !strings.HasPrefix(code(err), "NotFoundException") {
		t.Errorf("second delete: %s", code(err))
	}
}

func TestListContactsFiltersAndPages(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.newsletter(t)
	ctx := context.Background()
	add := func(addr string, all bool, prefs ...Preference) {
		t.Helper()
		if err := f.svc.CreateContact(ctx, acct, "Newsletter", &Contact{EmailAddress: addr, UnsubscribeAll: all, TopicPreferences: prefs}); err != nil {
			t.Fatal(err)
		}
	}
	add("a@example.com", false)
	add("b@example.com", false, Preference{"Sports", OptOut})
	add("c@example.com", false, Preference{"Daily", OptIn})
	add("d@example.com", true)
	add("e@example.com", true, Preference{"Sports", OptIn})

	list := func(flt Filter, size int) []string {
		t.Helper()
		var out []string
		after := ""
		for {
			cs, _, next, err := f.svc.ListContacts(ctx, acct, "Newsletter", flt, after, size)
			if err != nil {
				t.Fatal(err)
			}
			if len(cs) > size {
				t.Fatalf("page of %d, size %d", len(cs), size)
			}
			for _, c := range cs {
				out = append(out, strings.TrimSuffix(c.EmailAddress, "@example.com"))
			}
			if next == "" {
				return out
			}
			after = next
		}
	}
	tests := []struct {
		name   string
		filter Filter
		want   string
	}{
		{"everyone", Filter{}, "a b c d e"},
		{"subscribed to the list", Filter{Status: OptIn}, "a b c"},
		{"unsubscribed from all", Filter{Status: OptOut}, "d e"},
		{"opted in to Sports explicitly", Filter{Status: OptIn, Topic: "Sports"}, ""},
		{"opted in to Sports or by default", Filter{Status: OptIn, Topic: "Sports", UseDefault: true}, "a c"},
		{"opted out of Sports", Filter{Status: OptOut, Topic: "Sports", UseDefault: true}, "b d e"},
		{"opted in to Daily", Filter{Status: OptIn, Topic: "Daily", UseDefault: true}, "c"},
		{"any preference for Sports", Filter{Topic: "Sports"}, "b e"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, size := range []int{1, 2, 100} {
				if got := strings.Join(list(tt.filter, size), " "); got != tt.want {
					t.Errorf("page size %d: %q, want %q", size, got, tt.want)
				}
			}
		})
	}
	if _, _, _, err := f.svc.ListContacts(ctx, acct, "Newsletter", Filter{Topic: "Golf"}, "", 10); !strings.HasPrefix(code(err), "BadRequestException") {
		t.Errorf("unknown topic filter: %s", code(err))
	}
}

func TestAdmits(t *testing.T) {
	t.Parallel()
	l := &List{Name: "L", Topics: []Topic{{Name: "Sports", DefaultSubscriptionStatus: OptIn}, {Name: "Daily", DefaultSubscriptionStatus: OptOut}}}
	tests := []struct {
		name    string
		contact Contact
		topic   string
		want    bool
	}{
		{"new contact, no topic", Contact{}, "", true},
		{"new contact, opt-out topic", Contact{}, "Sports", true},
		{"new contact, opt-in topic", Contact{}, "Daily", false},
		{"opted in to an opt-in topic", Contact{TopicPreferences: []Preference{{"Daily", OptIn}}}, "Daily", true},
		{"opted out", Contact{TopicPreferences: []Preference{{"Sports", OptOut}}}, "Sports", false},
		{"opted out of another topic", Contact{TopicPreferences: []Preference{{"Sports", OptOut}}}, "", true},
		{"unsubscribed from all", Contact{UnsubscribeAll: true, TopicPreferences: []Preference{{"Sports", OptIn}}}, "Sports", false},
		{"unsubscribed from all, no topic", Contact{UnsubscribeAll: true}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, why := l.Admits(&tt.contact, tt.topic); got != tt.want || got == (why != "") {
				t.Errorf("Admits = %v (%q), want %v", got, why, tt.want)
			}
		})
	}
}

func TestImportCSV(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.newsletter(t)
	ctx := context.Background()
	if err := f.svc.CreateContact(ctx, acct, "Newsletter", &Contact{EmailAddress: "old@example.com", AttributesData: `{"a":"1"}`}); err != nil {
		t.Fatal(err)
	}
	in := "emailAddress,unsubscribeAll,attributesData,topicPreferences.Sports,TopicPreferences.Daily,attributes.City\n" +
		"jane@example.com,false,{\"Name\": \"Jane\"},OPT_IN,opt_out,Kyoto\n" +
		"old@example.com,true,,,,\n" +
		"not-an-address,false,,,,\n" +
		"bob@example.com,maybe,,,,\n" +
		"carol@example.com,,,YES,,\n" +
		"dave@example.com\n"
	var seen []int
	res, err := f.svc.Import(ctx, acct, "Newsletter", strings.NewReader(in), 2, func(r ImportResult) { seen = append(seen, r.Rows) })
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 6 || res.Created != 2 || res.Updated != 1 || len(res.Errors) != 3 {
		t.Fatalf("result = %+v", res)
	}
	for i, line := range []int{4, 5, 6} {
		if res.Errors[i].Line != line {
			t.Errorf("error %d on line %d, want %d: %v", i, res.Errors[i].Line, line, res.Errors[i])
		}
	}
	if len(seen) != 3 || seen[2] != 6 {
		t.Errorf("progress reports = %v", seen)
	}
	jane, _, err := f.svc.GetContact(ctx, acct, "Newsletter", "jane@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if jane.Preference("Sports") != OptIn || jane.Preference("Daily") != OptOut || jane.AttributesData != `{"City":"Kyoto","Name":"Jane"}` {
		t.Errorf("jane = %+v", jane)
	}
	old, _, _ := f.svc.GetContact(ctx, acct, "Newsletter", "old@example.com")
	if !old.UnsubscribeAll || old.AttributesData != "" {
		t.Errorf("an imported row does not replace the contact: %+v", old)
	}

	for name, bad := range map[string]string{
		"no email column": "address,topicPreferences.Sports\n",
		"unknown topic":   "emailAddress,topicPreferences.Golf\n",
		"unknown column":  "emailAddress,phone\n",
		"empty":           "",
	} {
		if _, err := f.svc.Import(ctx, acct, "Newsletter", strings.NewReader(bad), 0, nil); err == nil {
			t.Errorf("%s: imported", name)
		}
	}
}
