// Package compose builds and checks the MIME messages hikyaku sends, with
// the rules Amazon SES applies.
//
// Simple builds a message from the parts of an SES v2 Simple content (and a
// v1 SendEmail request): addresses, subject, text and HTML bodies, custom
// headers and attachments. ParseRaw checks a message written by the caller
// (v2 Raw content, v1 SendRawEmail, SMTP DATA), collects what the sending
// pipeline needs from it (recipients, the X-SES-* headers) and Finalize
// returns the bytes to send, with SES's Message-ID and Date.
//
// Refusals are *fault.Error values with SES's texts where SES's texts are
// known ("Duplicate header 'Subject'.", "Missing required header 'From'.",
// "Illegal header '…'."). The rules come from the SES Developer Guide
// (header-fields, mime-types-appendix) and the SES v2 API model
// (MessageHeader, Attachment, RawMessage).
//
// The package only builds bytes: it does no I/O and keeps no state.
// Randomness (MIME boundaries) comes from the caller, so tests are
// deterministic.
package compose
