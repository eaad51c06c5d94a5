package sesapi

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hikyaku/hikyaku/internal/address"
	"github.com/hikyaku/hikyaku/internal/fault"
	"github.com/hikyaku/hikyaku/internal/store"
)

// The account-level suppression list (SES v2 Put/Get/List/Delete
// SuppressedDestination and PutAccountSuppressionAttributes).

func validReason(r string) bool { return r == store.ReasonBounce || r == store.ReasonComplaint }

// suppressionAddress checks an address and gives the stored (lower-case)
// form.
func suppressionAddress(raw string) (string, error) {
	a, err := address.Parse(raw)
	if err != nil {
		return "", fault.BadRequest("Invalid email address %s.", raw)
	}
	return strings.ToLower(a.String()), nil
}

func (s *Server) v2PutSuppressed(w http.ResponseWriter, r *http.Request, c call) error {
	var in struct{ EmailAddress, Reason string }
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if !c.account.Production {
		// SES: the account suppression list cannot be edited in the sandbox.
		return fault.BadRequest("You can't add addresses to the suppression list while your account is in the sandbox.")
	}
	if !validReason(in.Reason) {
		return fault.BadRequest("1 validation error detected: Value '%s' at 'reason' failed to satisfy constraint: Member must satisfy enum value set: [BOUNCE, COMPLAINT]", in.Reason)
	}
	addr, err := suppressionAddress(in.EmailAddress)
	if err != nil {
		return err
	}
	err = s.Store.PutSuppressed(r.Context(), &store.Suppressed{AccountID: c.account.ID, Address: addr, Reason: in.Reason,
		LastUpdate: s.Clock.Now().UTC().Truncate(time.Microsecond)})
	if err != nil {
		return err
	}
	return writeJSON(w, struct{}{})
}

type suppressedSummary struct {
	EmailAddress   string
	Reason         string
	LastUpdateTime *epoch
}

func (s *Server) v2GetSuppressed(w http.ResponseWriter, r *http.Request, c call) error {
	addr, err := suppressionAddress(r.PathValue("EmailAddress"))
	if err != nil {
		return err
	}
	got, err := s.Store.GetSuppressed(r.Context(), c.account.ID, []string{addr})
	if err != nil {
		return err
	}
	e := got[addr]
	if e == nil {
		return fault.NotFound("Email address %s does not exist on your suppression list.", addr)
	}
	type attributes struct {
		MessageId  string `json:",omitempty"`
		FeedbackId string `json:",omitempty"`
	}
	out := struct {
		SuppressedDestination struct {
			EmailAddress   string
			Reason         string
			LastUpdateTime *epoch
			Attributes     *attributes `json:",omitempty"`
		}
	}{}
	d := &out.SuppressedDestination
	d.EmailAddress, d.Reason, d.LastUpdateTime = e.Address, e.Reason, epochOf(e.LastUpdate)
	if e.MessageID != "" || e.FeedbackID != "" {
		d.Attributes = &attributes{MessageId: e.MessageID, FeedbackId: e.FeedbackID}
	}
	return writeJSON(w, out)
}

func (s *Server) v2ListSuppressed(w http.ResponseWriter, r *http.Request, c call) error {
	q := r.URL.Query()
	f := store.SuppressedFilter{PageSize: 100, Cursor: q.Get("NextToken")}
	for _, reason := range q["Reason"] {
		if !validReason(reason) {
			return fault.BadRequest("Invalid Reason %s: use BOUNCE or COMPLAINT.", reason)
		}
		f.Reasons = append(f.Reasons, reason)
	}
	for name, dst := range map[string]*time.Time{"StartDate": &f.Start, "EndDate": &f.End} {
		if v := q.Get(name); v != "" {
			t, err := parseQueryTime(v)
			if err != nil {
				return fault.BadRequest("%s must be an ISO 8601 date-time or epoch seconds.", name)
			}
			*dst = t
		}
	}
	if v := q.Get("PageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return fault.BadRequest("PageSize must be between 1 and 1000.")
		}
		f.PageSize = n
	}
	page, next, err := s.Store.ListSuppressed(r.Context(), c.account.ID, f)
	if errors.Is(err, store.ErrInvalidCursor) {
		return &fault.Error{Code: "InvalidNextTokenException", HTTPStatus: http.StatusBadRequest, Message: "The NextToken is invalid."}
	}
	if err != nil {
		return err
	}
	out := struct {
		SuppressedDestinationSummaries []suppressedSummary
		NextToken                      string `json:",omitempty"`
	}{SuppressedDestinationSummaries: []suppressedSummary{}, NextToken: next}
	for _, e := range page {
		out.SuppressedDestinationSummaries = append(out.SuppressedDestinationSummaries,
			suppressedSummary{EmailAddress: e.Address, Reason: e.Reason, LastUpdateTime: epochOf(e.LastUpdate)})
	}
	return writeJSON(w, out)
}

// parseQueryTime reads a restJson1 query-string timestamp: ISO 8601, or
// epoch seconds as some clients send.
func parseQueryTime(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	sec, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return time.Time{}, err
	}
	return time.UnixMicro(int64(sec * 1e6)).UTC(), nil
}

func (s *Server) v2DeleteSuppressed(w http.ResponseWriter, r *http.Request, c call) error {
	addr, err := suppressionAddress(r.PathValue("EmailAddress"))
	if err != nil {
		return err
	}
	err = s.Store.DeleteSuppressed(r.Context(), c.account.ID, addr)
	if errors.Is(err, store.ErrNotFound) {
		return fault.NotFound("Email address %s does not exist on your suppression list.", addr)
	}
	if err != nil {
		return err
	}
	return writeJSON(w, struct{}{})
}

func (s *Server) v2PutAccountSuppression(w http.ResponseWriter, r *http.Request, c call) error {
	var in struct{ SuppressedReasons []string }
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	reasons := []string{}
	for _, reason := range in.SuppressedReasons {
		if !validReason(reason) {
			return fault.BadRequest("Invalid SuppressedReasons value %s: use BOUNCE or COMPLAINT.", reason)
		}
		if !slices.Contains(reasons, reason) {
			reasons = append(reasons, reason)
		}
	}
	a := *c.account
	a.SuppressedReasons = reasons
	if err := s.Accounts.Update(r.Context(), &a); err != nil {
		return err
	}
	return writeJSON(w, struct{}{})
}
