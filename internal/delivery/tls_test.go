package delivery

import (
	"context"
	"testing"

	"github.com/hikyaku/hikyaku/internal/smtptest"
)

func TestDeliverTLS(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		opts    smtptest.Options
		route   func(*Route)
		roots   bool  // verify with the server's certificate pool
		stage   Stage // of the failure; "" when delivered
		tls     bool  // the session was encrypted
		retried bool  // a first connection failed TLS and a second went plain
	}{
		{name: "STARTTLS is used when offered", tls: true},
		{name: "plaintext when STARTTLS is not offered", opts: smtptest.Options{NoSTARTTLS: true}},
		{name: "plaintext again after a failed handshake", opts: smtptest.Options{BrokenTLS: true}, retried: true},
		{name: "plaintext on the same connection when STARTTLS is refused", opts: smtptest.Options{RefuseSTARTTLS: true}},
		{name: "required TLS fails when STARTTLS is refused", opts: smtptest.Options{RefuseSTARTTLS: true},
			route: func(r *Route) { r.TLS = TLSRequired }, stage: StageTLS},
		{name: "required TLS succeeds", route: func(r *Route) { r.TLS = TLSRequired }, tls: true},
		{name: "required TLS fails when not offered", opts: smtptest.Options{NoSTARTTLS: true},
			route: func(r *Route) { r.TLS = TLSRequired }, stage: StageTLS},
		{name: "required TLS fails on a failed handshake", opts: smtptest.Options{BrokenTLS: true},
			route: func(r *Route) { r.TLS = TLSRequired }, stage: StageTLS},
		{name: "TLS none never starts TLS", route: func(r *Route) { r.TLS = TLSNone }},
		{name: "implicit TLS", opts: smtptest.Options{ImplicitTLS: true},
			route: func(r *Route) { r.TLS = TLSImplicit }, tls: true},
		{name: "implicit TLS against a plaintext server fails",
			route: func(r *Route) { r.TLS = TLSImplicit }, stage: StageConnect},
		{name: "a verified certificate", route: func(r *Route) { r.VerifyTLS = true }, roots: true, tls: true},
		{name: "an unverifiable certificate fails and does not fall back",
			route: func(r *Route) { r.VerifyTLS = true }, stage: StageTLS},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := smtptest.Start(t, tc.opts)
			cfg := PoolConfig{}
			if tc.roots {
				cfg.RootCAs = srv.CertPool()
			}
			p := newPool(t, cfg)
			rep, err := p.Deliver(context.Background(), siteOf(t, srv, tc.route), envelope("ok"))
			if tc.stage != "" {
				e := AsError(err)
				if e == nil || !e.Temporary || e.Stage != tc.stage || rep.Rcpts[0].Result != Temporary {
					t.Fatalf("error %v, want a temporary failure at %s", err, tc.stage)
				}
				if len(srv.Messages()) != 0 {
					t.Error("the message was delivered anyway")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			m := srv.Messages()
			if len(m) != 1 || m[0].TLS != tc.tls || rep.TLS != tc.tls {
				t.Errorf("delivered %d messages, TLS %v (report %v), want TLS %v", len(m), len(m) == 1 && m[0].TLS, rep.TLS, tc.tls)
			}
			if tc.retried != (len(rep.HostErrors) == 1 && rep.HostErrors[0].Stage == StageTLS && srv.Connections() == 2) ||
				(!tc.retried && srv.Connections() != 1) {
				t.Errorf("host errors %v over %d connections; want a plaintext retry: %v", rep.HostErrors, srv.Connections(), tc.retried)
			}
		})
	}
}

func TestDeliverAuth(t *testing.T) {
	t.Parallel()
	users := map[string]string{"alice": "s3cret"}
	creds := func(mode TLSMode, pass string) func(*Route) {
		return func(r *Route) { r.Username, r.Password, r.TLS = "alice", pass, mode }
	}
	for _, tc := range []struct {
		name  string
		opts  smtptest.Options
		route func(*Route)
		stage Stage // of the failure; "" when delivered
		code  int   // of the failure
	}{
		{name: "AUTH PLAIN after STARTTLS", opts: smtptest.Options{Users: users, RequireAuth: true},
			route: creds(TLSOpportunistic, "s3cret")},
		{name: "AUTH LOGIN when that is all the server offers",
			opts:  smtptest.Options{Users: users, RequireAuth: true, AuthMechs: []string{"LOGIN"}},
			route: creds(TLSRequired, "s3cret")},
		{name: "AUTH over implicit TLS", opts: smtptest.Options{Users: users, RequireAuth: true, ImplicitTLS: true},
			route: creds(TLSImplicit, "s3cret")},
		{name: "AUTH in plaintext when TLS is none",
			opts:  smtptest.Options{Users: users, RequireAuth: true, NoSTARTTLS: true},
			route: creds(TLSNone, "s3cret")},
		{name: "a wrong password defers", opts: smtptest.Options{Users: users, RequireAuth: true},
			route: creds(TLSOpportunistic, "wrong"), stage: StageAuth, code: 535},
		{name: "credentials are not sent without TLS",
			opts:  smtptest.Options{Users: users, RequireAuth: true, NoSTARTTLS: true},
			route: creds(TLSOpportunistic, "s3cret"), stage: StageAuth},
		{name: "a server without AUTH", route: creds(TLSOpportunistic, "s3cret"), stage: StageAuth},
		{name: "no mechanism in common",
			opts:  smtptest.Options{Users: users, AuthMechs: []string{"CRAM-MD5"}},
			route: creds(TLSOpportunistic, "s3cret"), stage: StageAuth},
		{name: "the relay refuses mail without AUTH", opts: smtptest.Options{Users: users, RequireAuth: true},
			stage: StageMail, code: 530},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := smtptest.Start(t, tc.opts)
			p := newPool(t, PoolConfig{})
			rep, err := p.Deliver(context.Background(), siteOf(t, srv, tc.route), envelope("ok"))
			if tc.stage != "" {
				e := AsError(err)
				if e == nil || e.Stage != tc.stage || e.SMTPCode != tc.code {
					t.Fatalf("error %v, want one at %s with code %d", err, tc.stage, tc.code)
				}
				if tc.stage == StageAuth && !e.Temporary {
					t.Error("an AUTH failure must defer, not bounce")
				}
				if len(srv.Messages()) != 0 {
					t.Error("the message was delivered anyway")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if m := srv.Messages(); len(m) != 1 || m[0].User != "alice" || !rep.Auth {
				t.Errorf("messages %+v, report auth %v", m, rep.Auth)
			}
		})
	}
}

// TestPoolKeepsCredentialsApart checks that two routes to one relay with
// different users never share a connection.
func TestPoolKeepsCredentialsApart(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.Options{Users: map[string]string{"alice": "a", "bob": "b"}, RequireAuth: true})
	p := newPool(t, PoolConfig{})
	for _, user := range []string{"alice", "bob", "alice", "bob"} {
		site := siteOf(t, srv, func(r *Route) { r.Username, r.Password = user, user[:1] })
		if _, err := p.Deliver(context.Background(), site, envelope("ok")); err != nil {
			t.Fatal(err)
		}
	}
	m := srv.Messages()
	for i, want := range []string{"alice", "bob", "alice", "bob"} {
		if m[i].User != want {
			t.Errorf("message %d sent as %q, want %q", i, m[i].User, want)
		}
	}
	if n := srv.Connections(); n != 2 {
		t.Errorf("%d connections, want one per user", n)
	}
}
