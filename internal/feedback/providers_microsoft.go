package feedback

import (
	"strconv"
	"strings"
)

// microsoftReplies lists the NDR codes of Exchange Server and Exchange Online
// (Microsoft 365, Outlook.com): an enhanced status code (or its X.Y. prefix
// with a range of details) and a phrase of the text.
// https://learn.microsoft.com/en-us/exchange/mail-flow-best-practices/non-delivery-reports-in-exchange-online/non-delivery-reports-in-exchange-online
var microsoftReplies = []struct {
	reason, status string
	lo, hi         int // detail range when status is a prefix ("5.7.")
	phrase         string
}{
	{"authfailure", "4.7.26", 0, 0, "must pass either spf or dkim validation, this message is not signed"},
	{"authfailure", "5.7.23", 0, 0, "the message was rejected because of sender policy framework violation"},
	{"authfailure", "5.7.509", 0, 0, "does not pass dmarc verification"},
	{"authfailure", "5.7.515", 0, 0, "doesn't meet the required authentication level"},
	{"badreputation", "4.7.650", 0, 0, "has been temporarily rate limited due to ip reputation"},
	{"blocked", "4.4.2", 0, 0, "connection dropped"},
	{"blocked", "4.7.", 850, 899, "access denied, please try again later"},
	{"blocked", "5.7.25", 0, 0, "must have a reverse dns record"},
	{"blocked", "5.7.506", 0, 0, "access denied, bad helo"},
	{"blocked", "5.7.507", 0, 0, "access denied, rejected by recipient"},
	{"blocked", "5.7.510", 0, 0, "does not accept email over ipv6"},
	{"blocked", "5.7.511", 0, 0, "access denied, banned sender"},
	{"blocked", "5.7.513", 0, 0, "using customer block list"},
	{"blocked", "5.7.", 606, 649, "access denied, banned sending ip "},
	{"blocked", "4.7.", 500, 699, "access denied, please try again later"},
	{"blocked", "5.5.4", 0, 0, "invalid domain name"},
	{"blocked", "5.7.1", 0, 0, "part of their network is on our block list (s3150)"},
	{"contenterror", "5.3.0", 0, 0, "too many related errors"},
	{"contenterror", "5.6.11", 0, 0, "invalid characters"},
	{"contenterror", "5.4.11", 0, 0, "agent generated message depth exceeded"},
	{"contenterror", "5.5.6", 0, 0, "invalid message content"},
	{"exceedlimit", "5.2.3", 0, 0, "resolver.rst.recipsizelimit; message too large for this recipient"},
	{"mesgtoobig", "5.3.4", 0, 0, "message size exceeds fixed maximum message size"},
	{"mesgtoobig", "5.3.4", 0, 0, "message too big for system"},
	{"expired", "4.4.1", 0, 0, "connection timed out"},
	{"expired", "4.4.7", 0, 0, "message delayed"},
	{"expired", "4.4.7", 0, 0, "queue expired; message expired"},
	{"expired", "4.4.7", 0, 0, "message expired"},
	{"expired", "5.4.300", 0, 0, "message expired"},
	{"expired", "5.4.316", 0, 0, "message expired"},
	{"failedstarttls", "4.4.8", 0, 0, " failed mta-sts validation"},
	{"failedstarttls", "5.4.8", 0, 0, " failed mta-sts validation"},
	{"failedstarttls", "4.4.317", 0, 0, "starttls is required to send mail"},
	{"failedstarttls", "5.4.317", 0, 0, "starttls is required to send mail"},
	{"failedstarttls", "4.7.5", 0, 0, "remote certificate failed mta-sts validation"},
	{"failedstarttls", "5.7.5", 0, 0, "remote certificate failed mta-sts validation"},
	{"failedstarttls", "5.7.51", 0, 0, "restrictdomainstoipaddresses or restrictdomainstocertificate"},
	{"failedstarttls", "4.7.321", 0, 0, "starttls-not-supported:"},
	{"failedstarttls", "5.7.321", 0, 0, "starttls-not-supported:"},
	{"failedstarttls", "5.7.322", 0, 0, "certificate-expired:"},
	{"failedstarttls", "4.7.323", 0, 0, "tlsa-invalid:"},
	{"failedstarttls", "5.7.323", 0, 0, "tlsa-invalid:"},
	{"failedstarttls", "4.7.324", 0, 0, "dnssec-invalid:"},
	{"failedstarttls", "5.7.324", 0, 0, "dnssec-invalid:"},
	{"failedstarttls", "4.7.325", 0, 0, "certificate-host-mismatch:"},
	{"failedstarttls", "5.7.325", 0, 0, "certificate-host-mismatch:"},
	{"mailboxfull", "5.2.2", 0, 0, "mailbox full"},
	{"networkerror", "5.4.4", 0, 0, "smtpsend.dns.nonexistentdomain; nonexistent domain"},
	{"networkerror", "5.4.6", 0, 0, "hop count exceeded - possible mail loop"},
	{"networkerror", "4.4.312", 0, 0, "dns query failed"},
	{"networkerror", "5.4.312", 0, 0, "dns query failed"},
	{"networkerror", "4.4.316", 0, 0, "connection refused"},
	{"networkerror", "5.4.316", 0, 0, "connection refused"},
	{"networkerror", "5.4.4", 0, 0, "invalid arguments"},
	{"networkerror", "5.4.6", 0, 0, "routing loop detected"},
	{"networkerror", "5.4.14", 0, 0, "routing loop detected"},
	{"norelaying", "5.7.1", 0, 0, "unable to relay"},
	{"norelaying", "5.7.1", 0, 0, "client was not authenticated"},
	{"norelaying", "5.4.1", 0, 0, "relay access denied"},
	{"norelaying", "5.7.64", 0, 0, "tenantattribution; relay access denied"},
	{"norelaying", "5.4.310", 0, 0, "does not exist"},
	{"notaccept", "4.3.2", 0, 0, "system not accepting network messages"},
	{"notaccept", "4.4.4", 0, 0, "hosted tenant which has no mail-enabled subscriptions"},
	{"notaccept", "5.3.2", 0, 0, "storedrv.deliver: missing or bad storedriver mdb properties"},
	{"policyviolation", "5.0.350", 0, 0, "x-dg-ref header is too long"},
	{"policyviolation", "5.0.350", 0, 0, "requested action not taken: policy violation detected (as345)"},
	{"policyviolation", "5.7.", 900, 999, "delivery not authorized, message refused"},
	{"rejected", "5.1.7", 0, 0, "invalid address"},
	{"rejected", "5.1.7", 0, 0, "unknown sender address"},
	{"rejected", "5.1.0", 0, 0, "sender denied"},
	{"rejected", "5.1.8", 0, 0, "access denied, bad outbound sender"},
	{"rejected", "5.7.1", 0, 0, "delivery not authorized"},
	{"rejected", "5.7.12", 0, 0, "sender was not authenticated by organization"},
	{"rejected", "5.7.124", 0, 0, "sender not in allowed-senders list"},
	{"rejected", "5.7.133", 0, 0, "sender not authenticated for group"},
	{"rejected", "5.7.134", 0, 0, "sender was not authenticated for mailbox"},
	{"rejected", "5.7.13", 0, 0, "sender was not authenticated for public folder"},
	{"rejected", "5.7.135", 0, 0, "sender was not authenticated for public folder"},
	{"rejected", "5.7.136", 0, 0, "sender was not authenticated"},
	{"rejected", "5.7.", 501, 503, "access denied, spam abuse detected"},
	{"rejected", "5.7.512", 0, 0, "access denied, message must be rfc 5322 section 3.6.2 compliant"},
	{"rejected", "5.7.750", 0, 0, "service unavailable. client blocked from sending from unregistered domains"},
	{"rejected", "5.7.", 501, 503, "access denied, banned sender"},
	{"securityerror", "5.7.3", 0, 0, "cannot achieve exchange server authentication"},
	{"securityerror", "5.7.3", 0, 0, "not authorized"},
	{"securityerror", "5.7.57", 0, 0, "client was not authenticated to send anonymous mail during mail from"},
	{"spamdetected", "5.2.1", 0, 0, "content filter agent quarantined this message"},
	{"speeding", "5.5.3", 0, 0, "too many recipients"},
	{"speeding", "4.3.2", 0, 0, "storedrv.deliver; recipient thread limit exceeded"},
	{"speeding", "4.5.3", 0, 0, "too many recipients"},
	{"speeding", "4.7.652", 0, 0, "has exceeded the maximum number of connections"},
	{"speeding", "5.1.90", 0, 0, "reached your daily limit for message recipients"},
	{"speeding", "5.2.2", 0, 0, "submission quota exceeded"},
	{"speeding", "5.2.121", 0, 0, "recipient's per hour message receive limit"},
	{"speeding", "5.2.122", 0, 0, "recipient's per hour message receive limit"},
	{"speeding", "5.2.122", 0, 0, "the recipient has exceeded their limit for"},
	{"speeding", "5.7.508", 0, 0, "has exceeded permitted limits within"},
	{"speeding", "5.7.", 700, 749, "tenant has exceeded threshold"},
	{"speeding", "5.7.", 700, 749, "traffic not accepted from this ip"},
	{"suspend", "5.7.504", 0, 0, "recipient address rejected: access denied"},
	{"suspend", "5.7.505", 0, 0, "access denied, banned recipient"},
	{"suspend", "5.2.1", 0, 0, "mailbox cannot be accessed"},
	{"syntaxerror", "5.3.3", 0, 0, "unrecognized command"},
	{"syntaxerror", "5.5.2", 0, 0, "send hello first"},
	{"systemerror", "4.3.2", 0, 0, "service not available"},
	{"systemerror", "4.3.2", 0, 0, "service not active"},
	{"systemerror", "5.3.5", 0, 0, "system incorrectly configured"},
	{"systemerror", "5.3.190", 0, 0, "when journaling archive is disabled"},
	{"systemerror", "5.0.0", 0, 0, "helo / ehlo requires domain address"},
	{"systemerror", "5.1.4", 0, 0, "destination mailbox address ambiguous"},
	{"systemerror", "5.2.4", 0, 0, "mailing list expansion problem"},
	{"systemerror", "5.2.14", 0, 0, "misconfigured forwarding address"},
	{"systemerror", "4.4.", 22, 28, "message failed to be replicated:"},
	{"systemerror", "4.4.3", 0, 0, "temporary server error. please try again later attr18"},
	{"systemerror", "4.7.0", 0, 0, "temporary server error. please try again later. prx4 nexthop:"},
	{"systemerror", "4.4.318", 0, 0, "(suspiciousremoteservererror)"},
	{"systemerror", "5.4.318", 0, 0, "(suspiciousremoteservererror)"},
	{"systemerror", "4.7.500", 0, 0, "server busy. please try again later from "},
	{"systemerror", "4.7.700", 0, 0, "pfa agent busy, please try again."},
	{"systemfull", "4.3.1", 0, 0, "insufficient system resources"},
	{"userunknown", "5.1.1", 0, 0, "resolver.adr.exrecipnotfound; not found"},
	{"userunknown", "5.1.1", 0, 0, "user unknown"},
	{"userunknown", "5.1.3", 0, 0, "storedrv.submit; invalid recipient address"},
	{"userunknown", "5.1.", 4, 5, "recipient address reserved by rfc 2606"},
	{"userunknown", "5.1.6", 0, 0, "recipient addresses in single label domains not accepted"},
	{"userunknown", "5.1.1", 0, 0, "bad destination mailbox address"},
	{"userunknown", "5.1.10", 0, 0, "recipient not found"},
	{"userunknown", "5.4.1", 0, 0, "recipient address rejected: access denied"},
	{"userunknown", "5.5.0", 0, 0, "requested action not taken: mailbox unavailable"},
	{"userunknown", "5.1.2", 0, 0, "invalid x.400 address"},
	{"userunknown", "5.1.351", 0, 0, "remote server returned unknown recipient or mailbox unavailable"},
}

