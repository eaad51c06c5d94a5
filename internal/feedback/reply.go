package feedback

import (
	"strconv"
	"strings"
)

// SMTP reply codes, RFC 5321 section 4.2, with the additions of RFC 3463,
// RFC 4954 (AUTH), RFC 5248 and RFC 7504 (521, 556).

var (
	replies2xx = []string{"211", "214", "220", "221", "235", "250", "251", "252", "253", "334", "354"}
	replies4xx = []string{"421", "450", "451", "452", "422", "430", "432", "453", "454", "455", "458", "459"}
	replies5xx = []string{"550", "552", "553", "551", "521", "525", "523", "524", "530", "533", "534", "535",
		"538", "555", "556", "554", "500", "501", "502", "503", "504"}
)

// validReply reports whether code is an SMTP reply code that exists.
func validReply(code string) bool {
	if len(code) != 3 {
		return false
	}
	n, err := strconv.Atoi(code)
	if err != nil || n < 211 || n > 556 || n%100 > 59 {
		return false
	}
	switch n / 100 {
	case 2:
		return n == 235 || n <= 221 || (n >= 250 && n <= 253)
	case 3:
		return n == 334 || n == 354
	}
	return true
}

// findReply returns an SMTP reply code mentioned in text, or "". class ("2",
// "4", "5", or a status code whose first digit is used) limits the search to one
// class; without it permanent codes are looked for first, then transient, then
// success. A code must stand alone: "5500" or "1.550" are not reply codes.
// Local delivery errors (Diagnostic-Code: X-Unix) carry none.
func findReply(text, class string) string {
	if len(text) < 3 || strings.Contains(strings.ToUpper(text), "X-UNIX") {
		return ""
	}
	s := " " + text + " "
	var lists [][]string
	switch {
	case class != "" && class[0] == '2':
		lists = [][]string{replies2xx}
	case class != "" && class[0] == '4':
		lists = [][]string{replies4xx}
	case class != "" && class[0] == '5':
		lists = [][]string{replies5xx}
	default:
		lists = [][]string{replies5xx, replies4xx, replies2xx}
	}
	for _, list := range lists {
		for _, code := range list {
			for from := 1; from < len(s); {
				i := strings.Index(s[from:], code)
				if i < 0 {
					break
				}
				i += from
				a, b := s[i-1], s[i+3]
				if (a >= '.' && a <= '9') || (b >= '.' && b <= '9') {
					from = i + 3
					continue
				}
				return code
			}
		}
	}
	return ""
}
