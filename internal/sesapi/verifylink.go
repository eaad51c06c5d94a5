package sesapi

import (
	"errors"
	"html/template"
	"net/http"

	"github.com/hikyaku/hikyaku/internal/store"
)

var verifyPage = template.Must(template.New("verify").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title></head>
<body><h1>{{.Title}}</h1><p>{{.Text}}</p></body></html>
`))

// verifyLink serves the link mailed to a new address identity. It needs no
// signature: the token is the secret. The link of a custom verification
// email also names its template and account; it answers with a redirect
// (302) to the template's SuccessRedirectionURL, or its
// FailureRedirectionURL for a token that is not (or no longer) valid, as
// SES does.
func (s *Server) verifyLink(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	id, err := s.Identities.VerifyToken(r.Context(), q.Get("token"))
	if name := q.Get("template"); name != "" && s.Templates != nil && (err == nil || errors.Is(err, store.ErrNotFound)) {
		account := q.Get("account")
		if err == nil {
			account = id.AccountID // never another account's page
		}
		if t, terr := s.Templates.GetCustom(r.Context(), account, name); terr == nil {
			target := t.SuccessURL
			if err != nil {
				target = t.FailureURL
			}
			http.Redirect(w, r, target, http.StatusFound)
			return
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	switch {
	case errors.Is(err, store.ErrNotFound):
		w.WriteHeader(http.StatusNotFound)
		_ = verifyPage.Execute(w, map[string]string{"Title": "Link not valid",
			"Text": "This verification link is not valid. It may have been mistyped, or the identity was deleted; ask for a new verification email."})
	case err != nil:
		s.Log.Error("verify link", "err", err)
		w.WriteHeader(http.StatusInternalServerError)
		_ = verifyPage.Execute(w, map[string]string{"Title": "Try again later", "Text": "The address could not be verified right now."})
	default:
		_ = verifyPage.Execute(w, map[string]string{"Title": "Address verified",
			"Text": "You have successfully verified " + id.Name + ". You can now send email from this address."})
	}
}
