package feedback

import "strings"

// sesBounceType returns the bounceType and bounceSubType an Amazon SES bounce
// notification would carry for r (SES Developer Guide, "Contents of
// notifications", bounce types). SES's view is broader than Hard: every
// permanent (5xx) failure is Permanent, whether the address is dead or the
// sender was blocked. A few reasons get the subtype SES uses for them even
// with a permanent code: SES reports a full mailbox, an oversized message and
// refused content as Transient, since the same address may accept mail later.
//
// A user-unknown bounce is Permanent/General, as in SES's own example
// ("status":"5.1.1","diagnosticCode":"smtp; 550 5.1.1 user unknown");
// Permanent/NoEmail is for reports that name no recipient.
func sesBounceType(r Recipient) (string, string) {
	switch r.Reason {
	case ReasonFeedback, ReasonDelivered:
		return "", ""
	case ReasonVacation:
		return "Transient", "General" // SES: out-of-office replies, not counted
	case ReasonSuppressed:
		if strings.Contains(strings.ToLower(r.Diagnostic), "account") {
			return "Permanent", "OnAccountSuppressionList"
		}
		return "Permanent", "Suppressed"
	case ReasonMailboxFull:
		return "Transient", "MailboxFull"
	case ReasonMesgTooBig, ReasonExceedLimit:
		return "Transient", "MessageTooLarge"
	case ReasonContentError, ReasonSpamDetected:
		return "Transient", "ContentRejected"
	case ReasonVirusDetected:
		return "Transient", "AttachmentRejected"
	}
	if r.Address == undisclosedRecipient {
		return "Permanent", "NoEmail"
	}
	if r.Hard {
		return "Permanent", "General"
	}
	switch {
	case strings.HasPrefix(r.Status, "5"):
		if r.Reason == ReasonOnHold || r.Reason == ReasonUndefined {
			if r.StatusInferred {
				return "Undetermined", "Undetermined"
			}
		}
		return "Permanent", "General"
	case strings.HasPrefix(r.Status, "4"):
		return "Transient", "General"
	}
	return "Undetermined", "Undetermined"
}
