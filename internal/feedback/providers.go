package feedback

import (
	"strconv"
	"strings"
)

// Mailbox providers document their own rejection texts and codes. When the
// recipient's domain, the host that refused, or the host that reported belongs
// to one of them, its table decides the reason before the general rules do.

// provider is one mailbox provider's rules.
type provider struct {
	name  string
	hosts []string // host name suffixes of its MX and reporting hosts
	find  func(f *fact) string
}

// providers is checked in order; the first whose hosts match decides.
var providers = []provider{
	{"Aol", []string{".mail.aol.com", ".mx.aol.com"}, phraseProvider(caseSensitive, []textRule{
		{"hostunknown", []string{"Host or domain name not found"}},
		{"notaccept", []string{"type=MX: Malformed or unexpected name server reply"}},
	})},
	{"Apple", []string{".mail.icloud.com", ".apple.com", ".me.com"}, phraseProvider(lowerCase, []textRule{
		{"authfailure", []string{"s dmarc policy", "blocked for failing both spf and dkim autentication checks"}},
		{"blocked", []string{"rejected due to having a domain present in the spamhaus", "rejected due to listing in spamhaus",
			"blocked - see https://support.proofpoint.com/dnsbl-lookup", "not accepting connections"}},
		{"hasmoved", []string{"recipient no longer on server"}},
		{"mailboxfull", []string{"user is over quota"}},
		{"norelaying", []string{"relay access denied"}},
		{"notaccept", []string{"host/domain does not accept mail"}},
		{"policyviolation", []string{"due to local policy"}},
		{"rejected", []string{"sender address rejected"}},
		{"speeding", []string{"due to excessive volume"}},
		{"userunknown", []string{"inactive email address", "user does not exist", "unknown or illegal alias"}},
	})},
	{"Cloudflare", []string{".mx.cloudflare.net"}, phraseProvider(caseSensitive, []textRule{
		{"blocked", []string{"found on one or more DNSBLs"}},
		{"systemerror", []string{"Upstream error"}},
	})},
	{"Cox", []string{"cox.net"}, coxReason},
	{"Facebook", []string{".facebook.com"}, facebookReason},
	{"FrancePTT", []string{".laposte.net", ".orange.fr", ".wanadoo.fr"}, franceTelecomReason},
	{"GoDaddy", []string{"smtp.secureserver.net", "mailstore1.secureserver.net"}, goDaddyReason},
	{"Google", []string{"aspmx.l.google.com", "gmail-smtp-in.l.google.com"}, googleReason},
	{"GSuite", []string{"googlemail.com"}, googleWorkspaceReason},
	{"IUA", []string{".email.ua"}, iuaReason},
	{"KDDI", []string{".ezweb.ne.jp", "msmx.au.com"}, kddiReason},
	{"MessageLabs", []string{".messagelabs.com"}, phraseProvider(caseSensitive, []textRule{
		{"authfailure", []string{"domain authentication fail"}},
		{"badreputation", []string{"Connection rejected by policy"}},
		{"blocked", []string{"mail rejected because your IP is in the PBL", "your IP address has been ",
			"your IP address (ip-addr) has been blocked", "your email address (addr) has been blocked"}},
		{"contenterror", []string{"Stray linefeeds in message"}},
		{"failedstarttls", []string{"TLS/SSLv3 Connection required"}},
		{"norelaying", []string{" as a relay, "}},
		{"notcompliantrfc", []string{"550 Requested action aborted [4]", "has detected that this message is not RFC 5322"}},
		{"rejected", []string{"sender envelope domain not allowed for sender IP address", "your domain has been blocked",
			"your email address has been blocked", "your envelope sender is in my badmailfrom list",
			"your email address has been blacklisted", "your domain has been blacklisted"}},
		{"securityerror", []string{"Please turn on SMTP Authentication in your mail client"}},
		{"spamdetected", []string{"Message Filtered", "filtered by Outbound scanning"}},
		{"toomanyconn", []string{"Too many recipients received this hour", "too many messages"}},
		{"userunknown", []string{"No such user", "Invalid recipient", "mailbox is not allowed", "Recipient mailbox is not allowed"}},
	})},
	{"Microsoft", []string{".prod.outlook.com", ".protection.outlook.com", ".onmicrosoft.com", ".exchangelabs.com"}, microsoftReason},
	{"Mimecast", []string{".mimecast.com"}, mimecastReason},
	{"NTTDOCOMO", []string{"mfsmax.docomo.ne.jp"}, docomoReason},
	{"Outlook", []string{".hotmail.com"}, phraseProvider(caseSensitive, []textRule{
		{"hostunknown", []string{"The mail could not be delivered to the recipient because the domain is not reachable"}},
		{"userunknown", []string{"Requested action not taken: mailbox unavailable"}},
	})},
	{"Spectrum", []string{"charter.net"}, spectrumReason},
	{"Tencent", []string{".qq.com"}, phraseProvider(lowerCase, []textRule{
		{"authfailure", []string{"spf check failed", "dmarc check failed"}},
		{"blocked", []string{"suspected bounce attacks", "suspected spam ip", "connection denied"}},
		{"mesgtoobig", []string{"message too large"}},
		{"rejected", []string{"suspected spam", "mail is rejected by recipients"}},
		{"spamdetected", []string{"spam is embedded in the email", "mail content denied"}},
		{"speeding", []string{"mailbox unavailable or access denined", "frequency of receiving messages is limited"}},
		{"suspend", []string{"is a deactivated mailbox"}},
		{"syntaxerror", []string{"bad address syntax"}},
		{"toomanyconn", []string{"ip frequency limited", "domain frequency limited", "sender frequency limited",
			"connection frequency limited"}},
		{"userunknown", []string{"mailbox not found"}},
	})},
	{"YahooInc", []string{".yahoodns.net"}, phraseProvider(lowerCase, []textRule{
		{"authfailure", []string{"yahoo requires all senders to authenticate with either spf or dkim"}},
		{"blocked", []string{" because the ip is in spamhaus's list;", "not accepted from ip addresses on spamhaus xbl"}},
		{"norelaying", []string{"relaying denied for "}},
		{"notcompliantrfc", []string{"headers are not rfc compliant"}},
		{"policyviolation", []string{"not accepted for policy reasons"}},
		{"rejected", []string{"temporarily deferred due to unexpected volume or user complaints",
			"due to unresolvable rfc.5321 domain", " will be permanently deferred"}},
		{"speeding", []string{"user is receiving mail too quickly"}},
		{"suspend", []string{" is no longer valid.", "this mailbox is disabled"}},
		{"syntaxerror", []string{"syntax error in parameters or arguments"}},
		{"toomanyconn", []string{"max message per connection reached"}},
		{"userunknown", []string{"dd this user doesn't have a ", "mailbox not found"}},
	})},
}

