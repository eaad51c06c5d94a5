package sesapi

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/hikyaku/hikyaku/internal/configset"
	"github.com/hikyaku/hikyaku/internal/fault"
	"github.com/hikyaku/hikyaku/internal/sesapi/query"
)

// Configuration sets and their event destinations (SES v1), over the same
// configset.Service as v2, so a set made through one API is seen by the
// other. What v1 spells differently is translated here: event types in
// lower camel case, TLS policies in CamelCase, and v1's own error codes
// (ConfigurationSetDoesNotExist, EventDestinationAlreadyExists, ...), which
// configset already carries as V1Code where it raises them.

// v1EventTypes maps v1's EventType values to configset's (v2's).
var v1EventTypes = map[string]string{
	"send": "SEND", "reject": "REJECT", "bounce": "BOUNCE", "complaint": "COMPLAINT",
	"delivery": "DELIVERY", "open": "OPEN", "click": "CLICK", "renderingFailure": "RENDERING_FAILURE",
	"deliveryDelay": "DELIVERY_DELAY", "subscription": "SUBSCRIPTION",
}

// v1DimensionSources maps v1's DimensionValueSource values to v2's.
var v1DimensionSources = map[string]string{
	"messageTag": "MESSAGE_TAG", "emailHeader": "EMAIL_HEADER", "linkTag": "LINK_TAG",
}

// v1TLSPolicies maps v1's TlsPolicy values to configset's.
var v1TLSPolicies = map[string]string{
	query.TLSPolicyRequire: configset.TLSRequire, query.TLSPolicyOptional: configset.TLSOptional,
}

// v1Invert returns m with keys and values swapped.
func v1Invert(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[v] = k
	}
	return out
}

var (
	v1EventTypeOf       = v1Invert(v1EventTypes)
	v1DimensionSourceOf = v1Invert(v1DimensionSources)
	v1TLSPolicyOf       = v1Invert(v1TLSPolicies)
)

// CloudWatch and Kinesis Firehose destinations are kept, not delivered to,
// in configset.Destination.Other as v2's JSON shapes, so that v2's
// GetConfigurationSetEventDestinations shows what v1 stored and the other
// way round.
type (
	v1StoredCloudWatch struct {
		DimensionConfigurations []v1StoredDimension
	}
	v1StoredDimension struct {
		DimensionName, DimensionValueSource, DefaultDimensionValue string
	}
	v1StoredFirehose struct {
		IamRoleArn, DeliveryStreamArn string
	}
)

// v1Destination turns a v1 EventDestination into configset's.
func v1Destination(d *query.EventDestination) (*configset.Destination, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	targets := 0
	for _, set := range []bool{d.SNSDestination != nil, d.CloudWatchDestination != nil, d.KinesisFirehoseDestination != nil} {
		if set {
			targets++
		}
	}
	if targets != 1 {
		return nil, fault.BadRequest("Event destination <%s> must have exactly one of SNSDestination, CloudWatchDestination "+
			"and KinesisFirehoseDestination; it has %d.", d.Name, targets)
	}
	out := &configset.Destination{Name: d.Name, Enabled: d.Enabled, MatchingEventTypes: []string{}}
	for _, t := range d.MatchingEventTypes {
		out.MatchingEventTypes = append(out.MatchingEventTypes, v1EventTypes[t])
	}
	if d.SNSDestination != nil {
		out.SNSTopicARN = d.SNSDestination.TopicARN
	}
	other := map[string]any{}
	if cw := d.CloudWatchDestination; cw != nil {
		v := v1StoredCloudWatch{DimensionConfigurations: []v1StoredDimension{}}
		for _, dc := range cw.DimensionConfigurations {
			v.DimensionConfigurations = append(v.DimensionConfigurations, v1StoredDimension{DimensionName: dc.DimensionName,
				DimensionValueSource: v1DimensionSources[dc.DimensionValueSource], DefaultDimensionValue: dc.DefaultDimensionValue})
		}
		other["CloudWatchDestination"] = v
	}
	if kf := d.KinesisFirehoseDestination; kf != nil {
		other["KinesisFirehoseDestination"] = v1StoredFirehose{IamRoleArn: kf.IAMRoleARN, DeliveryStreamArn: kf.DeliveryStreamARN}
	}
	for k, v := range other {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		if out.Other == nil {
			out.Other = map[string]json.RawMessage{}
		}
		out.Other[k] = b
	}
	return out, nil
}

