package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/hikyaku/hikyaku/internal/store/sqlite"
)

// orderTemplate is the template the tests store: it needs name and order,
// and takes shop from the bulk default data.
func orderTemplate() *types.EmailTemplateContent {
	return &types.EmailTemplateContent{
		Subject: aws.String("Order {{order}} shipped"),
		Text:    aws.String("Dear {{name}},\nyour order {{order}} from {{shop}} is on its way."),
		Html:    aws.String("<p>Dear {{name}},</p><p>order <b>{{order}}</b> from {{shop}}</p>"),
	}
}

// templateTrace is what the template tests read of `hikyaku trace --json`.
type templateTrace struct {
	Subject    string `json:"subject"`
	Recipients []struct {
		Address string `json:"address"`
		Status  string `json:"status"`
		Outcome struct {
			Diagnostic string `json:"diagnostic"`
		} `json:"outcome"`
	} `json:"recipients"`
}

func (n *node) templateTrace(id string) templateTrace {
	n.t.Helper()
	out := n.mustAdmin("trace", id, "--json")
	var tr templateTrace
	if err := json.Unmarshal([]byte(out), &tr); err != nil {
		n.t.Fatalf("trace output is not JSON: %v\n%s", err, out)
	}
	return tr
}

// eventTypes lists the types of a message's events in `hikyaku events
// list --json`, oldest first, with each one's detail.
func (n *node) eventTypes(id string) ([]string, []map[string]any) {
	n.t.Helper()
	out := n.mustAdmin("events", "list", "--account", "default", "--message", id, "--json")
	var typ []string
	var details []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var e struct {
			EventType string         `json:"eventType"`
			Detail    map[string]any `json:"detail"`
		}
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			n.t.Fatalf("events list line is not JSON: %v\n%s", err, out)
		}
		typ = append(typ, e.EventType)
		details = append(details, e.Detail)
	}
	slices.Reverse(typ)
	slices.Reverse(details)
	return typ, details
}

func wantAPIError(t *testing.T, err error, code, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("succeeded, want %s", code)
	}
	got, gotMsg := apiCode(t, err)
	if got != code || !strings.HasPrefix(gotMsg, msg) {
		t.Fatalf("error = %s %q, want %s %q", got, gotMsg, code, msg)
	}
}

