package delivery

import "strings"

// Throttled reports whether a reply asks the sender to slow down rather
// than saying anything about the message or the recipient, so the
// scheduler should cut the site's connection and message rates for a
// while (as KumoMTA's traffic-shaping automation does) instead of just
// retrying the one message.
//
// It holds for every 421 (the server is closing the channel: busy, too
// many connections, shutting down) and for other temporary replies whose
// enhanced status or text says so, unless the enhanced status is about
// one address (X.1.x), one mailbox (X.2.x, e.g. Gmail's "450 4.2.1 The
// user you are trying to contact is receiving mail at a rate...") or the
// content (X.6.x): such a reply slows that recipient, not the site.
// Permanent replies never do, except the
// "552 Too many recipients" that NTT docomo answers when a session names
// more recipients than it allows (Sisimai's rhost/for-nttdocomo.go),
// which RFC 5321 §4.5.3.1.10 says to treat as temporary anyway.
//
// au (KDDI) is documented to answer overload and blocking with a TCP reset
// rather than a reply (au.com, "auメールあてにメール送信する際の技術仕様");
// that reaches the scheduler as a connection failure, not a Reply.
func Throttled(r Reply) bool {
	text := strings.ToLower(r.Text)
	switch {
	case r.Code == 421:
		return true
	case r.Code == 552:
		return strings.Contains(text, "too many recipients")
	case r.Result() != Temporary:
		return false
	case strings.HasPrefix(r.Enhanced, "4.1.") || strings.HasPrefix(r.Enhanced, "4.2.") || strings.HasPrefix(r.Enhanced, "4.6."):
		return false
	}
	switch r.Enhanced {
	case "4.7.28", // Gmail: unusual rate of unsolicited mail from your IP or domain
		"4.7.650", // Outlook: temporarily rate limited due to IP reputation
		"4.7.500", // Outlook: "Server busy. Please try again later from [IP]"
		"4.4.5",   // RFC 3463: mail system congestion (Gmail "Server busy")
		"4.3.2":   // RFC 3463: system not accepting network messages
		return true
	}
	for _, p := range throttlePhrases {
		if strings.Contains(text, p) {
			return true
		}
	}
	return false
}

// throttlePhrases are lower-case fragments of replies that ask for a
// slower pace. Sources: Sisimai's "toomanyconn", "ratelimited" and
// "speeding" reasons; Google's and Microsoft's SMTP error references;
// Yahoo's postmaster error codes; Postfix's anvil(8) replies; J:COM's
// (a Japanese cable ISP) qmail-style "Too many messages for this session".
var throttlePhrases = []string{
	"too many connections",   // Postfix anvil, Microsoft, many others
	"too many concurrent",    // Microsoft: "too many concurrent SMTP connections"
	"too many smtp sessions", // Sendmail daemon.c
	"too many sessions",
	"too many messages",     // J:COM: "421 #4.x.2 Too many messages for this session"
	"too much mail from",    // Postfix anvil: "450 4.7.1 Error: too much mail from IP"
	"too many recipients",   // NTT docomo (as 552, see above), comcast
	"connection rate limit", // "452 4.3.2 Connection rate limit exceeded"
	"connection limit",      // SendGrid, "exceeds per-domain connection limit"
	"rate limit",            // "rate limited", "rate-limited" below
	"rate-limit",
	"ratelimit",
	"throttl",              // "throttled", "throttling failure"
	"unusual rate",         // Gmail 4.7.0 / 4.7.28
	"unexpected volume",    // Yahoo: "[TSS04] ... unexpected volume or user complaints"
	"temporarily deferred", // Yahoo TS01-TS04, AOL
	"[ts0", "[tss0",        // Yahoo's TS and TSS codes themselves
	"please try again slower",     // policy servers: "451 4.7.1 ... Please try again slower"
	"slow down",                   // "too many messages, slow down"
	"exceeded the max emails per", // cPanel/Exim: "max emails per hour"
	"try again later",             // generic: 421/451 "... try again later"
	"try later",
	"server busy", // Outlook 4.7.500, Gmail 4.4.5
	"too busy",    // "421 Server too busy", go-smtp's own "Too busy"
}