// v1DestinationOf renders a stored destination in v1's shape. Kinds v1
// cannot express (EventBridge, Pinpoint) show as a destination without a
// target; event types v1 lacks keep v2's spelling.
func v1DestinationOf(d *configset.Destination) query.EventDestination {
	out := query.EventDestination{Name: d.Name, Enabled: d.Enabled}
	for _, t := range d.MatchingEventTypes {
		if v, ok := v1EventTypeOf[t]; ok {
			t = v
		}
		out.MatchingEventTypes = append(out.MatchingEventTypes, t)
	}
	if d.SNSTopicARN != "" {
		out.SNSDestination = &query.SNSDestination{TopicARN: d.SNSTopicARN}
	}
	var cw v1StoredCloudWatch
	if raw := d.Other["CloudWatchDestination"]; len(raw) > 0 && json.Unmarshal(raw, &cw) == nil {
		out.CloudWatchDestination = &query.CloudWatchDestination{}
		for _, dc := range cw.DimensionConfigurations {
			out.CloudWatchDestination.DimensionConfigurations = append(out.CloudWatchDestination.DimensionConfigurations,
				query.CloudWatchDimensionConfiguration{DimensionName: dc.DimensionName,
					DimensionValueSource: v1DimensionSourceOf[dc.DimensionValueSource], DefaultDimensionValue: dc.DefaultDimensionValue})
		}
	}
	var kf v1StoredFirehose
	if raw := d.Other["KinesisFirehoseDestination"]; len(raw) > 0 && json.Unmarshal(raw, &kf) == nil {
		out.KinesisFirehoseDestination = &query.KinesisFirehoseDestination{IAMRoleARN: kf.IamRoleArn, DeliveryStreamARN: kf.DeliveryStreamArn}
	}
	return out
}

// v1InvalidConfigurationSet is v1's refusal of a set's name.
func v1InvalidConfigurationSet(err error) error {
	f := fault.BadRequest("%s", fault.As(err).Message)
	f.V1Code = "InvalidConfigurationSet"
	return f
}

// v1CheckSNSDestination refuses an SNS destination whose topic is not the
// account's, with v1's InvalidSNSDestination.
func (s *Server) v1CheckSNSDestination(r *http.Request, c call, set string, d *configset.Destination) error {
	if d.SNSTopicARN == "" || s.Topics == nil {
		return nil
	}
	_, err := s.Topics.GetByARN(r.Context(), c.account.ID, d.SNSTopicARN)
	if cause := fault.As(err); cause != nil {
		f := fault.BadRequest("Could not access SNS topic <%s> of event destination <%s> in configuration set <%s>: %s.",
			d.SNSTopicARN, d.Name, set, strings.TrimSuffix(cause.Message, "."))
		f.V1Code = "InvalidSNSDestination"
		return f
	}
	return err
}

func (s *Server) v1CreateConfigurationSet(r *http.Request, c call, decode formDecoder) (any, error) {
	var in query.CreateConfigurationSetInput
	if err := decode(&in); err != nil {
		return nil, err
	}
	name := in.ConfigurationSet.Name
	if name == "" {
		// SES's words for an empty name (aws-cloudformation-resource-providers-ses#36).
		return nil, fault.BadRequest("The configuration set name must be specified.")
	}
	if err := configset.ValidName("configuration set", name); err != nil {
		return nil, v1InvalidConfigurationSet(err)
	}
	if err := s.ConfigSets.Create(r.Context(), c.account.ID, &configset.Set{Name: name, SendingEnabled: true}); err != nil {
		return nil, err
	}
	return query.CreateConfigurationSetOutput{}, nil
}

