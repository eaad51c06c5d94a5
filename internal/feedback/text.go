package feedback

import "strings"

// Replacers used on every message; a strings.Replacer is safe for concurrent
// use and costly to build, so they are built once.
var (
	dropLineEnds      = strings.NewReplacer("\r", "", "\n", "")
	dropBrackets      = strings.NewReplacer("(", "", ")", "", "[", "", "]", "", "\r", "")
	dropHostPunct     = strings.NewReplacer("(", "", ")", "", "[", "", "]", "", "<", "", ">", "", ":", "", ";", "")
	dropReceivedPunct = strings.NewReplacer("(", "", ")", "", ";", "")
	subjectSpaces     = strings.NewReplacer("[", " ", "]", " ", "_", " ")
	subjectPunct      = strings.NewReplacer(":", "", ",", "", "*", "", `"`, "")
	dropAngles        = strings.NewReplacer("<", "", ">", "")
	whitespaceToSpace = strings.NewReplacer("\t", " ", "\r", " ", "\n", " ")
)

// containsAny reports whether s contains any of the substrings.
func containsAny(s string, subs []string) bool {
	for _, e := range subs {
		if strings.Contains(s, e) {
			return true
		}
	}
	return false
}

// hasPrefixAny reports whether s begins with any of the prefixes.
func hasPrefixAny(s string, prefixes []string) bool {
	for _, e := range prefixes {
		if strings.HasPrefix(s, e) {
			return true
		}
	}
	return false
}

// aligned reports whether every string of parts occurs in s, in order and
// without overlapping: aligned("550 5.1.1 user unknown", {"550", "unknown"}).
func aligned(s string, parts []string) bool {
	if s == "" || len(parts) == 0 {
		return false
	}
	for _, e := range parts {
		i := strings.Index(s, e)
		if i < 0 {
			return false
		}
		s = s[i+len(e):]
	}
	return true
}

// alignedAny reports whether any of the part lists is aligned in s.
func alignedAny(s string, lists [][]string) bool {
	for _, e := range lists {
		if aligned(s, e) {
			return true
		}
	}
	return false
}

// between returns the text between the first begin and the first until after
// it, or "" when either is missing. An empty until means "to the end".
func between(s, begin, until string) string {
	i := strings.Index(s, begin)
	if i < 0 {
		return ""
	}
	rest := s[i+len(begin):]
	if until == "" {
		return rest
	}
	j := strings.Index(rest, until)
	if j < 0 {
		return ""
	}
	return rest[:j]
}

// before returns the text before the first sep, or "" when sep is missing.
func before(s, sep string) string {
	i := strings.Index(s, sep)
	if i < 0 {
		return ""
	}
	return s[:i]
}

// squeeze collapses runs of spaces into one.
func squeeze(s string) string {
	for strings.Contains(s, "  ") {
		s = strings.ReplaceAll(s, "  ", " ")
	}
	return s
}

// sweep tidies a diagnostic text: tabs and newlines become spaces, runs of
// spaces collapse, and a trailing MIME boundary (" --abc...") left over from a
// careless split is cut off.
func sweep(s string) string {
	if s == "" {
		return ""
	}
	s = whitespaceToSpace.Replace(s)
	s = squeeze(strings.TrimSpace(s))
	for strings.Contains(s, " --") && !strings.Contains(s, "-- ") {
		s = strings.TrimSpace(s[:strings.Index(s, " --")])
	}
	return s
}

// onlyDigits reports whether s is non-empty and all ASCII digits.
func onlyDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// has8bit reports whether s has a byte outside US-ASCII.
func has8bit(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] > 127 {
			return true
		}
	}
	return false
}

// lines splits s into lines without their terminators.
func lines(s string) []string {
	return strings.Split(s, "\n")
}
