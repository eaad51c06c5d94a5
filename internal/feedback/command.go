package feedback

import "strings"

// SMTP commands (RFC 5321 section 4.1) that a bounce names as the step that
// failed: "(in reply to RCPT TO command)", ">>> DATA", "after MAIL FROM:". CONN
// stands for the connection greeting, which has no command.

var smtpCommands = []string{"HELO", "EHLO", "MAIL", "RCPT", "DATA", "QUIT", "RSET", "NOOP", "VRFY", "ETRN",
	"EXPN", "HELP", "AUTH", "STARTTLS", "XFORWARD", "CONN"}

// commandsBeforeData are the steps that end before the message content is
// seen: a rejection there cannot be about the content.
var commandsBeforeData = []string{"CONN", "EHLO", "HELO", "MAIL", "RCPT"}

// validCommand reports whether s names an SMTP command.
func validCommand(s string) bool {
	if len(s) < 4 {
		return false
	}
	return containsAny(s, smtpCommands)
}

var commandTokens = []string{"HELO", "EHLO", "STARTTLS", "AUTH PLAIN", "AUTH LOGIN", "AUTH CRAM-", "AUTH DIGEST-",
	"MAIL F", "RCPT", "RCPT T", "DATA", "QUIT", "XFORWARD"}

// findCommand returns the last SMTP command named in text (upper case, as
// MTAs write them), or "". A word inside an address or a host name
// ("DATABASE@EXAMPLE.JP") is not a command.
func findCommand(text string) string {
	if !validCommand(text) {
		return ""
	}
	padded := " " + text + " "
	var found []string
	for _, tok := range commandTokens {
		p := strings.Index(text, tok)
		if p < 0 {
			continue
		}
		if !strings.Contains(tok, " ") {
			// padded[p] is the character before the token in text, padded[p+len+1] the one after.
			a, z := padded[p], padded[p+len(tok)+1]
			if isAlnumOrAt(a) || isAlnumOrAt(z) {
				continue
			}
		}
		c := tok[:4]
		switch c {
		case "STAR":
			c = "STARTTLS"
		case "XFOR":
			c = "XFORWARD"
		}
		if hasPrefixAny(c, found) {
			continue
		}
		found = append(found, c)
	}
	if len(found) == 0 {
		return ""
	}
	return found[len(found)-1]
}

func isAlnumOrAt(c byte) bool {
	return c >= '0' && c <= '9' || c >= '@' && c <= 'Z' || c >= 'a' && c <= 'z'
}
