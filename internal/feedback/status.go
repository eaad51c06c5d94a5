package feedback

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Enhanced mail system status codes, RFC 3463 (class.subject.detail) and the
// IANA registry that extends them (RFC 5248). A DSN carries one in its Status:
// field (RFC 3464 section 2.3.4); most MTAs also echo the remote server's code
// in the diagnostic text, which is often more precise.

// validStatus reports whether code is a well-formed enhanced status code:
// class 2, 4 or 5 (RFC 3463 section 3.1), subject 0-7, and a numeric detail.
func validStatus(code string) bool {
	if len(code) < 5 || len(code) > 7 {
		return false
	}
	p := strings.Split(code, ".")
	if len(p) != 3 {
		return false
	}
	var n [3]int
	for i, e := range p {
		v, err := strconv.Atoi(e)
		if err != nil || v < 0 {
			return false
		}
		n[i] = v
	}
	return (n[0] == 2 || n[0] == 4 || n[0] == 5) && n[1] <= 7
}

var ipv4Pattern = regexp.MustCompile(`\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b`)

// findStatus returns the enhanced status code mentioned in text, or "". When
// class is "2", "4" or "5" only codes of that class count. Several codes are
// reconciled with preferStatus; X.0.0 and 4.4.7 are used only when nothing more
// specific is there. IPv4 addresses and version numbers ("v5.1.1") are not
// mistaken for codes.
func findStatus(text, class string) string {
	if len(text) < 7 {
		return ""
	}
	s := " " + ipv4Pattern.ReplaceAllString(text, "***.***.***.***") + "   "
	classes := []byte{'5', '4', '2'}
	if class != "" && (class[0] == '2' || class[0] == '4' || class[0] == '5') {
		classes = []byte{class[0]}
	}
	type hit struct {
		at    int
		class byte
	}
	var hits []hit
	for _, c := range classes {
		pat := string([]byte{c, '.'})
		for from := 0; ; {
			i := strings.Index(s[from:], pat)
			if i < 0 {
				break
			}
			hits = append(hits, hit{from + i, c})
			from += i + 5
			if from >= len(s) {
				break
			}
		}
	}
	if len(hits) == 0 {
		return ""
	}
	sort.Slice(hits, func(a, b int) bool { return hits[a].at < hits[b].at })

	var codes []string
	fallback := ""
	for _, h := range hits {
		i := h.at
		if i == 0 || i+4 >= len(s) {
			continue
		}
		prev := s[i-1]
		if prev >= '.' && prev <= '9' || prev == 'v' || prev == 'V' {
			continue // part of a number ("10.5.1.1"), or a version ("v5.0.1")
		}
		subj := s[i+2]
		if subj < '0' || subj > '7' || s[i+3] != '.' {
			continue
		}
		d := s[i+4:]
		n := 0
		for n < len(d) && n < 4 && d[n] >= '0' && d[n] <= '9' {
			n++
		}
		if n == 0 || n == 4 {
			continue // no detail, or too long to be one (a date, a counter)
		}
		code := string([]byte{h.class, '.', subj, '.'}) + d[:n]
		if strings.HasSuffix(code[:4], ".0.") && d[:n] == "0" || code == "4.4.7" {
			fallback = code
			continue
		}
		codes = append(codes, code)
	}
	if fallback != "" {
		codes = append(codes, fallback)
	}
	if len(codes) == 0 {
		return ""
	}
	cv := codes[0]
	for _, e := range codes[1:] {
		cv = preferStatus(cv, e, "")
	}
	return cv
}

