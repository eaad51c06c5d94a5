package feedback

import "strings"

// isInternetHost reports whether s is a syntactically valid Internet host name
// (RFC 1123 section 2.1): dot-separated labels of letters, digits and hyphens,
// with an alphabetic top-level domain. "localhost" is accepted.
func isInternetHost(s string) bool {
	if len(s) < 4 || len(s) > 255 {
		return false
	}
	if s == "localhost" || s == "localhost6" {
		return true
	}
	if !strings.Contains(s, ".") || strings.Contains(s, "..") || strings.HasPrefix(s, ".") ||
		strings.HasPrefix(s, "-") || strings.HasSuffix(s, "-") {
		return false
	}
	if strings.Contains(s, "--") && !strings.HasPrefix(s, "xn--") && !strings.Contains(s, ".xn--") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	tld := s[strings.LastIndexByte(s, '.')+1:]
	if len(tld) == 0 || len(tld) > 63 {
		return false
	}
	for i := 0; i < len(tld); i++ {
		if tld[i] >= '0' && tld[i] <= '9' {
			return false
		}
	}
	return true
}

// hostSandwiches are the phrases MTAs put around the remote host's name.
var hostSandwiches = [][2]string{
	{"host ", " said: "},       // Postfix: host mx.example.jp[192.0.2.1] said: 550 ...
	{"host ", " talk to me: "}, // Postfix: host mx.example.jp[192.0.2.1] refused to talk to me:
	{"while talking to ", ":"}, // Sendmail: ... while talking to mx.example.jp.:
	{"host ", " ["},            // Exim: host mx.example.jp [192.0.2.20]: 550 ...
	{" by ", ". ["},            // Gmail: ... for the recipient domain example.jp by mx.example.jp. [192.0.2.1].
	{"delivery failed for the following reason: ", " with"},
	{"remote system: ", "("}, // Sun/Oracle Messaging Server
	{"smtp server <", ">"},
	{"-mta: ", ">"},
	{" : ", "["},
}

var hostStartAfter = []string{"generating server: ", "serveur de g", "server di generazione", "genererande server"}

// findHost returns the remote host name a diagnostic text mentions, or "".
// Known phrasings are tried first; otherwise the longest host-like word wins.
func findHost(text string) string {
	if text == "" {
		return ""
	}
	s := strings.ToLower(text)
	for _, c := range []string{"(", "[", "<"} {
		s = strings.ReplaceAll(s, c, " "+c)
	}
	for _, c := range []string{")", "]", ">", ":", ";"} {
		s = strings.ReplaceAll(s, c, c+" ")
	}
	var words []string
	for _, e := range hostSandwiches {
		if !aligned(s, []string{e[0], e[1]}) {
			continue
		}
		p1 := strings.Index(s, e[0])
		p2 := strings.Index(s, e[1])
		if p1+len(e[0]) >= p2 {
			continue
		}
		words = strings.Split(s[p1+len(e[0]):p2], " ")
		break
	}
	if words == nil {
		for _, e := range hostStartAfter {
			if i := strings.Index(s, e); i >= 0 {
				words = strings.Split(s[i+len(e):], " ")
				break
			}
		}
	}
	if words == nil {
		if i := strings.Index(s, " did not like our "); i >= 0 { // DragonFly Mail Agent
			words = strings.Split(s[:i], " ")
		}
	}
	if words == nil {
		words = strings.Split(s, " ")
	}
	best := ""
	for _, w := range words {
		w = strings.TrimRight(w, ".")
		w = strings.Trim(w, "()[]<>:;")
		w = dropHostPunct.Replace(w)
		if len(w) < 4 || !strings.Contains(w, ".") || !isInternetHost(w) {
			continue
		}
		if len(w) > len(best) {
			best = w
		}
	}
	return best
}

// receivedFromBy returns the "from" and "by" host names of a Received: field
// (RFC 5321 section 4.4). For "from", a host name in the TCP-info comment is
// preferred over a bare or unqualified name.
func receivedFromBy(v string) (from, by string) {
	if !strings.Contains(v, " ") {
		return "", ""
	}
	w := strings.Fields(v)
	clean := func(s string) string {
		return strings.ToLower(dropReceivedPunct.Replace(s))
	}
	var alternates []string
	for i := 0; i+1 < len(w); i++ {
		switch strings.ToLower(w[i]) {
		case "from":
			if from == "" {
				from = clean(w[i+1])
				for _, e := range w[i+2 : min(i+4, len(w))] {
					if !strings.HasPrefix(e, "(") && !strings.HasPrefix(e, "[") {
						break
					}
					c := strings.Trim(clean(e), "[]")
					if len(c) >= 4 && strings.Contains(c, ".") && !strings.Contains(c, "=") {
						alternates = append(alternates, c)
					}
				}
			}
		case "by":
			if by == "" {
				by = clean(w[i+1])
			}
		}
	}
	from, by = strings.Trim(from, "[]"), strings.Trim(by, "[]")
	if from == "localhost" || from == "localhost.localdomain" || !strings.Contains(from, ".") || ipv4Pattern.MatchString(from) {
		for _, a := range alternates {
			if !ipv4Pattern.MatchString(a) && isInternetHost(a) {
				from = a
				break
			}
		}
	}
	return from, by
}
