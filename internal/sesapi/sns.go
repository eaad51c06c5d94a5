package sesapi

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/hikyaku/hikyaku/internal/fault"
	"github.com/hikyaku/hikyaku/internal/topic"
)

// The SNS API subset that SES event destinations need (Query/XML, SigV4
// service "sns", on the same endpoint as SES): topics and their HTTP(S) or
// NATS subscriptions, so that `aws sns create-topic` and `aws sns
// subscribe` work unchanged.

const snsNamespace = "http://sns.amazonaws.com/doc/2010-03-31/"

type snsHandler func(r *http.Request, c call, form url.Values) (any, error)

func (s *Server) snsActions() map[string]snsHandler {
	return map[string]snsHandler{
		"CreateTopic":               s.snsCreateTopic,
		"DeleteTopic":               s.snsDeleteTopic,
		"ListTopics":                s.snsListTopics,
		"GetTopicAttributes":        s.snsGetTopicAttributes,
		"Subscribe":                 s.snsSubscribe,
		"ConfirmSubscription":       s.snsConfirmSubscription,
		"Unsubscribe":               s.snsUnsubscribe,
		"ListSubscriptionsByTopic":  s.snsListSubscriptionsByTopic,
		"GetSubscriptionAttributes": s.snsGetSubscriptionAttributes,
		"SetSubscriptionAttributes": s.snsSetSubscriptionAttributes,
	}
}

// serveSNS answers one SNS Query request. c.account is nil for the
// unauthenticated ConfirmSubscription of a SubscribeURL.
func (s *Server) serveSNS(w http.ResponseWriter, r *http.Request, c call) {
	form, err := url.ParseQuery(r.URL.RawQuery)
	if err == nil && r.Method == http.MethodPost {
		var body url.Values
		if body, err = url.ParseQuery(string(c.body)); err == nil {
			for k, v := range body {
				form[k] = append(form[k], v...)
			}
		}
	}
	if err != nil {
		s.writeSNSError(w, c.requestID, snsFault("MalformedQueryString", 400, "The request is not valid form encoding."))
		return
	}
	action := form.Get("Action")
	h, ok := s.snsActions()[action]
	if !ok || s.Topics == nil {
		s.writeSNSError(w, c.requestID, snsFault("InvalidAction", 400, "The action "+clipAction(action)+" is not valid for this endpoint."))
		s.metrics.requests.WithLabelValues("sns:"+clipAction(action), "InvalidAction").Inc()
		return
	}
	res, err := h(r, c, form)
	code := "OK"
	if err != nil {
		f := s.toFault(err, "sns:"+action)
		code = f.Code
		s.writeSNSError(w, c.requestID, f)
	} else {
		s.writeSNSResponse(w, action, c.requestID, res)
	}
	s.metrics.requests.WithLabelValues("sns:"+action, code).Inc()
}

func clipAction(a string) string {
	if len(a) > 64 {
		a = a[:64]
	}
	return strings.ToValidUTF8(a, "?")
}

func snsFault(code string, status int, msg string) *fault.Error {
	return &fault.Error{Code: code, HTTPStatus: status, SMTPCode: 501, Enhanced: "5.5.4", Message: msg}
}

func (s *Server) writeSNSResponse(w http.ResponseWriter, action, requestID string, result any) {
	type metadata struct {
		RequestID string `xml:"RequestId"`
	}
	var b strings.Builder
	b.WriteString(`<` + action + `Response xmlns="` + snsNamespace + `">`)
	if result != nil {
		out, err := xml.Marshal(result)
		if err != nil {
			s.Log.Error("encode SNS response", "action", action, "err", err)
		}
		b.Write(out)
	}
	md, _ := xml.Marshal(struct {
		XMLName xml.Name `xml:"ResponseMetadata"`
		metadata
	}{metadata: metadata{requestID}})
	b.Write(md)
	b.WriteString(`</` + action + `Response>`)
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-Requestid", requestID)
	_, _ = w.Write([]byte(b.String()))
}