func TestEmailTemplatesWithTheGoSDK(t *testing.T) {
	dns := newDNS(t)
	n := startNode(t, "", "--resolver", dns.Addr())
	c := n.sesv2(bootKeyID, bootSecret)
	cx := ctx(t)
	n.mustAdmin("identity", "create", "shop.example", "--account", "default")
	n.mustAdmin("identity", "verify", "shop.example", "--account", "default")

	t.Run("a template is created once", func(t *testing.T) {
		_, err := c.CreateEmailTemplate(cx, &sesv2.CreateEmailTemplateInput{TemplateName: aws.String("Order"),
			TemplateContent: orderTemplate(), Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("shop")}}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.CreateEmailTemplate(cx, &sesv2.CreateEmailTemplateInput{TemplateName: aws.String("Order"),
			TemplateContent: orderTemplate()})
		wantAPIError(t, err, "AlreadyExistsException", "Template Order already exists for account id ")
	})
	t.Run("a bad name or a template that does not parse is a BadRequest", func(t *testing.T) {
		_, err := c.CreateEmailTemplate(cx, &sesv2.CreateEmailTemplateInput{TemplateName: aws.String("no spaces"),
			TemplateContent: orderTemplate()})
		wantAPIError(t, err, "BadRequestException", "Template name 'no spaces' is invalid")
		_, err = c.CreateEmailTemplate(cx, &sesv2.CreateEmailTemplateInput{TemplateName: aws.String("Broken"),
			TemplateContent: &types.EmailTemplateContent{Subject: aws.String("{{#if x}}unclosed")}})
		wantAPIError(t, err, "BadRequestException", "")
	})
	t.Run("GetEmailTemplate returns the content and tags", func(t *testing.T) {
		got, err := c.GetEmailTemplate(cx, &sesv2.GetEmailTemplateInput{TemplateName: aws.String("Order")})
		if err != nil {
			t.Fatal(err)
		}
		want := orderTemplate()
		if aws.ToString(got.TemplateName) != "Order" || aws.ToString(got.TemplateContent.Subject) != *want.Subject ||
			aws.ToString(got.TemplateContent.Text) != *want.Text || aws.ToString(got.TemplateContent.Html) != *want.Html ||
			len(got.Tags) != 1 || aws.ToString(got.Tags[0].Key) != "team" {
			t.Errorf("GetEmailTemplate = %+v", got)
		}
		_, err = c.GetEmailTemplate(cx, &sesv2.GetEmailTemplateInput{TemplateName: aws.String("Nope")})
		wantAPIError(t, err, "NotFoundException", "Template Nope does not exist.")
	})
	t.Run("ListEmailTemplates pages through every template in name order", func(t *testing.T) {
		for i := range 12 {
			_, err := c.CreateEmailTemplate(cx, &sesv2.CreateEmailTemplateInput{TemplateName: aws.String(fmt.Sprintf("Extra%02d", i)),
				TemplateContent: &types.EmailTemplateContent{Subject: aws.String("extra")}})
			if err != nil {
				t.Fatal(err)
			}
		}
		first, err := c.ListEmailTemplates(cx, &sesv2.ListEmailTemplatesInput{})
		if err != nil {
			t.Fatal(err)
		}
		if len(first.TemplatesMetadata) != 10 || first.NextToken == nil {
			t.Errorf("default page has %d templates, next %v; want 10 and a token", len(first.TemplatesMetadata), first.NextToken)
		}
		var names []string
		p := sesv2.NewListEmailTemplatesPaginator(c, &sesv2.ListEmailTemplatesInput{PageSize: aws.Int32(5)})
		for p.HasMorePages() {
			page, err := p.NextPage(cx)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range page.TemplatesMetadata {
				names = append(names, aws.ToString(m.TemplateName))
				if m.CreatedTimestamp == nil || m.CreatedTimestamp.IsZero() {
					t.Errorf("%s has no CreatedTimestamp", aws.ToString(m.TemplateName))
				}
			}
		}
		if len(names) != 13 || !slices.IsSorted(names) || names[12] != "Order" {
			t.Errorf("listed %v", names)
		}
		_, err = c.ListEmailTemplates(cx, &sesv2.ListEmailTemplatesInput{PageSize: aws.Int32(101)})
		wantAPIError(t, err, "BadRequestException", "PageSize")
	})
	t.Run("UpdateEmailTemplate replaces the content", func(t *testing.T) {
		_, err := c.UpdateEmailTemplate(cx, &sesv2.UpdateEmailTemplateInput{TemplateName: aws.String("Extra00"),
			TemplateContent: &types.EmailTemplateContent{Subject: aws.String("changed {{x}}")}})
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.GetEmailTemplate(cx, &sesv2.GetEmailTemplateInput{TemplateName: aws.String("Extra00")})
		if err != nil || aws.ToString(got.TemplateContent.Subject) != "changed {{x}}" {
			t.Errorf("after update: %+v, %v", got, err)
		}
		_, err = c.UpdateEmailTemplate(cx, &sesv2.UpdateEmailTemplateInput{TemplateName: aws.String("Nope"),
			TemplateContent: &types.EmailTemplateContent{Subject: aws.String("x")}})
		wantAPIError(t, err, "NotFoundException", "Template Nope does not exist.")
	})
	t.Run("DeleteEmailTemplate removes it once", func(t *testing.T) {
		if _, err := c.DeleteEmailTemplate(cx, &sesv2.DeleteEmailTemplateInput{TemplateName: aws.String("Extra00")}); err != nil {
			t.Fatal(err)
		}
		_, err := c.DeleteEmailTemplate(cx, &sesv2.DeleteEmailTemplateInput{TemplateName: aws.String("Extra00")})
		wantAPIError(t, err, "NotFoundException", "Template Extra00 does not exist.")
	})
	t.Run("TestRenderEmailTemplate returns the whole MIME message", func(t *testing.T) {
		out, err := c.TestRenderEmailTemplate(cx, &sesv2.TestRenderEmailTemplateInput{TemplateName: aws.String("Order"),
			TemplateData: aws.String(`{"name":"Ada","order":"A-1","shop":"Hikyaku"}`)})
		if err != nil {
			t.Fatal(err)
		}
		msg := aws.ToString(out.RenderedTemplate)
		for _, want := range []string{"Date: ", "\r\nSubject: Order A-1 shipped\r\n", "MIME-Version: 1.0",
			"Content-Type: multipart/alternative", "Content-Type: text/plain; charset=UTF-8",
			"Dear Ada,\r\nyour order A-1 from Hikyaku is on its way.", "Content-Type: text/html; charset=UTF-8",
			"<p>Dear Ada,</p><p>order <b>A-1</b> from Hikyaku</p>"} {
			if !strings.Contains(msg, want) {
				t.Errorf("RenderedTemplate lacks %q:\n%s", want, msg)
			}
		}
		_, err = c.TestRenderEmailTemplate(cx, &sesv2.TestRenderEmailTemplateInput{TemplateName: aws.String("Order"),
			TemplateData: aws.String(`{"name":"Ada","shop":"Hikyaku"}`)})
		wantAPIError(t, err, "BadRequestException", "Attribute 'order' is not present in the rendering data.")
		_, err = c.TestRenderEmailTemplate(cx, &sesv2.TestRenderEmailTemplateInput{TemplateName: aws.String("Order"),
			TemplateData: aws.String(`not json`)})
		wantAPIError(t, err, "BadRequestException", "Template data is not valid JSON")
		_, err = c.TestRenderEmailTemplate(cx, &sesv2.TestRenderEmailTemplateInput{TemplateName: aws.String("Nope"),
			TemplateData: aws.String(`{}`)})
		wantAPIError(t, err, "NotFoundException", "Template Nope does not exist.")
	})

	send := func(content *types.Template) (string, error) {
		out, err := c.SendEmail(cx, &sesv2.SendEmailInput{FromEmailAddress: aws.String("orders@shop.example"),
			Destination: &types.Destination{ToAddresses: []string{"ada@customer.test"}},
			Content:     &types.EmailContent{Template: content}})
		if err != nil {
			return "", err
		}
		return aws.ToString(out.MessageId), nil
	}
	t.Run("SendEmail with a template sends the rendered message", func(t *testing.T) {
		id, err := send(&types.Template{TemplateName: aws.String("Order"),
			TemplateData: aws.String(`{"name":"Ada","order":"A-2","shop":"Hikyaku"}`)})
		if err != nil {
			t.Fatal(err)
		}
		tr := n.templateTrace(id)
		if tr.Subject != "Order A-2 shipped" || tr.Recipients[0].Status != "queued" {
			t.Errorf("trace = %+v", tr)
		}
		if typ, _ := n.eventTypes(id); strings.Join(typ, ",") != "Send" {
			t.Errorf("events = %v", typ)
		}
	})
	t.Run("SendEmail with inline content renders it", func(t *testing.T) {
		id, err := send(&types.Template{TemplateContent: &types.EmailTemplateContent{Subject: aws.String("Hi {{name}}"),
			Text: aws.String("inline")}, TemplateData: aws.String(`{"name":"Ada"}`)})
		if err != nil {
			t.Fatal(err)
		}
		if tr := n.templateTrace(id); tr.Subject != "Hi Ada" {
			t.Errorf("subject = %q", tr.Subject)
		}
		_, err = send(&types.Template{TemplateContent: &types.EmailTemplateContent{Subject: aws.String("{{#if a}}x{{/if}}")},
			TemplateData: aws.String(`{}`)})
		wantAPIError(t, err, "BadRequestException", "Template contains unsupported operations.")
	})
	t.Run("SendEmail with a missing attribute returns a message ID, sends nothing and reports a Rendering Failure", func(t *testing.T) {
		id, err := send(&types.Template{TemplateName: aws.String("Order"), TemplateData: aws.String(`{"name":"Ada","shop":"x"}`)})
		if err != nil || id == "" {
			t.Fatalf("SendEmail = %q, %v; want a message ID", id, err)
		}
		const msg = "Attribute 'order' is not present in the rendering data."
		tr := n.templateTrace(id)
		if len(tr.Recipients) != 1 || tr.Recipients[0].Status != "failed" || tr.Recipients[0].Outcome.Diagnostic != msg {
			t.Errorf("trace = %+v", tr)
		}
		if out := n.mustAdmin("trace", id); !strings.Contains(out, "not sent: template Order could not be rendered: "+msg) {
			t.Errorf("trace does not tell the rendering failure:\n%s", out)
		}
		typ, details := n.eventTypes(id)
		if strings.Join(typ, ",") != "Send,Rendering Failure" {
			t.Fatalf("events = %v, want Send then Rendering Failure", typ)
		}
		f, _ := details[1]["failure"].(map[string]any)
		if f["TemplateName"] != "Order" || f["ErrorMessage"] != msg {
			t.Errorf("Rendering Failure detail = %v", details[1])
		}
	})
	t.Run("SendEmail with a template that does not exist is NotFound at once", func(t *testing.T) {
		_, err := send(&types.Template{TemplateName: aws.String("Nope"), TemplateData: aws.String(`{}`)})
		wantAPIError(t, err, "NotFoundException", "Template Nope does not exist.")
	})
}

