package e2e

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/http"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ses"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/hikyaku/hikyaku/internal/store/sqlite"
)

// storedText returns the decoded text of every part of a queued message,
// read from the store the server runs on.
func storedText(t *testing.T, n *node, id string) string {
	t.Helper()
	cx := ctx(t)
	st, err := sqlite.Open(cx, n.data+"/hikyaku.db")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	body, err := st.GetMessageBody(cx, id)
	if err != nil {
		t.Fatalf("message %s: %v", id, err)
	}
	m, err := mail.ReadMessage(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	out.WriteString("Subject: " + m.Header.Get("Subject") + "\nFrom: " + m.Header.Get("From") + "\n")
	decodePart(t, textproto(m.Header), m.Body, &out)
	return out.String()
}

type header interface{ Get(string) string }

func textproto(h mail.Header) header { return h }

func decodePart(t *testing.T, h header, r io.Reader, out *strings.Builder) {
	t.Helper()
	mt, params, _ := mime.ParseMediaType(h.Get("Content-Type"))
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(r, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			decodePart(t, p.Header, p, out)
		}
	}
	switch strings.ToLower(h.Get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, r)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	out.Write(b)
	out.WriteString("\n")
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// TestCustomVerificationEmail creates a custom verification template, sends
// it, finds the link appended to the stored mail, and follows it: 302 to
// the success URL and the identity verified; a bad token goes to the
// failure URL.
func TestCustomVerificationEmail(t *testing.T) {
	n := startNode(t, "")
	c := n.sesv2(bootKeyID, bootSecret)
	cx := ctx(t)
	tpl := &sesv2.CreateCustomVerificationEmailTemplateInput{
		TemplateName: aws.String("Welcome"), FromEmailAddress: aws.String("hello@example.com"),
		TemplateSubject: aws.String("Please verify your address"), TemplateContent: aws.String("<p>Welcome to Example!</p>"),
		SuccessRedirectionURL: aws.String("https://example.com/verified"), FailureRedirectionURL: aws.String("https://example.com/failed"),
	}
	if _, err := c.CreateCustomVerificationEmailTemplate(cx, tpl); err != nil {
		t.Fatal(err)
	}
	_, err := c.CreateCustomVerificationEmailTemplate(cx, tpl)
	wantCode(t, err, "AlreadyExistsException")
	got, err := c.GetCustomVerificationEmailTemplate(cx, &sesv2.GetCustomVerificationEmailTemplateInput{TemplateName: aws.String("Welcome")})
	if err != nil || aws.ToString(got.TemplateContent) != "<p>Welcome to Example!</p>" || aws.ToString(got.FromEmailAddress) != "hello@example.com" {
		t.Fatalf("GetCustomVerificationEmailTemplate: %+v, %v", got, err)
	}
	list, err := c.ListCustomVerificationEmailTemplates(cx, &sesv2.ListCustomVerificationEmailTemplatesInput{})
	if err != nil || len(list.CustomVerificationEmailTemplates) != 1 {
		t.Fatalf("ListCustomVerificationEmailTemplates: %+v, %v", list, err)
	}
	_, err = c.GetCustomVerificationEmailTemplate(cx, &sesv2.GetCustomVerificationEmailTemplateInput{TemplateName: aws.String("Nope")})
	wantCode(t, err, "NotFoundException")

	send := &sesv2.SendCustomVerificationEmailInput{EmailAddress: aws.String("new.user@mailbox.test"), TemplateName: aws.String("Welcome")}
	_, err = c.SendCustomVerificationEmail(cx, send)
	wantCode(t, err, "MessageRejected") // the From address is not verified yet
	if _, err := c.CreateEmailIdentity(cx, &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String("example.com")}); err != nil {
		t.Fatal(err)
	}
	n.mustAdmin("identity", "verify", "example.com")

	out, err := c.SendCustomVerificationEmail(cx, send)
	if err != nil {
		t.Fatal(err)
	}
	id, err := c.GetEmailIdentity(cx, &sesv2.GetEmailIdentityInput{EmailIdentity: aws.String("new.user@mailbox.test")})
	if err != nil || id.VerificationStatus != types.VerificationStatusPending {
		t.Fatalf("identity after the send: %+v, %v", id, err)
	}
	text := storedText(t, n, aws.ToString(out.MessageId))
	for _, want := range []string{"Subject: Please verify your address", "From: hello@example.com", "<p>Welcome to Example!</p>"} {
		if !strings.Contains(text, want) {
			t.Errorf("custom verification mail lacks %q:\n%s", want, text)
		}
	}
	m := regexp.MustCompile(`href="(http://[^"]+/verify\?[^"]+)"`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no verification link in the mail:\n%s", text)
	}
	link := strings.ReplaceAll(m[1], "&amp;", "&")
	if strings.Index(text, "Welcome to Example") > strings.Index(text, link[:20]) {
		t.Errorf("the link is not after the template's content:\n%s", text)
	}

	resp, err := noRedirect.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "https://example.com/verified" {
		t.Fatalf("GET link: %s, Location %q", resp.Status, resp.Header.Get("Location"))
	}
	id, err = c.GetEmailIdentity(cx, &sesv2.GetEmailIdentityInput{EmailIdentity: aws.String("new.user@mailbox.test")})
	if err != nil || id.VerificationStatus != types.VerificationStatusSuccess {
		t.Fatalf("identity after the link: %+v, %v", id, err)
	}

	u, _ := url.Parse(link)
	q := u.Query()
	q.Set("token", "0000")
	u.RawQuery = q.Encode()
	resp, err = noRedirect.Get(u.String())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "https://example.com/failed" {
		t.Errorf("GET with a bad token: %s, Location %q", resp.Status, resp.Header.Get("Location"))
	}

	if _, err := c.DeleteCustomVerificationEmailTemplate(cx, &sesv2.DeleteCustomVerificationEmailTemplateInput{TemplateName: aws.String("Welcome")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.SendCustomVerificationEmail(cx, send)
	wantCode(t, err, "NotFoundException")
}

// consentNode starts a node with a verified example.com and the Newsletter
// list, and returns a function sending list mail to one address.
func consentNode(t *testing.T) (*node, *sesv2.Client, func(to string) string) {
	n := startNode(t, "")
	c := n.sesv2(bootKeyID, bootSecret)
	cx := ctx(t)
	if _, err := c.CreateEmailIdentity(cx, &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String("example.com")}); err != nil {
		t.Fatal(err)
	}
	n.mustAdmin("identity", "verify", "example.com")
	newsletter(t, c)
	send := func(to string) string {
		t.Helper()
		res, err := c.SendEmail(cx, &sesv2.SendEmailInput{
			FromEmailAddress:      aws.String("news@example.com"),
			Destination:           &types.Destination{ToAddresses: []string{to}},
			Content:               simple("News", "Hello"),
			ListManagementOptions: &types.ListManagementOptions{ContactListName: aws.String("Newsletter")},
		})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(res.MessageId)
	}
	return n, c, send
}

// TestDoubleOptIn invites a contact, checks a list send skips it with its
// own reason, confirms through the mailed link, and checks the next send
// goes out.
func TestDoubleOptIn(t *testing.T) {
	n, _, send := consentNode(t)
	out := n.mustAdmin("contacts", "invite", "--account", "default", "--list", "Newsletter", "ann@mailbox.test")
	m := regexp.MustCompile(`ann@mailbox.test\tinvited\t(\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("invite printed %q", out)
	}
	text := storedText(t, n, m[1])
	link := regexp.MustCompile(`/confirm\?t=\S+`).FindString(text)
	if link == "" {
		t.Fatalf("no confirmation link in the invitation:\n%s", text)
	}
	link = n.url + link // the CLI does not know the port serve bound

	first := send("ann@mailbox.test")
	if tr := n.mustAdmin("trace", first); !strings.Contains(tr, "double opt-in pending") {
		t.Errorf("trace of a send to a pending contact:\n%s", tr)
	}

	// GET only shows the button: a link scanner confirms nothing.
	if page := httpGet(t, link); !strings.Contains(page, `method="post"`) {
		t.Errorf("confirmation page:\n%s", page)
	}
	second := send("ann@mailbox.test")
	if tr := n.mustAdmin("trace", second); !strings.Contains(tr, "double opt-in pending") {
		t.Errorf("a GET confirmed the contact:\n%s", tr)
	}
	resp, err := http.Post(link, "application/x-www-form-urlencoded", nil)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), "Subscription confirmed") {
		t.Fatalf("POST %s: %s\n%s", link, resp.Status, page)
	}
	third := send("ann@mailbox.test")
	if tr := n.mustAdmin("trace", third); strings.Contains(tr, "double opt-in") || strings.Contains(tr, "unsubscribed") {
		t.Errorf("a confirmed contact is still skipped:\n%s", tr)
	}
	if evs := subscriptionEvents(t, n); len(evs) != 1 {
		t.Errorf("Subscription events after confirming: %+v", evs)
	}

	resp, err = http.Post(link+"x", "application/x-www-form-urlencoded", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("POST to a changed link: %s", resp.Status)
	}
}

// TestSunsetPolicy makes an old unconfirmed contact inactive and checks
// the next list send skips it; a re-permission mail brings it back, and
// --expire unsubscribes one who did not confirm.
func TestSunsetPolicy(t *testing.T) {
	n, c, send := consentNode(t)
	cx := ctx(t)
	for _, a := range []string{"old@mailbox.test", "quiet@mailbox.test"} {
		if _, err := c.CreateContact(cx, &sesv2.CreateContactInput{ContactListName: aws.String("Newsletter"), EmailAddress: aws.String(a)}); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(1100 * time.Millisecond)
	args := []string{"contacts", "sunset", "--account", "default", "--list", "Newsletter", "--after", "1s"}
	if out := n.mustAdmin(append(args, "--dry-run")...); !strings.Contains(out, "2 would be made inactive") {
		t.Errorf("sunset --dry-run: %s", out)
	}
	if tr := n.mustAdmin("trace", send("old@mailbox.test")); strings.Contains(tr, "sunset") {
		t.Errorf("--dry-run changed the contact:\n%s", tr)
	}
	if out := n.mustAdmin(args...); !strings.Contains(out, "2 made inactive") {
		t.Errorf("sunset: %s", out)
	}
	if tr := n.mustAdmin("trace", send("old@mailbox.test")); !strings.Contains(tr, "inactive under the sunset policy") {
		t.Errorf("trace of a send to an inactive contact:\n%s", tr)
	}

	out := n.mustAdmin("contacts", "repermission", "--account", "default", "--list", "Newsletter", "--inactive-for", "1s")
	if !strings.Contains(out, "2 stale contacts: 2 asked to confirm") {
		t.Fatalf("repermission: %s", out)
	}
	m := regexp.MustCompile(`old@mailbox.test\tasked\t(\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("repermission printed %q", out)
	}
	link := regexp.MustCompile(`/confirm\?t=\S+`).FindString(storedText(t, n, m[1]))
	if link == "" {
		t.Fatal("no link in the re-permission mail")
	}
	link = n.url + link
	resp, err := http.Post(link, "application/x-www-form-urlencoded", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if tr := n.mustAdmin("trace", send("old@mailbox.test")); strings.Contains(tr, "sunset") {
		t.Errorf("a re-confirmed contact is still skipped:\n%s", tr)
	}
	time.Sleep(1100 * time.Millisecond)
	out = n.mustAdmin("contacts", "repermission", "--account", "default", "--list", "Newsletter", "--expire", "--window", "1s")
	if !strings.Contains(out, "1 contacts did not confirm") {
		t.Errorf("repermission --expire: %s", out)
	}
	ct, err := c.GetContact(cx, &sesv2.GetContactInput{ContactListName: aws.String("Newsletter"), EmailAddress: aws.String("quiet@mailbox.test")})
	if err != nil || !ct.UnsubscribeAll {
		t.Errorf("quiet@ after --expire: %+v, %v", ct, err)
	}
}

// TestCustomVerificationEmailV1 runs the same operations through the SES
// v1 Query API.
func TestCustomVerificationEmailV1(t *testing.T) {
	n := startNode(t, "")
	c := n.ses(bootKeyID, bootSecret)
	cx := ctx(t)
	if _, err := c.CreateCustomVerificationEmailTemplate(cx, &ses.CreateCustomVerificationEmailTemplateInput{
		TemplateName: aws.String("Welcome"), FromEmailAddress: aws.String("hello@example.com"),
		TemplateSubject: aws.String("Verify"), TemplateContent: aws.String("<p>Hi</p>"),
		SuccessRedirectionURL: aws.String("https://example.com/ok"), FailureRedirectionURL: aws.String("https://example.com/no"),
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateCustomVerificationEmailTemplate(cx, &ses.UpdateCustomVerificationEmailTemplateInput{
		TemplateName: aws.String("Welcome"), TemplateSubject: aws.String("Verify, please")}); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetCustomVerificationEmailTemplate(cx, &ses.GetCustomVerificationEmailTemplateInput{TemplateName: aws.String("Welcome")})
	if err != nil || aws.ToString(got.TemplateSubject) != "Verify, please" || aws.ToString(got.TemplateContent) != "<p>Hi</p>" {
		t.Fatalf("GetCustomVerificationEmailTemplate: %+v, %v", got, err)
	}
	list, err := c.ListCustomVerificationEmailTemplates(cx, &ses.ListCustomVerificationEmailTemplatesInput{})
	if err != nil || len(list.CustomVerificationEmailTemplates) != 1 {
		t.Fatalf("ListCustomVerificationEmailTemplates: %+v, %v", list, err)
	}
	send := &ses.SendCustomVerificationEmailInput{EmailAddress: aws.String("v1@mailbox.test"), TemplateName: aws.String("Welcome")}
	_, err = c.SendCustomVerificationEmail(cx, send)
	wantCode(t, err, "FromEmailAddressNotVerified")
	// Through the API, which drops the server's cached verdicts.
	if _, err := c.VerifyDomainIdentity(cx, &ses.VerifyDomainIdentityInput{Domain: aws.String("example.com")}); err != nil {
		t.Fatal(err)
	}
	n.mustAdmin("identity", "verify", "example.com")
	out, err := c.SendCustomVerificationEmail(cx, send)
	if err != nil || aws.ToString(out.MessageId) == "" {
		t.Fatalf("SendCustomVerificationEmail: %+v, %v", out, err)
	}
	if _, err := c.DeleteCustomVerificationEmailTemplate(cx, &ses.DeleteCustomVerificationEmailTemplateInput{TemplateName: aws.String("Welcome")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetCustomVerificationEmailTemplate(cx, &ses.GetCustomVerificationEmailTemplateInput{TemplateName: aws.String("Welcome")})
	wantCode(t, err, "CustomVerificationEmailTemplateDoesNotExist")
}
