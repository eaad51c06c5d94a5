package sesapi

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"

	"github.com/hikyaku/hikyaku/internal/contacts"
	"github.com/hikyaku/hikyaku/internal/fault"
)

// The unsubscribe endpoint: the URL of the List-Unsubscribe header and of
// {{amazonSESUnsubscribeUrl}}, with the sealed token in t. Nothing but the
// token is needed: no login, no cookie, no confirmation.
//
//   - POST with the form body List-Unsubscribe=One-Click is RFC 8058's
//     one-click unsubscribe, which mailbox providers send on the
//     recipient's behalf: it unsubscribes at once (from the topic, or the
//     whole list for mail without one) and answers 200.
//   - GET shows the preference page: the list's topics with their current
//     status, and unsubscribe from all. GET never changes anything, since
//     link scanners and previews fetch URLs in mail (RFC 8058 §4).
//   - POST from that page's form sets the preferences it shows.

// maxUnsubscribeBody bounds the form a POST may carry.
const maxUnsubscribeBody = 64 << 10

// oneClickKey and oneClickValue are the body RFC 8058 §3.1 defines.
const oneClickKey, oneClickValue = "List-Unsubscribe", "One-Click"

// token opens the request's token, or writes the error page.
func (s *Server) unsubscribeToken(w http.ResponseWriter, r *http.Request) (*contacts.Token, bool) {
	if s.Links == nil || s.Contacts == nil {
		http.NotFound(w, r)
		return nil, false
	}
	t, err := s.Links.Open(r.URL.Query().Get("t"), s.Clock.Now())
	switch {
	case errors.Is(err, contacts.ErrExpiredToken):
		s.unsubscribeMessage(w, http.StatusGone, "This unsubscribe link has expired",
			"The link is too old to use. Use the unsubscribe link of a more recent message from the sender.")
		return nil, false
	case err != nil:
		s.unsubscribeMessage(w, http.StatusBadRequest, "This unsubscribe link is not valid",
			"The link may have been cut short or changed. Use the unsubscribe link of the message as it is.")
		return nil, false
	}
	return t, true
}

func (s *Server) unsubscribePost(w http.ResponseWriter, r *http.Request) {
	t, ok := s.unsubscribeToken(w, r)
	if !ok {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxUnsubscribeBody)
	if err := r.ParseForm(); err != nil {
		s.unsubscribeMessage(w, http.StatusBadRequest, "Unreadable request", "The request could not be read.")
		return
	}
	if r.PostForm.Get(oneClickKey) == oneClickValue {
		if _, err := s.Contacts.Apply(r.Context(), t, contacts.SourceHeader, contacts.OneClick(t)); err != nil {
			s.unsubscribeFailed(w, t, err)
			return
		}
		s.Log.Info("one-click unsubscribe", "account", t.AccountID, "list", t.List, "topic", t.Topic, "message_id", t.MessageID)
		s.unsubscribeMessage(w, http.StatusOK, "You are unsubscribed", unsubscribedText(t))
		return
	}
	// The preference page's form.
	c, l, err := s.contactOf(r, t)
	if err != nil {
		s.unsubscribeFailed(w, t, err)
		return
	}
	all := r.PostForm.Get("all") == "on"
	ch := contacts.Change{UnsubscribeAll: &all, Topics: map[string]string{}}
	for _, topic := range l.Topics {
		want := contacts.OptOut
		if r.PostForm.Get("topic."+topic.Name) == "on" {
			want = contacts.OptIn
		}
		if l.Status(c, topic.Name) != want {
			ch.Topics[topic.Name] = want
		}
	}
	if _, err := s.Contacts.Apply(r.Context(), t, contacts.SourceLink, ch); err != nil {
		s.unsubscribeFailed(w, t, err)
		return
	}
	s.Log.Info("subscription preferences changed", "account", t.AccountID, "list", t.List, "message_id", t.MessageID)
	s.preferencePage(w, r, t, "Your preferences are saved.")
}

func (s *Server) unsubscribePage(w http.ResponseWriter, r *http.Request) {
	t, ok := s.unsubscribeToken(w, r)
	if !ok {
		return
	}
	s.preferencePage(w, r, t, "")
}

