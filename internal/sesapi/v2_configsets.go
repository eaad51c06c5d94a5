package sesapi

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/hikyaku/hikyaku/internal/configset"
	"github.com/hikyaku/hikyaku/internal/fault"
	"github.com/hikyaku/hikyaku/internal/store"
)

// Configuration sets and their event destinations (SES v2).

type v2SendingOptions struct{ SendingEnabled *bool }

type v2ReputationOptions struct {
	ReputationMetricsEnabled *bool
	LastFreshStart           *epoch `json:",omitempty"`
}

type v2SuppressionOptions struct{ SuppressedReasons []string }

type v2DeliveryOptions struct {
	TlsPolicy          string `json:",omitempty"`
	SendingPoolName    string `json:",omitempty"`
	MaxDeliverySeconds int64  `json:",omitempty"`
}

type v2TrackingOptions struct {
	CustomRedirectDomain string
	HttpsPolicy          string `json:",omitempty"`
}

type v2Tag struct{ Key, Value string }

func (s *Server) v2CreateConfigurationSet(w http.ResponseWriter, r *http.Request, c call) error {
	var in struct {
		ConfigurationSetName string
		SendingOptions       *v2SendingOptions
		ReputationOptions    *v2ReputationOptions
		SuppressionOptions   *v2SuppressionOptions
		DeliveryOptions      *v2DeliveryOptions
		TrackingOptions      *v2TrackingOptions
		Tags                 []v2Tag
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	set := &configset.Set{Name: in.ConfigurationSetName, SendingEnabled: true}
	applySending(set, in.SendingOptions)
	applyReputation(set, in.ReputationOptions)
	applySuppression(set, in.SuppressionOptions)
	applyDelivery(set, in.DeliveryOptions)
	applyTracking(set, in.TrackingOptions)
	for _, t := range in.Tags {
		set.Tags = append(set.Tags, store.Tag{Name: t.Key, Value: t.Value})
	}
	if err := s.ConfigSets.Create(r.Context(), c.account.ID, set); err != nil {
		return err
	}
	return writeJSON(w, struct{}{})
}

func applySending(set *configset.Set, o *v2SendingOptions) {
	if o != nil && o.SendingEnabled != nil {
		set.SendingEnabled = *o.SendingEnabled
	} else if o != nil {
		set.SendingEnabled = false // SES: an empty SendingOptions disables
	}
}

func applyReputation(set *configset.Set, o *v2ReputationOptions) {
	if o == nil {
		return
	}
	set.ReputationMetricsEnabled = o.ReputationMetricsEnabled != nil && *o.ReputationMetricsEnabled
	if o.LastFreshStart != nil {
		set.LastFreshStart = time.UnixMicro(int64(float64(*o.LastFreshStart) * 1e6)).UTC()
	}
}

func applySuppression(set *configset.Set, o *v2SuppressionOptions) {
	if o != nil {
		set.Suppression = &configset.Suppression{SuppressedReasons: append([]string{}, o.SuppressedReasons...)}
	}
}

func applyDelivery(set *configset.Set, o *v2DeliveryOptions) {
	if o == nil {
		return
	}
	set.TLSPolicy, set.SendingPoolName, set.MaxDeliverySeconds = o.TlsPolicy, o.SendingPoolName, o.MaxDeliverySeconds
}

func applyTracking(set *configset.Set, o *v2TrackingOptions) {
	if o == nil {
		set.CustomRedirectDomain, set.HTTPSPolicy = "", ""
		return
	}
	set.CustomRedirectDomain, set.HTTPSPolicy = o.CustomRedirectDomain, o.HttpsPolicy
}

func (s *Server) v2GetConfigurationSet(w http.ResponseWriter, r *http.Request, c call) error {
	set, err := s.ConfigSets.Get(r.Context(), c.account.ID, r.PathValue("ConfigurationSetName"))
	if err != nil {
		return err
	}
	out := struct {
		ConfigurationSetName string
		SendingOptions       v2SendingOptions
		ReputationOptions    v2ReputationOptions
		SuppressionOptions   *v2SuppressionOptions `json:",omitempty"`
		DeliveryOptions      v2DeliveryOptions
		TrackingOptions      *v2TrackingOptions `json:",omitempty"`
		Tags                 []v2Tag
	}{
		ConfigurationSetName: set.Name,
		SendingOptions:       v2SendingOptions{SendingEnabled: &set.SendingEnabled},
		ReputationOptions:    v2ReputationOptions{ReputationMetricsEnabled: &set.ReputationMetricsEnabled},
		DeliveryOptions: v2DeliveryOptions{TlsPolicy: orDefault(set.TLSPolicy, configset.TLSOptional),
			SendingPoolName: set.SendingPoolName, MaxDeliverySeconds: set.MaxDeliverySeconds},
		Tags: []v2Tag{},
	}
	if !set.LastFreshStart.IsZero() {
		out.ReputationOptions.LastFreshStart = epochOf(set.LastFreshStart)
	}
	if set.Suppression != nil {
		out.SuppressionOptions = &v2SuppressionOptions{SuppressedReasons: set.Suppression.SuppressedReasons}
	}
	if set.CustomRedirectDomain != "" {
		out.TrackingOptions = &v2TrackingOptions{CustomRedirectDomain: set.CustomRedirectDomain, HttpsPolicy: set.HTTPSPolicy}
	}
	for _, t := range set.Tags {
		out.Tags = append(out.Tags, v2Tag{Key: t.Name, Value: t.Value})
	}
	return writeJSON(w, out)
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func (s *Server) v2ListConfigurationSets(w http.ResponseWriter, r *http.Request, c call) error {
	// The current SDKs POST /v2/email/list-configuration-sets with a JSON
	// body; older ones and the CLI GET /v2/email/configuration-sets.
	var in struct {
		NextToken string
		PageSize  *int
	}
	if r.Method == http.MethodPost {
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
	} else {
		in.NextToken = r.URL.Query().Get("NextToken")
		if p := r.URL.Query().Get("PageSize"); p != "" {
			n, err := strconv.Atoi(p)
			if err != nil {
				return fault.BadRequest("PageSize must be a number between 1 and 1000.")
			}
			in.PageSize = &n
		}
	}
	size := 1000
	if in.PageSize != nil {
		if *in.PageSize < 1 || *in.PageSize > 1000 {
			return fault.BadRequest("PageSize must be a number between 1 and 1000.")
		}
		size = *in.PageSize
	}
	names, more, err := s.ConfigSets.List(r.Context(), c.account.ID, in.NextToken, size)
	if err != nil {
		return err
	}
	out := struct {
		ConfigurationSets []string
		NextToken         string `json:",omitempty"`
	}{ConfigurationSets: append([]string{}, names...)}
	if more {
		out.NextToken = names[len(names)-1]
	}
	return writeJSON(w, out)
}

func (s *Server) v2DeleteConfigurationSet(w http.ResponseWriter, r *http.Request, c call) error {
	if err := s.ConfigSets.Delete(r.Context(), c.account.ID, r.PathValue("ConfigurationSetName")); err != nil {
		return err
	}
	return writeJSON(w, struct{}{})
}

// v2PutConfigurationSetOptions handles the PutConfigurationSet*Options
// operations: each replaces one group of options.
func (s *Server) v2PutConfigurationSetOptions(apply func(*configset.Set, []byte) error) func(http.ResponseWriter, *http.Request, call) error {
	return func(w http.ResponseWriter, r *http.Request, c call) error {
		if len(c.body) > 0 && !json.Valid(c.body) {
			return decodeJSON(c, &struct{}{})
		}
		err := s.ConfigSets.Update(r.Context(), c.account.ID, r.PathValue("ConfigurationSetName"),
			func(set *configset.Set) error { return apply(set, c.body) })
		if err != nil {
			return err
		}
		return writeJSON(w, struct{}{})
	}
}

func decodeOptions[T any](body []byte, apply func(*T)) error {
	var v T
	if err := decodeJSON(call{body: body}, &v); err != nil {
		return err
	}
	apply(&v)
	return nil
}

func (s *Server) putSendingOptions(set *configset.Set, body []byte) error {
	return decodeOptions(body, func(o *v2SendingOptions) { applySending(set, o) })
}

func (s *Server) putReputationOptions(set *configset.Set, body []byte) error {
	return decodeOptions(body, func(o *v2ReputationOptions) { applyReputation(set, o) })
}

func (s *Server) putSuppressionOptions(set *configset.Set, body []byte) error {
	return decodeOptions(body, func(o *v2SuppressionOptions) { applySuppression(set, o) })
}

func (s *Server) putDeliveryOptions(set *configset.Set, body []byte) error {
	return decodeOptions(body, func(o *v2DeliveryOptions) { applyDelivery(set, o) })
}

func (s *Server) putTrackingOptions(set *configset.Set, body []byte) error {
	return decodeOptions(body, func(o *v2TrackingOptions) {
		if o.CustomRedirectDomain == "" && o.HttpsPolicy == "" {
			o = nil
		}
		applyTracking(set, o)
	})
}

// v2EventDestination is SES's EventDestinationDefinition / EventDestination.
type v2EventDestination struct {
	Name                   string `json:",omitempty"`
	Enabled                bool
	MatchingEventTypes     []string
	SnsDestination         *struct{ TopicArn string }    `json:",omitempty"`
	EventBridgeDestination *struct{ EventBusArn string } `json:",omitempty"`

	CloudWatchDestination      json.RawMessage `json:",omitempty"`
	KinesisFirehoseDestination json.RawMessage `json:",omitempty"`
	PinpointDestination        json.RawMessage `json:",omitempty"`
}

func (d *v2EventDestination) toDestination(name string) *configset.Destination {
	out := &configset.Destination{Name: name, Enabled: d.Enabled, MatchingEventTypes: d.MatchingEventTypes}
	if d.SnsDestination != nil {
		out.SNSTopicARN = d.SnsDestination.TopicArn
		if out.SNSTopicARN == "" {
			out.SNSTopicARN = " " // present but empty: refused by validation below
		}
	}
	if d.EventBridgeDestination != nil {
		out.EventBusARN = d.EventBridgeDestination.EventBusArn
	}
	for k, v := range map[string]json.RawMessage{"CloudWatchDestination": d.CloudWatchDestination,
		"KinesisFirehoseDestination": d.KinesisFirehoseDestination, "PinpointDestination": d.PinpointDestination} {
		if len(v) > 0 {
			if out.Other == nil {
				out.Other = map[string]json.RawMessage{}
			}
			out.Other[k] = v
		}
	}
	return out
}

func fromDestination(d *configset.Destination) v2EventDestination {
	out := v2EventDestination{Name: d.Name, Enabled: d.Enabled, MatchingEventTypes: d.MatchingEventTypes,
		CloudWatchDestination: d.Other["CloudWatchDestination"], KinesisFirehoseDestination: d.Other["KinesisFirehoseDestination"],
		PinpointDestination: d.Other["PinpointDestination"]}
	if d.SNSTopicARN != "" {
		out.SnsDestination = &struct{ TopicArn string }{d.SNSTopicARN}
	}
	if d.EventBusARN != "" {
		out.EventBridgeDestination = &struct{ EventBusArn string }{d.EventBusARN}
	}
	return out
}

// checkTopic refuses an SNS destination whose topic does not exist in the
// account, as SES does (it checks the topic when the destination is set).
func (s *Server) checkTopic(r *http.Request, c call, d *configset.Destination) error {
	if d.SNSTopicARN == "" || s.Topics == nil {
		return nil
	}
	if _, err := s.Topics.GetByARN(r.Context(), c.account.ID, d.SNSTopicARN); err != nil {
		if fault.As(err) != nil {
			return fault.BadRequest("Could not access SNS topic <%s>: %s", d.SNSTopicARN, fault.As(err).Message)
		}
		return err
	}
	return nil
}

func (s *Server) v2CreateEventDestination(w http.ResponseWriter, r *http.Request, c call) error {
	var in struct {
		EventDestinationName string
		EventDestination     *v2EventDestination
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.EventDestination == nil {
		return fault.BadRequest("1 validation error detected: Value null at 'eventDestination' failed to satisfy constraint: Member must not be null")
	}
	d := in.EventDestination.toDestination(in.EventDestinationName)
	if err := s.checkTopic(r, c, d); err != nil {
		return err
	}
	if err := s.ConfigSets.CreateDestination(r.Context(), c.account.ID, r.PathValue("ConfigurationSetName"), d); err != nil {
		return err
	}
	return writeJSON(w, struct{}{})
}

func (s *Server) v2GetEventDestinations(w http.ResponseWriter, r *http.Request, c call) error {
	list, err := s.ConfigSets.Destinations(r.Context(), c.account.ID, r.PathValue("ConfigurationSetName"))
	if err != nil {
		return err
	}
	out := struct{ EventDestinations []v2EventDestination }{EventDestinations: []v2EventDestination{}}
	for _, d := range list {
		out.EventDestinations = append(out.EventDestinations, fromDestination(d))
	}
	return writeJSON(w, out)
}

func (s *Server) v2UpdateEventDestination(w http.ResponseWriter, r *http.Request, c call) error {
	var in struct{ EventDestination *v2EventDestination }
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.EventDestination == nil {
		return fault.BadRequest("1 validation error detected: Value null at 'eventDestination' failed to satisfy constraint: Member must not be null")
	}
	d := in.EventDestination.toDestination(r.PathValue("EventDestinationName"))
	if err := s.checkTopic(r, c, d); err != nil {
		return err
	}
	if err := s.ConfigSets.UpdateDestination(r.Context(), c.account.ID, r.PathValue("ConfigurationSetName"), d); err != nil {
		return err
	}
	return writeJSON(w, struct{}{})
}

func (s *Server) v2DeleteEventDestination(w http.ResponseWriter, r *http.Request, c call) error {
	if err := s.ConfigSets.DeleteDestination(r.Context(), c.account.ID, r.PathValue("ConfigurationSetName"),
		r.PathValue("EventDestinationName")); err != nil {
		return err
	}
	return writeJSON(w, struct{}{})
}
