package template

import (
	"fmt"
	"strings"

	"github.com/mailgun/raymond/v2/ast"
)

// knownHelpers are the helpers SES's templates can call: Handlebars'
// built-ins (handlebarsjs.com "Built-in Helpers", which the Developer Guide
// points to). SES has no API to register more. raymond's extra built-ins
// (equal, ifGt, pluralize, …) are deliberately absent.
var knownHelpers = map[string]bool{
	"if": true, "unless": true, "each": true, "with": true, "lookup": true, "log": true,
}

// checker walks a parsed part once at compile time.
type checker struct {
	part         *part
	decoratorPos map[int]bool
	defined      map[string]bool
	refs         []partialRef
	err          *Error
}

type partialRef struct {
	name string
	line int
}

func (ck *checker) fail(line int, msg string) {
	if ck.err == nil {
		ck.err = &Error{Kind: InvalidTemplate, Message: msg, Line: line}
	}
}

func (ck *checker) program(prog *ast.Program) {
	if prog == nil {
		return
	}
	for i, n := range prog.Body {
		switch n := n.(type) {
		case *ast.MustacheStatement:
			ck.expression(n.Expression, false)
		case *ast.BlockStatement:
			if ck.decoratorPos[n.Loc.Pos] {
				ck.decorator(prog, n)
				if i+1 < len(prog.Body) {
					dropNewline(prog.Body[i+1])
				}
				continue
			}
			ck.expression(n.Expression, true)
			ck.program(n.Program)
			ck.program(n.Inverse)
		case *ast.PartialStatement:
			ck.partial(n)
		}
	}
}

// decorator registers {{#*inline "name"}}; inline is the only decorator
// Handlebars has built in.
func (ck *checker) decorator(parent *ast.Program, n *ast.BlockStatement) {
	name := n.Expression.HelperName()
	var pname string
	if len(n.Expression.Params) == 1 {
		if s, ok := n.Expression.Params[0].(*ast.StringLiteral); ok {
			pname = s.Value
		}
	}
	if name != "inline" || pname == "" || n.Expression.Hash != nil || n.Inverse != nil {
		ck.fail(n.Loc.Line, "Only the inline decorator is supported, as {{#*inline \"name\"}}…{{/inline}}")
		return
	}
	if ck.part.inlines[parent] == nil {
		ck.part.inlines[parent] = map[string]*ast.Program{}
	}
	body := n.Program
	if body == nil {
		body = &ast.Program{}
	}
	ck.part.inlines[parent][pname] = body
	ck.part.decorators[n] = true
	ck.defined[pname] = true
	ck.program(body)
}

// dropNewline removes the line break that ends an inline partial's
// definition: "The newline character (\n) is required to separate the
// {{inline}} block from the content in your template. The newline isn't
// rendered in the final output." (Developer Guide,
// send-personalized-email-advanced). Handlebars itself drops it only when
// the closing tag stands alone on its line or ends in ~, in which case the
// content is already marked stripped and is left alone.
func dropNewline(n ast.Node) {
	c, ok := n.(*ast.ContentStatement)
	if !ok || c.LeftStripped {
		return
	}
	if v, ok := strings.CutPrefix(c.Value, "\r\n"); ok {
		c.Value = v
	} else if v, ok := strings.CutPrefix(c.Value, "\n"); ok {
		c.Value = v
	}
}

func (ck *checker) partial(n *ast.PartialStatement) {
	name, ok := partialName(n)
	if !ok {
		ck.fail(n.Loc.Line, "Partial names must be written out, as {{> name}}; dynamic partials are not supported")
		return
	}
	if len(n.Params) > 1 {
		ck.fail(n.Loc.Line, fmt.Sprintf("Unsupported number of partial arguments: %d", len(n.Params)))
		return
	}
	ck.refs = append(ck.refs, partialRef{name: name, line: n.Loc.Line})
	for _, p := range n.Params {
		ck.param(p)
	}
	ck.hash(n.Hash)
}

func partialName(n *ast.PartialStatement) (string, bool) {
	switch t := n.Name.(type) {
	case *ast.PathExpression:
		if !t.Data && t.Depth == 0 && len(t.Parts) == 1 {
			return t.Parts[0], true
		}
	case *ast.StringLiteral:
		return t.Value, true
	}
	return "", false
}

// expression checks the arity Handlebars' built-in block helpers insist on
// ("#if requires exactly one argument", "Must pass iterator to #each").
// Handlebars throws these when the helper runs; failing at compile time
// tells the author before any mail is lost.
func (ck *checker) expression(e *ast.Expression, block bool) {
	name := e.HelperName()
	if knownHelpers[name] && (block || len(e.Params) > 0 || e.Hash != nil) {
		switch name {
		case "if", "unless", "with":
			if len(e.Params) != 1 {
				ck.fail(e.Loc.Line, "#"+name+" requires exactly one argument")
			}
		case "each":
			if len(e.Params) != 1 {
				ck.fail(e.Loc.Line, "Must pass iterator to #each")
			}
		}
	}
	for _, p := range e.Params {
		ck.param(p)
	}
	ck.hash(e.Hash)
}

func (ck *checker) param(n ast.Node) {
	if s, ok := n.(*ast.SubExpression); ok {
		ck.expression(s.Expression, false)
	}
}

func (ck *checker) hash(h *ast.Hash) {
	if h == nil {
		return
	}
	for _, p := range h.Pairs {
		ck.param(p.Val)
	}
}

// isSimple reports whether prog holds only text, comments and plain
// variable substitutions.
func isSimple(prog *ast.Program) bool {
	for _, n := range prog.Body {
		switch n := n.(type) {
		case *ast.ContentStatement, *ast.CommentStatement:
		case *ast.MustacheStatement:
			e := n.Expression
			path, ok := e.Path.(*ast.PathExpression)
			if !ok || path.Data || len(e.Params) > 0 || e.Hash != nil || knownHelpers[e.HelperName()] {
				return false
			}
		default:
			return false
		}
	}
	return true
}