func (s *Server) v1DeleteConfigurationSet(r *http.Request, c call, decode formDecoder) (any, error) {
	var in query.DeleteConfigurationSetInput
	if err := decode(&in); err != nil {
		return nil, err
	}
	if err := s.ConfigSets.Delete(r.Context(), c.account.ID, in.ConfigurationSetName); err != nil {
		return nil, err
	}
	return query.DeleteConfigurationSetOutput{}, nil
}

// v1DescribeConfigurationSet is DescribeConfigurationSet: the set's name,
// and the attributes named in ConfigurationSetAttributeNames.
func (s *Server) v1DescribeConfigurationSet(r *http.Request, c call, decode formDecoder) (any, error) {
	var in query.DescribeConfigurationSetInput
	if err := decode(&in); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	set, err := s.ConfigSets.Get(r.Context(), c.account.ID, in.ConfigurationSetName)
	if err != nil {
		return nil, err
	}
	out := query.DescribeConfigurationSetOutput{ConfigurationSet: &query.ConfigurationSet{Name: set.Name}}
	if in.Wants(query.AttributeEventDestinations) {
		dests, err := s.ConfigSets.Destinations(r.Context(), c.account.ID, set.Name)
		if err != nil {
			return nil, err
		}
		for _, d := range dests {
			out.EventDestinations = append(out.EventDestinations, v1DestinationOf(d))
		}
	}
	if in.Wants(query.AttributeTrackingOptions) && set.CustomRedirectDomain != "" {
		out.TrackingOptions = &query.TrackingOptions{CustomRedirectDomain: set.CustomRedirectDomain}
	}
	if in.Wants(query.AttributeDeliveryOptions) {
		out.DeliveryOptions = &query.DeliveryOptions{TlsPolicy: v1TLSPolicyOf[orDefault(set.TLSPolicy, configset.TLSOptional)]}
	}
	if in.Wants(query.AttributeReputationOptions) {
		out.ReputationOptions = &query.ReputationOptions{SendingEnabled: set.SendingEnabled,
			ReputationMetricsEnabled: set.ReputationMetricsEnabled, LastFreshStart: set.LastFreshStart}
	}
	return out, nil
}

// v1ListConfigurationSets is ListConfigurationSets, up to 1000 a page as
// in ListIdentities.
func (s *Server) v1ListConfigurationSets(r *http.Request, c call, decode formDecoder) (any, error) {
	var in query.ListConfigurationSetsInput
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
	names, more, err := s.ConfigSets.List(r.Context(), c.account.ID, after, size)
	if err != nil {
		return nil, err
	}
	out := query.ListConfigurationSetsOutput{ConfigurationSets: []query.ConfigurationSet{}}
	for _, n := range names {
		out.ConfigurationSets = append(out.ConfigurationSets, query.ConfigurationSet{Name: n})
	}
	if more {
		out.NextToken = encodeToken(names[len(names)-1])
	}
	return out, nil
}

// v1EventDestinationInput is what Create and Update take: the set's name
// and its event destination, checked in SES's order (the set exists, the
// destination is well-formed, its topic is the account's).
func (s *Server) v1EventDestinationInput(r *http.Request, c call, set string, ed *query.EventDestination) (*configset.Destination, error) {
	if _, err := s.ConfigSets.Get(r.Context(), c.account.ID, set); err != nil {
		return nil, err
	}
	d, err := v1Destination(ed)
	if err != nil {
		return nil, err
	}
	if err := s.v1CheckSNSDestination(r, c, set, d); err != nil {
		return nil, err
	}
	return d, nil
}

