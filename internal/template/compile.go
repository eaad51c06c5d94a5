package template

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"github.com/mailgun/raymond/v2/ast"
	"github.com/mailgun/raymond/v2/parser"
)

// Compiled is a parsed, checked template, safe for concurrent use. Compile
// it once and Execute it for every recipient: rendering walks the parsed
// tree and never parses again.
type Compiled struct {
	name   string
	key    cacheKey
	parts  [numParts]*part // nil for an empty part
	simple bool
}

// The three parts of a template, in the order they are rendered.
const (
	partSubject = iota
	partText
	partHTML
	numParts
)

var partNames = [numParts]string{"subject", "text", "html"}

// part is one parsed part of a template.
type part struct {
	index int // partSubject, partText or partHTML
	size  int // the source's length, a guess at the output's
	prog  *ast.Program
	// inlines maps each program to the inline partials its body defines
	// with {{#*inline "name"}}; they are in scope while that program runs.
	inlines map[*ast.Program]map[string]*ast.Program
	// decorators are the {{#*inline}} blocks themselves, which render
	// nothing where they stand.
	decorators map[*ast.BlockStatement]bool
}

// Name returns the template's name (empty for inline content).
func (c *Compiled) Name() string { return c.name }

// Simple reports whether the template uses plain substitutions only
// ({{name}}, {{user.name}}, {{{name}}}): no blocks, helpers, partials or @
// variables. That is all SES renders in template content given inline in a
// SendEmail or SendBulkEmail request.
func (c *Compiled) Simple() bool { return c.simple }

// Compile checks a stored template as CreateEmailTemplate (v1
// CreateTemplate) does and parses it for rendering.
func Compile(t Template) (*Compiled, error) {
	if err := checkName(t.Name); err != nil {
		return nil, err
	}
	return compile(t, MaxTemplateSize, false)
}

// CompileInline checks template content given inline in a SendEmail or
// SendBulkEmail request: it has no name, may be up to MaxInlineSize, and
// may use plain substitutions only. SES refuses anything more with
// BadRequestException "Template contains unsupported operations."
// (aws/aws-sdk-js-v3#6657; the SESv2 model's Template.TemplateContent note
// "Amazon SES supports only simple substitutions").
func CompileInline(t Template) (*Compiled, error) {
	c, err := compile(t, MaxInlineSize, true)
	if err != nil {
		return nil, err
	}
	if !c.simple {
		return nil, &Error{Kind: InvalidTemplate, Message: "Template contains unsupported operations."}
	}
	return c, nil
}

func compile(t Template, maxSize int, inline bool) (*Compiled, error) {
	if err := checkSize(t, maxSize); err != nil {
		return nil, err
	}
	c := &Compiled{name: t.Name, key: keyOf(t, inline), simple: true}
	for i, src := range [numParts]string{t.Subject, t.Text, t.HTML} {
		if src == "" {
			continue
		}
		p, err := parsePart(i, src)
		if err != nil {
			err.Template = t.Name
			err.Message = describeSyntaxError(t.Name, err)
			return nil, err
		}
		c.parts[i] = p
		c.simple = c.simple && isSimple(p.prog)
	}
	return c, nil
}

// parsePart parses one part with raymond and checks what raymond leaves to
// evaluation: decorators, partial references, helper arity.
func parsePart(index int, src string) (p *part, e *Error) {
	if line, ok := expressionsShort(src); !ok {
		return nil, &Error{Kind: InvalidTemplate, Part: partNames[index], Line: line,
			Message: "An expression between {{ and }} is longer than " + strconv.Itoa(maxExpression) + " characters"}
	}
	src, decorators := markDecorators(src)
	defer func() {
		// raymond's parser reports syntax errors as values; anything it
		// panics on is a template it cannot handle, not a server fault.
		if r := recover(); r != nil {
			p, e = nil, &Error{Kind: InvalidTemplate, Part: partNames[index],
				Message: fmt.Sprint("unparsable template: ", r)}
		}
	}()
	prog, err := parser.Parse(src)
	if err != nil {
		msg, line := cleanParseError(err.Error())
		return nil, &Error{Kind: InvalidTemplate, Part: partNames[index], Message: msg, Line: line}
	}
	p = &part{index: index, size: len(src), prog: prog,
		inlines:    map[*ast.Program]map[string]*ast.Program{},
		decorators: map[*ast.BlockStatement]bool{}}
	ck := checker{part: p, decoratorPos: decorators, defined: map[string]bool{}}
	ck.program(prog)
	if ck.err == nil {
		for _, ref := range ck.refs {
			if !ck.defined[ref.name] {
				ck.fail(ref.line, "The partial "+ref.name+" could not be found")
				break
			}
		}
	}
	if ck.err != nil {
		ck.err.Part = partNames[index]
		return nil, ck.err
	}
	return p, nil
}

// cleanParseError turns raymond's multi-line error ("Parse error on line
// 3:\nExpecting OpenEndBlock, got: 'EOF'") into one line and its line number.
func cleanParseError(s string) (string, int) {
	lines := strings.Split(s, "\n")
	line := 0
	if head, ok := strings.CutPrefix(lines[0], "Parse error on line "); ok {
		line, _ = strconv.Atoi(strings.TrimSuffix(head, ":"))
		lines = lines[1:]
	}
	if len(lines) >= 2 && lines[0] == "Lexer error" {
		// Token: Error{"Unclosed expression"}
		tok := strings.TrimPrefix(lines[1], "Token: ")
		if m, ok := strings.CutPrefix(tok, "Error{"); ok {
			if u, err := strconv.Unquote(strings.TrimSuffix(m, "}")); err == nil {
				tok = u
			}
		}
		lines = []string{tok}
	}
	var kept []string
	for _, l := range lines {
		if strings.HasPrefix(l, "Node: ") {
			continue // raymond's debug dump of the node
		}
		kept = append(kept, strings.TrimSpace(l))
	}
	return strings.Join(kept, "; "), line
}

// describeSyntaxError words a parse failure for the client. SES's own
// wording for InvalidTemplate is not documented; this names the template,
// the part and the line so the author can find the mistake.
func describeSyntaxError(name string, e *Error) string {
	where := "The template"
	if name != "" {
		where = "Template '" + name + "'"
	}
	where += " has an error in its " + partLabel(e.Part)
	if e.Line > 0 {
		where += " at line " + strconv.Itoa(e.Line)
	}
	return where + ": " + strings.TrimSuffix(e.Message, ".") + "."
}

func partLabel(p string) string {
	switch p {
	case "html":
		return "HTML part"
	case "text":
		return "text part"
	}
	return "subject"
}

// cacheKey identifies a template by name and content.
type cacheKey [sha256.Size]byte

func keyOf(t Template, inline bool) cacheKey {
	h := sha256.New()
	var n [8]byte
	flag := byte(0)
	if inline {
		flag = 1
	}
	h.Write([]byte{flag})
	for _, s := range []string{t.Name, t.Subject, t.Text, t.HTML} {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	var k cacheKey
	h.Sum(k[:0])
	return k
}
