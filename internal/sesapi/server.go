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
	"github.com/hikyaku/hikyaku/internal/identity"
	"github.com/hikyaku/hikyaku/internal/intake"
	"github.com/hikyaku/hikyaku/internal/sigv4"
	"github.com/hikyaku/hikyaku/internal/store"
)

// maxBody bounds a request body: a 40 MB message in base64 inside JSON.
const maxBody = 56 << 20

// Server serves the API.
type Server struct {
	Store      store.Store
	Accounts   *account.Service
	Identities *identity.Service
	Intake     *intake.Intake
	Verifier   *sigv4.Verifier
	Clock      clock.Clock
	Log        *slog.Logger
	Region     string
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

	v2 := s.v2Routes()
	mux.Handle("/v2/", s.authenticated(v2, s.writeV2Error))
	mux.Handle("POST /{$}", s.authenticated(http.HandlerFunc(s.serveQuery), s.writeQueryError))
	mux.Handle("GET /{$}", s.authenticated(http.HandlerFunc(s.serveQuery), s.writeQueryError))
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
