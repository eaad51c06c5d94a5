package sesapi

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/hikyaku/hikyaku/internal/fault"
	"github.com/hikyaku/hikyaku/internal/identity"
	"github.com/hikyaku/hikyaku/internal/intake"
	"github.com/hikyaku/hikyaku/internal/sesapi/query"
	"github.com/hikyaku/hikyaku/internal/store"
)

// v1Handler runs one SES v1 action on decoded form values and returns its
// result for the XML response.
type v1Handler func(r *http.Request, c call, form formDecoder) (any, error)

type formDecoder func(v any) error

func (s *Server) v1Actions() map[string]v1Handler {
	return map[string]v1Handler{
		"SendEmail":                           s.v1SendEmail,
		"SendRawEmail":                        s.v1SendRawEmail,
		"GetSendQuota":                        s.v1GetSendQuota,
		"GetSendStatistics":                   s.v1GetSendStatistics,
		"VerifyEmailIdentity":                 s.v1VerifyEmailIdentity,
		"VerifyEmailAddress":                  s.v1VerifyEmailIdentity,
		"VerifyDomainIdentity":                s.v1VerifyDomainIdentity,
		"VerifyDomainDkim":                    s.v1VerifyDomainDkim,
		"ListIdentities":                      s.v1ListIdentities,
		"GetIdentityVerificationAttributes":   s.v1GetIdentityVerificationAttributes,
		"DeleteIdentity":                      s.v1DeleteIdentity,
		"SetIdentityMailFromDomain":           s.v1SetIdentityMailFromDomain,
		"GetIdentityMailFromDomainAttributes": s.v1GetIdentityMailFromDomainAttributes,

		"SetIdentityNotificationTopic":             s.v1SetIdentityNotificationTopic,
		"GetIdentityNotificationAttributes":        s.v1GetIdentityNotificationAttributes,
		"SetIdentityHeadersInNotificationsEnabled": s.v1SetIdentityHeadersInNotificationsEnabled,
		"SetIdentityFeedbackForwardingEnabled":     s.v1SetIdentityFeedbackForwardingEnabled,

		"CreateConfigurationSet":                         s.v1CreateConfigurationSet,
		"DeleteConfigurationSet":                         s.v1DeleteConfigurationSet,
		"DescribeConfigurationSet":                       s.v1DescribeConfigurationSet,
		"ListConfigurationSets":                          s.v1ListConfigurationSets,
		"CreateConfigurationSetEventDestination":         s.v1CreateConfigurationSetEventDestination,
		"UpdateConfigurationSetEventDestination":         s.v1UpdateConfigurationSetEventDestination,
		"DeleteConfigurationSetEventDestination":         s.v1DeleteConfigurationSetEventDestination,
		"UpdateConfigurationSetSendingEnabled":           s.v1UpdateConfigurationSetSendingEnabled,
		"UpdateConfigurationSetReputationMetricsEnabled": s.v1UpdateConfigurationSetReputationMetricsEnabled,
		"PutConfigurationSetDeliveryOptions":             s.v1PutConfigurationSetDeliveryOptions,

		"CreateTemplate":         s.v1CreateTemplate,
		"GetTemplate":            s.v1GetTemplate,
		"ListTemplates":          s.v1ListTemplates,
		"UpdateTemplate":         s.v1UpdateTemplate,
		"DeleteTemplate":         s.v1DeleteTemplate,
		"TestRenderTemplate":     s.v1TestRenderTemplate,
		"SendTemplatedEmail":     s.v1SendTemplatedEmail,
		"SendBulkTemplatedEmail": s.v1SendBulkTemplatedEmail,

		"CreateCustomVerificationEmailTemplate": s.v1CreateCustomTemplate,
		"GetCustomVerificationEmailTemplate":    s.v1GetCustomTemplate,
		"ListCustomVerificationEmailTemplates":  s.v1ListCustomTemplates,
		"UpdateCustomVerificationEmailTemplate": s.v1UpdateCustomTemplate,
		"DeleteCustomVerificationEmailTemplate": s.v1DeleteCustomTemplate,
		"SendCustomVerificationEmail":           s.v1SendCustomVerification,
	}
}

// serveQuery is the SES v1 Query endpoint (POST / with Action=...).
func (s *Server) serveQuery(w http.ResponseWriter, r *http.Request) {
	c := callOf(r)
	if c.service == "sns" {
		s.serveSNS(w, r, c)
		return
	}
	action, _, form, err := query.ParseRequest(r, c.body)
	if err != nil {
		s.writeQueryError(w, r, c.requestID, s.toFault(err, "query"))
		return
	}
	h, ok := s.v1Actions()[action]
	if !ok {
		// ParseRequest refused actions SES does not have; this one exists
		// but is not served yet, and saying so beats pretending.
		s.writeQueryError(w, r, c.requestID, &fault.Error{Code: "UnsupportedOperation", HTTPStatus: 400,
			Message: "The action " + action + " is not supported by this server yet."})
		s.metrics.requests.WithLabelValues(action, "UnsupportedOperation").Inc()
		return
	}
	res, err := h(r, c, func(v any) error { return query.Decode(form, v) })
	code := "OK"
	if err != nil {
		f := s.toFault(err, action)
		code = f.QueryCode()
		s.writeQueryError(w, r, c.requestID, f)
	} else if err := query.WriteResponse(w, action, c.requestID, res); err != nil {
		s.Log.Error("write response", "action", action, "err", err)
	}
	s.metrics.requests.WithLabelValues(action, code).Inc()
}

