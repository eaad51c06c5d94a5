package query

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Inputs and outputs of the configuration set operations: the sets
// themselves, their event destinations and their sending, reputation and
// delivery options. Names follow the SES v1 model (CreateConfigurationSetRequest,
// DescribeConfigurationSetResponse, EventDestination, ...).

// Configuration set attributes, the values of
// DescribeConfigurationSetInput.ConfigurationSetAttributeNames.
const (
	AttributeEventDestinations = "eventDestinations"
	AttributeTrackingOptions   = "trackingOptions"
	AttributeDeliveryOptions   = "deliveryOptions"
	AttributeReputationOptions = "reputationOptions"
)

var configurationSetAttributes = []string{AttributeEventDestinations, AttributeTrackingOptions,
	AttributeDeliveryOptions, AttributeReputationOptions}

// EventTypes lists v1's EventType values, lower camel case where v2 has
// SEND, RENDERING_FAILURE and so on. The model stops at renderingFailure;
// deliveryDelay and subscription are the v2 types that SES added since,
// accepted here in v1's spelling so a set shared with v2 can be described
// and updated through v1.
var EventTypes = []string{"send", "reject", "bounce", "complaint", "delivery", "open", "click",
	"renderingFailure", "deliveryDelay", "subscription"}

// TLS policies, the values of DeliveryOptions.TlsPolicy.
const (
	TLSPolicyRequire  = "Require"
	TLSPolicyOptional = "Optional"
)

// ConfigurationSet names a configuration set.
type ConfigurationSet struct {
	Name string `query:"Name,required"`
}

// CreateConfigurationSetInput creates an empty set; v1 has no options at
// creation.
type CreateConfigurationSetInput struct {
	ConfigurationSet ConfigurationSet `query:"ConfigurationSet,required"`
}

// CreateConfigurationSetOutput has no members, but is modeled.
type CreateConfigurationSetOutput struct{}

// DeleteConfigurationSetInput names the set to delete.
type DeleteConfigurationSetInput struct {
	ConfigurationSetName string `query:"ConfigurationSetName,required"`
}

// DeleteConfigurationSetOutput has no members, but is modeled.
type DeleteConfigurationSetOutput struct{}

// DescribeConfigurationSetInput names a set and the attributes to report
// besides its name.
type DescribeConfigurationSetInput struct {
	ConfigurationSetName           string   `query:"ConfigurationSetName,required"`
	ConfigurationSetAttributeNames []string `query:"ConfigurationSetAttributeNames"`
}

// Validate checks the attribute names against their enum, which the
// struct tags cannot express for list members.
func (in *DescribeConfigurationSetInput) Validate() error {
	return enumList(in.ConfigurationSetAttributeNames, "configurationSetAttributeNames", configurationSetAttributes)
}

// Wants reports whether the attribute was asked for.
func (in *DescribeConfigurationSetInput) Wants(attribute string) bool {
	return slices.Contains(in.ConfigurationSetAttributeNames, attribute)
}

// DescribeConfigurationSetOutput is a set's name and the attributes asked
// for; the others are left out.
type DescribeConfigurationSetOutput struct {
	ConfigurationSet  *ConfigurationSet  `query:"ConfigurationSet"`
	EventDestinations []EventDestination `query:"EventDestinations"`
	TrackingOptions   *TrackingOptions   `query:"TrackingOptions"`
	DeliveryOptions   *DeliveryOptions   `query:"DeliveryOptions"`
	ReputationOptions *ReputationOptions `query:"ReputationOptions"`
}

// TrackingOptions is a set's custom domain for open and click tracking
// links.
type TrackingOptions struct {
	CustomRedirectDomain string `query:"CustomRedirectDomain"`
}

// DeliveryOptions is whether mail of the set must go over TLS.
type DeliveryOptions struct {
	TlsPolicy string `query:"TlsPolicy,enum=Require|Optional"`
}

// ReputationOptions is a set's sending switch and reputation metrics;
// LastFreshStart is zero (and left out) until sending was re-enabled once.
type ReputationOptions struct {
	SendingEnabled           bool      `query:"SendingEnabled"`
	ReputationMetricsEnabled bool      `query:"ReputationMetricsEnabled"`
	LastFreshStart           time.Time `query:"LastFreshStart"`
}

// ListConfigurationSetsInput pages through the account's sets. MaxItems is
// nil when the client did not send it.
type ListConfigurationSetsInput struct {
	NextToken string `query:"NextToken"`
	MaxItems  *int   `query:"MaxItems"`
}

// ListConfigurationSetsOutput is one page of sets; NextToken is empty on
// the last page.
type ListConfigurationSetsOutput struct {
	ConfigurationSets []ConfigurationSet `query:"ConfigurationSets"`
	NextToken         string             `query:"NextToken"`
}

