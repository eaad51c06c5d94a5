package query

// APIVersion is the only version of the SES Query API.
const APIVersion = "2010-12-01"

// Namespace is the XML namespace of every SES v1 response.
const Namespace = "http://ses.amazonaws.com/doc/2010-12-01/"

// actions lists every operation of the SES v1 model (71 in
// ses/2010-12-01/service-2.json) and whether its output is modeled.
//
// The flag matters on the wire: an operation whose output shape exists,
// even with no members (VerifyEmailIdentity, DeleteIdentity), must answer
// with an <XResult/> element or the AWS SDK for Go fails to deserialize it;
// an operation without an output shape (VerifyEmailAddress,
// UpdateAccountSendingEnabled, ...) must answer without one.
var actions = map[string]bool{
	"CloneReceiptRuleSet":                            true,
	"CreateConfigurationSet":                         true,
	"CreateConfigurationSetEventDestination":         true,
	"CreateConfigurationSetTrackingOptions":          true,
	"CreateCustomVerificationEmailTemplate":          false,
	"CreateReceiptFilter":                            true,
	"CreateReceiptRule":                              true,
	"CreateReceiptRuleSet":                           true,
	"CreateTemplate":                                 true,
	"DeleteConfigurationSet":                         true,
	"DeleteConfigurationSetEventDestination":         true,
	"DeleteConfigurationSetTrackingOptions":          true,
	"DeleteCustomVerificationEmailTemplate":          false,
	"DeleteIdentity":                                 true,
	"DeleteIdentityPolicy":                           true,
	"DeleteReceiptFilter":                            true,
	"DeleteReceiptRule":                              true,
	"DeleteReceiptRuleSet":                           true,
	"DeleteTemplate":                                 true,
	"DeleteVerifiedEmailAddress":                     false,
	"DescribeActiveReceiptRuleSet":                   true,
	"DescribeConfigurationSet":                       true,
	"DescribeReceiptRule":                            true,
	"DescribeReceiptRuleSet":                         true,
	"GetAccountSendingEnabled":                       true,
	"GetCustomVerificationEmailTemplate":             true,
	"GetIdentityDkimAttributes":                      true,
	"GetIdentityMailFromDomainAttributes":            true,
	"GetIdentityNotificationAttributes":              true,
	"GetIdentityPolicies":                            true,
	"GetIdentityVerificationAttributes":              true,
	"GetSendQuota":                                   true,
	"GetSendStatistics":                              true,
	"GetTemplate":                                    true,
	"ListConfigurationSets":                          true,
	"ListCustomVerificationEmailTemplates":           true,
	"ListIdentities":                                 true,
	"ListIdentityPolicies":                           true,
	"ListReceiptFilters":                             true,
	"ListReceiptRuleSets":                            true,
	"ListTemplates":                                  true,
	"ListVerifiedEmailAddresses":                     true,
	"PutConfigurationSetDeliveryOptions":             true,
	"PutIdentityPolicy":                              true,
	"ReorderReceiptRuleSet":                          true,
	"SendBounce":                                     true,
	"SendBulkTemplatedEmail":                         true,
	"SendCustomVerificationEmail":                    true,
	"SendEmail":                                      true,
	"SendRawEmail":                                   true,
	"SendTemplatedEmail":                             true,
	"SetActiveReceiptRuleSet":                        true,
	"SetIdentityDkimEnabled":                         true,
	"SetIdentityFeedbackForwardingEnabled":           true,
	"SetIdentityHeadersInNotificationsEnabled":       true,
	"SetIdentityMailFromDomain":                      true,
	"SetIdentityNotificationTopic":                   true,
	"SetReceiptRulePosition":                         true,
	"TestRenderTemplate":                             true,
	"UpdateAccountSendingEnabled":                    false,
	"UpdateConfigurationSetEventDestination":         true,
	"UpdateConfigurationSetReputationMetricsEnabled": false,
	"UpdateConfigurationSetSendingEnabled":           false,
	"UpdateConfigurationSetTrackingOptions":          true,
	"UpdateCustomVerificationEmailTemplate":          false,
	"UpdateReceiptRule":                              true,
	"UpdateTemplate":                                 true,
	"VerifyDomainDkim":                               true,
	"VerifyDomainIdentity":                           true,
	"VerifyEmailAddress":                             false,
	"VerifyEmailIdentity":                            true,
}

// IsAction reports whether name is an operation of the SES v1 API. The
// check is case-sensitive, as SES's is.
func IsAction(name string) bool {
	_, ok := actions[name]
	return ok
}

// hasResult reports whether the action's response carries an <XResult>
// element. Unknown actions get one, which is what the SDKs expect of any
// modeled output.
func hasResult(action string) bool {
	has, ok := actions[action]
	return has || !ok
}
