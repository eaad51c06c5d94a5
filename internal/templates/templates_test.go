package templates

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/hikyaku/hikyaku/internal/clock"
	"github.com/hikyaku/hikyaku/internal/fault"
	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/store/sqlite"
	"github.com/hikyaku/hikyaku/internal/template"
)

const acct = "111122223333"

func newService(t *testing.T) (*Service, *clock.Fake) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clk := clock.NewFake(time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC))
	for _, id := range []string{acct, "444455556666"} {
		a := &store.Account{ID: id, Name: "a" + id, Production: true, SendingEnabled: true, EnforcementStatus: "HEALTHY",
			Max24HourSend: -1, MaxSendRate: -1, CreatedAt: clk.Now(), UpdatedAt: clk.Now()}
		if err := st.CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	return New(st, clk), clk
}

func wantFault(t *testing.T, err error, code, v1, msg string) {
	t.Helper()
	f := fault.As(err)
	if f == nil {
		t.Fatalf("err = %v, want %s", err, code)
	}
	if f.Code != code || f.QueryCode() != v1 || (msg != "" && f.Message != msg) {
		t.Fatalf("fault = %s/%s %q, want %s/%s %q", f.Code, f.QueryCode(), f.Message, code, v1, msg)
	}
}

func welcome() *Template {
	return &Template{Name: "Welcome", Subject: "Hello, {{name}}!", Text: "Dear {{name}},\nwelcome.",
		HTML: "<h1>Hello {{name}}</h1>", Tags: []store.Tag{{Name: "team", Value: "growth"}}}
}

func TestCreateGetUpdateDelete(t *testing.T) {
	t.Parallel()
	s, clk := newService(t)
	ctx := context.Background()

	if err := s.Create(ctx, acct, welcome()); err != nil {
		t.Fatal(err)
	}
	created := clk.Now()
	got, err := s.Get(ctx, acct, "Welcome")
	if err != nil {
		t.Fatal(err)
	}
	if got.Subject != "Hello, {{name}}!" || got.HTML != "<h1>Hello {{name}}</h1>" || len(got.Tags) != 1 ||
		!got.CreatedTimestamp.Equal(created) {
		t.Errorf("Get = %+v", got)
	}

	t.Run("a second template of the same name is AlreadyExists, naming the account", func(t *testing.T) {
		wantFault(t, s.Create(ctx, acct, welcome()), "AlreadyExistsException", "AlreadyExists",
			"Template Welcome already exists for account id "+acct)
	})
	t.Run("another account has its own names", func(t *testing.T) {
		if err := s.Create(ctx, "444455556666", welcome()); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("names are case-sensitive", func(t *testing.T) {
		_, err := s.Get(ctx, acct, "welcome")
		wantFault(t, err, "NotFoundException", "TemplateDoesNotExist", "Template welcome does not exist.")
	})

	clk.Advance(time.Hour)
	if err := s.Update(ctx, acct, template.Template{Name: "Welcome", Subject: "Hi {{name}}", Text: "v2"}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Get(ctx, acct, "Welcome")
	if got.Subject != "Hi {{name}}" || got.Text != "v2" || got.HTML != "" {
		t.Errorf("after Update: %+v", got)
	}
	if !got.CreatedTimestamp.Equal(created) || len(got.Tags) != 1 {
		t.Errorf("Update changed the creation time or tags: %+v", got)
	}

	if err := s.Delete(ctx, acct, "Welcome"); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"Get":    func() error { _, err := s.Get(ctx, acct, "Welcome"); return err }(),
		"Update": s.Update(ctx, acct, template.Template{Name: "Welcome", Subject: "x"}),
		"Delete": s.Delete(ctx, acct, "Welcome"),
		"Compile": func() error {
			_, err := s.Compile(ctx, acct, "Welcome")
			return err
		}(),
	} {
		t.Run(name+" of a deleted template is NotFound", func(t *testing.T) {
			wantFault(t, err, "NotFoundException", "TemplateDoesNotExist", "Template Welcome does not exist.")
		})
	}
	if _, err := s.Get(ctx, "444455556666", "Welcome"); err != nil {
		t.Errorf("deleting one account's template touched another's: %v", err)
	}
}

func TestCreateValidates(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	ctx := context.Background()
	tests := []struct {
		name string
		t    *Template
	}{
		{"a template without a name", &Template{Subject: "x"}},
		{"a name with a space", &Template{Name: "a b", Subject: "x"}},
		{"a name of 65 characters", &Template{Name: fmt.Sprintf("%065d", 0), Subject: "x"}},
		{"a template without content", &Template{Name: "empty"}},
		{"a template that does not parse", &Template{Name: "broken", Subject: "{{#if x}}open"}},
		{"a template over 500 KB", &Template{Name: "big", HTML: string(make([]byte, template.MaxTemplateSize+1))}},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is a BadRequest", func(t *testing.T) {
			t.Parallel()
			err := s.Create(ctx, acct, tt.t)
			if f := fault.As(err); f == nil || f.Code != "BadRequestException" || f.HTTPStatus != 400 {
				t.Fatalf("Create = %v, want BadRequestException", err)
			}
		})
	}
	t.Run("an update to content that does not parse is refused and changes nothing", func(t *testing.T) {
		t.Parallel()
		if err := s.Create(ctx, acct, &Template{Name: "keep", Subject: "ok {{x}}"}); err != nil {
			t.Fatal(err)
		}
		err := s.Update(ctx, acct, template.Template{Name: "keep", Subject: "{{#each}}"})
		if f := fault.As(err); f == nil || f.Code != "BadRequestException" {
			t.Fatalf("Update = %v, want BadRequestException", err)
		}
		if got, _ := s.Get(ctx, acct, "keep"); got.Subject != "ok {{x}}" {
			t.Errorf("subject = %q after a refused update", got.Subject)
		}
	})
}

