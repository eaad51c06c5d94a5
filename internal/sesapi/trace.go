package sesapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/hikyaku/hikyaku/internal/fault"
	"github.com/hikyaku/hikyaku/internal/trace"
)

// serveTrace is `hikyaku trace` over HTTP, for the caller's own account,
// signed with SigV4 like any SES request:
//
//	GET /hikyaku/trace?messageId=ID
//	GET /hikyaku/trace?to=ADDRESS&since=24h&limit=50
func (s *Server) serveTrace(w http.ResponseWriter, r *http.Request) {
	c := callOf(r)
	err := s.trace(w, r, c)
	code := "OK"
	if err != nil {
		f := s.toFault(err, "Trace")
		code = f.Code
		s.writeV2Error(w, r, c.requestID, f)
	}
	s.metrics.requests.WithLabelValues("Trace", code).Inc()
}

func (s *Server) trace(w http.ResponseWriter, r *http.Request, c call) error {
	q := r.URL.Query()
	id, to := q.Get("messageId"), q.Get("to")
	switch {
	case id != "" && to == "":
		list, err := trace.ForMessage(r.Context(), s.Store, c.account.ID, id)
		if trace.IsNotFound(err) {
			return fault.NotFound("Message %s does not exist in this account.", id)
		}
		if err != nil {
			return err
		}
		return writeJSON(w, struct {
			MessageID  string            `json:"messageId"`
			Recipients []trace.Recipient `json:"recipients"`
		}{id, list})
	case to != "" && id == "":
		since := s.Clock.Now().Add(-7 * 24 * time.Hour)
		if v := q.Get("since"); v != "" {
			t, err := trace.ParseSince(v, s.Clock.Now())
			if err != nil {
				return fault.BadRequest("since must be a duration (24h) or an RFC 3339 time, got %q.", v)
			}
			since = t
		}
		limit := 50
		if v := q.Get("limit"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 1000 {
				return fault.BadRequest("limit must be a number from 1 to 1000, got %q.", v)
			}
			limit = n
		}
		rep, err := trace.ForAddress(r.Context(), s.Store, c.account.ID, to, since, limit)
		if err != nil {
			return err
		}
		return writeJSON(w, rep)
	}
	return fault.BadRequest("Give either messageId or to.")
}