// preferStatus chooses between the code in a Status: field and a code found in
// the diagnostic text. The reply code, when given, breaks a disagreement about
// the class. Otherwise the more specific code wins: X.0.0 and X.Y.0 lose to a
// detailed code, and codes that MTAs use as catch-alls (4.4.7, 4.7.0, 5.3.x,
// X.5.[1245]) give way to what the remote server said.
func preferStatus(field, inText, reply string) string {
	if field == "" {
		return inText
	}
	if inText == "" {
		return field
	}
	if len(field) < 5 {
		return inText
	}
	if len(inText) < 5 {
		return field
	}
	if reply != "" && field[0] != inText[0] {
		switch reply[0] {
		case field[0]:
			return field
		case inText[0]:
			return inText
		}
	}
	if field == inText {
		return field
	}
	fz1, mz1 := strings.Index(field, ".0"), strings.Index(inText, ".0")
	fz2, mz2 := strings.Index(field, ".0.0"), strings.Index(inText, ".0.0")
	switch {
	case fz2 > 0:
		if mz2 < 0 {
			return inText
		}
		return field
	case fz1 > 0 && mz1 < 0:
		return inText
	case mz2 > 0:
		return field
	case field == "4.4.7", field == "4.7.0":
		return inText
	case strings.HasPrefix(field, "5.3."):
		return inText
	}
	switch field[1:] {
	case ".5.1", ".5.2", ".5.4", ".5.5":
		return inText
	}
	switch field {
	case "5.1.1":
		if mz1 > 0 || strings.HasPrefix(inText, "5.5.") {
			return field
		}
		return inText
	case "5.1.3":
		if strings.HasPrefix(inText, "5.7.") {
			return inText
		}
	}
	return field
}

// statusReasons maps standard enhanced status codes to the reason they imply
// on their own (RFC 3463 section 3; RFC 5248; RFC 7372 for X.7.20-26; RFC 7505
// for the null MX codes X.1.10 and X.7.27). Codes too vague to imply anything
// (4.3.0, 4.4.0, 4.5.0, 4.7.0) are left out.
var statusReasons = map[string]string{
	"2.1.5":  "delivered",
	"4.1.6":  "hasmoved",
	"4.1.7":  "rejected",
	"4.1.8":  "rejected",
	"4.1.9":  "systemerror",
	"4.2.1":  "blocked",
	"4.2.2":  "mailboxfull",
	"4.2.3":  "exceedlimit",
	"4.2.4":  "filtered",
	"4.3.1":  "systemfull",
	"4.3.2":  "notaccept",
	"4.3.3":  "systemerror",
	"4.3.5":  "systemerror",
	"4.4.1":  "expired",
	"4.4.2":  "networkerror",
	"4.4.3":  "systemerror",
	"4.4.4":  "networkerror",
	"4.4.5":  "systemfull",
	"4.4.6":  "networkerror",
	"4.4.7":  "expired",
	"4.4.8":  "networkerror",
	"4.5.3":  "systemerror",
	"4.5.5":  "systemerror",
	"4.6.0":  "contenterror",
	"4.6.2":  "contenterror",
	"4.6.5":  "contenterror",
	"4.7.1":  "blocked",
	"4.7.2":  "blocked",
	"4.7.5":  "securityerror",
	"4.7.6":  "securityerror",
	"4.7.7":  "securityerror",
	"4.7.12": "securityerror",
	"4.7.15": "securityerror",
	"4.7.16": "mesgtoobig",
	"4.7.24": "authfailure",
	"4.7.25": "requireptr",
	"4.7.26": "authfailure",
	"5.1.0":  "userunknown",
	"5.1.1":  "userunknown",
	"5.1.2":  "hostunknown",
	"5.1.3":  "userunknown",
	"5.1.4":  "filtered",
	"5.1.6":  "hasmoved",
	"5.1.7":  "rejected",
	"5.1.8":  "rejected",
	"5.1.9":  "systemerror",
	"5.1.10": "notaccept",
	"5.2.0":  "filtered",
	"5.2.1":  "filtered",
	"5.2.2":  "mailboxfull",
	"5.2.3":  "exceedlimit",
	"5.2.4":  "filtered",
	"5.3.0":  "systemerror",
	"5.3.1":  "systemfull",
	"5.3.2":  "notaccept",
	"5.3.3":  "systemerror",
	"5.3.4":  "mesgtoobig",
	"5.3.5":  "systemerror",
	"5.4.0":  "networkerror",
	"5.4.3":  "systemerror",
	"5.4.4":  "hostunknown",
	"5.5.2":  "syntaxerror",
	"5.5.3":  "toomanyconn",
	"5.5.4":  "systemerror",
	"5.5.5":  "systemerror",
	"5.5.6":  "syntaxerror",
	"5.6.0":  "contenterror",
	"5.6.1":  "contenterror",
	"5.6.2":  "contenterror",
	"5.6.3":  "contenterror",
	"5.6.5":  "contenterror",
	"5.6.6":  "contenterror",
	"5.6.7":  "contenterror",
	"5.6.8":  "contenterror",
	"5.6.9":  "contenterror",
	"5.7.0":  "securityerror",
	"5.7.1":  "securityerror",
	"5.7.2":  "securityerror",
	"5.7.3":  "securityerror",
	"5.7.4":  "securityerror",
	"5.7.5":  "securityerror",
	"5.7.6":  "securityerror",
	"5.7.7":  "securityerror",
	"5.7.8":  "securityerror",
	"5.7.9":  "securityerror",
	"5.7.10": "securityerror",
	"5.7.11": "securityerror",
	"5.7.13": "suspend",
	"5.7.14": "securityerror",
	"5.7.15": "securityerror",
	"5.7.16": "mesgtoobig",
	"5.7.17": "hasmoved",
	"5.7.18": "hasmoved",
	"5.7.19": "securityerror",
	"5.7.20": "authfailure",
	"5.7.21": "authfailure",
	"5.7.22": "authfailure",
	"5.7.23": "authfailure",
	"5.7.24": "authfailure",
	"5.7.25": "requireptr",
	"5.7.26": "authfailure",
	"5.7.27": "notaccept",
	"5.7.28": "spamdetected",
	"5.7.29": "authfailure",
	"5.7.30": "failedstarttls",
}

