package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/emersion/go-smtp"

	"github.com/hikyaku/hikyaku/internal/smtptest"
)

// newsletter creates the contact list the tests use: Sports is opt-out
// (default OPT_IN), Daily opt-in (default OPT_OUT).
func newsletter(t *testing.T, c *sesv2.Client) {
	t.Helper()
	_, err := c.CreateContactList(ctx(t), &sesv2.CreateContactListInput{
		ContactListName: aws.String("Newsletter"),
		Description:     aws.String("Hikyaku News"),
		Topics: []types.Topic{
			{TopicName: aws.String("Sports"), DisplayName: aws.String("Sports news"), DefaultSubscriptionStatus: types.SubscriptionStatusOptIn},
			{TopicName: aws.String("Daily"), DisplayName: aws.String("Daily digest"), Description: aws.String("Every morning"),
				DefaultSubscriptionStatus: types.SubscriptionStatusOptOut},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
}

func prefs(ps []types.TopicPreference) string {
	var out []string
	for _, p := range ps {
		out = append(out, aws.ToString(p.TopicName)+"="+string(p.SubscriptionStatus))
	}
	return strings.Join(out, ",")
}

// TestContactListsWithTheSDKAndCLI drives list management with the Go SDK,
// the AWS CLI v2 and `hikyaku contacts import`.
func TestContactListsWithTheSDKAndCLI(t *testing.T) {
	n := startNode(t, "")
	c := n.sesv2(bootKeyID, bootSecret)
	cx := ctx(t)
	newsletter(t, c)

	_, err := c.CreateContactList(cx, &sesv2.CreateContactListInput{ContactListName: aws.String("Second")})
	wantAPIError(t, err, "BadRequestException", "A maximum of 1 Lists allowed per account.")
	_, err = c.GetContactList(cx, &sesv2.GetContactListInput{ContactListName: aws.String("Missing")})
	wantAPIError(t, err, "NotFoundException", "List with name: Missing doesn't exist.")

	got, err := c.GetContactList(cx, &sesv2.GetContactListInput{ContactListName: aws.String("Newsletter")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.Description) != "Hikyaku News" || len(got.Topics) != 2 || aws.ToString(got.Topics[1].Description) != "Every morning" ||
		got.CreatedTimestamp == nil || got.LastUpdatedTimestamp == nil {
		t.Errorf("GetContactList = %+v", got)
	}
	lists, err := c.ListContactLists(cx, &sesv2.ListContactListsInput{})
	if err != nil || len(lists.ContactLists) != 1 || aws.ToString(lists.ContactLists[0].ContactListName) != "Newsletter" {
		t.Fatalf("ListContactLists = %+v, %v", lists, err)
	}

	for _, ct := range []*sesv2.CreateContactInput{
		{EmailAddress: aws.String("Jane@Example.net"), AttributesData: aws.String(`{"Name":"Jane"}`),
			TopicPreferences: []types.TopicPreference{{TopicName: aws.String("Daily"), SubscriptionStatus: types.SubscriptionStatusOptIn}}},
		{EmailAddress: aws.String("joe@example.net"), TopicPreferences: []types.TopicPreference{
			{TopicName: aws.String("Sports"), SubscriptionStatus: types.SubscriptionStatusOptOut}}},
		{EmailAddress: aws.String("gone@example.net"), UnsubscribeAll: true},
	} {
		ct.ContactListName = aws.String("Newsletter")
		if _, err := c.CreateContact(cx, ct); err != nil {
			t.Fatalf("CreateContact %s: %v", aws.ToString(ct.EmailAddress), err)
		}
	}
	_, err = c.CreateContact(cx, &sesv2.CreateContactInput{ContactListName: aws.String("Newsletter"), EmailAddress: aws.String("jane@example.net")})
	wantAPIError(t, err, "AlreadyExistsException", "jane@example.net already exists in List.")
	_, err = c.CreateContact(cx, &sesv2.CreateContactInput{ContactListName: aws.String("Newsletter"), EmailAddress: aws.String("x@example.net"),
		TopicPreferences: []types.TopicPreference{{TopicName: aws.String("Golf"), SubscriptionStatus: types.SubscriptionStatusOptIn}}})
	wantAPIError(t, err, "BadRequestException", "List: Newsletter doesn't contain Topic: Golf")

	jane, err := c.GetContact(cx, &sesv2.GetContactInput{ContactListName: aws.String("Newsletter"), EmailAddress: aws.String("jane@example.net")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(jane.EmailAddress) != "Jane@Example.net" || prefs(jane.TopicPreferences) != "Daily=OPT_IN" ||
		prefs(jane.TopicDefaultPreferences) != "Sports=OPT_IN" || aws.ToString(jane.AttributesData) != `{"Name":"Jane"}` {
		t.Errorf("GetContact = %+v", jane)
	}

	// Filters, and pages of one.
	list := func(f *types.ListContactsFilter) string {
		t.Helper()
		var out []string
		var next *string
		for {
			page, err := c.ListContacts(cx, &sesv2.ListContactsInput{ContactListName: aws.String("Newsletter"), Filter: f,
				PageSize: aws.Int32(1), NextToken: next})
			if err != nil {
				t.Fatal(err)
			}
			for _, ct := range page.Contacts {
				out = append(out, strings.ToLower(aws.ToString(ct.EmailAddress)))
			}
			if next = page.NextToken; next == nil {
				return strings.Join(out, " ")
			}
		}
	}
	if got := list(nil); got != "gone@example.net jane@example.net joe@example.net" {
		t.Errorf("all contacts: %s", got)
	}
	sports := &types.ListContactsFilter{FilteredStatus: types.SubscriptionStatusOptIn,
		TopicFilter: &types.TopicFilter{TopicName: aws.String("Sports"), UseDefaultIfPreferenceUnavailable: true}}
	if got := list(sports); got != "jane@example.net" {
		t.Errorf("subscribed to Sports: %s", got)
	}
	if got := list(&types.ListContactsFilter{FilteredStatus: types.SubscriptionStatusOptOut}); got != "gone@example.net" {
		t.Errorf("unsubscribed from all: %s", got)
	}

	_, err = c.UpdateContact(cx, &sesv2.UpdateContactInput{ContactListName: aws.String("Newsletter"), EmailAddress: aws.String("joe@example.net"),
		TopicPreferences: []types.TopicPreference{{TopicName: aws.String("Daily"), SubscriptionStatus: types.SubscriptionStatusOptIn}}})
	if err != nil {
		t.Fatal(err)
	}
	joe, err := c.GetContact(cx, &sesv2.GetContactInput{ContactListName: aws.String("Newsletter"), EmailAddress: aws.String("joe@example.net")})
	if err != nil || prefs(joe.TopicPreferences) != "Sports=OPT_OUT,Daily=OPT_IN" {
		t.Errorf("after UpdateContact: %+v, %v", joe, err)
	}
	if _, err := c.DeleteContact(cx, &sesv2.DeleteContactInput{ContactListName: aws.String("Newsletter"), EmailAddress: aws.String("gone@example.net")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetContact(cx, &sesv2.GetContactInput{ContactListName: aws.String("Newsletter"), EmailAddress: aws.String("gone@example.net")})
	wantAPIError(t, err, "NotFoundException", "gone@example.net doesn't exist in List.")

	t.Run("the AWS CLI", func(t *testing.T) {
		ac := awsRunner(t, n)
		out := ac.must("sesv2", "list-contact-lists")
		if !strings.Contains(out, `"ContactListName": "Newsletter"`) {
			t.Errorf("list-contact-lists:\n%s", out)
		}
		ac.must("sesv2", "create-contact", "--contact-list-name", "Newsletter", "--email-address", "cli@example.net",
			"--topic-preferences", "TopicName=Sports,SubscriptionStatus=OPT_OUT", "--attributes-data", `{"via":"cli"}`)
		out = ac.must("sesv2", "get-contact", "--contact-list-name", "Newsletter", "--email-address", "cli@example.net")
		var ct struct {
			EmailAddress            string
			TopicPreferences        []map[string]string
			TopicDefaultPreferences []map[string]string
			AttributesData          string
		}
		if err := json.Unmarshal([]byte(out), &ct); err != nil || ct.EmailAddress != "cli@example.net" || len(ct.TopicPreferences) != 1 ||
			ct.TopicPreferences[0]["SubscriptionStatus"] != "OPT_OUT" || len(ct.TopicDefaultPreferences) != 1 || ct.AttributesData != `{"via":"cli"}` {
			t.Errorf("get-contact: %v\n%s", err, out)
		}
		// This CLI's model has ListContacts as a GET, paged in the query.
		filter := "FilteredStatus=OPT_OUT,TopicFilter={TopicName=Sports,UseDefaultIfPreferenceUnavailable=true}"
		var got []string
		next := ""
		for range 5 {
			args := []string{"sesv2", "list-contacts", "--contact-list-name", "Newsletter", "--page-size", "1", "--filter", filter}
			if next != "" {
				args = append(args, "--next-token", next)
			}
			out = ac.must(args...)
			var page struct {
				Contacts  []struct{ EmailAddress string }
				NextToken string
			}
			if err := json.Unmarshal([]byte(out), &page); err != nil || len(page.Contacts) > 1 {
				t.Fatalf("list-contacts: %v\n%s", err, out)
			}
			for _, c := range page.Contacts {
				got = append(got, c.EmailAddress)
			}
			if next = page.NextToken; next == "" {
				break
			}
		}
		if strings.Join(got, " ") != "cli@example.net joe@example.net" {
			t.Errorf("list-contacts opted out of Sports: %v", got)
		}
		ac.must("sesv2", "update-contact-list", "--contact-list-name", "Newsletter", "--description", "Renamed",
			"--topics", "TopicName=Sports,DisplayName=Sports,DefaultSubscriptionStatus=OPT_IN",
			"TopicName=Daily,DisplayName=Daily,DefaultSubscriptionStatus=OPT_OUT")
		out = ac.must("sesv2", "get-contact-list", "--contact-list-name", "Newsletter")
		if !strings.Contains(out, `"Description": "Renamed"`) {
			t.Errorf("get-contact-list after update:\n%s", out)
		}
		ac.fails("NotFoundException", "sesv2", "delete-contact", "--contact-list-name", "Newsletter", "--email-address", "nobody@example.net")
	})

	t.Run("CSV import", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "contacts.csv")
		var b strings.Builder
		b.WriteString("emailAddress,unsubscribeAll,topicPreferences.Sports,topicPreferences.Daily,attributes.City\n")
		for i := range 2500 {
			fmt.Fprintf(&b, "user%04d@example.org,false,OPT_IN,,Kyoto\n", i)
		}
		b.WriteString("broken address,false,,,\njoe@example.net,true,,OPT_IN,\nbad@example.org,false,MAYBE,,\n")
		if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := n.admin("contacts", "import", "--account", "default", "--list", "Newsletter", file)
		if err == nil {
			t.Fatalf("an import with bad rows exited 0:\n%s", out)
		}
		for _, want := range []string{
			"2000 rows read, 2000 imported, 0 failed",
			"contacts.csv:2502: EmailAddress <broken address> is invalid",
			`contacts.csv:2504: topicPreferences.Sports "MAYBE" is not OPT_IN or OPT_OUT`,
			"Imported 2501 contacts into Newsletter: 2500 new, 1 replaced.",
			"2 rows of " + file + " were not imported",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
		joe, err := c.GetContact(cx, &sesv2.GetContactInput{ContactListName: aws.String("Newsletter"), EmailAddress: aws.String("joe@example.net")})
		if err != nil || !joe.UnsubscribeAll || prefs(joe.TopicPreferences) != "Daily=OPT_IN" {
			t.Errorf("joe after the import: %+v, %v", joe, err)
		}
		u, err := c.GetContact(cx, &sesv2.GetContactInput{ContactListName: aws.String("Newsletter"), EmailAddress: aws.String("user1234@example.org")})
		if err != nil || aws.ToString(u.AttributesData) != `{"City":"Kyoto"}` {
			t.Errorf("an imported contact: %+v, %v", u, err)
		}
		if out, err := n.admin("contacts", "import", "--account", "default", "--list", "Nope", file); err == nil ||
			!strings.Contains(out, "List with name: Nope doesn't exist.") {
			t.Errorf("import into a missing list: %v\n%s", err, out)
		}
	})

	if _, err := c.DeleteContactList(cx, &sesv2.DeleteContactListInput{ContactListName: aws.String("Newsletter")}); err != nil {
		t.Fatal(err)
	}
	newsletter(t, c) // the account may have a list again, and it is empty
	page, err := c.ListContacts(cx, &sesv2.ListContactsInput{ContactListName: aws.String("Newsletter")})
	if err != nil || len(page.Contacts) != 0 {
		t.Errorf("contacts of a new list: %+v, %v", page, err)
	}
}

// cli runs the AWS CLI v2 against a node.
type cli struct {
	t    *testing.T
	n    *node
	home string
}

func awsRunner(t *testing.T, n *node) *cli {
	if _, err := os.Stat(awsCLI); err != nil {
		t.Fatalf("%s not found: install Debian's awscli (make test does it)", awsCLI)
	}
	return &cli{t: t, n: n, home: t.TempDir()}
}

func (c *cli) run(args ...string) (string, error) {
	cmd := exec.Command(awsCLI, append(args, "--endpoint-url", c.n.url, "--region", "us-east-1", "--output", "json")...)
	cmd.Env = []string{"HOME=" + c.home, "PATH=/usr/bin:/bin", "AWS_PAGER=",
		"AWS_ACCESS_KEY_ID=" + bootKeyID, "AWS_SECRET_ACCESS_KEY=" + bootSecret,
		"AWS_EC2_METADATA_DISABLED=true", "AWS_MAX_ATTEMPTS=1"}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (c *cli) must(args ...string) string {
	c.t.Helper()
	out, err := c.run(args...)
	if err != nil {
		c.t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func (c *cli) fails(want string, args ...string) {
	c.t.Helper()
	out, err := c.run(args...)
	if err == nil || !strings.Contains(out, want) {
		c.t.Errorf("aws %s: %v, want %s:\n%s", strings.Join(args, " "), err, want, out)
	}
}

// TestOneClickUnsubscribe sends with ListManagementOptions from a DKIM
// signing domain to a test MTA, checks the List-Unsubscribe fields inside
// the signature with dkimpy, unsubscribes exactly as Gmail does (a POST
// of List-Unsubscribe=One-Click, no cookies), and checks the contact, the
// Subscription event and that the next send to the topic skips the
// address; then the same through the mailto address and the MX.
func TestOneClickUnsubscribe(t *testing.T) {
	dns := newDNS(t)
	sink := smtptest.Start(t, smtptest.Options{})
	n := startNode(t, "", mtaArgs(dns.Addr(), sink, 30*time.Second)...)
	c := n.sesv2(bootKeyID, bootSecret)
	cx := ctx(t)
	out, err := c.CreateEmailIdentity(cx, &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String("example.com")})
	if err != nil {
		t.Fatal(err)
	}
	selector := out.DkimAttributes.Tokens[0]
	record := publishDKIM(t, dns, n.mustAdmin("identity", "records", "example.com"), selector)
	if got, err := c.GetEmailIdentity(cx, &sesv2.GetEmailIdentityInput{EmailIdentity: aws.String("example.com")}); err != nil || !got.VerifiedForSendingStatus {
		t.Fatalf("identity not verified: %v", err)
	}
	newsletter(t, c)

	send := func(to, topic, text string) string {
		t.Helper()
		in := &sesv2.SendEmailInput{
			FromEmailAddress:      aws.String("News <news@example.com>"),
			Destination:           &types.Destination{ToAddresses: []string{to}},
			Content:               simple("Sports news", text),
			ListManagementOptions: &types.ListManagementOptions{ContactListName: aws.String("Newsletter")},
		}
		if topic != "" {
			in.ListManagementOptions.TopicName = aws.String(topic)
		}
		res, err := c.SendEmail(cx, in)
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(res.MessageId)
	}
	jane := "jane@" + mtaDomain
	first := send(jane, "Sports", "Goal! To stop these: {{amazonSESUnsubscribeUrl}}")
	waitStatus(t, n, first, "delivered")
	msg := received(t, sink, jane)

	parsed, err := mail.ReadMessage(bytes.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	lu := parsed.Header.Get("List-Unsubscribe")
	m := regexp.MustCompile(`^<(http://[^>]+/unsubscribe\?t=[^>]+)>,\s*<mailto:(unsubscribe\+[a-z0-9-]+@hikyaku\.test)>$`).FindStringSubmatch(lu)
	if m == nil {
		t.Fatalf("List-Unsubscribe = %q", lu)
	}
	link := m[1]
	if got := parsed.Header.Get("List-Unsubscribe-Post"); got != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe-Post = %q", got)
	}
	body, _ := io.ReadAll(parsed.Body)
	if !strings.Contains(string(body), link) {
		t.Errorf("{{amazonSESUnsubscribeUrl}} was not replaced by the link:\n%s", body)
	}
	sig := strings.Join(strings.Fields(parsed.Header.Get("DKIM-Signature")), "")
	if !strings.Contains(sig, ":List-Unsubscribe:List-Unsubscribe-Post:") {
		t.Errorf("the DKIM signature does not cover both fields: %s", sig)
	}
	if ok, why := dkimpyVerifies(t, msg, selector+"._domainkey.example.com", record); !ok {
		t.Fatalf("dkimpy does not verify the signature: %s\n%s", why, head(msg))
	}

	// The preference page shows the topics; looking changes nothing.
	page := httpGet(t, link)
	if !strings.Contains(page, "Sports news") || !strings.Contains(page, `name="topic.Sports" checked`) {
		t.Errorf("preference page:\n%s", page)
	}

	// Gmail's one-click POST: a form body, no cookies, no redirects.
	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest(http.MethodPost, link, strings.NewReader("List-Unsubscribe=One-Click"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("one-click POST: %s", resp.Status)
	}
	ct, err := c.GetContact(cx, &sesv2.GetContactInput{ContactListName: aws.String("Newsletter"), EmailAddress: aws.String(jane)})
	if err != nil || prefs(ct.TopicPreferences) != "Sports=OPT_OUT" || ct.UnsubscribeAll {
		t.Fatalf("contact after one-click: %+v, %v", ct, err)
	}
	evs := subscriptionEvents(t, n)
	if len(evs) != 1 || evs[0].MessageID != first || !strings.Contains(evs[0].raw, `"Source":"UnsubscribeHeader"`) ||
		!strings.Contains(evs[0].raw, `"ContactList":"Newsletter"`) || !strings.Contains(evs[0].raw, `"recipient":"jane@mta.test"`) {
		t.Fatalf("Subscription events: %+v", evs)
	}

	// The next send about Sports skips her, with its own status.
	second := send(jane, "Sports", "More goals")
	tr := n.trace(second)
	if r := tr.Recipients[0]; r.Status != "unsubscribed" || r.Outcome.BounceType != "Permanent" || r.Outcome.BounceSubType != "UnsubscribedRecipient" {
		t.Errorf("second send: %+v", tr.Recipients)
	}
	if typ, _ := n.eventTypes(second); strings.Join(typ, ",") != "Send,Bounce" {
		t.Errorf("events of the skipped send: %v", typ)
	}
	if !strings.Contains(n.mustAdmin("trace", second), "unsubscribed") {
		t.Error("`hikyaku trace` does not say the recipient unsubscribed")
	}

	// The mailto address, through the MX: Bob unsubscribes from the list.
	bob := "bob@" + mtaDomain
	third := send(bob, "", "Hello Bob")
	waitStatus(t, n, third, "delivered")
	mailto := regexp.MustCompile(`<mailto:([^>]+)>`).FindStringSubmatch(mailHeader(t, received(t, sink, bob), "List-Unsubscribe"))
	if mailto == nil {
		t.Fatal("no mailto in Bob's List-Unsubscribe")
	}
	sc, err := smtp.Dial(n.mxAddr)
	if err != nil {
		t.Fatal(err)
	}
	if err := sc.SendMail(bob, []string{mailto[1]}, strings.NewReader("From: "+bob+"\r\nTo: "+mailto[1]+"\r\nSubject: unsubscribe\r\n\r\nunsubscribe\r\n")); err != nil {
		t.Fatalf("mail to %s: %v", mailto[1], err)
	}
	sc.Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ct, err := c.GetContact(cx, &sesv2.GetContactInput{ContactListName: aws.String("Newsletter"), EmailAddress: aws.String(bob)})
		if err == nil && ct.UnsubscribeAll {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Bob is not unsubscribed after mailing %s: %+v, %v", mailto[1], ct, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if evs := subscriptionEvents(t, n); len(evs) != 2 || evs[0].MessageID != third {
		t.Errorf("Subscription events after the mailto: %+v", evs)
	}
	// A forged address is refused at RCPT.
	sc, err = smtp.Dial(n.mxAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	forged := strings.Replace(mailto[1], "unsubscribe+a", "unsubscribe+b", 1)
	if forged == mailto[1] {
		forged = strings.Replace(mailto[1], "unsubscribe+", "unsubscribe+a", 1)
	}
	if err := sc.SendMail(bob, []string{forged}, strings.NewReader("Subject: x\r\n\r\nx\r\n")); err == nil {
		t.Errorf("the MX took mail for a forged unsubscribe address %s", forged)
	}
	// A changed link is refused.
	req, _ = http.NewRequest(http.MethodPost, link+"x", strings.NewReader("List-Unsubscribe=One-Click"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if resp, err := client.Do(req); err != nil || resp.StatusCode != http.StatusBadRequest {
		t.Errorf("POST to a changed link: %v %v", resp.Status, err)
	}
}

// received waits for the sink's message to rcpt.
func received(t *testing.T, sink *smtptest.Server, rcpt string) []byte {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		for _, m := range sink.Messages() {
			for _, r := range m.Rcpts {
				if strings.EqualFold(r, rcpt) {
					return m.Data
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no message for %s reached the sink", rcpt)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func mailHeader(t *testing.T, msg []byte, name string) string {
	t.Helper()
	parsed, err := mail.ReadMessage(bytes.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	return parsed.Header.Get(name)
}

func httpGet(t *testing.T, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s\n%s", u, resp.Status, b)
	}
	return string(b)
}

type loggedEvent struct {
	MessageID string
	raw       string
}

// subscriptionEvents lists the default account's Subscription events,
// newest first, as `hikyaku events list` prints them.
func subscriptionEvents(t *testing.T, n *node) []loggedEvent {
	t.Helper()
	out := strings.TrimSpace(n.mustAdmin("events", "list", "--account", "default", "--type", "Subscription", "--json"))
	var evs []loggedEvent
	for _, line := range strings.Split(out, "\n") {
		if line == "" {
			continue
		}
		var e struct {
			EventType string `json:"eventType"`
			Mail      struct {
				MessageID string `json:"messageId"`
			} `json:"mail"`
			MessageID string `json:"messageId"`
		}
		if err := json.Unmarshal([]byte(line), &e); err != nil || e.EventType != "Subscription" {
			t.Fatalf("events list line: %v\n%s", err, line)
		}
		id := e.Mail.MessageID
		if id == "" {
			id = e.MessageID
		}
		evs = append(evs, loggedEvent{MessageID: id, raw: line})
	}
	return evs
}