func (s *Server) writeSNSError(w http.ResponseWriter, requestID string, f *fault.Error) {
	typ := "Sender"
	status := f.HTTPStatus
	if status == 0 {
		status = 400
	}
	if status >= 500 {
		typ = "Receiver"
	}
	out, _ := xml.Marshal(struct {
		XMLName xml.Name `xml:"ErrorResponse"`
		NS      string   `xml:"xmlns,attr"`
		Error   struct {
			Type    string
			Code    string
			Message string
		}
		RequestID string `xml:"RequestId"`
	}{NS: snsNamespace, Error: struct{ Type, Code, Message string }{typ, snsCode(f), f.Message}, RequestID: requestID})
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-Requestid", requestID)
	w.WriteHeader(status)
	_, _ = w.Write(out)
}

// snsCode maps faults from shared code (authentication, internal) to
// SNS's codes.
func snsCode(f *fault.Error) string {
	switch f.Code {
	case "InternalServiceErrorException":
		return "InternalError"
	case "BadRequestException":
		return "InvalidParameter"
	}
	return f.QueryCode()
}

// attributes reads SNS's Attributes.entry.N.key/value map.
func attributes(form url.Values) map[string]string {
	m := map[string]string{}
	for i := 1; ; i++ {
		k := form.Get("Attributes.entry." + strconv.Itoa(i) + ".key")
		if k == "" {
			return m
		}
		m[k] = form.Get("Attributes.entry." + strconv.Itoa(i) + ".value")
	}
}

func required(form url.Values, name string) (string, error) {
	v := form.Get(name)
	if v == "" {
		return "", snsFault("InvalidParameter", 400, "Invalid parameter: "+name)
	}
	return v, nil
}

type snsEntry struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

func (s *Server) snsCreateTopic(r *http.Request, c call, form url.Values) (any, error) {
	name, err := required(form, "Name")
	if err != nil {
		return nil, err
	}
	t, err := s.Topics.CreateTopic(r.Context(), c.account.ID, name, attributes(form))
	if err != nil {
		return nil, err
	}
	return struct {
		XMLName  xml.Name `xml:"CreateTopicResult"`
		TopicArn string
	}{TopicArn: t.ARN}, nil
}

func (s *Server) snsDeleteTopic(r *http.Request, c call, form url.Values) (any, error) {
	arn, err := required(form, "TopicArn")
	if err != nil {
		return nil, err
	}
	return nil, s.Topics.DeleteTopic(r.Context(), c.account.ID, arn)
}

func (s *Server) snsListTopics(r *http.Request, c call, form url.Values) (any, error) {
	list, next, err := s.Topics.ListTopics(r.Context(), c.account.ID, form.Get("NextToken"))
	if err != nil {
		return nil, err
	}
	type member struct{ TopicArn string }
	out := struct {
		XMLName   xml.Name `xml:"ListTopicsResult"`
		Topics    []member `xml:"Topics>member"`
		NextToken string   `xml:",omitempty"`
	}{NextToken: next}
	for _, t := range list {
		out.Topics = append(out.Topics, member{t.ARN})
	}
	return out, nil
}

func (s *Server) snsGetTopicAttributes(r *http.Request, c call, form url.Values) (any, error) {
	arn, err := required(form, "TopicArn")
	if err != nil {
		return nil, err
	}
	t, err := s.Topics.GetByARN(r.Context(), c.account.ID, arn)
	if err != nil {
		return nil, err
	}
	subs, err := s.Topics.ListSubscriptions(r.Context(), c.account.ID, arn)
	if err != nil {
		return nil, err
	}
	confirmed := 0
	for _, sub := range subs {
		if sub.Confirmed {
			confirmed++
		}
	}
	return struct {
		XMLName    xml.Name   `xml:"GetTopicAttributesResult"`
		Attributes []snsEntry `xml:"Attributes>entry"`
	}{Attributes: []snsEntry{
		{"TopicArn", t.ARN}, {"Owner", c.account.ID}, {"DisplayName", t.DisplayName},
		{"SubscriptionsConfirmed", strconv.Itoa(confirmed)},
		{"SubscriptionsPending", strconv.Itoa(len(subs) - confirmed)},
		{"SubscriptionsDeleted", "0"},
	}}, nil
}

