// Package templates keeps an account's stored email templates: what SES's
// CreateEmailTemplate, GetEmailTemplate, ListEmailTemplates,
// UpdateEmailTemplate and DeleteEmailTemplate (v1 CreateTemplate and its
// siblings) manage, and what a templated send names. Rendering is package
// template's; this package stores, validates through template.Validate, and
// hands the sending path compiled templates from a cache, so that a bulk
// send parses its template once.
//
// Templates are JSON documents in the store's ObjectStore, kind
// "email-template", named by TemplateName. Template names are
// case-sensitive, as SES's are.
package templates

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/hikyaku/hikyaku/internal/clock"
	"github.com/hikyaku/hikyaku/internal/fault"
	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/template"
)

// kind is the ObjectStore kind of a stored template.
const kind = "email-template"

// MaxTemplates is SES's default limit of stored templates per account and
// region: "You can create up to 20,000 email templates in each AWS Region"
// (Developer Guide, send-personalized-email-api, 2025). Older editions of
// the guide and its quotas page said 10,000; inline templates do not count.
const MaxTemplates = 20000

// cacheSize is how many compiled templates a Service keeps in memory.
const cacheSize = 1024

// Template is one stored template.
type Template struct {
	Name    string `json:"name"`
	Subject string `json:"subject,omitempty"`
	Text    string `json:"text,omitempty"`
	HTML    string `json:"html,omitempty"`
	// Tags are CreateEmailTemplate's Tags (Key and Value).
	Tags []store.Tag `json:"tags,omitempty"`
	// CreatedTimestamp is when the template was created; an update keeps
	// it, as ListEmailTemplates shows.
	CreatedTimestamp time.Time `json:"createdTimestamp"`
}

// Content returns t as package template's Template.
func (t *Template) Content() template.Template {
	return template.Template{Name: t.Name, Subject: t.Subject, Text: t.Text, HTML: t.HTML}
}

// Service reads and changes an account's templates.
type Service struct {
	store store.Store
	clock clock.Clock
	cache *template.Cache
	// Limit is how many templates an account may have (MaxTemplates
	// unless changed, for tests). Two concurrent creates at the limit may
	// both succeed: the count and the insert are not one transaction.
	Limit int
}

// New returns a Service on st.
func New(st store.Store, c clock.Clock) *Service {
	return &Service{store: st, clock: c, cache: template.NewCache(cacheSize), Limit: MaxTemplates}
}

// NotFound is SES's answer for a template that does not exist:
// "Template foobar does not exist." is v1's TemplateDoesNotExist text
// (getmoto/moto#3783, localstack/localstack#1712, quoting AWS); the v2 API
// reports a NotFoundException (404), whose text was not found in a public
// trace and is taken to be the same.
func NotFound(name string) *fault.Error {
	f := fault.NotFound("Template %s does not exist.", name)
	f.V1Code = "TemplateDoesNotExist"
	return f
}

// alreadyExists is SES v2's AlreadyExistsException, worded as the AWS CLI
// printed it: "Template ses_template already exists for account id
// 362395300803" (a public SES quick note, 13_aws_ses_quick_note.md). The v1
// code is AlreadyExists.
func alreadyExists(name, accountID string) *fault.Error {
	return fault.AlreadyExists("Template %s already exists for account id %s", name, accountID)
}

// limitExceeded refuses a template beyond the account's limit with SES's
// LimitExceededException (v1 LimitExceeded), both HTTP 400 in the models.
// The text is hikyaku's.
func limitExceeded(limit int) *fault.Error {
	return &fault.Error{Code: "LimitExceededException", V1Code: "LimitExceeded", HTTPStatus: http.StatusBadRequest,
		SMTPCode: 550, Enhanced: "5.0.0",
		Message: fmt.Sprintf("You have reached the limit of %d email templates; delete templates you no longer use to create new ones.", limit)}
}

// invalid converts a template package refusal into the client's fault.
func invalid(err error) error {
	var te *template.Error
	if errors.As(err, &te) {
		return te.Fault()
	}
	return err
}