// providerOf returns the provider that f's recipient domain, remote host or
// reporting host belongs to.
func providerOf(f *fact) *provider {
	if d := strings.ToLower(f.destination); d != "" {
		for i := range providers {
			for _, h := range providers[i].hosts {
				// The recipient domain is the registered part of an MX name:
				// "icloud.com" for ".mail.icloud.com".
				if strings.HasSuffix(h, d) && (len(h) == len(d) || h[len(h)-len(d)-1] == '.') {
					return &providers[i]
				}
			}
		}
	}
	for _, host := range []string{f.rhost, f.lhost} {
		host = strings.ToLower(host)
		if host == "" {
			continue
		}
		for i := range providers {
			for _, h := range providers[i].hosts {
				if strings.HasSuffix(host, h) {
					return &providers[i]
				}
			}
		}
	}
	return nil
}

// providerReason returns the reason the provider's own documentation gives
// for f's error, or "".
func providerReason(f *fact) string {
	if f.diag == "" {
		return ""
	}
	if p := providerOf(f); p != nil {
		return p.find(f)
	}
	return ""
}

// textRule is a reason and the phrases that mean it.
type textRule struct {
	reason  string
	phrases []string
}

const (
	caseSensitive = false
	lowerCase     = true
)

// phraseProvider makes a provider rule from a table of phrases, matched in
// the diagnostic text as written or lower-cased.
func phraseProvider(lower bool, table []textRule) func(f *fact) string {
	return func(f *fact) string {
		d := f.diag
		if lower {
			d = strings.ToLower(d)
		}
		for _, e := range table {
			if containsAny(d, e.phrases) {
				return e.reason
			}
		}
		return ""
	}
}

