package sesapi

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"

	"github.com/hikyaku/hikyaku/internal/contacts"
	"github.com/hikyaku/hikyaku/internal/fault"
)

// The confirmation endpoint of double opt-in and re-permission mail
// (hikyaku's; SES has none), with the sealed token in t. Like the
// unsubscribe page, GET only shows a button, since link scanners and
// previews fetch the URLs in mail (RFC 8058 §4 makes the same point): a
// scanner must not be able to confirm a subscription the recipient never
// wanted. POST confirms.

func (s *Server) confirmToken(w http.ResponseWriter, r *http.Request) (*contacts.Token, bool) {
	if s.Links == nil || s.Contacts == nil {
		http.NotFound(w, r)
		return nil, false
	}
	t, err := s.Links.OpenConfirm(r.URL.Query().Get("t"), s.Clock.Now())
	switch {
	case errors.Is(err, contacts.ErrExpiredToken):
		s.confirmPage(w, http.StatusGone, "This confirmation link has expired", "Ask the sender for a new one.", "")
		return nil, false
	case err != nil:
		s.confirmPage(w, http.StatusBadRequest, "This confirmation link is not valid",
			"The link may have been cut short or changed. Use the link of the message as it is.", "")
		return nil, false
	}
	return t, true
}

func (s *Server) confirmGet(w http.ResponseWriter, r *http.Request) {
	t, ok := s.confirmToken(w, r)
	if !ok {
		return
	}
	s.confirmPage(w, http.StatusOK, "Confirm your subscription",
		"Confirm that "+t.Address+" wants mail from "+t.List+".",
		contacts.ConfirmPath+"?t="+url.QueryEscape(r.URL.Query().Get("t")))
}

func (s *Server) confirmPost(w http.ResponseWriter, r *http.Request) {
	t, ok := s.confirmToken(w, r)
	if !ok {
		return
	}
	if _, err := s.Contacts.Confirm(r.Context(), t); err != nil {
		if f := fault.As(err); f != nil && f.HTTPStatus < 500 {
			s.confirmPage(w, http.StatusNotFound, "This subscription cannot be confirmed", f.Message, "")
			return
		}
		s.Log.Error("confirm subscription", "account", t.AccountID, "list", t.List, "err", err)
		s.confirmPage(w, http.StatusServiceUnavailable, "Please try again", "Your confirmation could not be recorded just now.", "")
		return
	}
	s.Log.Info("subscription confirmed", "account", t.AccountID, "list", t.List, "contact", t.Address)
	s.confirmPage(w, http.StatusOK, "Subscription confirmed", t.Address+" will get mail from "+t.List+".", "")
}

func (s *Server) confirmPage(w http.ResponseWriter, status int, title, text, action string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("X-Frame-Options", "DENY")
	w.WriteHeader(status)
	if err := confirmTemplate.Execute(w, map[string]string{"Title": title, "Text": text, "Action": action}); err != nil {
		s.Log.Warn("write confirmation page", "err", err)
	}
}

var confirmTemplate = template.Must(template.New("confirm").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{{.Title}}</title></head><body>
<h1>{{.Title}}</h1><p>{{.Text}}</p>
{{if .Action}}<form method="post" action="{{.Action}}"><button type="submit">Confirm</button></form>{{end}}
</body></html>
`))