// contactOf returns the token's contact (a new one, with the defaults, if
// the address is not a contact) and list.
func (s *Server) contactOf(r *http.Request, t *contacts.Token) (*contacts.Contact, *contacts.List, error) {
	c, l, err := s.Contacts.GetContact(r.Context(), t.AccountID, t.List, t.Address)
	if f := fault.As(err); f != nil && f.Code == "NotFoundException" {
		l, err = s.Contacts.GetList(r.Context(), t.AccountID, t.List)
		c = &contacts.Contact{EmailAddress: t.Address}
	}
	return c, l, err
}

func (s *Server) unsubscribeFailed(w http.ResponseWriter, t *contacts.Token, err error) {
	if f := fault.As(err); f != nil && f.Code == "NotFoundException" {
		s.unsubscribeMessage(w, http.StatusNotFound, "This mailing list no longer exists",
			"The sender deleted the list this message was sent to; you will get no more mail from it.")
		return
	}
	s.Log.Error("unsubscribe failed", "account", t.AccountID, "list", t.List, "err", err)
	s.unsubscribeMessage(w, http.StatusServiceUnavailable, "Please try again",
		"Your request could not be recorded just now. Please try again in a few minutes.")
}

func unsubscribedText(t *contacts.Token) string {
	if t.Topic != "" {
		return t.Address + " will get no more mail about this topic from this list."
	}
	return t.Address + " will get no more mail from this list."
}

// pageData is what the preference page shows.
type pageData struct {
	Title, Text, Notice string
	Address, List       string
	Action              string
	Topics              []pageTopic
	All                 bool
}

type pageTopic struct {
	Name, DisplayName, Description string
	Subscribed                     bool
}

func (s *Server) preferencePage(w http.ResponseWriter, r *http.Request, t *contacts.Token, notice string) {
	c, l, err := s.contactOf(r, t)
	if err != nil {
		s.unsubscribeFailed(w, t, err)
		return
	}
	d := pageData{Title: "Subscription preferences", Notice: notice, Address: t.Address, List: l.Name,
		Action: contacts.Path + "?t=" + url.QueryEscape(r.URL.Query().Get("t")), All: c.UnsubscribeAll}
	if l.Description != "" {
		d.List = l.Description
	}
	for _, topic := range l.Topics {
		d.Topics = append(d.Topics, pageTopic{Name: topic.Name, DisplayName: topic.DisplayName, Description: topic.Description,
			Subscribed: l.Status(c, topic.Name) == contacts.OptIn})
	}
	s.writePage(w, http.StatusOK, d)
}

func (s *Server) unsubscribeMessage(w http.ResponseWriter, status int, title, text string) {
	s.writePage(w, status, pageData{Title: title, Text: text})
}

func (s *Server) writePage(w http.ResponseWriter, status int, d pageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("X-Frame-Options", "DENY")
	w.WriteHeader(status)
	if err := unsubscribeTemplate.Execute(w, d); err != nil {
		s.Log.Warn("write unsubscribe page", "err", err)
	}
}

var unsubscribeTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{{.Title}}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36em;margin:2em auto;padding:0 1em;line-height:1.5}
label{display:block;margin:.5em 0}small{color:#555;display:block;margin-left:1.7em}.notice{background:#e8f5e9;padding:.5em 1em}
button{margin-top:1em;padding:.4em 1.2em}</style></head><body>
<h1>{{.Title}}</h1>
{{if .Text}}<p>{{.Text}}</p>{{end}}
{{if .Notice}}<p class="notice">{{.Notice}}</p>{{end}}
{{if .Action}}<p>Mail to <strong>{{.Address}}</strong> from <strong>{{.List}}</strong>.</p>
<form method="post" action="{{.Action}}">
{{range .Topics}}<label><input type="checkbox" name="topic.{{.Name}}"{{if .Subscribed}} checked{{end}}> {{.DisplayName}}{{if .Description}}<small>{{.Description}}</small>{{end}}</label>
{{end}}<label><input type="checkbox" name="all"{{if .All}} checked{{end}}> Unsubscribe from all mail of this list</label>
<button type="submit">Save</button>
</form>{{end}}
</body></html>
`))
