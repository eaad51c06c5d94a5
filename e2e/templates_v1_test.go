package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ses"
	"github.com/aws/aws-sdk-go-v2/service/ses/types"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	v2types "github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/store/sqlite"
)

// orderTemplateV1 is orderTemplate in v1's shape.
func orderTemplateV1(name string) *types.Template {
	c := orderTemplate()
	return &types.Template{TemplateName: aws.String(name), SubjectPart: c.Subject, TextPart: c.Text, HtmlPart: c.Html}
}

// storedMessage reads a message and its body from a stopped or running
// node's SQLite store.
func storedMessage(t *testing.T, n *node, id string) (*store.Message, string) {
	t.Helper()
	cx := ctx(t)
	st, err := sqlite.Open(cx, filepath.Join(n.data, "hikyaku.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	m, err := st.GetMessage(cx, id)
	if err != nil {
		t.Fatal(err)
	}
	body, err := st.GetMessageBody(cx, id)
	if err != nil {
		t.Fatal(err)
	}
	return m, string(body)
}

func tagsOf(m *store.Message) map[string]string {
	tags := map[string]string{}
	for _, tag := range m.Tags {
		tags[tag.Name] = tag.Value
	}
	return tags
}

func TestTemplatesV1WithTheGoSDK(t *testing.T) {
	dns := newDNS(t)
	n := startNode(t, "", "--resolver", dns.Addr())
	c := n.ses(bootKeyID, bootSecret)
	v2 := n.sesv2(bootKeyID, bootSecret)
	cx := ctx(t)
	n.mustAdmin("identity", "create", "shop.example", "--account", "default")
	n.mustAdmin("identity", "verify", "shop.example", "--account", "default")

	t.Run("CreateTemplate stores a template once", func(t *testing.T) {
		if _, err := c.CreateTemplate(cx, &ses.CreateTemplateInput{Template: orderTemplateV1("Order")}); err != nil {
			t.Fatal(err)
		}
		_, err := c.CreateTemplate(cx, &ses.CreateTemplateInput{Template: orderTemplateV1("Order")})
		wantAPIError(t, err, "AlreadyExists", "Template Order already exists for account id ")
	})
	t.Run("CreateTemplate refuses a bad name and a template that does not parse", func(t *testing.T) {
		_, err := c.CreateTemplate(cx, &ses.CreateTemplateInput{Template: orderTemplateV1("no spaces")})
		wantAPIError(t, err, "InvalidParameterValue", "Template name 'no spaces' is invalid")
		_, err = c.CreateTemplate(cx, &ses.CreateTemplateInput{Template: &types.Template{TemplateName: aws.String("Broken"),
			SubjectPart: aws.String("{{#if x}}unclosed")}})
		wantAPIError(t, err, "InvalidTemplate", "")
	})
	t.Run("GetTemplate returns the parts, and v2 sees the same template", func(t *testing.T) {
		got, err := c.GetTemplate(cx, &ses.GetTemplateInput{TemplateName: aws.String("Order")})
		if err != nil {
			t.Fatal(err)
		}
		if want := orderTemplateV1("Order"); !sameTemplate(got.Template, want) {
			t.Errorf("GetTemplate = %+v, want %+v", got.Template, want)
		}
		fromV2, err := v2.GetEmailTemplate(cx, &sesv2.GetEmailTemplateInput{TemplateName: aws.String("Order")})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(fromV2.TemplateContent.Subject) != "Order {{order}} shipped" ||
			aws.ToString(fromV2.TemplateContent.Html) != aws.ToString(got.Template.HtmlPart) {
			t.Errorf("v2 GetEmailTemplate = %+v", fromV2.TemplateContent)
		}
		_, err = c.GetTemplate(cx, &ses.GetTemplateInput{TemplateName: aws.String("Nope")})
		wantAPIError(t, err, "TemplateDoesNotExist", "Template Nope does not exist.")
	})
	t.Run("a template created with v2 is read with v1", func(t *testing.T) {
		_, err := v2.CreateEmailTemplate(cx, &sesv2.CreateEmailTemplateInput{TemplateName: aws.String("FromV2"),
			TemplateContent: &v2types.EmailTemplateContent{Subject: aws.String("v2 {{x}}")}})
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.GetTemplate(cx, &ses.GetTemplateInput{TemplateName: aws.String("FromV2")})
		if err != nil || aws.ToString(got.Template.SubjectPart) != "v2 {{x}}" || got.Template.TextPart != nil {
			t.Errorf("GetTemplate = %+v, %v", got, err)
		}
	})
	t.Run("ListTemplates pages through every template in name order", func(t *testing.T) {
		for i := range 12 {
			_, err := c.CreateTemplate(cx, &ses.CreateTemplateInput{Template: &types.Template{
				TemplateName: aws.String(fmt.Sprintf("Extra%02d", i)), TextPart: aws.String("extra")}})
			if err != nil {
				t.Fatal(err)
			}
		}
		first, err := c.ListTemplates(cx, &ses.ListTemplatesInput{})
		if err != nil {
			t.Fatal(err)
		}
		if len(first.TemplatesMetadata) != 10 || first.NextToken == nil {
			t.Errorf("default page has %d templates, next %v; want 10 and a token", len(first.TemplatesMetadata), first.NextToken)
		}
		var names []string
		in := &ses.ListTemplatesInput{MaxItems: aws.Int32(5)}
		for {
			page, err := c.ListTemplates(cx, in)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range page.TemplatesMetadata {
				names = append(names, aws.ToString(m.Name))
				if m.CreatedTimestamp == nil || m.CreatedTimestamp.IsZero() {
					t.Errorf("%s has no CreatedTimestamp", aws.ToString(m.Name))
				}
			}
			if page.NextToken == nil {
				break
			}
			in.NextToken = page.NextToken
		}
		if len(names) != 14 || !slices.IsSorted(names) || names[0] != "Extra00" || names[13] != "Order" {
			t.Errorf("listed %v", names)
		}
		all, err := c.ListTemplates(cx, &ses.ListTemplatesInput{MaxItems: aws.Int32(1000)})
		if err != nil || len(all.TemplatesMetadata) != 14 || all.NextToken != nil {
			t.Errorf("MaxItems 1000 (read as 100): %d templates, next %v, %v", len(all.TemplatesMetadata), all.NextToken, err)
		}
		_, err = c.ListTemplates(cx, &ses.ListTemplatesInput{MaxItems: aws.Int32(0)})
		wantAPIError(t, err, "InvalidParameterValue", "MaxItems must be at least 1")
		_, err = c.ListTemplates(cx, &ses.ListTemplatesInput{NextToken: aws.String("!!")})
		wantAPIError(t, err, "InvalidParameterValue", "The NextToken is invalid.")
	})
	t.Run("UpdateTemplate replaces the parts", func(t *testing.T) {
		_, err := c.UpdateTemplate(cx, &ses.UpdateTemplateInput{Template: &types.Template{TemplateName: aws.String("Extra00"),
			SubjectPart: aws.String("changed {{x}}")}})
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.GetTemplate(cx, &ses.GetTemplateInput{TemplateName: aws.String("Extra00")})
		if err != nil || aws.ToString(got.Template.SubjectPart) != "changed {{x}}" || got.Template.TextPart != nil {
			t.Errorf("after update: %+v, %v", got, err)
		}
		_, err = c.UpdateTemplate(cx, &ses.UpdateTemplateInput{Template: &types.Template{TemplateName: aws.String("Nope"),
			SubjectPart: aws.String("x")}})
		wantAPIError(t, err, "TemplateDoesNotExist", "Template Nope does not exist.")
		_, err = c.UpdateTemplate(cx, &ses.UpdateTemplateInput{Template: &types.Template{TemplateName: aws.String("Extra00"),
			SubjectPart: aws.String("{{#each}}")}})
		wantAPIError(t, err, "InvalidTemplate", "")
	})
	t.Run("DeleteTemplate removes it, and deleting nothing succeeds", func(t *testing.T) {
		if _, err := c.DeleteTemplate(cx, &ses.DeleteTemplateInput{TemplateName: aws.String("Extra00")}); err != nil {
			t.Fatal(err)
		}
		_, err := c.GetTemplate(cx, &ses.GetTemplateInput{TemplateName: aws.String("Extra00")})
		wantAPIError(t, err, "TemplateDoesNotExist", "Template Extra00 does not exist.")
		if _, err := c.DeleteTemplate(cx, &ses.DeleteTemplateInput{TemplateName: aws.String("Extra00")}); err != nil {
			t.Errorf("deleting a template that does not exist: %v", err)
		}
		_, err = v2.GetEmailTemplate(cx, &sesv2.GetEmailTemplateInput{TemplateName: aws.String("Extra00")})
		wantAPIError(t, err, "NotFoundException", "Template Extra00 does not exist.")
	})
	t.Run("TestRenderTemplate returns the MIME message or the rendering error", func(t *testing.T) {
		out, err := c.TestRenderTemplate(cx, &ses.TestRenderTemplateInput{TemplateName: aws.String("Order"),
			TemplateData: aws.String(`{"name":"Ada","order":"A-1","shop":"Hikyaku"}`)})
		if err != nil {
			t.Fatal(err)
		}
		msg := aws.ToString(out.RenderedTemplate)
		for _, want := range []string{"Date: ", "\r\nSubject: Order A-1 shipped\r\n", "MIME-Version: 1.0",
			"Content-Type: multipart/alternative", "Dear Ada,\r\nyour order A-1 from Hikyaku is on its way.",
			"<p>Dear Ada,</p><p>order <b>A-1</b> from Hikyaku</p>"} {
			if !strings.Contains(msg, want) {
				t.Errorf("RenderedTemplate lacks %q:\n%s", want, msg)
			}
		}
		_, err = c.TestRenderTemplate(cx, &ses.TestRenderTemplateInput{TemplateName: aws.String("Order"),
			TemplateData: aws.String(`{"name":"Ada","shop":"Hikyaku"}`)})
		wantAPIError(t, err, "MissingRenderingAttribute", "Attribute 'order' is not present in the rendering data.")
		_, err = c.TestRenderTemplate(cx, &ses.TestRenderTemplateInput{TemplateName: aws.String("Order"),
			TemplateData: aws.String(`not json`)})
		wantAPIError(t, err, "InvalidRenderingParameter", "Template data is not valid JSON")
		_, err = c.TestRenderTemplate(cx, &ses.TestRenderTemplateInput{TemplateName: aws.String("Order"),
			TemplateData: aws.String(`["a"]`)})
		wantAPIError(t, err, "InvalidRenderingParameter", "Template data must be a JSON object")
		_, err = c.TestRenderTemplate(cx, &ses.TestRenderTemplateInput{TemplateName: aws.String("Nope"),
			TemplateData: aws.String(`{}`)})
		wantAPIError(t, err, "TemplateDoesNotExist", "Template Nope does not exist.")
	})

	send := func(mod func(*ses.SendTemplatedEmailInput)) (string, error) {
		in := &ses.SendTemplatedEmailInput{Source: aws.String("orders@shop.example"),
			Destination: &types.Destination{ToAddresses: []string{"success@simulator.amazonses.com"}},
			Template:    aws.String("Order"), TemplateData: aws.String(`{"name":"Ada","order":"A-2","shop":"Hikyaku"}`),
			Tags: []types.MessageTag{{Name: aws.String("campaign"), Value: aws.String("v1")}}}
		if mod != nil {
			mod(in)
		}
		out, err := c.SendTemplatedEmail(cx, in)
		if err != nil {
			return "", err
		}
		return aws.ToString(out.MessageId), nil
	}
	t.Run("SendTemplatedEmail to the simulator sends the rendered message", func(t *testing.T) {
		id, err := send(nil)
		if err != nil {
			t.Fatal(err)
		}
		tr := n.templateTrace(id)
		if tr.Subject != "Order A-2 shipped" || len(tr.Recipients) != 1 || tr.Recipients[0].Status == "failed" {
			t.Errorf("trace = %+v", tr)
		}
		m, body := storedMessage(t, n, id)
		if !strings.Contains(body, "Dear Ada,\r\nyour order A-2 from Hikyaku is on its way.") {
			t.Errorf("body:\n%s", body)
		}
		if tags := tagsOf(m); tags["ses:operation"] != "SendTemplatedEmail" || tags["campaign"] != "v1" {
			t.Errorf("tags = %v", tags)
		}
		if typ, _ := n.eventTypes(id); len(typ) == 0 || typ[0] != "Send" || slices.Contains(typ, "Rendering Failure") {
			t.Errorf("events = %v", typ)
		}
	})
	t.Run("SendTemplatedEmail by TemplateArn finds the same template", func(t *testing.T) {
		id, err := send(func(in *ses.SendTemplatedEmailInput) {
			in.TemplateArn = aws.String("arn:aws:ses:us-east-1:" + accountIDOf(t, n) + ":template/Order")
		})
		if err != nil {
			t.Fatal(err)
		}
		if tr := n.templateTrace(id); tr.Subject != "Order A-2 shipped" {
			t.Errorf("subject = %q", tr.Subject)
		}
	})
	t.Run("SendTemplatedEmail with a missing attribute returns a message ID, sends nothing and reports a Rendering Failure", func(t *testing.T) {
		id, err := send(func(in *ses.SendTemplatedEmailInput) { in.TemplateData = aws.String(`{"name":"Ada","shop":"x"}`) })
		if err != nil || id == "" {
			t.Fatalf("SendTemplatedEmail = %q, %v; want a message ID", id, err)
		}
		const msg = "Attribute 'order' is not present in the rendering data."
		tr := n.templateTrace(id)
		if len(tr.Recipients) != 1 || tr.Recipients[0].Status != "failed" || tr.Recipients[0].Outcome.Diagnostic != msg {
			t.Errorf("trace = %+v", tr)
		}
		typ, details := n.eventTypes(id)
		if strings.Join(typ, ",") != "Send,Rendering Failure" {
			t.Fatalf("events = %v, want Send then Rendering Failure", typ)
		}
		if f, _ := details[1]["failure"].(map[string]any); f["TemplateName"] != "Order" || f["ErrorMessage"] != msg {
			t.Errorf("Rendering Failure detail = %v", details[1])
		}
	})
	t.Run("SendTemplatedEmail refuses what SES refuses at once", func(t *testing.T) {
		_, err := send(func(in *ses.SendTemplatedEmailInput) { in.Template = aws.String("Nope") })
		wantAPIError(t, err, "TemplateDoesNotExist", "Template Nope does not exist.")
		_, err = send(func(in *ses.SendTemplatedEmailInput) { in.TemplateData = aws.String(`{"name":`) })
		wantAPIError(t, err, "InvalidParameterValue", "The template data is invalid.")
		_, err = send(func(in *ses.SendTemplatedEmailInput) { in.ConfigurationSetName = aws.String("nope") })
		wantAPIError(t, err, "ConfigurationSetDoesNotExist", "Configuration set <nope> does not exist.")
		_, err = send(func(in *ses.SendTemplatedEmailInput) { in.Source = aws.String("x@unverified.example") })
		wantAPIError(t, err, "MessageRejected", "Email address is not verified.")
		_, err = send(func(in *ses.SendTemplatedEmailInput) {
			in.TemplateArn = aws.String("arn:aws:ses:us-east-1:" + accountIDOf(t, n) + ":template/Extra01")
		})
		wantAPIError(t, err, "InvalidParameterValue", "TemplateName Order and TemplateArn")
	})
}

// sameTemplate reports whether two v1 templates have the same name and parts.
func sameTemplate(a, b *types.Template) bool {
	return aws.ToString(a.TemplateName) == aws.ToString(b.TemplateName) && aws.ToString(a.SubjectPart) == aws.ToString(b.SubjectPart) &&
		aws.ToString(a.TextPart) == aws.ToString(b.TextPart) && aws.ToString(a.HtmlPart) == aws.ToString(b.HtmlPart)
}

// accountIDOf is the default account's ID, as `hikyaku account list` shows it.
func accountIDOf(t *testing.T, n *node) string {
	t.Helper()
	out := n.mustAdmin("account", "list")
	m := regexp.MustCompile(`(?m)^default\s+(\d{12})\s`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no default account in:\n%s", out)
	}
	return m[1]
}

func TestTemplatesV1BulkToFiftyDestinations(t *testing.T) {
	dns := newDNS(t)
	n := startNode(t, "", "--resolver", dns.Addr())
	c := n.ses(bootKeyID, bootSecret)
	cx := ctx(t)
	n.mustAdmin("identity", "create", "shop.example", "--account", "default")
	n.mustAdmin("identity", "verify", "shop.example", "--account", "default")
	if _, err := c.CreateTemplate(cx, &ses.CreateTemplateInput{Template: orderTemplateV1("Order")}); err != nil {
		t.Fatal(err)
	}
	bulk := func(dests []types.BulkEmailDestination, mod ...func(*ses.SendBulkTemplatedEmailInput)) (*ses.SendBulkTemplatedEmailOutput, error) {
		in := &ses.SendBulkTemplatedEmailInput{Source: aws.String("orders@shop.example"), Template: aws.String("Order"),
			DefaultTemplateData: aws.String(`{"name":"customer","order":"0","shop":"Hikyaku Shop"}`),
			DefaultTags:         []types.MessageTag{{Name: aws.String("campaign"), Value: aws.String("autumn")}},
			Destinations:        dests}
		for _, m := range mod {
			m(in)
		}
		return c.SendBulkTemplatedEmail(cx, in)
	}
	dest := func(to, data string) types.BulkEmailDestination {
		d := types.BulkEmailDestination{Destination: &types.Destination{ToAddresses: []string{to}}}
		if data != "" {
			d.ReplacementTemplateData = aws.String(data)
		}
		return d
	}

	var dests []types.BulkEmailDestination
	for k := range maxDestinations {
		d := dest(fmt.Sprintf("success+%d@simulator.amazonses.com", k), fmt.Sprintf(`{"name":"Recipient %d","order":"N-%d"}`, k, k))
		if k%10 == 0 {
			d.ReplacementTags = []types.MessageTag{{Name: aws.String("campaign"), Value: aws.String("winter")}}
		}
		dests = append(dests, d)
	}
	out, err := bulk(dests)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Status) != maxDestinations {
		t.Fatalf("%d statuses for %d destinations", len(out.Status), maxDestinations)
	}
	ids := make([]string, len(out.Status))
	for k, s := range out.Status {
		if s.Status != types.BulkEmailStatusSuccess || aws.ToString(s.MessageId) == "" || s.Error != nil {
			t.Fatalf("destination %d: %s %q", k, s.Status, aws.ToString(s.Error))
		}
		ids[k] = aws.ToString(s.MessageId)
	}
	if unique := slices.Compact(slices.Sorted(slices.Values(ids))); len(unique) != len(ids) {
		t.Fatalf("%d distinct message IDs for %d destinations", len(unique), len(ids))
	}

	t.Run("each message was rendered with its destination's own data and tags", func(t *testing.T) {
		for k, id := range ids {
			m, body := storedMessage(t, n, id)
			to := fmt.Sprintf("success+%d@simulator.amazonses.com", k)
			if len(m.Recipients) != 1 || m.Recipients[0].Address != to {
				t.Errorf("message %d: recipients %+v", k, m.Recipients)
			}
			if m.Subject != fmt.Sprintf("Order N-%d shipped", k) {
				t.Errorf("message %d: subject %q", k, m.Subject)
			}
			text := fmt.Sprintf("Dear Recipient %d,\r\nyour order N-%d from Hikyaku Shop is on its way.", k, k)
			if !strings.Contains(body, text) || !strings.Contains(body, "To: "+to) {
				t.Errorf("message %d lacks its own text %q:\n%s", k, text, body)
			}
			campaign := "autumn"
			if k%10 == 0 {
				campaign = "winter"
			}
			if tags := tagsOf(m); tags["campaign"] != campaign || tags["ses:operation"] != "SendBulkTemplatedEmail" {
				t.Errorf("message %d: tags %v", k, tags)
			}
		}
	})
	t.Run("destinations fail on their own, with v1's statuses", func(t *testing.T) {
		out, err := bulk([]types.BulkEmailDestination{
			dest("success+ok@simulator.amazonses.com", `{"order":"X-1"}`),
			dest("bad@@address", `{"order":"X-2"}`),
			dest("success+missing@simulator.amazonses.com", `{"order":null}`),
			dest("success+defaults@simulator.amazonses.com", ""),
		})
		if err != nil {
			t.Fatal(err)
		}
		s := out.Status
		if len(s) != 4 || s[0].Status != types.BulkEmailStatusSuccess || s[1].Status != types.BulkEmailStatusInvalidParameterValue ||
			aws.ToString(s[1].Error) == "" || s[1].MessageId != nil || s[2].Status != types.BulkEmailStatusSuccess ||
			s[3].Status != types.BulkEmailStatusSuccess {
			t.Fatalf("statuses = %s", describeStatuses(s))
		}
		if tr := n.templateTrace(aws.ToString(s[2].MessageId)); tr.Recipients[0].Status != "failed" {
			t.Errorf("trace of the destination missing an attribute: %+v", tr)
		}
		if tr := n.templateTrace(aws.ToString(s[3].MessageId)); tr.Subject != "Order 0 shipped" {
			t.Errorf("destination without data: subject %q, want the default data's", tr.Subject)
		}
	})
	t.Run("a configuration set that does not exist is ConfigurationSetDoesNotExist for every destination", func(t *testing.T) {
		out, err := bulk([]types.BulkEmailDestination{dest("success@simulator.amazonses.com", "")},
			func(in *ses.SendBulkTemplatedEmailInput) { in.ConfigurationSetName = aws.String("nope") })
		if err != nil {
			t.Fatal(err)
		}
		if s := out.Status; len(s) != 1 || s[0].Status != types.BulkEmailStatusConfigurationSetDoesNotExist {
			t.Errorf("statuses = %s", describeStatuses(s))
		}
	})
	t.Run("an unverified sender is MessageRejected", func(t *testing.T) {
		out, err := bulk([]types.BulkEmailDestination{dest("success@simulator.amazonses.com", "")},
			func(in *ses.SendBulkTemplatedEmailInput) { in.Source = aws.String("x@unverified.example") })
		if err != nil {
			t.Fatal(err)
		}
		if s := out.Status; len(s) != 1 || s[0].Status != types.BulkEmailStatusMessageRejected ||
			!strings.HasPrefix(aws.ToString(s[0].Error), "Email address is not verified.") {
			t.Errorf("statuses = %s", describeStatuses(s))
		}
	})
	t.Run("the whole request is refused for", func(t *testing.T) {
		t.Run("a template that does not exist", func(t *testing.T) {
			_, err := bulk([]types.BulkEmailDestination{dest("success@simulator.amazonses.com", "")},
				func(in *ses.SendBulkTemplatedEmailInput) { in.Template = aws.String("Nope") })
			wantAPIError(t, err, "TemplateDoesNotExist", "Template Nope does not exist.")
		})
		t.Run("default data that is not a JSON object", func(t *testing.T) {
			_, err := bulk([]types.BulkEmailDestination{dest("success@simulator.amazonses.com", "")},
				func(in *ses.SendBulkTemplatedEmailInput) { in.DefaultTemplateData = aws.String(`[1]`) })
			wantAPIError(t, err, "InvalidParameterValue", "The template data is invalid. DefaultTemplateData: ")
		})
		t.Run("replacement data that is not JSON", func(t *testing.T) {
			_, err := bulk([]types.BulkEmailDestination{dest("success@simulator.amazonses.com", ""), dest("success@simulator.amazonses.com", "anything")})
			wantAPIError(t, err, "InvalidParameterValue", "The template data is invalid. Destinations.member.2.ReplacementTemplateData: ")
		})
		t.Run("more than 50 destinations", func(t *testing.T) {
			_, err := bulk(append(dests, dest("success@simulator.amazonses.com", "")))
			wantAPIError(t, err, "InvalidParameterValue", "Destinations has 51 destinations; the limit is 50.")
		})
	})
}

// maxDestinations is SES's limit of destinations per SendBulkTemplatedEmail.
const maxDestinations = 50

func describeStatuses(ss []types.BulkEmailDestinationStatus) string {
	var b strings.Builder
	for _, s := range ss {
		fmt.Fprintf(&b, "[%s %q %s] ", s.Status, aws.ToString(s.Error), aws.ToString(s.MessageId))
	}
	return b.String()
}

// TestTemplatesV1WithTheAWSCLI manages a template and sends with it through
// `aws ses`, as a user of the v1 API would.
func TestTemplatesV1WithTheAWSCLI(t *testing.T) {
	if _, err := os.Stat(awsCLI); err != nil {
		t.Fatalf("%s not found: install Debian's awscli (make test does it)", awsCLI)
	}
	dns := newDNS(t)
	n := startNode(t, "", "--resolver", dns.Addr())
	n.mustAdmin("identity", "create", "cli.example", "--account", "default")
	n.mustAdmin("identity", "verify", "cli.example", "--account", "default")
	home := t.TempDir()
	run := func(args ...string) (string, error) {
		out, err := execAWS(home, n.url, args...).CombinedOutput()
		return string(out), err
	}
	must := func(args ...string) string {
		t.Helper()
		out, err := run(args...)
		if err != nil {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	// fails runs a command that must fail with code in operation, and
	// message. (The CLI puts "(reached max retries: 0)" between the two.)
	fails := func(code, operation, message string, args ...string) {
		t.Helper()
		out, err := run(args...)
		head := "An error occurred (" + code + ") when calling the " + operation + " operation"
		if err == nil || !strings.Contains(out, head) || !strings.Contains(out, "): "+message) {
			t.Errorf("aws %s: %v, want %s: %s:\n%s", strings.Join(args, " "), err, head, message, out)
		}
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

	must("ses", "create-template", "--template",
		`{"TemplateName":"Welcome","SubjectPart":"Welcome, {{name}}","TextPart":"Hello {{name}} from {{team}}.","HtmlPart":"<h1>Hello {{name}}</h1>"}`)
	fails("AlreadyExists", "CreateTemplate", "Template Welcome already exists for account id ",
		"ses", "create-template", "--cli-input-json", file("again.json", map[string]any{
			"Template": map[string]string{"TemplateName": "Welcome", "SubjectPart": "x"}}))
	out := must("ses", "get-template", "--template-name", "Welcome")
	if !strings.Contains(out, `"SubjectPart": "Welcome, {{name}}"`) || !strings.Contains(out, `"HtmlPart": "<h1>Hello {{name}}</h1>"`) {
		t.Fatalf("get-template:\n%s", out)
	}
	out = must("ses", "list-templates")
	if !strings.Contains(out, `"Name": "Welcome"`) || !strings.Contains(out, `"CreatedTimestamp"`) {
		t.Fatalf("list-templates:\n%s", out)
	}
	out = must("ses", "test-render-template", "--template-name", "Welcome", "--template-data", `{"name":"Ada","team":"ops"}`)
	if !strings.Contains(out, `Subject: Welcome, Ada`) || !strings.Contains(out, `Hello Ada from ops.`) {
		t.Fatalf("test-render-template:\n%s", out)
	}
	fails("MissingRenderingAttribute", "TestRenderTemplate", "Attribute 'team' is not present in the rendering data.",
		"ses", "test-render-template", "--template-name", "Welcome", "--template-data", `{"name":"Ada"}`)

	out = must("ses", "send-templated-email", "--source", "hello@cli.example",
		"--destination", "ToAddresses=success@simulator.amazonses.com",
		"--template", "Welcome", "--template-data", `{"name":"Grace","team":"the team"}`)
	var single struct{ MessageId string }
	if err := json.Unmarshal([]byte(out), &single); err != nil || single.MessageId == "" {
		t.Fatalf("send-templated-email: %v\n%s", err, out)
	}
	if tr := n.templateTrace(single.MessageId); tr.Subject != "Welcome, Grace" {
		t.Errorf("send-templated-email: subject %q", tr.Subject)
	}

	out = must("ses", "send-bulk-templated-email", "--cli-input-json", file("bulk.json", map[string]any{
		"Source":              "hello@cli.example",
		"Template":            "Welcome",
		"DefaultTemplateData": `{"name":"friend","team":"the team"}`,
		"Destinations": []map[string]any{
			{"Destination": map[string]any{"ToAddresses": []string{"success+1@simulator.amazonses.com"}},
				"ReplacementTemplateData": `{"name":"Ada"}`},
			{"Destination": map[string]any{"ToAddresses": []string{"success+2@simulator.amazonses.com"}}},
			{"Destination": map[string]any{"ToAddresses": []string{"not an address"}}},
		},
	}))
	var res struct {
		Status []struct{ Status, MessageId, Error string }
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || len(res.Status) != 3 {
		t.Fatalf("send-bulk-templated-email: %v\n%s", err, out)
	}
	for i, want := range []string{"Welcome, Ada", "Welcome, friend"} {
		r := res.Status[i]
		if r.Status != "Success" || r.MessageId == "" || r.Error != "" {
			t.Fatalf("destination %d: %+v", i, r)
		}
		if tr := n.templateTrace(r.MessageId); tr.Subject != want {
			t.Errorf("destination %d: subject %q, want %q", i, tr.Subject, want)
		}
	}
	if r := res.Status[2]; r.Status != "InvalidParameterValue" || r.Error == "" || r.MessageId != "" {
		t.Errorf("destination 2: %+v", r)
	}
	if !regexp.MustCompile(`"MessageId": "[0-9a-f]{16}-`).MatchString(out) {
		t.Errorf("message IDs are not SES-shaped:\n%s", out)
	}

	must("ses", "delete-template", "--template-name", "Welcome")
	fails("TemplateDoesNotExist", "GetTemplate", "Template Welcome does not exist.",
		"ses", "get-template", "--template-name", "Welcome")
}
