package feedback

import "strings"

// mimecastReplies lists Mimecast's documented SMTP errors: reply code and a
// phrase of the text.
// https://community.mimecast.com/s/article/email-security-cloud-gateway-mimecast-smtp-error-codes
var mimecastReplies = []struct{ reason, reply, phrase string }{
	{"authfailure", "550", "spf sender invalid - envelope rejected"},
	{"authfailure", "550", "dkim sender invalid - envelope rejected"},
	{"authfailure", "550", "dmarc sender invalid - envelope rejected"},
	{"badreputation", "451", "internal resources are temporarily unavailable"},
	{"badreputation", "550", "local ct ip reputation - (reject)"},
	{"blocked", "421", "sender address blocked"},
	{"blocked", "451", "recipient temporarily unavailable"},
	{"blocked", "451", "ip temporarily blacklisted"},
	{"expired", "550", "journal messages past the expiration"},
	{"failedstarttls", "553", "this route requires encryption (tls)"},
	{"failedstarttls", "553", "this route requires tls version 1.2 or greater"},
	{"failedstarttls", "553", "this route requires high-strength ciphers"},
	{"failedstarttls", "554", "configuration is invalid for this certificate"},
	{"mesgtoobig", "554", "maximum email size exceeded"},
	{"networkerror", "451", "the incorrect hostname used for inbounds"},
	{"networkerror", "550", "the incorrect hostname used for inbounds"},
	{"networkerror", "554", "mail loop detected"},
	{"norelaying", "451", "open relay not allowed"},
	{"norelaying", "451", "open relay is not allowed"},
	{"notaccept", "451", "account inbounds disabled"},
	{"onhold", "451", "account outbounds disabled"},
	{"onhold", "451", "hostname is not authorized"},
	{"onhold", "550", "journal message past expiration"},
	{"policyviolation", "550", "anti-spoofing policy - inbound not allowed"},
	{"policyviolation", "550", "rejected by header-based anti-spoofing policy"},
	{"policyviolation", "550", "message bounced due to content examination policy"},
	{"policyviolation", "554", "host network not allowed"},
	{"policyviolation", "554", "host network, not allowed"},
	{"rejected", "550", "administrative prohibition envelope blocked"},
	{"rejected", "550", "envelope blocked - user entry"},
	{"rejected", "550", "envelope blocked - user domain entry"},
	{"rejected", "550", "rejected by header-based manually blocked senders - block for manual block"},
	{"rejected", "550", "rejected by header-based blocked senders - block policy for header from"},
	{"rejected", "550", "envelope rejected - block policy for envelope from address"},
	{"securityerror", "535", "incorrect authentication data"},
	{"securityerror", "550", "submitter failed to disabled"},
	{"securityerror", "550", "submitter failed to authenticate"},
	{"systemerror", "451", "unable to process connection at this time"},
	{"systemerror", "451", "message ended early"},
	{"systemerror", "451", "unable to process command"},
	{"systemerror", "451", "unable to process an email at this time"},
	{"toomanyconn", "451", "account service is temporarily unavailable"},
	{"toomanyconn", "452", "too many recipients"},
	{"toomanyconn", "550", "exceeding outbound thread limit"},
	{"userunknown", "501", "invalid address"},
	{"userunknown", "503", "user unknown"},
	{"userunknown", "550", "invalid recipient"},
	{"virusdetected", "554", "email rejected due to security policies"},
}

// mimecastReason matches a Mimecast rejection by reply code and text.
func mimecastReason(f *fact) string {
	if !validReply(f.replyCode) {
		return ""
	}
	d := strings.ToLower(f.diag)
	for _, e := range mimecastReplies {
		if e.reply == f.replyCode && strings.Contains(d, e.phrase) {
			return e.reason
		}
	}
	return ""
}