func TestTemplatedBulkEmailToAThousandDestinations(t *testing.T) {
	dns := newDNS(t)
	n := startNode(t, "", "--resolver", dns.Addr())
	c := n.sesv2(bootKeyID, bootSecret)
	cx := ctx(t)
	n.mustAdmin("identity", "create", "shop.example", "--account", "default")
	n.mustAdmin("identity", "verify", "shop.example", "--account", "default")
	if _, err := c.CreateEmailTemplate(cx, &sesv2.CreateEmailTemplateInput{TemplateName: aws.String("Order"),
		TemplateContent: orderTemplate()}); err != nil {
		t.Fatal(err)
	}
	defaults := aws.String(`{"name":"customer","order":"0","shop":"Hikyaku Shop"}`)
	bulk := func(entries []types.BulkEmailEntry, mod ...func(*sesv2.SendBulkEmailInput)) (*sesv2.SendBulkEmailOutput, error) {
		in := &sesv2.SendBulkEmailInput{FromEmailAddress: aws.String("orders@shop.example"),
			DefaultContent: &types.BulkEmailContent{Template: &types.Template{TemplateName: aws.String("Order"),
				TemplateData: defaults}},
			DefaultEmailTags: []types.MessageTag{{Name: aws.String("campaign"), Value: aws.String("autumn")}},
			BulkEmailEntries: entries}
		for _, m := range mod {
			m(in)
		}
		return c.SendBulkEmail(cx, in)
	}
	entry := func(to, data string) types.BulkEmailEntry {
		e := types.BulkEmailEntry{Destination: &types.Destination{ToAddresses: []string{to}}}
		if data != "" {
			e.ReplacementEmailContent = &types.ReplacementEmailContent{
				ReplacementTemplate: &types.ReplacementTemplate{ReplacementTemplateData: aws.String(data)}}
		}
		return e
	}

	// 1,000 destinations in 20 requests of 50, four at a time, each with
	// its own data.
	const requests, perRequest = 20, 50
	ids := make([]string, requests*perRequest)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		failures []string
		sem      = make(chan struct{}, 4)
	)
	for r := range requests {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			var entries []types.BulkEmailEntry
			for i := range perRequest {
				k := r*perRequest + i
				entries = append(entries, entry(fmt.Sprintf("success+%d@simulator.amazonses.com", k),
					fmt.Sprintf(`{"name":"Recipient %d","order":"N-%d"}`, k, k)))
			}
			out, err := bulk(entries)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failures = append(failures, fmt.Sprintf("request %d: %v", r, err))
				return
			}
			if len(out.BulkEmailEntryResults) != perRequest {
				failures = append(failures, fmt.Sprintf("request %d: %d results", r, len(out.BulkEmailEntryResults)))
				return
			}
			for i, res := range out.BulkEmailEntryResults {
				if res.Status != types.BulkEmailStatusSuccess || aws.ToString(res.MessageId) == "" || res.Error != nil {
					failures = append(failures, fmt.Sprintf("request %d entry %d: %s %q", r, i, res.Status, aws.ToString(res.Error)))
				}
				ids[r*perRequest+i] = aws.ToString(res.MessageId)
			}
		})
	}
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d failures, first: %s", len(failures), failures[0])
	}
	if unique := slices.Compact(slices.Sorted(slices.Values(ids))); len(unique) != len(ids) {
		t.Fatalf("%d distinct message IDs for %d entries", len(unique), len(ids))
	}

	t.Run("each message was rendered with its destination's own data", func(t *testing.T) {
		st, err := sqlite.Open(cx, filepath.Join(n.data, "hikyaku.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		for k := 0; k < len(ids); k += 37 {
			m, err := st.GetMessage(cx, ids[k])
			if err != nil {
				t.Fatal(err)
			}
			body, err := st.GetMessageBody(cx, ids[k])
			if err != nil {
				t.Fatal(err)
			}
			to := fmt.Sprintf("success+%d@simulator.amazonses.com", k)
			if len(m.Recipients) != 1 || m.Recipients[0].Address != to || m.Recipients[0].Status != "delivered" {
				t.Errorf("message %d: recipients %+v", k, m.Recipients)
			}
			if m.Subject != fmt.Sprintf("Order N-%d shipped", k) {
				t.Errorf("message %d: subject %q", k, m.Subject)
			}
			text := fmt.Sprintf("Dear Recipient %d,\r\nyour order N-%d from Hikyaku Shop is on its way.", k, k)
			if !strings.Contains(string(body), text) || !strings.Contains(string(body), "To: "+to) {
				t.Errorf("message %d lacks its own text %q:\n%s", k, text, body)
			}
			tags := map[string]string{}
			for _, tag := range m.Tags {
				tags[tag.Name] = tag.Value
			}
			if tags["campaign"] != "autumn" || tags["ses:operation"] != "SendBulkTemplatedEmail" {
				t.Errorf("message %d: tags %v", k, tags)
			}
		}
	})

	t.Run("entries fail on their own", func(t *testing.T) {
		out, err := bulk([]types.BulkEmailEntry{
			entry("success+ok@simulator.amazonses.com", `{"order":"X-1"}`),
			entry("bad@@address", `{"order":"X-2"}`),
			entry("success+missing@simulator.amazonses.com", `{"order":null}`),
		})
		if err != nil {
			t.Fatal(err)
		}
		r := out.BulkEmailEntryResults
		if len(r) != 3 || r[0].Status != types.BulkEmailStatusSuccess || r[1].Status != types.BulkEmailStatusInvalidParameter ||
			aws.ToString(r[1].Error) == "" || r[1].MessageId != nil || r[2].Status != types.BulkEmailStatusSuccess {
			t.Fatalf("results = %s", describeResults(r))
		}
		// The entry whose data lacks order was accepted, and not sent.
		if tr := n.templateTrace(aws.ToString(r[2].MessageId)); tr.Recipients[0].Status != "failed" {
			t.Errorf("trace of the entry missing an attribute: %+v", tr)
		}
	})
	t.Run("a configuration set that does not exist fails every entry", func(t *testing.T) {
		out, err := bulk([]types.BulkEmailEntry{entry("success@simulator.amazonses.com", "")},
			func(in *sesv2.SendBulkEmailInput) { in.ConfigurationSetName = aws.String("nope") })
		if err != nil {
			t.Fatal(err)
		}
		if r := out.BulkEmailEntryResults; len(r) != 1 || r[0].Status != types.BulkEmailStatusConfigurationSetNotFound {
			t.Errorf("results = %s", describeResults(r))
		}
	})
	t.Run("an unverified sender is MESSAGE_REJECTED", func(t *testing.T) {
		out, err := bulk([]types.BulkEmailEntry{entry("success@simulator.amazonses.com", "")},
			func(in *sesv2.SendBulkEmailInput) { in.FromEmailAddress = aws.String("x@unverified.example") })
		if err != nil {
			t.Fatal(err)
		}
		if r := out.BulkEmailEntryResults; len(r) != 1 || r[0].Status != types.BulkEmailStatusMessageRejected ||
			!strings.HasPrefix(aws.ToString(r[0].Error), "Email address is not verified.") {
			t.Errorf("results = %s", describeResults(r))
		}
	})
	t.Run("a template that does not exist is NotFound for the whole request", func(t *testing.T) {
		_, err := bulk([]types.BulkEmailEntry{entry("success@simulator.amazonses.com", "")},
			func(in *sesv2.SendBulkEmailInput) { in.DefaultContent.Template.TemplateName = aws.String("Nope") })
		wantAPIError(t, err, "NotFoundException", "Template Nope does not exist.")
	})
	t.Run("more than 50 entries are refused", func(t *testing.T) {
		var entries []types.BulkEmailEntry
		for i := range 51 {
			entries = append(entries, entry(fmt.Sprintf("success+%d@simulator.amazonses.com", i), ""))
		}
		_, err := bulk(entries)
		wantAPIError(t, err, "BadRequestException", "BulkEmailEntries has 51 entries; the limit is 50.")
	})
}