// outlookComCodes are the error codes of the Outlook.com postmaster
// troubleshooting page, with the reply code each comes with.
var outlookComCodes = []struct{ code, reply, reason string }{
	{"RP-001", "421", "badreputation"}, {"RP-002", "421", "badreputation"}, {"RP-003", "421", "badreputation"},
	{"SC-001", "550", "badreputation"}, {"SC-002", "550", "policyviolation"}, {"SC-003", "550", "blocked"},
	{"SC-004", "550", "blocked"}, {"DY-001", "550", "blocked"}, {"DY-002", "550", "virusdetected"},
	{"OU-001", "550", "blocked"}, {"OU-002", "550", "badreputation"},
}

// microsoftReason matches an Exchange or Outlook.com rejection.
func microsoftReason(f *fact) string {
	if !validStatus(f.status) {
		return ""
	}
	detail, err := strconv.Atoi(f.status[strings.LastIndexByte(f.status, '.')+1:])
	if err != nil {
		return ""
	}
	d := strings.ToLower(f.diag)
	for _, e := range microsoftReplies {
		if e.lo == 0 && e.hi == 0 {
			if f.status != e.status {
				continue
			}
		} else if !strings.HasPrefix(f.status, e.status) || detail < e.lo || detail > e.hi {
			continue
		}
		if strings.Contains(d, e.phrase) {
			return e.reason
		}
	}
	for _, e := range outlookComCodes {
		if strings.Contains(f.diag, e.code) && f.replyCode == e.reply {
			return e.reason
		}
	}
	return ""
}
