package intake

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/hikyaku/hikyaku/internal/eventlog"
	"github.com/hikyaku/hikyaku/internal/events"
	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/template"
	"github.com/hikyaku/hikyaku/internal/templates"
)

// templateFixture is a fixture whose Intake has stored templates, one of
// them "Order": a subject, text and HTML that need name and order.
func templateFixture(t *testing.T, daily float64) (*fixture, *templates.Service) {
	t.Helper()
	f := newFixture(t, true, -1, daily)
	svc := templates.New(f.st, f.clock)
	f.in = New(f.st, verified{"example.com": true}, f.clock, slog.New(slog.DiscardHandler),
		Options{Region: "us-east-1", Hostname: "hikyaku.test", Templates: svc})
	err := svc.Create(context.Background(), f.acct.ID, &templates.Template{Name: "Order",
		Subject: "Order {{order}} shipped", Text: "Dear {{name}}, order {{order}} is on its way.",
		HTML: "<p>Dear {{name}},</p><p>order <b>{{order}}</b></p>"})
	if err != nil {
		t.Fatal(err)
	}
	return f, svc
}

func (f *fixture) sendTemplate(tc *TemplateContent, to ...string) (string, error) {
	return f.in.Send(context.Background(), &Request{Account: f.acct, Origin: "api-v2", MaxSize: MaxSizeV2,
		From: "shop@example.com", To: to, Operation: "SendTemplatedEmail", Template: tc})
}

func (f *fixture) message(t *testing.T, id string) (*store.Message, string) {
	t.Helper()
	m, err := f.st.GetMessage(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	body, err := f.st.GetMessageBody(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return m, string(body)
}

func (f *fixture) events(t *testing.T, id string) []*store.Event {
	t.Helper()
	evs, _, err := f.st.SearchEvents(context.Background(), store.EventFilter{AccountID: f.acct.ID, MessageID: id})
	if err != nil {
		t.Fatal(err)
	}
	// Newest first; put them in the order they happened.
	for i, j := 0, len(evs)-1; i < j; i, j = i+1, j-1 {
		evs[i], evs[j] = evs[j], evs[i]
	}
	return evs
}

func TestTemplatedSendStoresTheRenderedMessage(t *testing.T) {
	t.Parallel()
	f, _ := templateFixture(t, -1)
	id, err := f.sendTemplate(&TemplateContent{Name: "Order", Data: `{"name":"Ada","order":"A-17"}`,
		Headers: []Header{{Name: "X-Campaign", Value: "autumn"}}}, "ada@x.test")
	if err != nil {
		t.Fatal(err)
	}
	m, body := f.message(t, id)
	if m.Subject != "Order A-17 shipped" || m.Recipients[0].Status != store.RcptQueued {
		t.Errorf("message = subject %q, status %s", m.Subject, m.Recipients[0].Status)
	}
	for _, want := range []string{"Subject: Order A-17 shipped", "Dear Ada, order A-17 is on its way.",
		"<p>Dear Ada,</p><p>order <b>A-17</b></p>", "X-Campaign: autumn", "multipart/alternative"} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "{{") {
		t.Errorf("body has unrendered placeholders:\n%s", body)
	}
	var op string
	for _, tag := range m.Tags {
		if tag.Name == "ses:operation" {
			op = tag.Value
		}
	}
	if op != "SendTemplatedEmail" {
		t.Errorf("ses:operation = %q", op)
	}
	if evs := f.events(t, id); len(evs) != 1 || evs[0].Type != events.TypeSend {
		t.Errorf("events = %v, want Send", types(evs))
	}
}

func types(evs []*store.Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Type)
	}
	return out
}

func TestRenderingFailureIsAcceptedButNotSent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, data, want string
	}{
		{"a missing attribute", `{"name":"Ada"}`, "Attribute 'order' is not present in the rendering data."},
		{"a null attribute", `{"name":"Ada","order":null}`, "Attribute 'order' is not present in the rendering data."},
		{"data that is not JSON", `{"name":`, "Template data is not valid JSON"},
		{"data that is not an object", `["Ada"]`, "Template data must be a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// A daily quota of one: a failed message must not use it.
			f, _ := templateFixture(t, 1)
			id, err := f.sendTemplate(&TemplateContent{Name: "Order", Data: tt.data}, "ada@x.test", "bob@x.test")
			if err != nil || id == "" {
				t.Fatalf("Send = %q, %v; want a message ID", id, err)
			}
			m, body := f.message(t, id)
			for _, r := range m.Recipients {
				if r.Status != store.RcptFailed || !strings.HasPrefix(r.Outcome.Diagnostic, tt.want) {
					t.Errorf("%s: status %s, diagnostic %q; want failed, %q", r.Address, r.Status, r.Outcome.Diagnostic, tt.want)
				}
			}
			if strings.Contains(body, "Dear") || !strings.Contains(body, "To: ada@x.test, bob@x.test") {
				t.Errorf("stored body is not the unrendered skeleton:\n%s", body)
			}
			evs := f.events(t, id)
			if got := strings.Join(types(evs), ","); got != "Send,Rendering Failure" {
				t.Fatalf("events = %s, want Send then Rendering Failure", got)
			}
			e, err := eventlog.Decode(evs[1])
			if err != nil {
				t.Fatal(err)
			}
			if e.Failure == nil || e.Failure.TemplateName != "Order" || !strings.HasPrefix(e.Failure.ErrorMessage, tt.want) ||
				evs[1].Recipient != "" {
				t.Errorf("Rendering Failure = %+v for %q", e.Failure, evs[1].Recipient)
			}
			claims, err := f.st.ClaimDue(context.Background(), "test", f.clock.Now().Add(1e9), 1e9, 10)
			if err != nil || len(claims) != 0 {
				t.Errorf("the queue claims %d recipients of a failed message (%v)", len(claims), err)
			}
			if _, err := f.send("carol@x.test"); err != nil {
				t.Errorf("the failed message used the daily quota: %v", err)
			}
		})
	}
}

