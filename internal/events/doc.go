// Package events writes what happened to a message as the JSON that Amazon
// SES publishes, so that code written against SES's feedback (SNS
// subscribers, Firehose consumers, Lambda handlers) reads hikyaku's without
// change.
//
// SES speaks two dialects and this package writes both:
//
//   - Event publishing, for configuration sets (MarshalEvent): a top-level
//     "eventType" (Send, Reject, Bounce, Complaint, Delivery, DeliveryDelay,
//     "Rendering Failure", Open, Click, Subscription), the "mail" object with
//     the original headers and the message's tags, and one object for the
//     type. See [DG:event-publishing-retrieving-sns-contents] and
//     [DG:event-publishing-retrieving-sns-examples].
//   - Identity feedback notifications, for SetIdentityNotificationTopic
//     (MarshalNotification): a top-level "notificationType" (Bounce,
//     Complaint, Delivery only), a "mail" object that adds "sourceIp" and
//     "callerIdentity", has no "tags", and carries the headers only when the
//     identity asked for them (SetIdentityHeadersInNotificationsEnabled).
//     See [DG:notification-contents] and [DG:notification-examples].
//
// [DG:x] is https://docs.aws.amazon.com/ses/latest/dg/x.html. Where the
// documentation and what SES really sends disagree, the package follows
// recordings of real SES output, and the comment at that field says which;
// testdata/aws/README.md lists the sources.
//
// The package only encodes: it keeps no state, does no I/O, and leaves
// signing, SNS envelopes and delivery to the sinks that carry the JSON.
package events
