package query

// Inputs and outputs of the identity notification operations: which SNS
// topic receives an identity's bounce, complaint and delivery
// notifications, whether they carry the original headers, and whether
// feedback is also forwarded by email. Names follow the SES v1 model
// (SetIdentityNotificationTopicRequest, GetIdentityNotificationAttributesResponse
// and the shapes they use).

// Notification types, the values of NotificationType.
const (
	NotificationTypeBounce    = "Bounce"
	NotificationTypeComplaint = "Complaint"
	NotificationTypeDelivery  = "Delivery"
)

// SetIdentityNotificationTopicInput sets the topic for one notification
// type of an identity; an empty or absent SnsTopic clears it.
type SetIdentityNotificationTopicInput struct {
	Identity         string `query:"Identity,required"`
	NotificationType string `query:"NotificationType,required,enum=Bounce|Complaint|Delivery"`
	SnsTopic         string `query:"SnsTopic"`
}

// SetIdentityNotificationTopicOutput has no members, but is modeled: the
// response carries an empty SetIdentityNotificationTopicResult.
type SetIdentityNotificationTopicOutput struct{}

// GetIdentityNotificationAttributesInput names the identities to report on
// (up to 100 on SES).
type GetIdentityNotificationAttributesInput struct {
	Identities []string `query:"Identities,required"`
}

// GetIdentityNotificationAttributesOutput maps each known identity to its
// notification settings; unknown identities are left out.
type GetIdentityNotificationAttributesOutput struct {
	NotificationAttributes map[string]IdentityNotificationAttributes `query:"NotificationAttributes,required"`
}

// IdentityNotificationAttributes is one identity's notification settings.
// The model requires the three topics, but SES leaves out a topic that is
// not set, and so does this: an empty element would read back as a topic
// named "".
type IdentityNotificationAttributes struct {
	BounceTopic                            string `query:"BounceTopic"`
	ComplaintTopic                         string `query:"ComplaintTopic"`
	DeliveryTopic                          string `query:"DeliveryTopic"`
	ForwardingEnabled                      bool   `query:"ForwardingEnabled,required"`
	HeadersInBounceNotificationsEnabled    bool   `query:"HeadersInBounceNotificationsEnabled"`
	HeadersInComplaintNotificationsEnabled bool   `query:"HeadersInComplaintNotificationsEnabled"`
	HeadersInDeliveryNotificationsEnabled  bool   `query:"HeadersInDeliveryNotificationsEnabled"`
}

// SetIdentityHeadersInNotificationsEnabledInput sets whether notifications
// of one type include the original message's headers.
type SetIdentityHeadersInNotificationsEnabledInput struct {
	Identity         string `query:"Identity,required"`
	NotificationType string `query:"NotificationType,required,enum=Bounce|Complaint|Delivery"`
	Enabled          bool   `query:"Enabled,required"`
}

// SetIdentityHeadersInNotificationsEnabledOutput has no members, but is
// modeled.
type SetIdentityHeadersInNotificationsEnabledOutput struct{}

// SetIdentityFeedbackForwardingEnabledInput sets whether bounces and
// complaints are also forwarded by email.
type SetIdentityFeedbackForwardingEnabledInput struct {
	Identity          string `query:"Identity,required"`
	ForwardingEnabled bool   `query:"ForwardingEnabled,required"`
}

// SetIdentityFeedbackForwardingEnabledOutput has no members, but is
// modeled.
type SetIdentityFeedbackForwardingEnabledOutput struct{}
