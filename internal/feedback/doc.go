// Package feedback reads the mail that comes back after hikyaku sends: delivery
// status notifications (bounces), feedback-loop complaints and auto-replies, and
// classifies each affected recipient.
//
// Parse takes one raw message (CRLF or LF, with or without an mbox "From " line,
// in any charset) and returns a Report: what kind of message it is, the original
// message's identifiers (Message-ID, return path) for matching it back to a send,
// and per recipient the address, the enhanced status code (RFC 3463), the SMTP
// reply, the diagnostic text, a reason, whether the bounce is hard, and the
// bounceType/bounceSubType an Amazon SES notification would carry.
//
// It understands standard RFC 3464 delivery status notifications, RFC 5965
// abuse reports (ARF), RFC 3834 auto-replies, and the home-grown bounce formats of
// common MTAs and mailbox providers (Postfix, Sendmail, Exim, qmail, Exchange,
// Gmail, Amazon SES, Domino, OpenSMTPD, the Japanese carriers, ...).
//
// The reason vocabulary and the rules that choose a reason follow Sisimai
// (https://libsisimai.org, BSD 2-Clause), whose test corpus is the yardstick this
// package is measured against; the code is an independent implementation.
//
// "Hard" is deliberately narrow: only reasons that say the address itself is dead
// (userunknown, hostunknown, hasmoved, and notaccept with a permanent code) are
// hard. A 5xx for a blocked IP, a spam filter, a full mailbox or a policy is not:
// the same address may accept mail later, so suppression should not follow it.
// SESBounceType keeps SES's own, broader view (every 5xx is Permanent).
//
// The code is split by concept: message.go and charset.go read the MIME
// structure into a flat text (go-message does the parsing and decoding);
// dsn.go, arf.go and autoreply.go read the standard formats; one file per MTA
// or provider family reads its own format (postfix.go, exim.go, qmail.go, ...);
// status.go, reply.go and command.go know the SMTP codes; reasons.go and
// reasonphrases.go decide the reason, after lda.go (local delivery agents) and
// providers*.go (providers' documented codes); classify.go settles each
// recipient and ses.go maps it to SES's bounce types.
//
// The tests check the package against the shared corpus of real bounces in
// ../../../shared/data/bounces (TestCorpus, TestCorpusScore), hand-written
// messages for edge cases, golden reports (go test -run TestGolden -update to
// accept a change), and FuzzParse; BenchmarkParse measures the corpus.
package feedback