// Create validates and stores a new template: AlreadyExists if the name is
// taken, LimitExceeded at the account's limit, BadRequest for a template
// that does not parse.
func (s *Service) Create(ctx context.Context, accountID string, t *Template) error {
	if err := template.Validate(t.Content()); err != nil {
		return invalid(err)
	}
	n, err := s.store.CountObjects(ctx, accountID, kind, "")
	if err != nil {
		return err
	}
	if n >= s.Limit {
		return limitExceeded(s.Limit)
	}
	now := s.clock.Now().UTC().Truncate(time.Millisecond)
	t.CreatedTimestamp = now
	body, err := json.Marshal(t)
	if err != nil {
		return err
	}
	err = s.store.CreateObject(ctx, &store.Object{AccountID: accountID, Kind: kind, Name: t.Name,
		Body: body, CreatedAt: now, UpdatedAt: now})
	if errors.Is(err, store.ErrExists) {
		return alreadyExists(t.Name, accountID)
	}
	return err
}

// storable reports whether name could be a stored template's: Create
// allows only template.Validate's names, so any other is not found without
// asking the store (which keeps names as text, and may refuse a NUL).
func storable(name string) bool {
	if name == "" || len(name) > template.MaxNameLength {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// Get returns a template, or NotFound.
func (s *Service) Get(ctx context.Context, accountID, name string) (*Template, error) {
	if !storable(name) {
		return nil, NotFound(name)
	}
	o, err := s.store.GetObject(ctx, accountID, kind, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, NotFound(name)
	}
	if err != nil {
		return nil, err
	}
	return decode(o)
}

func decode(o *store.Object) (*Template, error) {
	var t Template
	if err := json.Unmarshal(o.Body, &t); err != nil {
		return nil, fmt.Errorf("email template %s: %w", o.Name, err)
	}
	return &t, nil
}

// List returns up to limit templates whose names sort after after, in
// name order, and whether more follow.
func (s *Service) List(ctx context.Context, accountID, after string, limit int) ([]*Template, bool, error) {
	objs, err := s.store.ListObjects(ctx, accountID, kind, "", after, limit+1)
	if err != nil {
		return nil, false, err
	}
	more := len(objs) > limit
	if more {
		objs = objs[:limit]
	}
	out := make([]*Template, 0, len(objs))
	for _, o := range objs {
		t, err := decode(o)
		if err != nil {
			return nil, false, err
		}
		out = append(out, t)
	}
	return out, more, nil
}

// Update replaces the subject, text and HTML of a stored template, keeping
// its tags and creation time. NotFound if there is none.
func (s *Service) Update(ctx context.Context, accountID string, content template.Template) error {
	t, err := s.Get(ctx, accountID, content.Name)
	if err != nil {
		return err
	}
	if err := template.Validate(content); err != nil {
		return invalid(err)
	}
	t.Subject, t.Text, t.HTML = content.Subject, content.Text, content.HTML
	body, err := json.Marshal(t)
	if err != nil {
		return err
	}
	err = s.store.UpdateObject(ctx, &store.Object{AccountID: accountID, Kind: kind, Name: t.Name,
		Body: body, UpdatedAt: s.clock.Now().UTC()})
	if errors.Is(err, store.ErrNotFound) {
		return NotFound(content.Name)
	}
	return err
}

// Delete removes a template, or answers NotFound.
func (s *Service) Delete(ctx context.Context, accountID, name string) error {
	if !storable(name) {
		return NotFound(name)
	}
	err := s.store.DeleteObject(ctx, accountID, kind, name)
	if errors.Is(err, store.ErrNotFound) {
		return NotFound(name)
	}
	return err
}

// Compile returns the stored template name, compiled for sending: it is
// read from the store every time, so an update takes effect at once on
// every node, and parsed only when its content is new to this node.
// NotFound if there is none.
func (s *Service) Compile(ctx context.Context, accountID, name string) (*template.Compiled, error) {
	t, err := s.Get(ctx, accountID, name)
	if err != nil {
		return nil, err
	}
	c, err := s.cache.Compile(t.Content())
	if err != nil {
		// Stored templates were validated when written; one that no
		// longer compiles (a stricter parser) is refused like a new one.
		return nil, invalid(err)
	}
	return c, nil
}

// CompileInline compiles template content given in a request, through the
// same cache; SES allows only simple substitutions there.
func (s *Service) CompileInline(t template.Template) (*template.Compiled, error) {
	c, err := s.cache.CompileInline(t)
	if err != nil {
		return nil, invalid(err)
	}
	return c, nil
}