// coxReason reads Cox's "AUP#CXBL"-style codes.
// https://www.cox.com/residential/support/cox-postmaster-email-administration.html
func coxReason(f *fact) string {
	codes := map[string]string{
		"CXBL": "blocked", "CXDNS": "requireptr", "CXSNDR": "authfailure", "CXSMTP": "rejected", "CXCNCT": "toomanyconn",
		"CXMXRT": "toomanyconn", "CDRBL": "blocked", "CXTHRT": "securityerror", "CXMJ": "securityerror",
		"IPBL0001": "blocked", "IPBL0010": "blocked", "IPBL0100": "blocked", "IPBL0011": "blocked", "IPBL0101": "blocked",
		"IPBL0110": "blocked", "IPBL0111": "blocked", "IPBL1000": "blocked", "IPBL1001": "blocked", "IPBL1010": "blocked",
		"IPBL1011": "blocked", "IPBL1100": "blocked", "IPBL1101": "blocked", "IPBL1110": "blocked", "IPBL1111": "blocked",
		"IPBL00001": "blocked", "URLBL011": "spamdetected", "URLBL101": "spamdetected", "URLBL110": "spamdetected",
		"URLBL1001": "spamdetected",
	}
	if r := codes[between(f.diag+" ", "AUP#", " ")]; r != "" {
		return r
	}
	return phraseProvider(lowerCase, []textRule{
		{"blocked", []string{"cox too many bad commands from", "too many invalid recipients"}},
		{"requireptr", []string{"dns check failure - try again later", "rejected - no rdns"}},
		{"policyviolation", []string{"esmtp no data before greeting", "attachment extension is forbidden"}},
		{"rejected", []string{"sender rejected"}},
		{"systemerror", []string{"esmtp server temporarily not available"}},
		{"toomanyconn", []string{"too many sessions from", "requested action aborted: try again later", "message threshold exceeded"}},
		{"userunknown", []string{"recipient rejected"}},
	})(f)
}

// facebookReason reads Facebook's response codes ("RCP-P2").
// https://www.facebook.com/postmaster/response_codes
func facebookReason(f *fact) string {
	i := strings.IndexByte(f.diag, '-')
	if i < 3 || i+3 > len(f.diag) {
		return ""
	}
	label := f.diag[i-3 : i+3]
	codes := map[string][]string{
		"authfailure":     {"POL-P7"},
		"blocked":         {"POL-P1", "POL-P2", "POL-P3", "POL-P4", "POL-T1", "POL-T2", "POL-T3"},
		"contenterror":    {"MSG-P2"},
		"filtered":        {"RCP-P2", "RCP-P3"},
		"mesgtoobig":      {"MSG-P1", "INT-P2"},
		"notcompliantrfc": {"MSG-P3"},
		"rejected":        {"DNS-P1", "DNS-P2", "DNS-T1"},
		"requireptr":      {"DNS-P3", "DNS-T2"},
		"spamdetected":    {"POL-P6"},
		"suspend":         {"RCP-T4"},
		"systemerror":     {"RCP-T1"},
		"toomanyconn":     {"CON-T1", "CON-T2", "CON-T3", "CON-T4", "MSG-T1"},
		"userunknown":     {"RCP-P1", "INT-P1", "INT-P3", "INT-P4"},
		"virusdetected":   {"POL-P5"},
	}
	for _, r := range []string{"authfailure", "blocked", "contenterror", "filtered", "mesgtoobig", "notcompliantrfc",
		"rejected", "requireptr", "spamdetected", "suspend", "systemerror", "toomanyconn", "userunknown", "virusdetected"} {
		for _, c := range codes[r] {
			if c == label {
				return r
			}
		}
	}
	return ""
}

