package smtpd

import (
	"testing"

	"github.com/emersion/go-smtp"

	"github.com/hikyaku/hikyaku/internal/fault"
)

func TestFaultReplyEdgeCases(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		f        *fault.Error
		code     int
		enhanced smtp.EnhancedCode
		text     string
	}{
		{"a fault without an SMTP code is permanent", &fault.Error{Code: "X", Message: "no"}, 554, smtp.EnhancedCode{5, 0, 0}, "no"},
		{"a temporary fault without an SMTP code is temporary", &fault.Error{Code: "X", Message: "later", Temporary: true}, 451, smtp.EnhancedCode{4, 0, 0}, "later"},
		{"a malformed enhanced code is left to go-smtp", &fault.Error{Code: "X", SMTPCode: 550, Enhanced: "5.x.1", Message: "m"}, 550, smtp.EnhancedCodeNotSet, "m"},
		{"line breaks stay on one line", fault.MessageRejected("a\r\nb\nc"), 554, smtp.EnhancedCode{5, 7, 1}, "Message rejected: a b c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := faultReply(tt.f)
			if r.Code != tt.code || r.EnhancedCode != tt.enhanced || r.Message != tt.text {
				t.Fatalf("faultReply = %d %v %q, want %d %v %q", r.Code, r.EnhancedCode, r.Message, tt.code, tt.enhanced, tt.text)
			}
		})
	}
}

func TestEnvelopeAddress(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string // want "" means refused
	}{
		{"user@example.com", "user@example.com"},
		{"User@Example.COM", "User@example.com"},
		{"john doe@example.com", `"john doe"@example.com`},
		{`a"b@example.com`, `"a\"b"@example.com`},
		{"user@bücher.example", "user@xn--bcher-kva.example"},
		{"user@example..com", ""},
		{"user@exa_mple.com", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			a, err := envelopeAddress(tt.in)
			switch {
			case tt.want == "" && err == nil:
				t.Fatalf("accepted as %q", a.String())
			case tt.want != "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.want != "" && a.String() != tt.want:
				t.Fatalf("= %q, want %q", a.String(), tt.want)
			}
		})
	}
}
