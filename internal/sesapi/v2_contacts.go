package sesapi

import (
	"net/http"
	"strconv"

	"github.com/hikyaku/hikyaku/internal/contacts"
	"github.com/hikyaku/hikyaku/internal/fault"
	"github.com/hikyaku/hikyaku/internal/store"
)

// List management (SES v2): CreateContactList, GetContactList,
// ListContactLists, UpdateContactList, DeleteContactList, CreateContact,
// GetContact, ListContacts, UpdateContact and DeleteContact. CreateImportJob
// is not here: it reads the contacts from S3 (`hikyaku contacts import`
// takes the same CSV from a file).

type v2Topic struct {
	TopicName                 string
	DisplayName               string
	Description               string `json:",omitempty"`
	DefaultSubscriptionStatus string
}

type v2TopicPreference struct{ TopicName, SubscriptionStatus string }

// Page sizes: SES documents none for ListContacts and ListContactLists;
// these are hikyaku's.
const (
	defaultContactPage = 100
	maxContactPage     = 1000
)

func (s *Server) contactService() (*contacts.Service, error) {
	if s.Contacts == nil {
		return nil, fault.NotFound("List management is not supported by this server.")
	}
	return s.Contacts, nil
}

func topicsOf(ts []v2Topic) []contacts.Topic {
	out := make([]contacts.Topic, 0, len(ts))
	for _, t := range ts {
		out = append(out, contacts.Topic{Name: t.TopicName, DisplayName: t.DisplayName, Description: t.Description,
			DefaultSubscriptionStatus: t.DefaultSubscriptionStatus})
	}
	return out
}

func v2Topics(ts []contacts.Topic) []v2Topic {
	out := make([]v2Topic, 0, len(ts))
	for _, t := range ts {
		out = append(out, v2Topic{TopicName: t.Name, DisplayName: t.DisplayName, Description: t.Description,
			DefaultSubscriptionStatus: t.DefaultSubscriptionStatus})
	}
	return out
}

func preferencesOf(ps []v2TopicPreference) []contacts.Preference {
	var out []contacts.Preference
	for _, p := range ps {
		out = append(out, contacts.Preference{TopicName: p.TopicName, SubscriptionStatus: p.SubscriptionStatus})
	}
	return out
}

func v2Preferences(ps []contacts.Preference) []v2TopicPreference {
	out := make([]v2TopicPreference, 0, len(ps))
	for _, p := range ps {
		out = append(out, v2TopicPreference{TopicName: p.TopicName, SubscriptionStatus: p.SubscriptionStatus})
	}
	return out
}

func (s *Server) v2CreateContactList(w http.ResponseWriter, r *http.Request, c call) error {
	svc, err := s.contactService()
	if err != nil {
		return err
	}
	var in struct {
		ContactListName *string
		Topics          []v2Topic
		Description     string
		Tags            []v2Tag
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.ContactListName == nil {
		return contacts.NotNull("contactListName")
	}
	l := &contacts.List{Name: *in.ContactListName, Description: in.Description, Topics: topicsOf(in.Topics)}
	for _, t := range in.Tags {
		l.Tags = append(l.Tags, store.Tag{Name: t.Key, Value: t.Value})
	}
	if err := svc.CreateList(r.Context(), c.account.ID, l); err != nil {
		return err
	}
	return writeJSON(w, struct{}{})
}

func (s *Server) v2GetContactList(w http.ResponseWriter, r *http.Request, c call) error {
	svc, err := s.contactService()
	if err != nil {
		return err
	}
	l, err := svc.GetList(r.Context(), c.account.ID, r.PathValue("ContactListName"))
	if err != nil {
		return err
	}
	out := struct {
		ContactListName      string
		Topics               []v2Topic
		Description          string `json:",omitempty"`
		CreatedTimestamp     *epoch
		LastUpdatedTimestamp *epoch
		Tags                 []v2Tag
	}{ContactListName: l.Name, Topics: v2Topics(l.Topics), Description: l.Description,
		CreatedTimestamp: epochOf(l.CreatedTimestamp), LastUpdatedTimestamp: epochOf(l.LastUpdatedTimestamp), Tags: []v2Tag{}}
	for _, t := range l.Tags {
		out.Tags = append(out.Tags, v2Tag{Key: t.Name, Value: t.Value})
	}
	return writeJSON(w, out)
}

func (s *Server) v2ListContactLists(w http.ResponseWriter, r *http.Request, c call) error {
	svc, err := s.contactService()
	if err != nil {
		return err
	}
	size, err := pageSize(r.URL.Query().Get("PageSize"), defaultContactPage)
	if err != nil {
		return err
	}
	after, err := decodeToken(r.URL.Query().Get("NextToken"))
	if err != nil {
		return err
	}
	lists, more, err := svc.Lists(r.Context(), c.account.ID, after, size)
	if err != nil {
		return err
	}
	type entry struct {
		ContactListName      string
		LastUpdatedTimestamp *epoch
	}
	out := struct {
		ContactLists []entry
		NextToken    string `json:",omitempty"`
	}{ContactLists: []entry{}}
	for _, l := range lists {
		out.ContactLists = append(out.ContactLists, entry{l.Name, epochOf(l.LastUpdatedTimestamp)})
	}
	if more {
		out.NextToken = encodeToken(lists[len(lists)-1].Name)
	}
	return writeJSON(w, out)
}

// pageSize reads a PageSize: 1 to maxContactPage, def when absent.
func pageSize(v string, def int) (int, error) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxContactPage {
		return 0, fault.BadRequest("PageSize must be a number between 1 and %d.", maxContactPage)
	}
	return n, nil
}