func (s *Server) snsSubscribe(r *http.Request, c call, form url.Values) (any, error) {
	arn, err := required(form, "TopicArn")
	if err != nil {
		return nil, err
	}
	protocol, err := required(form, "Protocol")
	if err != nil {
		return nil, err
	}
	sub, err := s.Topics.Subscribe(r.Context(), c.account.ID, arn, protocol, form.Get("Endpoint"), attributes(form))
	if err != nil {
		return nil, err
	}
	subARN := topic.PendingConfirmation
	if sub.Confirmed || form.Get("ReturnSubscriptionArn") == "true" {
		subARN = sub.ARN
	}
	return struct {
		XMLName         xml.Name `xml:"SubscribeResult"`
		SubscriptionArn string
	}{SubscriptionArn: subARN}, nil
}

func (s *Server) snsConfirmSubscription(r *http.Request, c call, form url.Values) (any, error) {
	arn, err := required(form, "TopicArn")
	if err != nil {
		return nil, err
	}
	token, err := required(form, "Token")
	if err != nil {
		return nil, err
	}
	sub, err := s.Topics.ConfirmSubscription(r.Context(), arn, token)
	if err != nil {
		return nil, err
	}
	return struct {
		XMLName         xml.Name `xml:"ConfirmSubscriptionResult"`
		SubscriptionArn string
	}{SubscriptionArn: sub.ARN}, nil
}

func (s *Server) snsUnsubscribe(r *http.Request, c call, form url.Values) (any, error) {
	arn, err := required(form, "SubscriptionArn")
	if err != nil {
		return nil, err
	}
	return nil, s.Topics.Unsubscribe(r.Context(), c.account.ID, arn)
}

func (s *Server) snsListSubscriptionsByTopic(r *http.Request, c call, form url.Values) (any, error) {
	arn, err := required(form, "TopicArn")
	if err != nil {
		return nil, err
	}
	subs, err := s.Topics.ListSubscriptions(r.Context(), c.account.ID, arn)
	if err != nil {
		return nil, err
	}
	type member struct{ SubscriptionArn, Owner, Protocol, Endpoint, TopicArn string }
	out := struct {
		XMLName       xml.Name `xml:"ListSubscriptionsByTopicResult"`
		Subscriptions []member `xml:"Subscriptions>member"`
	}{}
	for _, sub := range subs {
		arn := sub.ARN
		if !sub.Confirmed {
			arn = "PendingConfirmation"
		}
		out.Subscriptions = append(out.Subscriptions, member{arn, sub.AccountID, sub.Protocol, sub.Endpoint, sub.TopicARN})
	}
	return out, nil
}

func (s *Server) snsGetSubscriptionAttributes(r *http.Request, c call, form url.Values) (any, error) {
	arn, err := required(form, "SubscriptionArn")
	if err != nil {
		return nil, err
	}
	sub, err := s.Topics.GetSubscription(r.Context(), c.account.ID, arn)
	if err != nil {
		return nil, err
	}
	return struct {
		XMLName    xml.Name   `xml:"GetSubscriptionAttributesResult"`
		Attributes []snsEntry `xml:"Attributes>entry"`
	}{Attributes: []snsEntry{
		{"SubscriptionArn", sub.ARN}, {"TopicArn", sub.TopicARN}, {"Owner", sub.AccountID},
		{"Protocol", sub.Protocol}, {"Endpoint", sub.Endpoint},
		{"PendingConfirmation", strconv.FormatBool(!sub.Confirmed)},
		{"ConfirmationWasAuthenticated", "false"},
		{"RawMessageDelivery", strconv.FormatBool(sub.RawMessageDelivery)},
	}}, nil
}

func (s *Server) snsSetSubscriptionAttributes(r *http.Request, c call, form url.Values) (any, error) {
	arn, err := required(form, "SubscriptionArn")
	if err != nil {
		return nil, err
	}
	name, err := required(form, "AttributeName")
	if err != nil {
		return nil, err
	}
	if name != "RawMessageDelivery" {
		return nil, snsFault("InvalidParameter", 400, "Invalid parameter: AttributeName: hikyaku supports only RawMessageDelivery")
	}
	return nil, s.Topics.SetRawMessageDelivery(r.Context(), c.account.ID, arn, strings.EqualFold(form.Get("AttributeValue"), "true"))
}
