package query

// Inputs and outputs of the identity operations: verifying addresses and
// domains, listing them, reading their status, deleting them. Names follow
// the SES v1 model.

// Identity types, the values of ListIdentitiesInput.IdentityType.
const (
	IdentityTypeEmailAddress = "EmailAddress"
	IdentityTypeDomain       = "Domain"
)

// Verification statuses, the values of
// IdentityVerificationAttributes.VerificationStatus.
const (
	VerificationStatusPending          = "Pending"
	VerificationStatusSuccess          = "Success"
	VerificationStatusFailed           = "Failed"
	VerificationStatusTemporaryFailure = "TemporaryFailure"
	VerificationStatusNotStarted       = "NotStarted"
)

// VerifyEmailIdentityInput asks SES to send a verification mail to an
// address.
type VerifyEmailIdentityInput struct {
	EmailAddress string `query:"EmailAddress,required"`
}

// VerifyEmailIdentityOutput has no members, but is modeled: the response
// carries an empty VerifyEmailIdentityResult.
type VerifyEmailIdentityOutput struct{}

// VerifyDomainIdentityInput starts the legacy TXT verification of a domain.
type VerifyDomainIdentityInput struct {
	Domain string `query:"Domain,required"`
}

// VerifyDomainIdentityOutput holds the token to publish as the TXT record
// _amazonses.<domain>.
type VerifyDomainIdentityOutput struct {
	VerificationToken string `query:"VerificationToken,required"`
}

// VerifyDomainDkimInput starts Easy DKIM for a domain.
type VerifyDomainDkimInput struct {
	Domain string `query:"Domain,required"`
}

// VerifyDomainDkimOutput holds the DKIM tokens (three) to publish as
// <token>._domainkey.<domain> CNAME records.
type VerifyDomainDkimOutput struct {
	DkimTokens []string `query:"DkimTokens,required"`
}

// ListIdentitiesInput pages through the account's identities. MaxItems is
// nil when the client did not send it.
type ListIdentitiesInput struct {
	IdentityType string `query:"IdentityType,enum=EmailAddress|Domain"`
	NextToken    string `query:"NextToken"`
	MaxItems     *int   `query:"MaxItems"`
}

// ListIdentitiesOutput is one page of identities; NextToken is empty on the
// last page.
type ListIdentitiesOutput struct {
	Identities []string `query:"Identities,required"`
	NextToken  string   `query:"NextToken"`
}

// GetIdentityVerificationAttributesInput names the identities to report on.
type GetIdentityVerificationAttributesInput struct {
	Identities []string `query:"Identities,required"`
}

// GetIdentityVerificationAttributesOutput maps each known identity to its
// verification state; unknown identities are left out.
type GetIdentityVerificationAttributesOutput struct {
	VerificationAttributes map[string]IdentityVerificationAttributes `query:"VerificationAttributes,required"`
}

// IdentityVerificationAttributes is one identity's verification state. The
// token is set for domains only.
type IdentityVerificationAttributes struct {
	VerificationStatus string `query:"VerificationStatus,required"`
	VerificationToken  string `query:"VerificationToken"`
}

// DeleteIdentityInput names the identity to delete.
type DeleteIdentityInput struct {
	Identity string `query:"Identity,required"`
}

// DeleteIdentityOutput has no members, but is modeled: the response carries
// an empty DeleteIdentityResult.
type DeleteIdentityOutput struct{}