// EventDestination is where events of a set go: exactly one of the three
// destinations.
type EventDestination struct {
	Name                       string                      `query:"Name,required"`
	Enabled                    bool                        `query:"Enabled"`
	MatchingEventTypes         []string                    `query:"MatchingEventTypes,required"`
	KinesisFirehoseDestination *KinesisFirehoseDestination `query:"KinesisFirehoseDestination"`
	CloudWatchDestination      *CloudWatchDestination      `query:"CloudWatchDestination"`
	SNSDestination             *SNSDestination             `query:"SNSDestination"`
}

// Validate checks the event types against v1's enum, in the wording SES
// uses for list members.
func (d *EventDestination) Validate() error {
	return enumList(d.MatchingEventTypes, "eventDestination.matchingEventTypes", EventTypes)
}

// SNSDestination publishes events to a topic.
type SNSDestination struct {
	TopicARN string `query:"TopicARN,required"`
}

// CloudWatchDestination publishes events as CloudWatch metrics with these
// dimensions.
type CloudWatchDestination struct {
	DimensionConfigurations []CloudWatchDimensionConfiguration `query:"DimensionConfigurations,required"`
}

// CloudWatchDimensionConfiguration is one metric dimension and where its
// value comes from.
type CloudWatchDimensionConfiguration struct {
	DimensionName         string `query:"DimensionName,required"`
	DimensionValueSource  string `query:"DimensionValueSource,required,enum=messageTag|emailHeader|linkTag"`
	DefaultDimensionValue string `query:"DefaultDimensionValue,required"`
}

// KinesisFirehoseDestination publishes events to a delivery stream.
type KinesisFirehoseDestination struct {
	IAMRoleARN        string `query:"IAMRoleARN,required"`
	DeliveryStreamARN string `query:"DeliveryStreamARN,required"`
}

// CreateConfigurationSetEventDestinationInput adds a destination to a set.
type CreateConfigurationSetEventDestinationInput struct {
	ConfigurationSetName string           `query:"ConfigurationSetName,required"`
	EventDestination     EventDestination `query:"EventDestination,required"`
}

// CreateConfigurationSetEventDestinationOutput has no members, but is
// modeled.
type CreateConfigurationSetEventDestinationOutput struct{}

// UpdateConfigurationSetEventDestinationInput replaces the destination of
// the same name.
type UpdateConfigurationSetEventDestinationInput struct {
	ConfigurationSetName string           `query:"ConfigurationSetName,required"`
	EventDestination     EventDestination `query:"EventDestination,required"`
}

// UpdateConfigurationSetEventDestinationOutput has no members, but is
// modeled.
type UpdateConfigurationSetEventDestinationOutput struct{}

// DeleteConfigurationSetEventDestinationInput names the destination to
// delete.
type DeleteConfigurationSetEventDestinationInput struct {
	ConfigurationSetName string `query:"ConfigurationSetName,required"`
	EventDestinationName string `query:"EventDestinationName,required"`
}

// DeleteConfigurationSetEventDestinationOutput has no members, but is
// modeled.
type DeleteConfigurationSetEventDestinationOutput struct{}

// UpdateConfigurationSetSendingEnabledInput pauses or resumes sending with
// a set. The operation has no output shape: the response has no Result
// element.
type UpdateConfigurationSetSendingEnabledInput struct {
	ConfigurationSetName string `query:"ConfigurationSetName,required"`
	Enabled              bool   `query:"Enabled,required"`
}

// UpdateConfigurationSetReputationMetricsEnabledInput turns a set's
// reputation metrics on or off. No output shape either.
type UpdateConfigurationSetReputationMetricsEnabledInput struct {
	ConfigurationSetName string `query:"ConfigurationSetName,required"`
	Enabled              bool   `query:"Enabled,required"`
}

// PutConfigurationSetDeliveryOptionsInput sets a set's TLS policy; without
// DeliveryOptions the policy returns to the default, Optional.
type PutConfigurationSetDeliveryOptionsInput struct {
	ConfigurationSetName string           `query:"ConfigurationSetName,required"`
	DeliveryOptions      *DeliveryOptions `query:"DeliveryOptions"`
}

// PutConfigurationSetDeliveryOptionsOutput has no members, but is modeled.
type PutConfigurationSetDeliveryOptionsOutput struct{}

// enumList checks every member of a list against allowed; a list with an
// offender is reported whole, in Coral's wording for list members:
//
//	Value '[send, bogus]' at 'eventDestination.matchingEventTypes' failed to satisfy constraint:
//	Member must satisfy constraint: [Member must satisfy enum value set: [send, ...]]
func enumList(values []string, path string, allowed []string) error {
	ok := true
	quoted := make([]string, len(values))
	for i, v := range values {
		ok = ok && slices.Contains(allowed, v)
		quoted[i] = clip(v)
	}
	if ok {
		return nil
	}
	return validationErrors([]string{fmt.Sprintf(
		"Value '[%s]' at '%s' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [%s]]",
		strings.Join(quoted, ", "), path, strings.Join(allowed, ", "))})
}