// execAWS prepares an AWS CLI v2 command against url with the bootstrap
// credentials, as TestAWSCLI runs it.
func execAWS(home, url string, args ...string) *exec.Cmd {
	cmd := exec.Command(awsCLI, append(args, "--endpoint-url", url, "--region", "us-east-1", "--output", "json")...)
	cmd.Env = []string{"HOME=" + home, "PATH=/usr/bin:/bin", "AWS_PAGER=",
		"AWS_ACCESS_KEY_ID=" + bootKeyID, "AWS_SECRET_ACCESS_KEY=" + bootSecret,
		"AWS_EC2_METADATA_DISABLED=true", "AWS_MAX_ATTEMPTS=1"}
	return cmd
}

func describeResults(rs []types.BulkEmailEntryResult) string {
	var b strings.Builder
	for _, r := range rs {
		fmt.Fprintf(&b, "[%s %q %s] ", r.Status, aws.ToString(r.Error), aws.ToString(r.MessageId))
	}
	return b.String()
}

// TestEmailTemplatesWithTheAWSCLI creates a template and sends a bulk email
// with the AWS CLI v2, as a user would.
func TestEmailTemplatesWithTheAWSCLI(t *testing.T) {
	if _, err := os.Stat(awsCLI); err != nil {
		t.Fatalf("%s not found: install Debian's awscli (make test does it)", awsCLI)
	}
	dns := newDNS(t)
	n := startNode(t, "", "--resolver", dns.Addr())
	n.mustAdmin("identity", "create", "cli.example", "--account", "default")
	n.mustAdmin("identity", "verify", "cli.example", "--account", "default")
	home := t.TempDir()
	aws_ := func(args ...string) string {
		t.Helper()
		cmd := execAWS(home, n.url, args...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	file := func(name string, v any) string {
		t.Helper()
		b, _ := json.Marshal(v)
		p := filepath.Join(home, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return "file://" + p
	}

	aws_("sesv2", "create-email-template", "--cli-input-json", file("template.json", map[string]any{
		"TemplateName": "Welcome",
		"TemplateContent": map[string]string{"Subject": "Welcome, {{name}}", "Text": "Hello {{name}} from {{team}}.",
			"Html": "<h1>Hello {{name}}</h1>"},
	}))
	out := aws_("sesv2", "list-email-templates")
	if !strings.Contains(out, `"TemplateName": "Welcome"`) || !strings.Contains(out, `"CreatedTimestamp"`) {
		t.Fatalf("list-email-templates:\n%s", out)
	}
	out = aws_("sesv2", "test-render-email-template", "--template-name", "Welcome", "--template-data", `{"name":"Ada","team":"ops"}`)
	if !strings.Contains(out, `Subject: Welcome, Ada`) || !strings.Contains(out, `Hello Ada from ops.`) {
		t.Fatalf("test-render-email-template:\n%s", out)
	}

	out = aws_("sesv2", "send-bulk-email", "--cli-input-json", file("bulk.json", map[string]any{
		"FromEmailAddress": "hello@cli.example",
		"DefaultContent": map[string]any{"Template": map[string]string{
			"TemplateName": "Welcome", "TemplateData": `{"name":"friend","team":"the team"}`}},
		"BulkEmailEntries": []map[string]any{
			{"Destination": map[string]any{"ToAddresses": []string{"success+1@simulator.amazonses.com"}},
				"ReplacementEmailContent": map[string]any{"ReplacementTemplate": map[string]string{
					"ReplacementTemplateData": `{"name":"Ada"}`}}},
			{"Destination": map[string]any{"ToAddresses": []string{"success+2@simulator.amazonses.com"}}},
		},
	}))
	var res struct {
		BulkEmailEntryResults []struct{ Status, MessageId, Error string }
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || len(res.BulkEmailEntryResults) != 2 {
		t.Fatalf("send-bulk-email: %v\n%s", err, out)
	}
	for i, want := range []string{"Welcome, Ada", "Welcome, friend"} {
		r := res.BulkEmailEntryResults[i]
		if r.Status != "SUCCESS" || r.MessageId == "" || r.Error != "" {
			t.Fatalf("entry %d: %+v", i, r)
		}
		if tr := n.templateTrace(r.MessageId); tr.Subject != want {
			t.Errorf("entry %d: subject %q, want %q", i, tr.Subject, want)
		}
	}
	if !regexp.MustCompile(`"MessageId": "[0-9a-f]{16}-`).MatchString(out) {
		t.Errorf("message IDs are not SES-shaped:\n%s", out)
	}
}
