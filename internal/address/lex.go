package address

import "strings"

// The lexical layer of RFC 5322 §3.2: quoted strings, comments, domain
// literals and folding white space. These helpers find the structure of a
// header value (where a mailbox ends, where its angle brackets are) without
// deciding yet whether the pieces are valid.

// isWSP reports whether c is white space between tokens. CR and LF appear
// only in folded header values; unfolding leaves them out, and an API value
// holding them is refused later as a control character.
func isWSP(c byte) bool { return c == ' ' || c == '\t' }

// skipQuoted returns the index just past the quoted-string that starts at
// s[i] == '"', or -1 when it is not closed.
func skipQuoted(s string, i int) int {
	for i++; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return -1
}

// skipComment returns the index just past the comment that starts at
// s[i] == '(', or -1 when it is not closed. Comments nest (RFC 5322 §3.2.2).
func skipComment(s string, i int) int {
	depth := 0
	for ; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return -1
}

// skipLiteral returns the index just past the domain literal that starts at
// s[i] == '[', or -1 when it is not closed.
func skipLiteral(s string, i int) int {
	for i++; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case ']':
			return i + 1
		}
	}
	return -1
}

// skipToken skips the quoted-string, comment or domain literal starting at
// s[i], returning the index after it, or returns i unchanged when s[i]
// starts none of them. err is set when the token is not closed.
func skipToken(s string, i int) (int, error) {
	var j int
	switch s[i] {
	case '"':
		if j = skipQuoted(s, i); j < 0 {
			return 0, fail(errMissingQuote)
		}
	case '(':
		if j = skipComment(s, i); j < 0 {
			return 0, fail(errMissingRParen)
		}
	case '[':
		if j = skipLiteral(s, i); j < 0 {
			return 0, fail(errMissingRBracket)
		}
	case ')':
		return 0, fail(errMissingLParen)
	default:
		return i, nil
	}
	return j, nil
}

// unescape removes the backslashes of quoted-pairs.
func unescape(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// stripCFWS removes comments and white space around s and returns the core
// with the text of the comments that followed it.
func stripCFWS(s string) (core, trailing string, err error) {
	start := 0
	for start < len(s) {
		switch c := s[start]; {
		case isWSP(c):
			start++
		case c == '(':
			j, err := skipToken(s, start)
			if err != nil {
				return "", "", err
			}
			start = j
		default:
			goto leading
		}
	}
leading:
	// Find where the core ends: the last character that is neither white
	// space nor part of a trailing comment. Scan forward so that quotes and
	// comments inside the core are skipped correctly.
	end := start
	var comments []string
	for i := start; i < len(s); {
		c := s[i]
		switch {
		case isWSP(c):
			i++
		case c == '(':
			j, err := skipToken(s, i)
			if err != nil {
				return "", "", err
			}
			comments = append(comments, unescape(s[i+1:j-1]))
			i = j
		default:
			j, err := skipToken(s, i)
			if err != nil {
				return "", "", err
			}
			if j == i {
				j = i + 1
			}
			i, end = j, j
			comments = comments[:0]
		}
	}
	return s[start:end], strings.TrimSpace(strings.Join(comments, " ")), nil
}
