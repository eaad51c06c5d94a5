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
// signature: the token is the secret.
func (s *Server) verifyLink(w http.ResponseWriter, r *http.Request) {
	id, err := s.Identities.VerifyToken(r.Context(), r.URL.Query().Get("token"))
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
