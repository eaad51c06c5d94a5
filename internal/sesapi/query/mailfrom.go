package query

// Inputs and outputs of the custom MAIL FROM operations: setting an
// identity's MAIL FROM domain and reading the settings back. Names follow
// the SES v1 model (SetIdentityMailFromDomainRequest,
// GetIdentityMailFromDomainAttributesResponse and the shapes they use).

// Behaviors on MX failure, the values of BehaviorOnMXFailure.
const (
	BehaviorOnMXFailureUseDefaultValue = "UseDefaultValue"
	BehaviorOnMXFailureRejectMessage   = "RejectMessage"
)

// MAIL FROM domain statuses, the values of
// IdentityMailFromDomainAttributes.MailFromDomainStatus (the model's
// CustomMailFromStatus: the verification statuses without NotStarted).
const (
	MailFromStatusPending          = "Pending"
	MailFromStatusSuccess          = "Success"
	MailFromStatusFailed           = "Failed"
	MailFromStatusTemporaryFailure = "TemporaryFailure"
)

// SetIdentityMailFromDomainInput sets (or, with no MailFromDomain,
// removes) the custom MAIL FROM domain of an identity. An empty
// BehaviorOnMXFailure leaves SES's default, UseDefaultValue.
type SetIdentityMailFromDomainInput struct {
	Identity            string `query:"Identity,required"`
	MailFromDomain      string `query:"MailFromDomain"`
	BehaviorOnMXFailure string `query:"BehaviorOnMXFailure,enum=UseDefaultValue|RejectMessage"`
}

// SetIdentityMailFromDomainOutput has no members, but is modeled: the
// response carries an empty SetIdentityMailFromDomainResult.
type SetIdentityMailFromDomainOutput struct{}

// GetIdentityMailFromDomainAttributesInput names the identities to report
// on (up to 100 on SES).
type GetIdentityMailFromDomainAttributesInput struct {
	Identities []string `query:"Identities,required"`
}

// GetIdentityMailFromDomainAttributesOutput maps each known identity to its
// custom MAIL FROM settings; unknown identities are left out.
type GetIdentityMailFromDomainAttributesOutput struct {
	MailFromDomainAttributes map[string]IdentityMailFromDomainAttributes `query:"MailFromDomainAttributes,required"`
}

// IdentityMailFromDomainAttributes is one identity's custom MAIL FROM
// settings. The model requires all three members, but an identity without
// a MAIL FROM domain has only its behavior to report, so the domain and
// its status are left out then.
type IdentityMailFromDomainAttributes struct {
	MailFromDomain       string `query:"MailFromDomain"`
	MailFromDomainStatus string `query:"MailFromDomainStatus"`
	BehaviorOnMXFailure  string `query:"BehaviorOnMXFailure,required"`
}
