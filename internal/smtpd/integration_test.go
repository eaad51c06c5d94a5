package smtpd

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/hikyaku/hikyaku/internal/account"
	"github.com/hikyaku/hikyaku/internal/clock"
	"github.com/hikyaku/hikyaku/internal/intake"
	"github.com/hikyaku/hikyaku/internal/secret"
	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/store/sqlite"
)

const testRegion = "us-east-1"

// verifiedDomains is an intake.Verifier over a fixed set of domains.
type verifiedDomains map[string]bool

func (v verifiedDomains) IsVerified(_ context.Context, _ string, addr string) (bool, error) {
	at := strings.LastIndexByte(addr, '@')
	return v[addr[at+1:]], nil
}

// stack is the real submission path: accounts and keys, intake, and a
// SQLite store in a temporary directory.
type stack struct {
	srv      *Server
	st       store.Store
	user     string
	secret   string
	password string
}

func newStack(t *testing.T) *stack {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	key := make([]byte, 32)
	rand.Read(key)
	box, err := secret.NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	log, _ := testLogger(t)
	accounts := account.New(st, box, clock.Real{}, log)
	acct, err := accounts.Create(ctx, "smtp-test", true)
	if err != nil {
		t.Fatal(err)
	}
	creds, err := accounts.CreateKey(ctx, acct.ID, "", "")
	if err != nil {
		t.Fatal(err)
	}
	in := intake.New(st, verifiedDomains{"example.com": true}, clock.Real{}, slog.New(slog.DiscardHandler),
		intake.Options{Region: testRegion, Hostname: "hikyaku.test"})
	srv := startServer(t, Config{}, AccountAuth{Accounts: accounts, Region: testRegion}, IntakeSubmitter{Intake: in})
	return &stack{srv: srv, st: st, user: creds.AccessKeyID, secret: creds.SecretAccessKey, password: secret.SMTPPassword(creds.SecretAccessKey, testRegion)}
}

func TestSubmissionThroughIntake(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	ctx := context.Background()

	t.Run("an SES SMTP password sends and the message is stored", func(t *testing.T) {
		t.Parallel()
		c := dial(t, s.srv, false)
		if err := c.Auth(sasl.NewLoginClient(s.user, s.password)); err != nil {
			t.Fatal(err)
		}
		msg := message("News <news@example.com>", "reader@example.net", "X-SES-CONFIGURATION-SET: cs\r\nX-SES-MESSAGE-TAGS: campaign=spring\r\n")
		got, err := send(c, "news@example.com", []string{"reader@example.net", "bcc@example.org"}, msg)
		if err != nil {
			t.Fatal(err)
		}
		id, _ := strings.CutPrefix(got, "Ok ")
		m, err := s.st.GetMessage(ctx, id)
		if err != nil {
			t.Fatalf("reply %q: %v", got, err)
		}
		if m.Origin != "smtp" || m.ConfigurationSet != "cs" || len(m.Recipients) != 2 || m.Source != "news@example.com" {
			t.Fatalf("stored origin %q, configuration set %q, %d recipients, source %q",
				m.Origin, m.ConfigurationSet, len(m.Recipients), m.Source)
		}
		if strings.Contains(strings.ToLower(string(m.Body)), "x-ses-") {
			t.Fatalf("X-SES-* headers were not stripped:\n%s", m.Body)
		}
	})

	refusals := []struct{ name, user, password string }{
		{"a password for another region is refused", s.user, secret.SMTPPassword(s.secret, "eu-west-1")},
		{"a password made from another secret is refused", s.user, secret.SMTPPassword("not-the-secret", testRegion)},
		{"the secret itself is not the password", s.user, s.secret},
		{"an unknown access key is refused", "AKIAUNKNOWNKEY000000", s.password},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := dial(t, s.srv, true)
			err := c.Auth(sasl.NewPlainClient("", tt.user, tt.password))
			var se *smtp.SMTPError
			if !errors.As(err, &se) || se.Code != 535 || se.Message != "Authentication Credentials Invalid" {
				t.Fatalf("err = %v, want 535 Authentication Credentials Invalid", err)
			}
		})
	}

	t.Run("an unverified sender is rejected as SES does", func(t *testing.T) {
		t.Parallel()
		c := dial(t, s.srv, true)
		if err := c.Auth(sasl.NewPlainClient("", s.user, s.password)); err != nil {
			t.Fatal(err)
		}
		_, err := send(c, "someone@unverified.test", []string{"reader@example.net"}, message("someone@unverified.test", "reader@example.net", ""))
		var se *smtp.SMTPError
		if !errors.As(err, &se) || se.Code != 554 ||
			!strings.HasPrefix(se.Message, "Message rejected: Email address is not verified. The following identities failed the check in region US-EAST-1: someone@unverified.test") {
			t.Fatalf("err = %v", err)
		}
	})
}

// TestSwaks drives the listener with swaks, the SMTP test tool people
// point at SES's endpoint.
func TestSwaks(t *testing.T) {
	t.Parallel()
	const swaks = "/usr/bin/swaks"
	if _, err := os.Stat(swaks); err != nil {
		t.Fatalf("%s not found: install Debian swaks (make test does): %v", swaks, err)
	}
	if out, _ := exec.Command(swaks, "--support").CombinedOutput(); strings.Contains(string(out), "TLS not available") {
		t.Fatalf("swaks cannot do TLS: install Debian swaks and libnet-ssleay-perl (make test does):\n%s", out)
	}
	s := newStack(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, swaks,
		"--server", s.srv.Addr(), "--tls",
		"--auth", "LOGIN", "--auth-user", s.user, "--auth-password", s.password,
		"--from", "news@example.com", "--to", "reader@example.net",
		"--header", "X-SES-CONFIGURATION-SET: cs")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("swaks: %v\n%s", err, out)
	}
	t.Logf("swaks transcript:\n%s", out)
	m := regexp.MustCompile(`(?m)^<~ +250 Ok (\S+)\r?$`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("swaks output lacks '250 Ok <id>':\n%s", out)
	}
	stored, err := s.st.GetMessage(ctx, string(m[1]))
	if err != nil {
		t.Fatalf("message %s: %v", m[1], err)
	}
	if stored.ConfigurationSet != "cs" || stored.Origin != "smtp" {
		t.Fatalf("stored configuration set %q, origin %q", stored.ConfigurationSet, stored.Origin)
	}
}
