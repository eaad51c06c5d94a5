// Package delivery gets one message to one site's SMTP server: it finds
// where a recipient domain's mail goes, talks SMTP to that server over a
// pooled connection, and says what happened to each recipient in terms
// the scheduler can act on.
//
// A Router resolves a domain to a Site: a configured Route (a relay, a
// test sink) when one matches, else the domain's MX hosts, else the domain
// itself when it has no MX (RFC 5321 §5.1). A null MX (RFC 7505) and a
// missing domain are permanent failures; DNS trouble is temporary. The
// Site's Key names its set of servers, so domains hosted by one provider
// share one key, and the scheduler one set of limits.
//
// A Pool delivers an Envelope to a Site and returns a Report with a result
// (Delivered, Temporary, Permanent) and the deciding Reply for every
// recipient. Failures that concern the whole message come back as an
// *Error carrying the SMTP code, enhanced status, stage and a Temporary
// flag; Throttled says whether a reply asked the sender to slow down.
//
// # How the client behaves
//
//   - Servers are tried in order: MX hosts by preference, each host's
//     addresses, at most PoolConfig.MaxAddrs of them. A host that cannot
//     be reached, greets with 4xx or 5xx, refuses EHLO, or fails required
//     TLS is skipped; all of them failing is temporary.
//   - EHLO with the configured name, HELO if EHLO is refused. STARTTLS
//     whenever offered, without certificate checks (Postfix's "may");
//     a failed handshake is retried in plaintext on the same server. A
//     route may require TLS, use implicit TLS (port 465), verify the
//     certificate, and authenticate with AUTH PLAIN or LOGIN, but only
//     over TLS unless its TLS mode is "none". Refused credentials defer
//     rather than bounce, as Postfix's smtp_sasl_auth_soft_bounce does.
//   - A message larger than the server's SIZE is refused locally as
//     permanent (5.3.4) without being sent. An 8-bit message gets
//     BODY=8BITMIME when offered, and goes as it is when not (nearly all
//     servers take it; converting would break DKIM). Non-ASCII addresses
//     need SMTPUTF8 (else 5.6.7). Recipients beyond the server's LIMITS
//     RCPTMAX are left temporary for another transaction.
//   - Replies are classified by RFC 5321: 2xx delivered, 4xx temporary,
//     5xx permanent, except a 552 to RCPT TO, which §4.5.3.1.10 says is
//     "too many recipients" and temporary. A refusal of MAIL FROM or of
//     the message (at DATA or after the final dot) applies to every
//     recipient accepted at RCPT TO. A 421 ends the session: every
//     recipient still open is temporary. A lost connection or a timeout is
//     temporary for every recipient not already refused.
//   - Timeouts follow RFC 5321 §4.5.3.2 per step (Timeouts), and the
//     context's end closes the connection at once.
//   - Delivery is at least once: when the connection is lost between the
//     final dot and the server's reply, the server may have the message,
//     but it is reported temporary and will be sent again (RFC 1047).
//
// # Pipelining, and why this package has its own SMTP client
//
// go-smtp v0.25.1's client was read for this package and not used. It
// sends each command only after the previous reply (no PIPELINING, RFC
// 2920): with 50 recipients, 52 round trips instead of one. Its Reset
// forgets the EHLO, so every reused connection greets again. It has no
// context support, one timeout for every command, and no deadline at all
// while the message is written, so a server that stops reading blocks the
// sender for good. Working around that from outside needs the raw
// connection, which it does not expose after STARTTLS. So conn.go speaks
// the client side itself, in a few hundred lines over bufio; go-smtp stays the
// server (smtptest, smtpd).
//
// With PIPELINING, MAIL FROM, every RCPT TO and DATA go in one write (with
// an RSET first on a reused connection), written by a goroutine while the
// replies are read, so a long recipient list cannot deadlock against a
// server that writes while it reads (RFC 2920 §3.5). If every recipient
// is refused and the server still answers DATA with 354, the connection
// is dropped rather than sent a lone dot. Without PIPELINING each command
// waits for its reply.
//
// # Connection reuse
//
// A healthy connection goes back to the pool after a transaction, keyed
// by the site and the session's setup (TLS mode, credentials), and is
// taken by the next message for that site: RSET, then the transaction. A
// connection the server closed while idle fails its RSET before anything
// is committed, and the message goes on a new connection. A connection is
// closed (with QUIT) after IdleTimeout idle, MaxMessagesPerConn messages
// or MaxConnAge, and dropped after any failure that leaves its state in
// doubt (an I/O error, a timeout, a 421).
//
// # Not here yet
//
// MTA-STS and DANE, REQUIRETLS, DSN parameters (RET, ENVID, NOTIFY,
// ORCPT), CHUNKING, and source address selection (PoolConfig.Dial is the
// hook). Concurrency and rate limits per site are the scheduler's.
package delivery