func (s *Server) writeQueryError(w http.ResponseWriter, _ *http.Request, requestID string, f *fault.Error) {
	query.WriteError(w, requestID, f)
}

func v1Tags(tags []query.MessageTag) []store.Tag {
	var out []store.Tag
	for _, t := range tags {
		out = append(out, store.Tag{Name: t.Name, Value: t.Value})
	}
	return out
}

func (s *Server) v1SendEmail(r *http.Request, c call, decode formDecoder) (any, error) {
	var in query.SendEmailInput
	if err := decode(&in); err != nil {
		return nil, err
	}
	req := &intake.Request{
		Account: c.account, Origin: "api-v1", MaxSize: intake.MaxSizeV1,
		From: in.Source, To: in.Destination.ToAddresses, Cc: in.Destination.CcAddresses, Bcc: in.Destination.BccAddresses,
		ReplyTo: in.ReplyToAddresses, ReturnPath: in.ReturnPath, ConfigurationSet: in.ConfigurationSetName,
		Tags:     v1Tags(in.Tags),
		SourceIP: clientIP(r), CallerIdentity: c.accessKey, Operation: "SendEmail",
		Simple: &intake.Simple{Subject: in.Message.Subject.Data, SubjectCharset: in.Message.Subject.Charset},
	}
	if err := validateTags(req.Tags); err != nil {
		return nil, err
	}
	if t := in.Message.Body.Text; t != nil {
		req.Simple.Text, req.Simple.TextCharset = t.Data, t.Charset
	}
	if h := in.Message.Body.Html; h != nil {
		req.Simple.HTML, req.Simple.HTMLCharset = h.Data, h.Charset
	}
	id, err := s.Intake.Send(r.Context(), req)
	if err != nil {
		return nil, err
	}
	s.metrics.accepted.WithLabelValues("api-v1").Inc()
	return query.SendEmailOutput{MessageId: id}, nil
}

func (s *Server) v1SendRawEmail(r *http.Request, c call, decode formDecoder) (any, error) {
	var in query.SendRawEmailInput
	if err := decode(&in); err != nil {
		return nil, err
	}
	req := &intake.Request{
		Account: c.account, Origin: "api-v1", MaxSize: intake.MaxSizeV1,
		From: in.Source, To: in.Destinations, ConfigurationSet: in.ConfigurationSetName,
		Tags: v1Tags(in.Tags), Raw: in.RawMessage.Data,
		SourceIP: clientIP(r), CallerIdentity: c.accessKey, Operation: "SendRawEmail",
	}
	if err := validateTags(req.Tags); err != nil {
		return nil, err
	}
	id, err := s.Intake.Send(r.Context(), req)
	if err != nil {
		return nil, err
	}
	s.metrics.accepted.WithLabelValues("api-v1").Inc()
	return query.SendRawEmailOutput{MessageId: id}, nil
}

func (s *Server) v1GetSendQuota(r *http.Request, c call, _ formDecoder) (any, error) {
	q, err := s.sendQuota(r, c)
	if err != nil {
		return nil, err
	}
	return query.GetSendQuotaOutput{Max24HourSend: q.Max24HourSend, MaxSendRate: q.MaxSendRate, SentLast24Hours: q.SentLast24Hours}, nil
}

func (s *Server) v1GetSendStatistics(r *http.Request, c call, _ formDecoder) (any, error) {
	buckets, err := s.Store.Stats(r.Context(), c.account.ID, s.Clock.Now().Add(-14*24*time.Hour))
	if err != nil {
		return nil, err
	}
	out := query.GetSendStatisticsOutput{SendDataPoints: []query.SendDataPoint{}}
	for _, b := range buckets {
		out.SendDataPoints = append(out.SendDataPoints, query.SendDataPoint{Timestamp: b.Start.UTC(),
			DeliveryAttempts: b.DeliveryAttempts, Bounces: b.Bounces, Complaints: b.Complaints, Rejects: b.Rejects})
	}
	return out, nil
}

// ensureIdentity creates the identity unless it exists; SES v1's Verify*
// calls are idempotent.
func (s *Server) ensureIdentity(r *http.Request, c call, raw string) (*store.Identity, error) {
	name, err := identityName(raw)
	if err != nil {
		f := fault.As(err)
		return nil, &fault.Error{Code: "InvalidParameterValue", HTTPStatus: 400, Message: f.Message}
	}
	id, err := s.Identities.Get(r.Context(), c.account.ID, name)
	if errors.Is(err, store.ErrNotFound) {
		id, err = s.Identities.Create(r.Context(), c.account.ID, name, nil)
		if errors.Is(err, store.ErrExists) {
			id, err = s.Identities.Get(r.Context(), c.account.ID, name)
		}
	}
	return id, err
}

