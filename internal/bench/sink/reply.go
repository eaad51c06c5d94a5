package sink

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-smtp"
)

// Phase is when a drawn reply is given.
type Phase int

const (
	// AtRcpt answers the RCPT TO command: a refusal there refuses that one
	// recipient, as a provider does for an unknown or over-quota mailbox.
	AtRcpt Phase = iota
	// AtData answers the end of DATA: a refusal there refuses the whole
	// message for all its recipients, as a content filter or a size limit
	// does.
	AtData
)

// A Reply is one answer in a domain's mix.
type Reply struct {
	// Code is 250 (take it) or a 4xx/5xx refusal. 421 also closes the
	// connection, as servers do (RFC 5321 §3.8).
	Code int
	// Phase is when the reply is given. A 250 always accepts the
	// recipient at RCPT TO; its Phase says which reply Delay slows.
	Phase Phase
	// Delay is how long the sink waits before giving the reply.
	Delay time.Duration
	// Weight is the reply's share of the mix, relative to the others.
	Weight int
}

// maxDeck bounds the sum of a domain's weights: the sink deals the replies
// from a shuffled deck of that many cards.
const maxDeck = 1_000_000

// A Rule is the mix of replies for one recipient domain.
type Rule struct {
	// Domain is the recipient domain in lower case, or "*" for every
	// domain without a rule of its own.
	Domain  string
	Replies []Reply
}

// ParseRule reads one --reply specification:
//
//	DOMAIN=REPLY[,REPLY]...
//	REPLY = CODE[/PHASE][:WEIGHT][@DELAY]
//
// CODE is 250 or a 4xx/5xx code; PHASE is "rcpt" or "data" (default:
// rcpt for refusals; for 250, data: its DELAY slows the reply to the end of
// DATA); WEIGHT is a positive integer share (default 1); DELAY a Go
// duration ("200ms"). DOMAIN "*" matches every domain without its own
// rule. Examples:
//
//	example.net=250:90,450:5,550:5   90 % taken, 5 % deferred, 5 % rejected at RCPT
//	slow.test=250:100@200ms          all taken, each after 200 ms
//	big.test=250:9,552/data:1        one message in ten refused after DATA
func ParseRule(spec string) (Rule, error) {
	domain, list, ok := strings.Cut(strings.TrimSpace(spec), "=")
	domain = strings.ToLower(strings.TrimSpace(domain))
	if !ok || domain == "" || strings.TrimSpace(list) == "" {
		return Rule{}, fmt.Errorf("reply %q: want DOMAIN=CODE[/PHASE][:WEIGHT][@DELAY],... e.g. example.net=250:90,450:5,550:5", spec)
	}
	if domain != "*" && (strings.ContainsAny(domain, "@ \t,:") || strings.HasPrefix(domain, ".")) {
		return Rule{}, fmt.Errorf("reply %q: %q is not a domain (or * for all others)", spec, domain)
	}
	r := Rule{Domain: domain}
	total := 0
	for item := range strings.SplitSeq(list, ",") {
		rep, err := parseReply(strings.TrimSpace(item))
		if err != nil {
			return Rule{}, fmt.Errorf("reply %q: %w", spec, err)
		}
		total += rep.Weight
		if total > maxDeck {
			return Rule{}, fmt.Errorf("reply %q: the weights add up to more than %d", spec, maxDeck)
		}
		r.Replies = append(r.Replies, rep)
	}
	return r, nil
}

// parseReply reads CODE[/PHASE][:WEIGHT][@DELAY].
func parseReply(s string) (Reply, error) {
	rep := Reply{Weight: 1}
	rest, delay, hasDelay := strings.Cut(s, "@")
	if hasDelay {
		d, err := time.ParseDuration(delay)
		if err != nil || d < 0 {
			return Reply{}, fmt.Errorf("%q: delay %q is not a duration such as 200ms", s, delay)
		}
		rep.Delay = d
	}
	rest, weight, hasWeight := strings.Cut(rest, ":")
	if hasWeight {
		w, err := strconv.Atoi(weight)
		if err != nil || w <= 0 {
			return Reply{}, fmt.Errorf("%q: weight %q is not a positive integer", s, weight)
		}
		rep.Weight = w
	}
	code, phase, hasPhase := strings.Cut(rest, "/")
	c, err := strconv.Atoi(code)
	if err != nil || (c != 250 && (c < 400 || c > 599)) {
		return Reply{}, fmt.Errorf("%q: code %q is not 250 or a 4xx/5xx reply code", s, code)
	}
	rep.Code = c
	switch {
	case !hasPhase && c == 250, phase == "data":
		rep.Phase = AtData
	case !hasPhase, phase == "rcpt":
		rep.Phase = AtRcpt
	default:
		return Reply{}, fmt.Errorf("%q: phase %q is not rcpt or data", s, phase)
	}
	return rep, nil
}

// ParseMixFile reads rules from r, one per line, in ParseRule's syntax;
// blank lines and lines starting with # are skipped.
func ParseMixFile(r io.Reader) ([]Rule, error) {
	var rules []Rule
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		rule, err := ParseRule(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		rules = append(rules, rule)
	}
	return rules, sc.Err()
}

// String renders the rule in ParseRule's syntax.
func (r Rule) String() string {
	var b strings.Builder
	b.WriteString(r.Domain + "=")
	for i, rep := range r.Replies {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(rep.Code))
		if (rep.Code == 250) != (rep.Phase == AtData) {
			b.WriteString([]string{"/rcpt", "/data"}[rep.Phase])
		}
		fmt.Fprintf(&b, ":%d", rep.Weight)
		if rep.Delay > 0 {
			b.WriteString("@" + rep.Delay.String())
		}
	}
	return b.String()
}

// texts are the words of each refusal, as providers word them; every
// reply also says it came from the bench sink.
var texts = map[int]struct {
	enhanced smtp.EnhancedCode
	text     string
}{
	421: {smtp.EnhancedCode{4, 7, 0}, "Too many connections, try again later"},
	450: {smtp.EnhancedCode{4, 2, 1}, "Mailbox busy, try again later"},
	451: {smtp.EnhancedCode{4, 3, 0}, "Temporary local problem, try again later"},
	452: {smtp.EnhancedCode{4, 3, 1}, "Insufficient system storage"},
	550: {smtp.EnhancedCode{5, 1, 1}, "No such user"},
	551: {smtp.EnhancedCode{5, 1, 6}, "User not local"},
	552: {smtp.EnhancedCode{5, 2, 2}, "Mailbox full"},
	553: {smtp.EnhancedCode{5, 1, 3}, "Bad destination mailbox address"},
	554: {smtp.EnhancedCode{5, 7, 1}, "Message rejected as spam"},
}

// refusal is the SMTP error that gives a refusal code.
func refusal(code int) *smtp.SMTPError {
	t, ok := texts[code]
	if !ok {
		t.enhanced = smtp.EnhancedCode{code / 100, 0, 0}
		t.text = "Refused"
	}
	return &smtp.SMTPError{Code: code, EnhancedCode: t.enhanced, Message: t.text + " (bench sink)"}
}