func (s *Server) v1CreateConfigurationSetEventDestination(r *http.Request, c call, decode formDecoder) (any, error) {
	var in query.CreateConfigurationSetEventDestinationInput
	if err := decode(&in); err != nil {
		return nil, err
	}
	d, err := s.v1EventDestinationInput(r, c, in.ConfigurationSetName, &in.EventDestination)
	if err != nil {
		return nil, err
	}
	if err := s.ConfigSets.CreateDestination(r.Context(), c.account.ID, in.ConfigurationSetName, d); err != nil {
		return nil, err
	}
	return query.CreateConfigurationSetEventDestinationOutput{}, nil
}

func (s *Server) v1UpdateConfigurationSetEventDestination(r *http.Request, c call, decode formDecoder) (any, error) {
	var in query.UpdateConfigurationSetEventDestinationInput
	if err := decode(&in); err != nil {
		return nil, err
	}
	d, err := s.v1EventDestinationInput(r, c, in.ConfigurationSetName, &in.EventDestination)
	if err != nil {
		return nil, err
	}
	if err := s.ConfigSets.UpdateDestination(r.Context(), c.account.ID, in.ConfigurationSetName, d); err != nil {
		return nil, err
	}
	return query.UpdateConfigurationSetEventDestinationOutput{}, nil
}

func (s *Server) v1DeleteConfigurationSetEventDestination(r *http.Request, c call, decode formDecoder) (any, error) {
	var in query.DeleteConfigurationSetEventDestinationInput
	if err := decode(&in); err != nil {
		return nil, err
	}
	if err := s.ConfigSets.DeleteDestination(r.Context(), c.account.ID, in.ConfigurationSetName, in.EventDestinationName); err != nil {
		return nil, err
	}
	return query.DeleteConfigurationSetEventDestinationOutput{}, nil
}

// v1UpdateConfigurationSetSendingEnabled pauses or resumes a set. Resuming
// a paused set is a fresh start: SES resets the set's reputation metrics
// and records when (ReputationOptions.LastFreshStart).
func (s *Server) v1UpdateConfigurationSetSendingEnabled(r *http.Request, c call, decode formDecoder) (any, error) {
	var in query.UpdateConfigurationSetSendingEnabledInput
	if err := decode(&in); err != nil {
		return nil, err
	}
	err := s.ConfigSets.Update(r.Context(), c.account.ID, in.ConfigurationSetName, func(set *configset.Set) error {
		if in.Enabled && !set.SendingEnabled {
			set.LastFreshStart = s.Clock.Now().UTC()
		}
		set.SendingEnabled = in.Enabled
		return nil
	})
	return nil, err
}

func (s *Server) v1UpdateConfigurationSetReputationMetricsEnabled(r *http.Request, c call, decode formDecoder) (any, error) {
	var in query.UpdateConfigurationSetReputationMetricsEnabledInput
	if err := decode(&in); err != nil {
		return nil, err
	}
	err := s.ConfigSets.Update(r.Context(), c.account.ID, in.ConfigurationSetName, func(set *configset.Set) error {
		set.ReputationMetricsEnabled = in.Enabled
		return nil
	})
	return nil, err
}

// v1PutConfigurationSetDeliveryOptions sets the TLS policy; v2's other
// delivery options (sending pool, maximum delivery time) are left as they
// are, since v1 cannot express them.
func (s *Server) v1PutConfigurationSetDeliveryOptions(r *http.Request, c call, decode formDecoder) (any, error) {
	var in query.PutConfigurationSetDeliveryOptionsInput
	if err := decode(&in); err != nil {
		return nil, err
	}
	err := s.ConfigSets.Update(r.Context(), c.account.ID, in.ConfigurationSetName, func(set *configset.Set) error {
		set.TLSPolicy = ""
		if in.DeliveryOptions != nil {
			set.TLSPolicy = v1TLSPolicies[in.DeliveryOptions.TlsPolicy]
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return query.PutConfigurationSetDeliveryOptionsOutput{}, nil
}
