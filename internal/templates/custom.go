package templates

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/hikyaku/hikyaku/internal/fault"
	"github.com/hikyaku/hikyaku/internal/store"
)

// Custom verification email templates: the mail SES's
// SendCustomVerificationEmail sends instead of its own "Email Address
// Verification Request" (CreateCustomVerificationEmailTemplate and its
// siblings, v2 and v1). They are JSON documents of ObjectStore kind
// "custom-verification-template", named by TemplateName.
const customKind = "custom-verification-template"

// Limits of custom verification templates: SES allows "up to 50" per
// account (Developer Guide, custom verification email templates), and the
// API reference says of TemplateContent "The total size of the email must
// be less than 10 MB".
const (
	MaxCustomTemplates     = 50
	MaxCustomContentSize   = 10 << 20
	maxCustomSubjectLength = 998 // RFC 5322 §2.1.1's line limit
)

// CustomVerification is a custom verification email template.
type CustomVerification struct {
	Name        string `json:"name"`
	FromAddress string `json:"fromEmailAddress"`
	Subject     string `json:"subject"`
	// Content is the HTML body; the verification link is appended to it
	// when it is sent.
	Content    string      `json:"content"`
	SuccessURL string      `json:"successRedirectionURL"`
	FailureURL string      `json:"failureRedirectionURL"`
	Tags       []store.Tag `json:"tags,omitempty"`
	CreatedAt  time.Time   `json:"createdAt"`
}

// CustomNotFound is SES's answer for a custom verification template that
// does not exist (v1 CustomVerificationEmailTemplateDoesNotExist, v2
// NotFoundException).
func CustomNotFound(name string) *fault.Error {
	f := fault.NotFound("Custom verification email template %s does not exist.", name)
	f.V1Code = "CustomVerificationEmailTemplateDoesNotExist"
	return f
}

func customExists(name string) *fault.Error {
	f := fault.AlreadyExists("Custom verification email template %s already exists.", name)
	f.V1Code = "CustomVerificationEmailTemplateAlreadyExists"
	return f
}

// validate checks a template as SES does: every member present, the
// content under 10 MB, and redirection URLs that are absolute http(s).
func (t *CustomVerification) validate() error {
	switch {
	case !storable(t.Name):
		return fault.BadRequest("Invalid template name %q: use 1 to 64 letters, digits, underscores and hyphens.", t.Name)
	case t.FromAddress == "":
		return fault.BadRequest("FromEmailAddress is required.")
	case t.Subject == "" || len(t.Subject) > maxCustomSubjectLength:
		return fault.BadRequest("TemplateSubject must have 1 to %d characters.", maxCustomSubjectLength)
	case t.Content == "":
		return fault.BadRequest("TemplateContent is required.")
	case len(t.Content) >= MaxCustomContentSize:
		f := fault.BadRequest("The custom verification email content must be less than 10 MB.")
		f.V1Code = "CustomVerificationEmailInvalidContent"
		return f
	}
	for _, u := range []struct{ member, v string }{{"SuccessRedirectionURL", t.SuccessURL}, {"FailureRedirectionURL", t.FailureURL}} {
		p, err := url.Parse(u.v)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return fault.BadRequest("%s %q is not an absolute http or https URL.", u.member, u.v)
		}
	}
	return nil
}

func customLimit(limit int) *fault.Error {
	return &fault.Error{Code: "LimitExceededException", V1Code: "LimitExceeded", HTTPStatus: http.StatusBadRequest,
		SMTPCode: 550, Enhanced: "5.0.0",
		Message: fmt.Sprintf("You have reached the limit of %d custom verification email templates; delete one you no longer use to create another.", limit)}
}

// CreateCustom stores a new custom verification template: AlreadyExists
// for a name in use, LimitExceeded beyond MaxCustomTemplates, BadRequest
// for an invalid one. Whether FromAddress is a verified identity is the
// caller's check (it needs package identity).
func (s *Service) CreateCustom(ctx context.Context, accountID string, t *CustomVerification) error {
	if err := t.validate(); err != nil {
		return err
	}
	n, err := s.store.CountObjects(ctx, accountID, customKind, "")
	if err != nil {
		return err
	}
	if n >= MaxCustomTemplates {
		return customLimit(MaxCustomTemplates)
	}
	now := s.clock.Now().UTC().Truncate(time.Millisecond)
	t.CreatedAt = now
	body, err := json.Marshal(t)
	if err != nil {
		return err
	}
	err = s.store.CreateObject(ctx, &store.Object{AccountID: accountID, Kind: customKind, Name: t.Name,
		Body: body, CreatedAt: now, UpdatedAt: now})
	if errors.Is(err, store.ErrExists) {
		return customExists(t.Name)
	}
	return err
}

// GetCustom returns a custom verification template, or CustomNotFound.
func (s *Service) GetCustom(ctx context.Context, accountID, name string) (*CustomVerification, error) {
	if !storable(name) {
		return nil, CustomNotFound(name)
	}
	o, err := s.store.GetObject(ctx, accountID, customKind, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, CustomNotFound(name)
	}
	if err != nil {
		return nil, err
	}
	var t CustomVerification
	if err := json.Unmarshal(o.Body, &t); err != nil {
		return nil, fmt.Errorf("custom verification template %s: %w", o.Name, err)
	}
	return &t, nil
}

// ListCustom returns up to limit custom verification templates named
// after after, in name order, and whether more follow.
func (s *Service) ListCustom(ctx context.Context, accountID, after string, limit int) ([]*CustomVerification, bool, error) {
	objs, err := s.store.ListObjects(ctx, accountID, customKind, "", after, limit+1)
	if err != nil {
		return nil, false, err
	}
	more := len(objs) > limit
	if more {
		objs = objs[:limit]
	}
	out := make([]*CustomVerification, 0, len(objs))
	for _, o := range objs {
		var t CustomVerification
		if err := json.Unmarshal(o.Body, &t); err != nil {
			return nil, false, fmt.Errorf("custom verification template %s: %w", o.Name, err)
		}
		out = append(out, &t)
	}
	return out, more, nil
}

// UpdateCustom replaces a custom verification template's members, keeping
// its tags and creation time. CustomNotFound if there is none.
func (s *Service) UpdateCustom(ctx context.Context, accountID string, upd *CustomVerification) error {
	t, err := s.GetCustom(ctx, accountID, upd.Name)
	if err != nil {
		return err
	}
	if err := upd.validate(); err != nil {
		return err
	}
	upd.Tags, upd.CreatedAt = t.Tags, t.CreatedAt
	body, err := json.Marshal(upd)
	if err != nil {
		return err
	}
	err = s.store.UpdateObject(ctx, &store.Object{AccountID: accountID, Kind: customKind, Name: upd.Name,
		Body: body, UpdatedAt: s.clock.Now().UTC()})
	if errors.Is(err, store.ErrNotFound) {
		return CustomNotFound(upd.Name)
	}
	return err
}

// DeleteCustom removes a custom verification template.
func (s *Service) DeleteCustom(ctx context.Context, accountID, name string) error {
	if !storable(name) {
		return CustomNotFound(name)
	}
	err := s.store.DeleteObject(ctx, accountID, customKind, name)
	if errors.Is(err, store.ErrNotFound) {
		return CustomNotFound(name)
	}
	return err
}