func TestTemplateRefusalsAreImmediate(t *testing.T) {
	t.Parallel()
	f, _ := templateFixture(t, -1)
	acct := f.acct.ID
	tests := []struct {
		name string
		tc   *TemplateContent
		from string
		code string
		msg  string
	}{
		{"a template that does not exist", &TemplateContent{Name: "Nope", Data: `{}`}, "", "NotFoundException",
			"Template Nope does not exist."},
		{"another account's template ARN", &TemplateContent{ARN: "arn:aws:ses:us-east-1:999999999999:template/Order"}, "",
			"NotFoundException", ""},
		{"a malformed ARN", &TemplateContent{ARN: "Order"}, "", "BadRequestException", ""},
		{"inline content with a block helper", &TemplateContent{Inline: &template.Template{Subject: "{{#if a}}x{{/if}}"}},
			"", "BadRequestException", "Template contains unsupported operations."},
		{"both a name and inline content", &TemplateContent{Name: "Order", Inline: &template.Template{Subject: "x"}},
			"", "BadRequestException", ""},
		{"no template at all", &TemplateContent{}, "", "BadRequestException", ""},
		{"data over 262144 characters", &TemplateContent{Name: "Order", Data: `{"a":"` + strings.Repeat("x", 262144) + `"}`},
			"", "BadRequestException", ""},
		{"an unverified sender, even when rendering would fail", &TemplateContent{Name: "Order", Data: `{}`},
			"shop@unverified.test", "MessageRejected", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			from := tt.from
			if from == "" {
				from = "shop@example.com"
			}
			id, err := f.in.Send(context.Background(), &Request{Account: f.acct, Origin: "api-v2", MaxSize: MaxSizeV2,
				From: from, To: []string{"ada@x.test"}, Template: tt.tc})
			if code(err) != tt.code || id != "" {
				t.Fatalf("Send = %q, %v; want %s", id, err, tt.code)
			}
			if tt.msg != "" && !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("message = %v, want %q", err, tt.msg)
			}
		})
	}
	t.Run("the account's own template ARN names the template", func(t *testing.T) {
		id, err := f.sendTemplate(&TemplateContent{ARN: "arn:aws:ses:us-east-1:" + acct + ":template/Order",
			Data: `{"name":"Ada","order":"1"}`}, "ada@x.test")
		if err != nil {
			t.Fatal(err)
		}
		if m, _ := f.message(t, id); m.Subject != "Order 1 shipped" {
			t.Errorf("subject = %q", m.Subject)
		}
	})
	t.Run("inline content with plain substitutions renders", func(t *testing.T) {
		id, err := f.sendTemplate(&TemplateContent{Inline: &template.Template{Subject: "Hi {{user.name}}", Text: "x"},
			Data: `{"user":{"name":"Ada"}}`}, "ada@x.test")
		if err != nil {
			t.Fatal(err)
		}
		if m, _ := f.message(t, id); m.Subject != "Hi Ada" {
			t.Errorf("subject = %q", m.Subject)
		}
	})
}

func TestResolvedTemplateIsSharedByBulkEntries(t *testing.T) {
	t.Parallel()
	f, _ := templateFixture(t, -1)
	ctx := context.Background()
	defaults, err := template.ParseData(`{"name":"customer","order":"?"}`)
	if err != nil {
		t.Fatal(err)
	}
	base := &TemplateContent{Name: "Order", Defaults: &defaults}
	if err := f.in.ResolveTemplate(ctx, f.acct.ID, base); err != nil {
		t.Fatal(err)
	}
	// Deleting the template after resolving does not affect the request
	// that resolved it.
	if err := f.st.DeleteObject(ctx, f.acct.ID, "email-template", "Order"); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for i, data := range []string{`{"name":"Ada","order":"1"}`, `{"order":"2"}`, ``} {
		tc := *base
		tc.Data = data
		id, err := f.in.Send(ctx, &Request{Account: f.acct, Origin: "api-v2", MaxSize: MaxSizeV2, From: "shop@example.com",
			To: []string{"r@x.test"}, Operation: "SendBulkTemplatedEmail", Template: &tc})
		if err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
		want[id] = []string{"Dear Ada, order 1", "Dear customer, order 2", "Dear customer, order ?"}[i]
	}
	for id, w := range want {
		if _, body := f.message(t, id); !strings.Contains(body, w) {
			t.Errorf("message %s lacks %q:\n%s", id, w, body)
		}
	}
}
