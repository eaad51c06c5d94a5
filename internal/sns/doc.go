// Package sns lets hikyaku play Amazon SNS for its users' event
// destinations: a user creates a topic, subscribes an HTTP(S) endpoint, and
// hikyaku POSTs each event to it byte for byte as SNS would, so consumers
// and signature-verification libraries written for SNS work unchanged.
//
// The package covers the wire format only: envelopes (Notification,
// SubscriptionConfirmation, UnsubscribeConfirmation) in SNS's JSON field
// order, their RSA signatures (SignatureVersion 1 = SHA1withRSA,
// 2 = SHA256withRSA), one HTTP delivery attempt with SNS's headers and a
// classification of the outcome, the retry schedule, and topic and
// subscription ARNs. Storing topics and subscriptions, serving the signing
// certificate at SigningCertURL and answering ConfirmSubscription and
// Unsubscribe belong to the caller.
//
// References, cited in comments as [SNSDG: page]:
//   - Parsing message formats (sns-message-and-json-formats): headers, JSON.
//   - Verifying the signatures of Amazon SNS messages
//     (sns-verify-signature-of-message): the string to sign.
//   - Amazon SNS raw message delivery (sns-large-payload-raw-message-delivery).
//   - Amazon SNS message delivery retries (sns-message-delivery-retries) and
//     dead-letter queues (sns-dead-letter-queues): what is retried.
package sns