func (s *Server) v1VerifyEmailIdentity(r *http.Request, c call, decode formDecoder) (any, error) {
	var in query.VerifyEmailIdentityInput
	if err := decode(&in); err != nil {
		return nil, err
	}
	if !strings.Contains(in.EmailAddress, "@") {
		return nil, &fault.Error{Code: "InvalidParameterValue", HTTPStatus: 400, Message: "Invalid email address<" + in.EmailAddress + ">."}
	}
	if _, err := s.ensureIdentity(r, c, in.EmailAddress); err != nil {
		return nil, err
	}
	return query.VerifyEmailIdentityOutput{}, nil
}

func (s *Server) v1VerifyDomainIdentity(r *http.Request, c call, decode formDecoder) (any, error) {
	var in query.VerifyDomainIdentityInput
	if err := decode(&in); err != nil {
		return nil, err
	}
	if !identity.IsDomain(in.Domain) {
		return nil, &fault.Error{Code: "InvalidParameterValue", HTTPStatus: 400, Message: "Invalid domain name " + in.Domain + "."}
	}
	id, err := s.ensureIdentity(r, c, in.Domain)
	if err != nil {
		return nil, err
	}
	return query.VerifyDomainIdentityOutput{VerificationToken: id.VerificationToken}, nil
}

func (s *Server) v1VerifyDomainDkim(r *http.Request, c call, decode formDecoder) (any, error) {
	var in query.VerifyDomainDkimInput
	if err := decode(&in); err != nil {
		return nil, err
	}
	if !identity.IsDomain(in.Domain) {
		return nil, &fault.Error{Code: "InvalidParameterValue", HTTPStatus: 400, Message: "Invalid domain name " + in.Domain + "."}
	}
	id, err := s.ensureIdentity(r, c, in.Domain)
	if err != nil {
		return nil, err
	}
	return query.VerifyDomainDkimOutput{DkimTokens: dkimOf(id).Tokens}, nil
}

func (s *Server) v1ListIdentities(r *http.Request, c call, decode formDecoder) (any, error) {
	var in query.ListIdentitiesInput
	if err := decode(&in); err != nil {
		return nil, err
	}
	size := 1000
	if in.MaxItems != nil && *in.MaxItems > 0 && *in.MaxItems < size {
		size = *in.MaxItems
	}
	after, err := decodeToken(in.NextToken)
	if err != nil {
		return nil, err
	}
	want := ""
	switch in.IdentityType {
	case query.IdentityTypeEmailAddress:
		want = store.IdentityEmail
	case query.IdentityTypeDomain:
		want = store.IdentityDomain
	}
	out := query.ListIdentitiesOutput{Identities: []string{}}
	for {
		ids, err := s.Store.ListIdentities(r.Context(), c.account.ID, after, 500)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			after = id.Name
			if want != "" && id.Type != want {
				continue
			}
			if len(out.Identities) == size {
				out.NextToken = encodeToken(out.Identities[size-1])
				return out, nil
			}
			out.Identities = append(out.Identities, id.Name)
		}
		if len(ids) < 500 {
			return out, nil
		}
	}
}

// v1Status renders a v2 status in v1's casing.
func v1Status(s string) string {
	switch s {
	case store.StatusSuccess:
		return query.VerificationStatusSuccess
	case store.StatusFailed:
		return query.VerificationStatusFailed
	case store.StatusTemporaryFailure:
		return query.VerificationStatusTemporaryFailure
	case store.StatusNotStarted:
		return query.VerificationStatusNotStarted
	}
	return query.VerificationStatusPending
}

func (s *Server) v1GetIdentityVerificationAttributes(r *http.Request, c call, decode formDecoder) (any, error) {
	var in query.GetIdentityVerificationAttributesInput
	if err := decode(&in); err != nil {
		return nil, err
	}
	out := query.GetIdentityVerificationAttributesOutput{VerificationAttributes: map[string]query.IdentityVerificationAttributes{}}
	for _, raw := range in.Identities {
		name, err := identityName(raw)
		if err != nil {
			continue
		}
		id, err := s.Identities.Get(r.Context(), c.account.ID, name)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		a := query.IdentityVerificationAttributes{VerificationStatus: v1Status(id.VerificationStatus)}
		if id.Type == store.IdentityDomain {
			a.VerificationToken = id.VerificationToken
		}
		out.VerificationAttributes[raw] = a
	}
	return out, nil
}

func (s *Server) v1DeleteIdentity(r *http.Request, c call, decode formDecoder) (any, error) {
	var in query.DeleteIdentityInput
	if err := decode(&in); err != nil {
		return nil, err
	}
	name, err := identityName(in.Identity)
	if err != nil {
		return query.DeleteIdentityOutput{}, nil
	}
	if err := s.Identities.Delete(r.Context(), c.account.ID, name); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	return query.DeleteIdentityOutput{}, nil
}