func TestListPagesInNameOrder(t *testing.T) {
	t.Parallel()
	s, clk := newService(t)
	ctx := context.Background()
	for _, n := range []string{"c", "a", "e", "b", "d"} {
		clk.Advance(time.Second)
		if err := s.Create(ctx, acct, &Template{Name: n, Subject: n}); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	after, pages := "", 0
	for {
		page, more, err := s.List(ctx, acct, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, tp := range page {
			names = append(names, tp.Name)
			if tp.CreatedTimestamp.IsZero() {
				t.Errorf("%s has no creation time", tp.Name)
			}
		}
		if !more {
			break
		}
		after = page[len(page)-1].Name
	}
	if fmt.Sprint(names) != "[a b c d e]" || pages != 3 {
		t.Errorf("listed %v in %d pages, want [a b c d e] in 3", names, pages)
	}
	if page, more, _ := s.List(ctx, "444455556666", "", 10); len(page) != 0 || more {
		t.Errorf("another account lists %d templates", len(page))
	}
}

func TestLimit(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	ctx := context.Background()
	if MaxTemplates != 20000 || s.Limit != MaxTemplates {
		t.Fatalf("limit = %d (MaxTemplates %d), want SES's 20000", s.Limit, MaxTemplates)
	}
	s.Limit = 3
	for i := range 3 {
		if err := s.Create(ctx, acct, &Template{Name: fmt.Sprint("t", i), Subject: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	err := s.Create(ctx, acct, &Template{Name: "t3", Subject: "x"})
	wantFault(t, err, "LimitExceededException", "LimitExceeded", "")
	if err := s.Create(ctx, "444455556666", &Template{Name: "t3", Subject: "x"}); err != nil {
		t.Errorf("the limit is per account: %v", err)
	}
	if err := s.Delete(ctx, acct, "t0"); err != nil {
		t.Fatal(err)
	}
	if err := s.Create(ctx, acct, &Template{Name: "t3", Subject: "x"}); err != nil {
		t.Errorf("after a delete there is room again: %v", err)
	}
}

func TestCompileReadsTheCurrentContentAndCaches(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	ctx := context.Background()
	if err := s.Create(ctx, acct, &Template{Name: "greet", Subject: "Hi {{name}}"}); err != nil {
		t.Fatal(err)
	}
	render := func() string {
		t.Helper()
		c, err := s.Compile(ctx, acct, "greet")
		if err != nil {
			t.Fatal(err)
		}
		r, err := c.Render(`{"name":"Ada"}`, template.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return r.Subject
	}
	a, b := render(), render()
	if a != "Hi Ada" || b != a || s.cache.Len() != 1 {
		t.Errorf("renders %q, %q with %d cached; want one compiled template", a, b, s.cache.Len())
	}
	if err := s.Update(ctx, acct, template.Template{Name: "greet", Subject: "Bye {{name}}"}); err != nil {
		t.Fatal(err)
	}
	if got := render(); got != "Bye Ada" {
		t.Errorf("after Update renders %q, want the new content", got)
	}
	t.Run("inline content allows plain substitutions only", func(t *testing.T) {
		if _, err := s.CompileInline(template.Template{Subject: "{{#if a}}x{{/if}}"}); fault.As(err) == nil ||
			fault.As(err).Message != "Template contains unsupported operations." {
			t.Errorf("CompileInline(block) = %v", err)
		}
		if _, err := s.CompileInline(template.Template{Subject: "Hi {{user.name}}"}); err != nil {
			t.Errorf("CompileInline(substitution) = %v", err)
		}
	})
}
