package templates

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

func welcomeCustom() *CustomVerification {
	return &CustomVerification{Name: "Welcome", FromAddress: "hello@example.com", Subject: "Verify",
		Content: "<p>Hi</p>", SuccessURL: "https://example.com/ok", FailureURL: "https://example.com/no"}
}

func TestCustomVerificationLifecycle(t *testing.T) {
	t.Parallel()
	svc, _ := newService(t)
	ctx := context.Background()
	if err := svc.CreateCustom(ctx, acct, welcomeCustom()); err != nil {
		t.Fatal(err)
	}
	wantFault(t, svc.CreateCustom(ctx, acct, welcomeCustom()), "AlreadyExistsException", "CustomVerificationEmailTemplateAlreadyExists", "")
	upd := welcomeCustom()
	upd.Subject = "Verify again"
	if err := svc.UpdateCustom(ctx, acct, upd); err != nil {
		t.Fatal(err)
	}
	got, err := svc.GetCustom(ctx, acct, "Welcome")
	if err != nil || got.Subject != "Verify again" || got.CreatedAt.IsZero() {
		t.Fatalf("GetCustom: %+v, %v", got, err)
	}
	if _, err := svc.GetCustom(ctx, "444455556666", "Welcome"); err == nil {
		t.Error("another account sees the template")
	}
	if err := svc.DeleteCustom(ctx, acct, "Welcome"); err != nil {
		t.Fatal(err)
	}
	_, err = svc.GetCustom(ctx, acct, "Welcome")
	wantFault(t, err, "NotFoundException", "CustomVerificationEmailTemplateDoesNotExist", "Custom verification email template Welcome does not exist.")
	wantFault(t, svc.UpdateCustom(ctx, acct, upd), "NotFoundException", "CustomVerificationEmailTemplateDoesNotExist", "")
}

func TestCustomVerificationValidates(t *testing.T) {
	t.Parallel()
	svc, _ := newService(t)
	for _, tc := range []struct {
		name   string
		change func(*CustomVerification)
	}{
		{"a name with a space", func(c *CustomVerification) { c.Name = "a b" }},
		{"no subject", func(c *CustomVerification) { c.Subject = "" }},
		{"no content", func(c *CustomVerification) { c.Content = "" }},
		{"content of 10 MB", func(c *CustomVerification) { c.Content = strings.Repeat("x", MaxCustomContentSize) }},
		{"a relative success URL", func(c *CustomVerification) { c.SuccessURL = "/ok" }},
		{"a javascript failure URL", func(c *CustomVerification) { c.FailureURL = "javascript:alert(1)" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := welcomeCustom()
			tc.change(c)
			if err := svc.CreateCustom(context.Background(), acct, c); err == nil {
				t.Error("accepted")
			}
		})
	}
}

func TestCustomVerificationLimitAndPages(t *testing.T) {
	t.Parallel()
	svc, _ := newService(t)
	ctx := context.Background()
	for i := range MaxCustomTemplates {
		c := welcomeCustom()
		c.Name = fmt.Sprintf("T%02d", i)
		if err := svc.CreateCustom(ctx, acct, c); err != nil {
			t.Fatal(err)
		}
	}
	c := welcomeCustom()
	wantFault(t, svc.CreateCustom(ctx, acct, c), "LimitExceededException", "LimitExceeded", "")
	page, more, err := svc.ListCustom(ctx, acct, "T09", 20)
	if err != nil || !more || len(page) != 20 || page[0].Name != "T10" {
		t.Fatalf("ListCustom: %d, %v, %v", len(page), more, err)
	}
}
