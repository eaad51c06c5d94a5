package sesapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/hikyaku/hikyaku/internal/fault"
	"github.com/hikyaku/hikyaku/internal/store"
)

// v2Routes maps SES v2 operations (method and path, from the API model) to
// handlers. Operations not yet implemented answer 404 with SES's
// NotFoundException rather than pretending to work.
func (s *Server) v2Routes() http.Handler {
	mux := http.NewServeMux()
	op := func(pattern, name string, h func(http.ResponseWriter, *http.Request, call) error) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			c := callOf(r)
			err := h(w, r, c)
			code := "OK"
			if err != nil {
				f := s.toFault(err, name)
				code = f.Code
				s.writeV2Error(w, r, c.requestID, f)
			}
			s.metrics.requests.WithLabelValues(name, code).Inc()
		})
	}
	op("POST /v2/email/outbound-emails", "SendEmail", s.v2SendEmail)
	op("POST /v2/email/outbound-bulk-emails", "SendBulkEmail", s.v2SendBulkEmail)
	op("GET /v2/email/account", "GetAccount", s.v2GetAccount)
	op("PUT /v2/email/account/sending", "PutAccountSendingAttributes", s.v2PutAccountSending)
	op("PUT /v2/email/account/suppression", "PutAccountSuppressionAttributes", s.v2PutAccountSuppression)
	op("PUT /v2/email/suppression/addresses", "PutSuppressedDestination", s.v2PutSuppressed)
	op("GET /v2/email/suppression/addresses", "ListSuppressedDestinations", s.v2ListSuppressed)
	op("GET /v2/email/suppression/addresses/{EmailAddress}", "GetSuppressedDestination", s.v2GetSuppressed)
	op("DELETE /v2/email/suppression/addresses/{EmailAddress}", "DeleteSuppressedDestination", s.v2DeleteSuppressed)
	op("POST /v2/email/identities", "CreateEmailIdentity", s.v2CreateIdentity)
	op("GET /v2/email/identities", "ListEmailIdentities", s.v2ListIdentities)
	op("POST /v2/email/list-identities", "ListEmailIdentities", s.v2ListIdentities)
	op("GET /v2/email/identities/{EmailIdentity}", "GetEmailIdentity", s.v2GetIdentity)
	op("DELETE /v2/email/identities/{EmailIdentity}", "DeleteEmailIdentity", s.v2DeleteIdentity)
	op("PUT /v2/email/identities/{EmailIdentity}/dkim", "PutEmailIdentityDkimAttributes", s.v2PutDkimAttributes)
	op("PUT /v2/email/identities/{EmailIdentity}/dkim/signing", "PutEmailIdentityDkimSigningAttributes", s.v2PutDkimSigningAttributes)
	op("PUT /v2/email/identities/{EmailIdentity}/mail-from", "PutEmailIdentityMailFromAttributes", s.v2PutMailFromAttributes)
	op("PUT /v2/email/identities/{EmailIdentity}/configuration-set", "PutEmailIdentityConfigurationSetAttributes", s.v2PutIdentityConfigurationSet)
	const cs = "/v2/email/configuration-sets"
	op("POST "+cs, "CreateConfigurationSet", s.v2CreateConfigurationSet)
	op("GET "+cs, "ListConfigurationSets", s.v2ListConfigurationSets)
	op("POST /v2/email/list-configuration-sets", "ListConfigurationSets", s.v2ListConfigurationSets)
	op("GET "+cs+"/{ConfigurationSetName}", "GetConfigurationSet", s.v2GetConfigurationSet)
	op("DELETE "+cs+"/{ConfigurationSetName}", "DeleteConfigurationSet", s.v2DeleteConfigurationSet)
	op("PUT "+cs+"/{ConfigurationSetName}/sending", "PutConfigurationSetSendingOptions", s.v2PutConfigurationSetOptions(s.putSendingOptions))
	op("PUT "+cs+"/{ConfigurationSetName}/reputation-options", "PutConfigurationSetReputationOptions", s.v2PutConfigurationSetOptions(s.putReputationOptions))
	op("PUT "+cs+"/{ConfigurationSetName}/suppression-options", "PutConfigurationSetSuppressionOptions", s.v2PutConfigurationSetOptions(s.putSuppressionOptions))
	op("PUT "+cs+"/{ConfigurationSetName}/delivery-options", "PutConfigurationSetDeliveryOptions", s.v2PutConfigurationSetOptions(s.putDeliveryOptions))
	op("PUT "+cs+"/{ConfigurationSetName}/tracking-options", "PutConfigurationSetTrackingOptions", s.v2PutConfigurationSetOptions(s.putTrackingOptions))
	op("POST "+cs+"/{ConfigurationSetName}/event-destinations", "CreateConfigurationSetEventDestination", s.v2CreateEventDestination)
	op("GET "+cs+"/{ConfigurationSetName}/event-destinations", "GetConfigurationSetEventDestinations", s.v2GetEventDestinations)
	op("PUT "+cs+"/{ConfigurationSetName}/event-destinations/{EventDestinationName}", "UpdateConfigurationSetEventDestination", s.v2UpdateEventDestination)
	op("DELETE "+cs+"/{ConfigurationSetName}/event-destinations/{EventDestinationName}", "DeleteConfigurationSetEventDestination", s.v2DeleteEventDestination)
	const tpl = "/v2/email/templates"
	op("POST "+tpl, "CreateEmailTemplate", s.v2CreateEmailTemplate)
	op("GET "+tpl, "ListEmailTemplates", s.v2ListEmailTemplates)
	op("GET "+tpl+"/{TemplateName}", "GetEmailTemplate", s.v2GetEmailTemplate)
	op("PUT "+tpl+"/{TemplateName}", "UpdateEmailTemplate", s.v2UpdateEmailTemplate)
	op("DELETE "+tpl+"/{TemplateName}", "DeleteEmailTemplate", s.v2DeleteEmailTemplate)
	op("POST "+tpl+"/{TemplateName}/render", "TestRenderEmailTemplate", s.v2TestRenderEmailTemplate)
	const cvt = "/v2/email/custom-verification-email-templates"
	op("POST "+cvt, "CreateCustomVerificationEmailTemplate", s.v2CreateCustomTemplate)
	op("GET "+cvt, "ListCustomVerificationEmailTemplates", s.v2ListCustomTemplates)
	op("GET "+cvt+"/{TemplateName}", "GetCustomVerificationEmailTemplate", s.v2GetCustomTemplate)
	op("PUT "+cvt+"/{TemplateName}", "UpdateCustomVerificationEmailTemplate", s.v2UpdateCustomTemplate)
	op("DELETE "+cvt+"/{TemplateName}", "DeleteCustomVerificationEmailTemplate", s.v2DeleteCustomTemplate)
	op("POST /v2/email/outbound-custom-verification-emails", "SendCustomVerificationEmail", s.v2SendCustomVerification)
	const cl = "/v2/email/contact-lists"
	op("POST "+cl, "CreateContactList", s.v2CreateContactList)
	op("GET "+cl, "ListContactLists", s.v2ListContactLists)
	op("GET "+cl+"/{ContactListName}", "GetContactList", s.v2GetContactList)
	op("PUT "+cl+"/{ContactListName}", "UpdateContactList", s.v2UpdateContactList)
	op("DELETE "+cl+"/{ContactListName}", "DeleteContactList", s.v2DeleteContactList)
	op("POST "+cl+"/{ContactListName}/contacts", "CreateContact", s.v2CreateContact)
	op("POST "+cl+"/{ContactListName}/contacts/list", "ListContacts", s.v2ListContacts)
	// Models before 2023 (AWS CLI 2.9, still in Debian 12) had ListContacts
	// as a GET with PageSize and NextToken in the query, Filter in the body.
	op("GET "+cl+"/{ContactListName}/contacts", "ListContacts", s.v2ListContacts)
	op("GET "+cl+"/{ContactListName}/contacts/{EmailAddress}", "GetContact", s.v2GetContact)
	op("PUT "+cl+"/{ContactListName}/contacts/{EmailAddress}", "UpdateContact", s.v2UpdateContact)
	op("DELETE "+cl+"/{ContactListName}/contacts/{EmailAddress}", "DeleteContact", s.v2DeleteContact)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.writeV2Error(w, r, callOf(r).requestID, &fault.Error{Code: "NotFoundException", HTTPStatus: http.StatusNotFound,
			Message: "The operation " + r.Method + " " + r.URL.Path + " is not supported by this server."})
	})
	return mux
}

