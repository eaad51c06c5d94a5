package compose

import "strings"

// Header fields SES treats specially.

// singleInstance holds the fields that may appear at most once in a
// message's header, keyed by lower-case name, with the spelling used in
// refusals ("Duplicate header 'DKIM-Signature'.").
//
// The list is SES's own (Developer Guide, "Amazon SES header fields"); SES
// refuses a second occurrence of any of them, including ones RFC 5322
// allows to repeat such as Comments and Keywords, and ones it leaves alone
// such as DKIM-Signature (mailcow/mailcow-dockerized#4052). To, Cc and Bcc
// are not on SES's list; RFC 5322 §3.6 allows each only once and receivers
// such as Gmail refuse a second one, so hikyaku adds them.
var singleInstance = func() map[string]string {
	names := []string{
		"Accept-Language", "acceptLanguage", "Archived-At", "Auto-Submitted", "Bounces-to",
		"Comments", "Content-Alternative", "Content-Base", "Content-Class", "Content-Description",
		"Content-Disposition", "Content-Duration", "Content-ID", "Content-Language", "Content-Length",
		"Content-Location", "Content-MD5", "Content-Transfer-Encoding", "Content-Type", "Date",
		"Delivered-To", "Disposition-Notification-Options", "Disposition-Notification-To",
		"DKIM-Signature", "DomainKey-Signature", "Errors-To", "From", "Importance", "In-Reply-To",
		"Keywords", "List-Archive", "List-Help", "List-Id", "List-Owner", "List-Post",
		"List-Subscribe", "List-Unsubscribe", "List-Unsubscribe-Post", "Message-Context",
		"Message-ID", "MIME-Version", "Organization", "Original-From", "Original-Message-ID",
		"Original-Recipient", "Original-Subject", "Precedence", "Priority", "References",
		"Reply-To", "Return-Path", "Return-Receipt-To", "Sender", "Solicitation", "Sensitivity",
		"Subject", "Thread-Index", "Thread-Topic", "User-Agent", "VBR-Info",
		// RFC 5322 §3.6, not on SES's list.
		"To", "Cc", "Bcc",
	}
	m := make(map[string]string, len(names))
	for _, n := range names {
		m[strings.ToLower(n)] = n
	}
	return m
}()

// reservedCustom holds the fields a Simple or Templated message may not set
// through its Headers list, because SES sets them itself (Developer Guide,
// "Amazon SES header fields": BCC, CC, Content-Disposition, Content-Type,
// Date, From, Message-ID, MIME-Version, Reply-To, Return-Path, Subject, To).
// Content-Transfer-Encoding is hikyaku's addition: the writer chooses the
// encoding of every part, and a second value would contradict it.
var reservedCustom = map[string]bool{
	"bcc": true, "cc": true, "content-disposition": true, "content-type": true, "date": true,
	"from": true, "message-id": true, "mime-version": true, "reply-to": true, "return-path": true,
	"subject": true, "to": true, "content-transfer-encoding": true,
}

// The X-SES-* fields that steer sending and are removed before delivery
// (SES v1 SendRawEmail documentation; Developer Guide event-publishing and
// list-management pages).
const (
	fieldConfigurationSet = "x-ses-configuration-set"
	fieldMessageTags      = "x-ses-message-tags"
	fieldSourceARN        = "x-ses-source-arn"
	fieldFromARN          = "x-ses-from-arn"
	fieldReturnPathARN    = "x-ses-return-path-arn"
	fieldListManagement   = "x-ses-list-management-options"
)

// dropOnSend holds the fields Finalize removes: the X-SES-* controls, Bcc
// (its recipients must not see each other), Return-Path (the receiving MTA
// writes its own from the envelope; SES sends feedback to the caller's
// value but delivers a different one) and the Date and Message-ID that SES
// replaces.
var dropOnSend = map[string]bool{
	fieldConfigurationSet: true, fieldMessageTags: true, fieldSourceARN: true, fieldFromARN: true,
	fieldReturnPathARN: true, fieldListManagement: true,
	"bcc": true, "return-path": true, "date": true, "message-id": true,
}

// canonicalName returns the spelling of a single-instance field used in
// refusals, or name itself.
func canonicalName(name string) string {
	if c, ok := singleInstance[strings.ToLower(name)]; ok {
		return c
	}
	return name
}
