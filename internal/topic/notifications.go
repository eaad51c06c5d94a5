package topic

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/hikyaku/hikyaku/internal/store"
)

const kindNotifications = "identity-notifications"

// Notifications are an identity's SES v1 notification settings
// (SetIdentityNotificationTopic and friends): which topic receives its
// Bounce, Complaint and Delivery notifications, in the notificationType
// dialect, and whether they carry the original headers.
type Notifications struct {
	BounceTopic    string `json:"bounceTopic,omitempty"`
	ComplaintTopic string `json:"complaintTopic,omitempty"`
	DeliveryTopic  string `json:"deliveryTopic,omitempty"`

	HeadersInBounce    bool `json:"headersInBounce,omitempty"`
	HeadersInComplaint bool `json:"headersInComplaint,omitempty"`
	HeadersInDelivery  bool `json:"headersInDelivery,omitempty"`
	// ForwardingDisabled is SES's ForwardingEnabled=false: feedback is not
	// mailed to the sender (allowed only with bounce and complaint topics).
	ForwardingDisabled bool `json:"forwardingDisabled,omitempty"`
}

// Topic returns the topic for notifications of typ (Bounce, Complaint,
// Delivery) and whether they include headers.
func (n *Notifications) Topic(typ string) (arn string, headers bool) {
	switch typ {
	case "Bounce":
		return n.BounceTopic, n.HeadersInBounce
	case "Complaint":
		return n.ComplaintTopic, n.HeadersInComplaint
	case "Delivery":
		return n.DeliveryTopic, n.HeadersInDelivery
	}
	return "", false
}

// IdentityNotifications returns an identity's settings (zero if none).
func (s *Service) IdentityNotifications(ctx context.Context, accountID, identity string) (*Notifications, error) {
	o, err := s.store.GetObject(ctx, accountID, kindNotifications, strings.ToLower(identity))
	if errors.Is(err, store.ErrNotFound) {
		return &Notifications{}, nil
	}
	if err != nil {
		return nil, err
	}
	var n Notifications
	return &n, json.Unmarshal(o.Body, &n)
}

// SetIdentityNotifications applies change to an identity's settings.
func (s *Service) SetIdentityNotifications(ctx context.Context, accountID, identity string, change func(*Notifications) error) error {
	n, err := s.IdentityNotifications(ctx, accountID, identity)
	if err != nil {
		return err
	}
	if err := change(n); err != nil {
		return err
	}
	body, _ := json.Marshal(n)
	now := s.clock.Now()
	o := &store.Object{AccountID: accountID, Kind: kindNotifications, Name: strings.ToLower(identity), Body: body,
		CreatedAt: now, UpdatedAt: now}
	err = s.store.UpdateObject(ctx, o)
	if errors.Is(err, store.ErrNotFound) {
		err = s.store.CreateObject(ctx, o)
	}
	return err
}
