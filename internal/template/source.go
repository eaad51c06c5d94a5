package template

import (
	"strings"
)

// maxExpression bounds the text between "{{" and "}}". raymond builds a
// path's text by appending segment after segment, which takes time
// quadratic in the path's length: one 250 KB {{a.a.a…}} took 45 s to parse.
// Comments are exempt; nothing else needs to be anywhere near this long.
const maxExpression = 8192

// expressionsShort reports whether every {{…}} in src other than comments
// is at most maxExpression long, and if not, the line of the first that is
// longer. An unclosed "{{" is left for the parser to report, and an
// escaped "\\{{" is content.
func expressionsShort(src string) (int, bool) {
	for i := 0; ; {
		j := strings.Index(src[i:], "{{")
		if j < 0 {
			return 0, true
		}
		j += i
		k := j + 2
		for k < len(src) && (src[k] == '{' || src[k] == '~') {
			k++
		}
		// {{!-- … --}} may be long; a {{! … }} comment counts as an
		// expression.
		end := "}}"
		if strings.HasPrefix(src[k:], "!--") {
			end = "--}}"
		}
		escaped := j > 0 && src[j-1] == '\\'
		e := strings.Index(src[k:], end)
		if e < 0 {
			return 0, true
		}
		if !escaped && end == "}}" && e > maxExpression {
			return 1 + strings.Count(src[:j], "\n"), false
		}
		i = k + e + len(end)
	}
}

// markDecorators lets raymond parse Handlebars' inline-partial decorator
// {{#*inline "name"}}…{{/inline}}, which SES documents ("Creating inline
// partials", Developer Guide send-personalized-email-advanced) and raymond's
// lexer refuses. It blanks the '*' (keeping every offset and line) and
// returns the offsets of the "{{" that opened a decorator, which raymond
// reports as the block's position. An escaped "\{{" is left alone.
func markDecorators(src string) (string, map[int]bool) {
	var marks map[int]bool
	var b []byte
	for i := 0; ; {
		j := strings.Index(src[i:], "{{")
		if j < 0 {
			break
		}
		j += i
		k := j + 2
		if k < len(src) && src[k] == '~' {
			k++
		}
		escaped := j > 0 && src[j-1] == '\\' && (j < 2 || src[j-2] != '\\')
		if !escaped && k+1 < len(src) && src[k] == '#' && src[k+1] == '*' {
			if b == nil {
				b = []byte(src)
				marks = map[int]bool{}
			}
			b[k+1] = ' '
			marks[j] = true
		}
		i = j + 2
	}
	if b == nil {
		return src, nil
	}
	return string(b), marks
}