// toFault turns a handler's error into the fault the client sees; store
// errors that escaped a handler become SES's NotFound/AlreadyExists and
// anything unexpected is logged and hidden.
func (s *Server) toFault(err error, op string) *fault.Error {
	if f := fault.As(err); f != nil {
		return f
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return fault.NotFound("Resource not found.")
	case errors.Is(err, store.ErrExists):
		return fault.AlreadyExists("Resource already exists.")
	}
	s.Log.Error("operation failed", "operation", op, "err", err)
	return fault.Internal()
}

// writeV2Error writes SES v2's restJson1 error: the exception name in
// X-Amzn-ErrorType and the message in the body.
func (s *Server) writeV2Error(w http.ResponseWriter, _ *http.Request, _ string, f *fault.Error) {
	status := f.HTTPStatus
	if status == 0 {
		status = http.StatusBadRequest
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", f.Code)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": f.Message})
}

// decodeJSON reads a v2 request body into v.
func decodeJSON(c call, v any) error {
	if len(c.body) == 0 {
		return nil
	}
	if err := json.Unmarshal(c.body, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return fault.BadRequest("Invalid value for field %s: expected %s.", te.Field, te.Type)
		}
		return &fault.Error{Code: "SerializationException", HTTPStatus: http.StatusBadRequest, SMTPCode: 501,
			Enhanced: "5.5.4", Message: "The request body is not valid JSON: " + err.Error()}
	}
	return nil
}

func writeJSON(w http.ResponseWriter, v any) error {
	w.Header().Set("Content-Type", "application/json")
	return json.NewEncoder(w).Encode(v)
}

// epoch renders a timestamp as restJson1 does: epoch seconds.
type epoch float64

func epochOf(t interface{ UnixMicro() int64 }) *epoch {
	e := epoch(float64(t.UnixMicro()) / 1e6)
	return &e
}

func (e epoch) MarshalJSON() ([]byte, error) {
	return strconv.AppendFloat(nil, float64(e), 'f', -1, 64), nil
}