func (s *Server) v2UpdateContactList(w http.ResponseWriter, r *http.Request, c call) error {
	svc, err := s.contactService()
	if err != nil {
		return err
	}
	var in struct {
		Topics      []v2Topic
		Description string
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	err = svc.UpdateList(r.Context(), c.account.ID, &contacts.List{Name: r.PathValue("ContactListName"),
		Description: in.Description, Topics: topicsOf(in.Topics)})
	if err != nil {
		return err
	}
	return writeJSON(w, struct{}{})
}

func (s *Server) v2DeleteContactList(w http.ResponseWriter, r *http.Request, c call) error {
	svc, err := s.contactService()
	if err != nil {
		return err
	}
	if err := svc.DeleteList(r.Context(), c.account.ID, r.PathValue("ContactListName")); err != nil {
		return err
	}
	return writeJSON(w, struct{}{})
}

type v2ContactInput struct {
	EmailAddress     *string
	TopicPreferences []v2TopicPreference
	UnsubscribeAll   bool
	AttributesData   string
}

func (in *v2ContactInput) contact(addr string) *contacts.Contact {
	return &contacts.Contact{EmailAddress: addr, TopicPreferences: preferencesOf(in.TopicPreferences),
		UnsubscribeAll: in.UnsubscribeAll, AttributesData: in.AttributesData}
}

func (s *Server) v2CreateContact(w http.ResponseWriter, r *http.Request, c call) error {
	svc, err := s.contactService()
	if err != nil {
		return err
	}
	var in v2ContactInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.EmailAddress == nil {
		return contacts.NotNull("emailAddress")
	}
	if err := svc.CreateContact(r.Context(), c.account.ID, r.PathValue("ContactListName"), in.contact(*in.EmailAddress)); err != nil {
		return err
	}
	return writeJSON(w, struct{}{})
}

func (s *Server) v2GetContact(w http.ResponseWriter, r *http.Request, c call) error {
	svc, err := s.contactService()
	if err != nil {
		return err
	}
	ct, l, err := svc.GetContact(r.Context(), c.account.ID, r.PathValue("ContactListName"), r.PathValue("EmailAddress"))
	if err != nil {
		return err
	}
	return writeJSON(w, struct {
		ContactListName         string
		EmailAddress            string
		TopicPreferences        []v2TopicPreference
		TopicDefaultPreferences []v2TopicPreference
		UnsubscribeAll          bool
		AttributesData          string `json:",omitempty"`
		CreatedTimestamp        *epoch
		LastUpdatedTimestamp    *epoch
	}{l.Name, ct.EmailAddress, v2Preferences(l.Explicit(ct)), v2Preferences(l.Defaults(ct)), ct.UnsubscribeAll,
		ct.AttributesData, epochOf(ct.CreatedTimestamp), epochOf(ct.LastUpdatedTimestamp)})
}

func (s *Server) v2ListContacts(w http.ResponseWriter, r *http.Request, c call) error {
	svc, err := s.contactService()
	if err != nil {
		return err
	}
	var in struct {
		Filter *struct {
			FilteredStatus string
			TopicFilter    *struct {
				TopicName                         string
				UseDefaultIfPreferenceUnavailable bool
			}
		}
		PageSize  *int
		NextToken string
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	q := r.URL.Query()
	if v := q.Get("PageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fault.BadRequest("PageSize must be a number between 1 and %d.", maxContactPage)
		}
		in.PageSize = &n
	}
	if v := q.Get("NextToken"); v != "" {
		in.NextToken = v
	}
	size := defaultContactPage
	if in.PageSize != nil {
		if size, err = pageSize(strconv.Itoa(*in.PageSize), defaultContactPage); err != nil {
			return err
		}
	}
	var f contacts.Filter
	if in.Filter != nil {
		f.Status = in.Filter.FilteredStatus
		if tf := in.Filter.TopicFilter; tf != nil {
			f.Topic, f.UseDefault = tf.TopicName, tf.UseDefaultIfPreferenceUnavailable
		}
	}
	after, err := decodeToken(in.NextToken)
	if err != nil {
		return err
	}
	list, l, next, err := svc.ListContacts(r.Context(), c.account.ID, r.PathValue("ContactListName"), f, after, size)
	if err != nil {
		return err
	}
	type entry struct {
		EmailAddress            string
		TopicPreferences        []v2TopicPreference
		TopicDefaultPreferences []v2TopicPreference
		UnsubscribeAll          bool
		LastUpdatedTimestamp    *epoch
	}
	out := struct {
		Contacts  []entry
		NextToken string `json:",omitempty"`
	}{Contacts: []entry{}}
	for _, ct := range list {
		out.Contacts = append(out.Contacts, entry{ct.EmailAddress, v2Preferences(l.Explicit(ct)), v2Preferences(l.Defaults(ct)),
			ct.UnsubscribeAll, epochOf(ct.LastUpdatedTimestamp)})
	}
	if next != "" {
		out.NextToken = encodeToken(next)
	}
	return writeJSON(w, out)
}

func (s *Server) v2UpdateContact(w http.ResponseWriter, r *http.Request, c call) error {
	svc, err := s.contactService()
	if err != nil {
		return err
	}
	var in v2ContactInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := svc.UpdateContact(r.Context(), c.account.ID, r.PathValue("ContactListName"), in.contact(r.PathValue("EmailAddress"))); err != nil {
		return err
	}
	return writeJSON(w, struct{}{})
}

func (s *Server) v2DeleteContact(w http.ResponseWriter, r *http.Request, c call) error {
	svc, err := s.contactService()
	if err != nil {
		return err
	}
	if err := svc.DeleteContact(r.Context(), c.account.ID, r.PathValue("ContactListName"), r.PathValue("EmailAddress")); err != nil {
		return err
	}
	return writeJSON(w, struct{}{})
}