// franceTelecomReason reads the error numbers Orange and La Poste append to
// their replies ("LPN007_420", "OFR_416").
// https://www.postmastery.com/orange-postmaster-smtp-error-codes-ofr/
func franceTelecomReason(f *fact) string {
	codes := map[string]string{
		"101": "blocked", "102": "blocked", "103": "blocked", "104": "toomanyconn", "305": "securityerror",
		"401": "authfailure", "402": "securityerror", "403": "rejected", "405": "rejected", "415": "rejected",
		"416": "userunknown", "417": "mailboxfull", "420": "suspend", "421": "rejected", "426": "suspend",
		"505": "systemerror", "506": "spamdetected", "510": "blocked", "514": "mesgtoobig", "517": "authfailure",
		"630": "policyviolation", "999": "blocked",
		"105": "", "107": "", "108": "", "109": "", "201": "", "423": "", "424": "", "513": "",
	}
	d := strings.ToLower(strings.ReplaceAll(f.diag, "_", "-"))
	for _, label := range []string{"lpn", "lpnaaa", "ofr", "ouk"} {
		i := strings.LastIndex(d, label)
		if i < 0 {
			continue
		}
		if strings.Contains(d, label+"-") {
			label += "-"
		}
		tok, _, _ := strings.Cut(d[i+len(label)-1:], " ")
		for c, r := range codes {
			if strings.HasSuffix(tok, c) {
				return r
			}
		}
		break
	}
	if strings.Contains(d, "spf/dns de votre nom de domaine") {
		return "authfailure"
	}
	return ""
}

// goDaddyReason reads GoDaddy's "IB401"-style codes.
// https://ca.godaddy.com/help/fix-rejected-email-with-a-bounce-error-40685
func goDaddyReason(f *fact) string {
	codes := map[string]string{
		"IB401": "securityerror", "IB501": "notcompliantrfc", "IB502": "notcompliantrfc", "IB506": "rejected",
		"IB508": "authfailure", "IB108": "requireptr", "IB212": "spamdetected", "IB705": "virusdetected",
		"IB605": "toomanyconn", "IB007": "toomanyconn", "IB101": "speeding", "IB110": "blocked", "IB111": "blocked",
		"IB112": "blocked", "IB113": "blocked", "IB504": "speeding", "IB510": "speeding", "IB607": "speeding",
		"IB103": "badreputation", "IB104": "blocked", "IB105": "blocked", "IB106": "blocked",
	}
	if r := codes["IB"+between(f.diag+" ", " IB", " ")]; r != "" {
		return r
	}
	return phraseProvider(lowerCase, []textRule{
		{"blocked", []string{"rbl reject", "www.spamhaus.org/query/bl?ip="}},
		{"expired", []string{"has been in the queue too long", "delivery timeout"}},
		{"mailboxfull", []string{"account storage limit"}},
		{"spamdetected", []string{"message rejected for spam or virus content"}},
		{"suspend", []string{"account disabled"}},
		{"systemerror", []string{"message is looping"}},
		{"userunknown", []string{"recipient not found", "account does not exist"}},
	})(f)
}

