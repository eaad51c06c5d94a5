package intake

import (
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/hikyaku/hikyaku/internal/fault"
	"github.com/hikyaku/hikyaku/internal/identity"
	"github.com/hikyaku/hikyaku/internal/store"
)

// mailFroms is a MailFromSource over fixed answers by sender address; a
// sender it does not know has no custom MAIL FROM domain.
type mailFroms map[string]*identity.MailFrom

func (m mailFroms) MailFromFor(_ context.Context, _, addr string) (*identity.MailFrom, error) {
	if addr == "broken@example.com" {
		return nil, errors.New("store unreachable")
	}
	return m[addr], nil
}

func TestMailFromDomainIsChosenAtIntake(t *testing.T) {
	t.Parallel()
	mf := func(status, behavior string) *identity.MailFrom {
		return &identity.MailFrom{Identity: "example.com", Domain: "bounce.example.com", Status: status, Behavior: behavior}
	}
	sources := mailFroms{
		"verified@example.com":       mf(store.StatusSuccess, store.BehaviorReject),
		"pending@example.com":        mf(store.StatusPending, store.BehaviorUseDefault),
		"pending-strict@example.com": mf(store.StatusPending, store.BehaviorReject),
		"failed-strict@example.com":  mf(store.StatusFailed, store.BehaviorReject),
		"temp-strict@example.com":    mf(store.StatusTemporaryFailure, store.BehaviorReject),
		"failed@example.com":         mf(store.StatusFailed, store.BehaviorUseDefault),
	}
	tests := []struct {
		name, from, source string // source: SendRawEmail's Source; empty sends Simple content
		wantDomain         string
		wantCode           string
	}{
		{"a sender without a MAIL FROM domain gets the default", "plain@example.com", "", "", ""},
		{"a verified MAIL FROM domain is the message's", "verified@example.com", "", "bounce.example.com", ""},
		{"a pending one falls back to the default", "pending@example.com", "", "", ""},
		{"a failed one falls back to the default", "failed@example.com", "", "", ""},
		{"a pending one with REJECT_MESSAGE refuses", "pending-strict@example.com", "", "", "MailFromDomainNotVerifiedException"},
		{"a failed one with REJECT_MESSAGE refuses", "failed-strict@example.com", "", "", "MailFromDomainNotVerifiedException"},
		{"a temporarily failed one with REJECT_MESSAGE refuses", "temp-strict@example.com", "", "", "MailFromDomainNotVerifiedException"},
		{"the envelope Source decides, not the From header", "pending-strict@example.com", "verified@example.com", "bounce.example.com", ""},
		{"a failed lookup is an internal error", "broken@example.com", "", "", "InternalServiceErrorException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, true, -1, -1)
			f.in = New(f.st, verified{"example.com": true}, f.clock, slog.New(slog.DiscardHandler),
				Options{Region: "us-east-1", Hostname: "hikyaku.test", MailFrom: sources})
			req := &Request{Account: f.acct, Origin: "api-v2", MaxSize: MaxSizeV2, To: []string{"a@x.test"}}
			if tt.source != "" {
				req.From = tt.source
				req.Raw = []byte("From: " + tt.from + "\r\nTo: a@x.test\r\nSubject: s\r\n\r\nhello\r\n")
			} else {
				req.From, req.Simple = tt.from, &Simple{Subject: "s", Text: "hello"}
			}
			id, err := f.in.Send(context.Background(), req)
			if got := code(err); got != tt.wantCode {
				t.Fatalf("code = %q (%v), want %q", got, err, tt.wantCode)
			}
			if tt.wantCode != "" {
				if f := fault.As(err); tt.wantCode == "MailFromDomainNotVerifiedException" &&
					(f.HTTPStatus != 400 || f.SMTPCode != 554 || f.Enhanced != "5.7.1" || f.QueryCode() != tt.wantCode) {
					t.Errorf("fault = %+v, want HTTP 400, SMTP 554 5.7.1, v1 code %s", f, tt.wantCode)
				}
				return
			}
			m, err := f.st.GetMessage(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			if m.MailFromDomain != tt.wantDomain {
				t.Errorf("MailFromDomain = %q, want %q", m.MailFromDomain, tt.wantDomain)
			}
		})
	}
}
