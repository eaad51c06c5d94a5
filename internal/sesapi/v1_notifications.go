package sesapi

import (
	"errors"
	"net/http"
	"strings"

	"github.com/hikyaku/hikyaku/internal/fault"
	"github.com/hikyaku/hikyaku/internal/sesapi/query"
	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/topic"
)

// Identity notifications (SES v1): the SNS topics that receive an
// identity's Bounce, Complaint and Delivery notifications in the
// notificationType dialect, whether those include the original headers,
// and whether feedback is also forwarded by email. The settings live in
// the topic service, which the publisher reads when it routes an event.

// v1UnknownIdentity is SES's answer for an identity that is not the
// account's, worded as SES words it for SetIdentityNotificationTopic
// (boto/boto3#2645).
func v1UnknownIdentity(raw string) error {
	return fault.BadRequest("Identity %s is invalid. Must be a verified email address or domain.", raw)
}

// v1IdentityOf resolves an Identity parameter of the notification
// operations, a name or an identity ARN of this account and region
// (arn:aws:ses:us-east-1:123456789012:identity/example.com, which SES
// accepts there), to the name of an existing identity. found is false for
// anything that names no identity of the account.
func (s *Server) v1IdentityOf(r *http.Request, c call, raw string) (name string, found bool, err error) {
	name = raw
	if strings.HasPrefix(raw, "arn:") {
		prefix := "arn:aws:ses:" + s.Region + ":" + c.account.ID + ":identity/"
		if !strings.HasPrefix(raw, prefix) {
			return "", false, nil
		}
		name = strings.TrimPrefix(raw, prefix)
	}
	name, err = identityName(name)
	if err != nil {
		return "", false, nil
	}
	if _, err := s.Identities.Get(r.Context(), c.account.ID, name); errors.Is(err, store.ErrNotFound) {
		return "", false, nil
	} else if err != nil {
		return "", false, err
	}
	return name, true, nil
}

// v1ChangeNotifications applies change to the settings of the identity
// raw names, which must exist.
func (s *Server) v1ChangeNotifications(r *http.Request, c call, raw string, change func(*topic.Notifications) error) error {
	if s.Topics == nil {
		return &fault.Error{Code: "UnsupportedOperation", HTTPStatus: http.StatusBadRequest,
			Message: "Identity notifications need the SNS API, which this server does not run."}
	}
	name, found, err := s.v1IdentityOf(r, c, raw)
	if err != nil {
		return err
	}
	if !found {
		return v1UnknownIdentity(raw)
	}
	return s.Topics.SetIdentityNotifications(r.Context(), c.account.ID, name, change)
}

