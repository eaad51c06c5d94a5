// Package sesapi is hikyaku's HTTP face: the SES v2 REST-JSON API, the SES
// v1 Query/XML API, the identity verification link, /healthz and /metrics.
// Every API request is authenticated with SigV4 before any handler sees it;
// handlers translate between the wire shapes and the intake, account and
// identity services, and every refusal leaves as SES's error shape for the
// protocol it came in on.
package sesapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/hikyaku/hikyaku/internal/account"
	"github.com/hikyaku/hikyaku/internal/clock"
	"github.com/hikyaku/hikyaku/internal/configset"
	"github.com/hikyaku/hikyaku/internal/contacts"
	"github.com/hikyaku/hikyaku/internal/identity"
	"github.com/hikyaku/hikyaku/internal/intake"
	"github.com/hikyaku/hikyaku/internal/sigv4"
	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/templates"
	"github.com/hikyaku/hikyaku/internal/topic"
)

// maxBody bounds a request body: a 40 MB message in base64 inside JSON.
const maxBody = 56 << 20

// Server serves the API.
type Server struct {
	Store      store.Store
	Accounts   *account.Service
	Identities *identity.Service
	ConfigSets *configset.Service
	Templates  *templates.Service
	// Contacts is list management; Links reads the unsubscribe links
	// served at /unsubscribe. Either nil turns them off.
	Contacts *contacts.Service
	Links    *contacts.Links
	// Topics serves the SNS API; nil answers SNS requests InvalidAction.
	Topics *topic.Service
	// SigningCert is the PEM certificate of the key that signs SNS
	// messages, served at /sns/CertName.
	SigningCert []byte
	CertName    string
	Intake      *intake.Intake
	// System sends the mail hikyaku sends itself (custom verification
	// emails); nil refuses SendCustomVerificationEmail.
	System   *intake.SystemSender
	Verifier *sigv4.Verifier
	Clock    clock.Clock
	Log      *slog.Logger
	Region   string
	// Registry receives the API's metrics; nil uses a private one.
	Registry *prometheus.Registry
	// Healthy reports whether the node can accept mail (store reachable).
	Healthy func(ctx context.Context) error

	metrics *metrics
}

// Handler returns the HTTP handler of the whole API.
func (s *Server) Handler() http.Handler {
	if s.Registry == nil {
		s.Registry = prometheus.NewRegistry()
	}
	s.metrics = newMetrics(s.Registry)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.Registry, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /verify", s.verifyLink)
	// The List-Unsubscribe link works without credentials, as a mail
	// client follows it: GET shows the preference page, POST is RFC 8058's
	// one-click unsubscribe (or the page's form).
	mux.HandleFunc("GET "+contacts.Path, s.unsubscribePage)
	mux.HandleFunc("POST "+contacts.Path, s.unsubscribePost)
	// Double opt-in and re-permission confirmation links, likewise.
	mux.HandleFunc("GET "+contacts.ConfirmPath, s.confirmGet)
	mux.HandleFunc("POST "+contacts.ConfirmPath, s.confirmPost)

	v2 := s.v2Routes()
	mux.Handle("/v2/", s.authenticated(v2, s.writeV2Error))
	query := s.authenticated(http.HandlerFunc(s.serveQuery), s.writeQueryError)
	mux.Handle("POST /{$}", query)
	mux.Handle("GET /{$}", s.snsLinks(query))
	mux.HandleFunc("GET /sns/{cert}", s.serveSigningCert)
	mux.Handle("GET /hikyaku/trace", s.authenticated(http.HandlerFunc(s.serveTrace), s.writeV2Error))
	return mux
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	if s.Healthy != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := s.Healthy(ctx); err != nil {
			s.Log.Warn("health check failed", "err", err)
			http.Error(w, "unhealthy: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// snsLinks serves the links SNS puts in its messages, which work without
// credentials as on SNS: the SubscribeURL (ConfirmSubscription with its
// token) and the UnsubscribeURL (Unsubscribe with the subscription's
// unguessable ARN). Everything else goes to next.
func (s *Server) snsLinks(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		signed := r.Header.Get("Authorization") != "" || q.Get("X-Amz-Algorithm") != ""
		action := q.Get("Action")
		if signed || s.Topics == nil || (action != "ConfirmSubscription" && action != "Unsubscribe") {
			next.ServeHTTP(w, r)
			return
		}
		reqID := newRequestID()
		c := call{requestID: reqID, service: "sns"}
		if action == "Unsubscribe" {
			sub, err := s.Topics.Lookup(r.Context(), q.Get("SubscriptionArn"))
			if err != nil || sub == nil {
				s.writeSNSError(w, reqID, snsFault("NotFound", 404, "Subscription does not exist"))
				return
			}
			acct, err := s.Accounts.Get(r.Context(), sub.AccountID)
			if err != nil {
				s.writeSNSError(w, reqID, snsFault("NotFound", 404, "Subscription does not exist"))
				return
			}
			c.account = acct
		}
		s.serveSNS(w, r, c)
	})
}

// serveSigningCert serves the certificate SNS messages are signed with, at
// the SigningCertURL they carry.
func (s *Server) serveSigningCert(w http.ResponseWriter, r *http.Request) {
	if len(s.SigningCert) == 0 || r.PathValue("cert") != s.CertName {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/x-pem-file")
	_, _ = w.Write(s.SigningCert)
}
