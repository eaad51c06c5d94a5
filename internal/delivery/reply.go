package delivery

import (
	"strconv"
	"strings"
)

// Reply is a server's answer to one SMTP command, or one the client made
// up for a failure that had no answer (Code 0: a refused connection, a
// timeout, a DNS failure), so every outcome reads the same way.
type Reply struct {
	// Code is the three-digit reply code; 0 when no server answered.
	Code int
	// Enhanced is the enhanced status code (RFC 3463), e.g. "5.1.1", taken
	// from the start of the text when the server sent one; empty otherwise.
	Enhanced string
	// Text is the rest of the reply, its lines joined by spaces.
	Text string
}

// String formats r as a DSN's Diagnostic-Code shows it: "550 5.1.1 No
// such user", or only the status and text for a reply made up locally.
func (r Reply) String() string {
	var b strings.Builder
	if r.Code != 0 {
		b.WriteString(strconv.Itoa(r.Code))
	}
	for _, s := range []string{r.Enhanced, r.Text} {
		if s == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s)
	}
	return b.String()
}

// Result is what an outcome means for a recipient.
type Result int

const (
	// Delivered: the server took responsibility for the message.
	Delivered Result = iota + 1
	// Temporary: try again later (a 4xx reply, a broken connection).
	Temporary
	// Permanent: bounce (a 5xx reply, a domain that takes no mail).
	Permanent
)

func (r Result) String() string {
	switch r {
	case Delivered:
		return "delivered"
	case Temporary:
		return "temporary"
	case Permanent:
		return "permanent"
	}
	return "unknown"
}

// Result classifies a final reply by its first digit: 2xx delivered, 5xx
// permanent, anything else (4xx, or a code that makes no sense where it
// came) temporary, the safe side. A reply without a code uses the class of
// its enhanced status.
func (r Reply) Result() Result {
	class := r.Code / 100
	if r.Code == 0 && r.Enhanced != "" {
		class = int(r.Enhanced[0] - '0')
	}
	switch class {
	case 2:
		return Delivered
	case 5:
		return Permanent
	}
	return Temporary
}

// rcptResult classifies a reply to RCPT TO. RFC 821 gave 552 for "too many
// recipients"; RFC 5321 §4.5.3.1.10 corrects it to 452 and asks clients to
// treat a 552 there as temporary, so the recipient goes in a later
// transaction. NTT docomo still answers "552 Too many recipients".
func rcptResult(r Reply) Result {
	if r.Code == 552 {
		return Temporary
	}
	return r.Result()
}

// SplitEnhanced splits an enhanced status code (RFC 3463: class 2, 4 or 5,
// subject and detail of one to three digits) off the start of a reply
// text: "5.1.1 No such user" gives "5.1.1" and "No such user". A text
// without one is returned whole with an empty code.
func SplitEnhanced(text string) (enhanced, rest string) {
	i := 0
	if i >= len(text) || (text[i] != '2' && text[i] != '4' && text[i] != '5') {
		return "", text
	}
	i++
	for part := 0; part < 2; part++ {
		if i >= len(text) || text[i] != '.' {
			return "", text
		}
		i++
		n := 0
		for i < len(text) && n < 4 && '0' <= text[i] && text[i] <= '9' {
			i++
			n++
		}
		if n == 0 || n > 3 {
			return "", text
		}
	}
	if i < len(text) && text[i] != ' ' && text[i] != '\t' {
		return "", text
	}
	return text[:i], strings.TrimLeft(text[i:], " \t")
}

// parseReply builds a Reply from the lines of one response, each already
// stripped of its "NNN-" or "NNN " prefix. Servers repeat the enhanced
// code on every line (Gmail's "421-4.7.0 ..."); it is kept once. An
// enhanced code whose class differs from the reply's is left in the text:
// RFC 3463 §2 makes them agree, and the reply code decides.
func parseReply(code int, lines []string) Reply {
	r := Reply{Code: code}
	parts := make([]string, 0, len(lines))
	for i, l := range lines {
		enh, rest := SplitEnhanced(l)
		if enh != "" && int(enh[0]-'0') == code/100 {
			if i == 0 {
				r.Enhanced = enh
			}
			if enh == r.Enhanced {
				l = rest
			}
		}
		if l = strings.TrimSpace(l); l != "" {
			parts = append(parts, l)
		}
	}
	r.Text = strings.Join(parts, " ")
	return r
}