// v1SetIdentityNotificationTopic is SetIdentityNotificationTopic. The
// topic must be one of the account's; an empty SnsTopic clears the type's
// topic, which SES allows for bounces and complaints only while feedback
// forwarding is on ("Unless feedback forwarding is enabled, you must
// specify Amazon SNS topics for bounce and complaint notifications", SES
// API reference).
func (s *Server) v1SetIdentityNotificationTopic(r *http.Request, c call, decode formDecoder) (any, error) {
	var in query.SetIdentityNotificationTopicInput
	if err := decode(&in); err != nil {
		return nil, err
	}
	err := s.v1ChangeNotifications(r, c, in.Identity, func(n *topic.Notifications) error {
		if in.SnsTopic != "" {
			if _, err := s.Topics.GetByARN(r.Context(), c.account.ID, in.SnsTopic); err != nil {
				if f := fault.As(err); f != nil {
					return fault.BadRequest("Invalid SNS topic <%s>: %s.", in.SnsTopic, strings.TrimSuffix(f.Message, "."))
				}
				return err
			}
		}
		if in.SnsTopic == "" && n.ForwardingDisabled && in.NotificationType != query.NotificationTypeDelivery {
			return fault.BadRequest("Cannot remove the %s topic of identity %s while feedback forwarding is disabled: "+
				"enable it with SetIdentityFeedbackForwardingEnabled first.", in.NotificationType, in.Identity)
		}
		switch in.NotificationType {
		case query.NotificationTypeBounce:
			n.BounceTopic = in.SnsTopic
		case query.NotificationTypeComplaint:
			n.ComplaintTopic = in.SnsTopic
		case query.NotificationTypeDelivery:
			n.DeliveryTopic = in.SnsTopic
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return query.SetIdentityNotificationTopicOutput{}, nil
}

// v1SetIdentityHeadersInNotificationsEnabled is
// SetIdentityHeadersInNotificationsEnabled. The flag is kept even while
// the type has no topic, and takes effect once one is set.
func (s *Server) v1SetIdentityHeadersInNotificationsEnabled(r *http.Request, c call, decode formDecoder) (any, error) {
	var in query.SetIdentityHeadersInNotificationsEnabledInput
	if err := decode(&in); err != nil {
		return nil, err
	}
	err := s.v1ChangeNotifications(r, c, in.Identity, func(n *topic.Notifications) error {
		switch in.NotificationType {
		case query.NotificationTypeBounce:
			n.HeadersInBounce = in.Enabled
		case query.NotificationTypeComplaint:
			n.HeadersInComplaint = in.Enabled
		case query.NotificationTypeDelivery:
			n.HeadersInDelivery = in.Enabled
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return query.SetIdentityHeadersInNotificationsEnabledOutput{}, nil
}

// v1SetIdentityFeedbackForwardingEnabled is
// SetIdentityFeedbackForwardingEnabled. Forwarding can be turned off only
// when both the Bounce and the Complaint topic are set, so that feedback
// still reaches someone (SES API reference).
func (s *Server) v1SetIdentityFeedbackForwardingEnabled(r *http.Request, c call, decode formDecoder) (any, error) {
	var in query.SetIdentityFeedbackForwardingEnabledInput
	if err := decode(&in); err != nil {
		return nil, err
	}
	err := s.v1ChangeNotifications(r, c, in.Identity, func(n *topic.Notifications) error {
		if !in.ForwardingEnabled && (n.BounceTopic == "" || n.ComplaintTopic == "") {
			return fault.BadRequest("Feedback forwarding cannot be disabled for identity %s: "+
				"set SNS topics for both Bounce and Complaint notifications first.", in.Identity)
		}
		n.ForwardingDisabled = !in.ForwardingEnabled
		return nil
	})
	if err != nil {
		return nil, err
	}
	return query.SetIdentityFeedbackForwardingEnabledOutput{}, nil
}

// v1GetIdentityNotificationAttributes is GetIdentityNotificationAttributes;
// identities that are not the account's are left out, as SES leaves them.
func (s *Server) v1GetIdentityNotificationAttributes(r *http.Request, c call, decode formDecoder) (any, error) {
	var in query.GetIdentityNotificationAttributesInput
	if err := decode(&in); err != nil {
		return nil, err
	}
	out := query.GetIdentityNotificationAttributesOutput{NotificationAttributes: map[string]query.IdentityNotificationAttributes{}}
	for _, raw := range in.Identities {
		name, found, err := s.v1IdentityOf(r, c, raw)
		if err != nil {
			return nil, err
		}
		if !found {
			continue
		}
		n := &topic.Notifications{}
		if s.Topics != nil {
			if n, err = s.Topics.IdentityNotifications(r.Context(), c.account.ID, name); err != nil {
				return nil, err
			}
		}
		out.NotificationAttributes[raw] = query.IdentityNotificationAttributes{
			BounceTopic: n.BounceTopic, ComplaintTopic: n.ComplaintTopic, DeliveryTopic: n.DeliveryTopic,
			ForwardingEnabled:                      !n.ForwardingDisabled,
			HeadersInBounceNotificationsEnabled:    n.HeadersInBounce,
			HeadersInComplaintNotificationsEnabled: n.HeadersInComplaint,
			HeadersInDeliveryNotificationsEnabled:  n.HeadersInDelivery,
		}
	}
	return out, nil
}