// statusReason returns the reason a status code implies by itself, or "".
func statusReason(code string) string {
	if !validStatus(code) {
		return ""
	}
	return statusReasons[code]
}

// pseudoReasonDetail numbers each reason for pseudoStatus.
var pseudoReasonDetail = map[string]string{
	"authfailure":     "926",
	"badreputation":   "975",
	"blocked":         "971",
	"contenterror":    "960",
	"exceedlimit":     "923",
	"expired":         "947",
	"failedstarttls":  "976",
	"filtered":        "910",
	"hasmoved":        "916",
	"hostunknown":     "912",
	"mailboxfull":     "922",
	"mailererror":     "939",
	"mesgtoobig":      "934",
	"networkerror":    "944",
	"norelaying":      "909",
	"notaccept":       "932",
	"notcompliantrfc": "974",
	"onhold":          "901",
	"policyviolation": "972",
	"rejected":        "918",
	"requireptr":      "973",
	"securityerror":   "970",
	"spamdetected":    "980",
	"speeding":        "946",
	"suppressed":      "903",
	"suspend":         "921",
	"systemerror":     "930",
	"systemfull":      "931",
	"syntaxerror":     "902",
	"toomanyconn":     "945",
	"userunknown":     "911",
	"undefined":       "900",
	"virusdetected":   "981",
}

// pseudoStatus makes up a status code for a recipient whose bounce carried
// none: class 4 when the failure was temporary, 5 otherwise, subject 0, and a
// detail in the 9xx range that no standard uses, one per reason (Sisimai's
// convention, so 5.0.911 reads "user unknown, inferred"). Reasons that are
// permanent by nature (the address or domain does not exist) are never class 4;
// a temporary filter is 4.0.924, not 4.0.910.
func pseudoStatus(reason string, temporary bool) string {
	d, ok := pseudoReasonDetail[reason]
	if !ok {
		return ""
	}
	if temporary {
		switch reason {
		case "hasmoved", "hostunknown", "userunknown":
			return ""
		case "filtered":
			return "4.0.924"
		}
		return "4.0." + d
	}
	return "5.0." + d
}