// googleWorkspaceReason reads Google Workspace's DNS-related bounce texts.
func googleWorkspaceReason(f *fact) string {
	class := func(s string) string {
		if s == "" {
			return ""
		}
		return s[:1]
	}
	sc, rc := class(f.status), class(f.replyCode)
	for _, e := range []textRule{
		{"hostunknown", []string{" responded with code NXDOMAIN", "Domain name not found"}},
		{"networkerror", []string{" had no relevant answers.", "responded with code NXDOMAIN", "Domain name not found"}},
		{"notaccept", []string{"Null MX"}},
		{"userunknown", []string{"because the address couldn't be found. Check for typos or unnecessary spaces and try again."}},
	} {
		if !containsAny(f.diag, e.phrases) {
			continue
		}
		if e.reason == "networkerror" && (sc == "5" || rc == "5") {
			continue
		}
		if e.reason == "hostunknown" && (sc == "4" || sc == "" || rc == "4" || rc == "") {
			continue
		}
		return e.reason
	}
	return ""
}

// iuaReason reads i.ua's error page numbers ("mail.i.ua/err/2/").
func iuaReason(f *fact) string {
	codes := map[string]string{
		"1": "norelaying", "2": "userunknown", "3": "suspend", "4": "mailboxfull", "5": "toomanyconn",
		"6": "norelaying", "7": "blocked", "8": "rejected", "9": "blocked", "10": "filtered",
	}
	return codes[between(strings.ToLower(f.diag), ".i.ua/err/", "/")]
}

// kddiReason tells au's domain filter ("550 : User unknown") from an unknown
// mailbox ("550 <a@ezweb.ne.jp>: User unknown").
func kddiReason(f *fact) string {
	d := strings.ToLower(f.diag)
	switch {
	case strings.Contains(d, "550 : user unknown"):
		return "filtered"
	case strings.Contains(d, ">: user unknown"):
		return "userunknown"
	}
	return ""
}

// docomoReason reads NTT docomo's replies: since March 2025 "550 Unknown
// user" always means the mailbox does not exist, as docomo no longer rejects
// over SMTP for its reception filters.
func docomoReason(f *fact) string {
	d := strings.ToLower(f.diag)
	switch f.status {
	case "5.1.1", "5.0.911":
		return "userunknown"
	case "5.2.0":
		return "filtered"
	}
	for _, e := range []textRule{
		{"mailboxfull", []string{"552 too much mail data"}},
		{"syntaxerror", []string{"503 bad sequence of commands", "504 command parameter not implemented"}},
		{"toomanyconn", []string{"552 too many recipients"}},
		{"userunknown", []string{"550 unknown user"}},
	} {
		if containsAny(d, e.phrases) {
			return e.reason
		}
	}
	if f.status == "5.0.0" {
		switch f.command {
		case "RCPT":
			return "userunknown"
		case "DATA":
			return "rejected"
		}
	}
	return ""
}

// spectrumReason reads Spectrum's "AUP#I1000"-style codes.
// https://www.spectrumbusiness.net/support/internet/understanding-email-error-codes
func spectrumReason(f *fact) string {
	i := strings.Index(f.diag, "AUP#")
	if i < 0 {
		return ""
	}
	code := ""
	for _, c := range f.diag[i+4:] {
		if len(code) == 4 {
			break
		}
		if c < '0' || c > '9' {
			code = ""
			continue
		}
		code += string(c)
	}
	n, err := strconv.Atoi(code)
	if len(code) != 4 || err != nil {
		return ""
	}
	for _, e := range []struct {
		lo, hi int
		reason string
	}{
		{1000, 1000, "blocked"}, {1010, 1010, "rejected"}, {1020, 1080, "rejected"}, {1090, 1090, "systemerror"},
		{1100, 1150, "requireptr"}, {1160, 1190, "policyviolation"}, {1200, 1210, "blocked"}, {1220, 1250, "blocked"},
		{1260, 1260, "networkerror"}, {1300, 1340, "toomanyconn"}, {1350, 1490, "speeding"}, {1500, 1500, "rejected"},
		{1520, 1520, "rejected"}, {1530, 1530, "mesgtoobig"}, {1540, 1540, "speeding"}, {1550, 1550, "speeding"},
		{1560, 1560, "policyviolation"}, {1580, 1580, "speeding"},
	} {
		if n >= e.lo && n <= e.hi {
			return e.reason
		}
	}
	return ""
}
