package template

import (
	"strconv"
	"strings"

	"github.com/mailgun/raymond/v2/ast"
)

// This file renders a parsed part. raymond parses; the evaluation is ours,
// because SES's rules differ from raymond's evaluator where it matters:
//
//   - A variable that is printed or opened as a section ({{name}},
//     {{#name}}) must be in the data, not null: otherwise rendering fails
//     with MissingRenderingAttribute, naming the last segment of the path
//     (Handlebars.js strict mode names the terminal segment; SES reports
//     "Attribute 'IF' is not present in the rendering data." for a
//     mistyped {{#IF …}}). Helper arguments ({{#if x}}, {{#each x}}) may be
//     missing and are then falsy.
//   - Nothing is HTML-escaped unless Options.EscapeHTML asks.
//   - Only Handlebars' built-in helpers exist; calling any other name with
//     arguments is a missing attribute, as the {{#IF}} case shows.
//   - Values behave as JavaScript values (see value.go); lookups do not
//     fall back to parent contexts (Handlebars, unlike Mustache).
//   - {{#*inline}} partials work, as the Developer Guide shows.

// Limits that keep one rendering bounded whatever the template and data.
const (
	// maxSteps bounds the statements and loop iterations one message may
	// take; nested {{#each}} over the largest TemplateData could otherwise
	// run for hours.
	maxSteps = 5_000_000
	// maxOutput bounds the rendered size of one message: SES v2's message
	// size limit (40 MB, Developer Guide quotas).
	maxOutput = 40 << 20
	// maxPartialDepth bounds partials that call partials (or themselves).
	maxPartialDepth = 64
)

// state is shared by the parts of one message.
type state struct {
	counts   map[string]int // reserved replacements made so far
	steps    int
	maxSteps int
	size     int
}

func newState() *state {
	return &state{counts: map[string]int{}, maxSteps: maxSteps}
}

// renderer renders one part.
type renderer struct {
	part   *part
	opts   *Options
	st     *state
	escape bool
	out    *strings.Builder

	ctxs     []any                     // contexts; the last is current ({{this}})
	frame    *dataFrame                // @index, @key, @first, @last
	params   []map[string]any          // block parameters, innermost last
	partials []map[string]*ast.Program // inline partials in scope, innermost last
	depth    int                       // partial nesting
}

// dataFrame holds the @ variables of one {{#each}} iteration.
type dataFrame struct {
	parent *dataFrame
	key    any
	index  int
	first  bool
	last   bool
}

func execute(p *part, root *object, opts *Options, st *state) (string, *Error) {
	var b strings.Builder
	b.Grow(p.size + p.size/4)
	r := &renderer{part: p, opts: opts, st: st, out: &b,
		escape: p.index == partHTML && opts.EscapeHTML,
		ctxs:   []any{root}}
	if err := r.program(p.prog, root, nil, nil); err != nil {
		return "", err
	}
	return b.String(), nil
}

func (r *renderer) cur() any { return r.ctxs[len(r.ctxs)-1] }

func (r *renderer) step(line int) *Error {
	r.st.steps++
	if r.st.steps > r.st.maxSteps {
		return &Error{Kind: InvalidTemplate, Line: line, Message: "Rendering the template took more than " +
			strconv.Itoa(r.st.maxSteps) + " steps; reduce the nesting of {{#each}} blocks or the size of the data."}
	}
	return nil
}

func (r *renderer) write(s string, escape bool) *Error {
	if escape {
		s = escapeHTML(s)
	}
	r.st.size += len(s)
	if r.st.size > maxOutput {
		return &Error{Kind: InvalidTemplate, Message: "The rendered message is larger than " +
			strconv.Itoa(maxOutput>>20) + " MB."}
	}
	r.out.WriteString(s)
	return nil
}

// program renders prog with ctx as {{this}}. frame and params, when not nil,
// are the @ variables and block parameters of an iteration or {{#with}}.
func (r *renderer) program(prog *ast.Program, ctx any, frame *dataFrame, bp map[string]any) *Error {
	if prog == nil {
		return nil
	}
	// Handlebars counts ../ only across blocks that change the context.
	if !sameContext(ctx, r.cur()) {
		r.ctxs = append(r.ctxs, ctx)
		defer func() { r.ctxs = r.ctxs[:len(r.ctxs)-1] }()
	}
	if frame != nil {
		saved := r.frame
		r.frame = frame
		defer func() { r.frame = saved }()
	}
	if bp != nil {
		r.params = append(r.params, bp)
		defer func() { r.params = r.params[:len(r.params)-1] }()
	}
	if in := r.part.inlines[prog]; in != nil {
		r.partials = append(r.partials, in)
		defer func() { r.partials = r.partials[:len(r.partials)-1] }()
	}
	for _, n := range prog.Body {
		if err := r.step(n.Location().Line); err != nil {
			return err
		}
		var err *Error
		switch n := n.(type) {
		case *ast.ContentStatement:
			err = r.write(n.Value, false)
		case *ast.MustacheStatement:
			err = r.mustache(n)
		case *ast.BlockStatement:
			if !r.part.decorators[n] {
				err = r.block(n)
			}
		case *ast.PartialStatement:
			err = r.partial(n)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// mustache renders {{expr}}, {{{expr}}} and {{&expr}}.
func (r *renderer) mustache(n *ast.MustacheStatement) *Error {
	e := n.Expression
	escape := r.escape && !n.Unescaped
	if name, ok := r.reservedName(e); ok {
		return r.reserved(name)
	}
	name := e.HelperName()
	if r.isHelper(name) {
		v, err := r.helperValue(name, e)
		if err != nil {
			return err
		}
		return r.write(toString(v), escape)
	}
	if len(e.Params) > 0 || e.Hash != nil {
		return unknownHelper(e)
	}
	v, err := r.strict(e.Path)
	if err != nil {
		return err
	}
	return r.write(toString(v), escape)
}

// isHelper reports whether name, at the head of an expression, calls a
// built-in helper. A block parameter of that name is a value, not a helper.
func (r *renderer) isHelper(name string) bool {
	if name == "" {
		return false
	}
	if _, ok := r.blockParam(name); ok {
		return false
	}
	return knownHelpers[name]
}

// reservedName reports whether e is a bare {{name}} for a reserved value.
func (r *renderer) reservedName(e *ast.Expression) (string, bool) {
	name := e.HelperName()
	if name == "" || len(e.Params) > 0 || e.Hash != nil {
		return "", false
	}
	if name == UnsubscribeURL {
		return name, true
	}
	_, ok := r.opts.Reserved[name]
	return name, ok
}

// reserved writes a reserved value as given: it comes from hikyaku, like
// the link SES substitutes, so it is never escaped.
func (r *renderer) reserved(name string) *Error {
	v, ok := r.opts.Reserved[name]
	if ok && r.part.index != partSubject {
		r.st.counts[name]++
		if name != UnsubscribeURL || r.st.counts[name] <= maxUnsubscribeReplacements {
			return r.write(v, false)
		}
	}
	return r.write("{{"+name+"}}", false)
}

// block renders {{#expr}}…{{else}}…{{/expr}} and {{^expr}}…{{/expr}}.
func (r *renderer) block(n *ast.BlockStatement) *Error {
	e := n.Expression
	name := e.HelperName()
	if r.isHelper(name) {
		return r.blockHelper(name, n)
	}
	if len(e.Params) > 0 || e.Hash != nil {
		return unknownHelper(e)
	}
	v, err := r.strict(e.Path)
	if err != nil {
		return err
	}
	// Handlebars' blockHelperMissing: a section over a value.
	switch t := v.(type) {
	case bool:
		if t {
			return r.program(n.Program, r.cur(), nil, nil)
		}
		return r.program(n.Inverse, r.cur(), nil, nil)
	case *array:
		if len(t.items) == 0 {
			return r.program(n.Inverse, r.cur(), nil, nil)
		}
		return r.each(n, t)
	}
	return r.program(n.Program, v, nil, nil)
}

// param evaluates a helper argument. Arguments are looked up leniently: a
// missing one is undefined, which is falsy.
func (r *renderer) param(n ast.Node) (any, *Error) {
	switch t := n.(type) {
	case *ast.PathExpression:
		return r.lookup(t), nil
	case *ast.StringLiteral:
		return t.Value, nil
	case *ast.NumberLiteral:
		return newNumber(t.Original), nil
	case *ast.BooleanLiteral:
		return t.Value, nil
	case *ast.SubExpression:
		e := t.Expression
		name := e.HelperName()
		if knownHelpers[name] {
			return r.helperValue(name, e)
		}
		return nil, unknownHelper(e)
	}
	return undefined, nil
}

// strict evaluates the head of a {{mustache}} or section, which must exist.
func (r *renderer) strict(n ast.Node) (any, *Error) {
	switch t := n.(type) {
	case *ast.PathExpression:
		v := r.lookup(t)
		if missing(v) {
			return nil, missingAttribute(t.Original, leafName(t), t.Loc.Line)
		}
		return v, nil
	case *ast.StringLiteral, *ast.NumberLiteral, *ast.BooleanLiteral:
		// Handlebars looks a literal head up as a property name:
		// {{"first name"}} is the value of key "first name".
		name, _ := ast.HelperNameStr(t)
		v, _ := property(r.cur(), name)
		if missing(v) {
			return nil, missingAttribute(name, name, t.Location().Line)
		}
		return v, nil
	}
	return nil, &Error{Kind: InvalidTemplate, Message: "unsupported expression"}
}

// lookup resolves a path: block parameters first, then @data, then the
// context ../ levels up, then property by property.
func (r *renderer) lookup(p *ast.PathExpression) any {
	parts := p.Parts
	var v any
	switch {
	case p.Data:
		if len(parts) == 0 {
			return undefined
		}
		if parts[0] == "root" {
			v = r.ctxs[0]
		} else {
			v = r.dataValue(p.Depth, parts[0])
		}
		parts = parts[1:]
	case !p.Scoped && p.Depth == 0 && len(parts) > 0:
		if bv, ok := r.blockParam(unbracket(parts[0])); ok {
			v, parts = bv, parts[1:]
		} else {
			v = r.cur()
		}
	default:
		i := len(r.ctxs) - 1 - p.Depth
		if i < 0 {
			return undefined
		}
		v = r.ctxs[i]
	}
	for _, part := range parts {
		v, _ = property(v, unbracket(part))
	}
	return v
}

func (r *renderer) blockParam(name string) (any, bool) {
	for i := len(r.params) - 1; i >= 0; i-- {
		if v, ok := r.params[i][name]; ok {
			return v, true
		}
	}
	return nil, false
}

func (r *renderer) dataValue(depth int, name string) any {
	f := r.frame
	for ; depth > 0 && f != nil; depth-- {
		f = f.parent
	}
	if f == nil {
		return undefined
	}
	switch name {
	case "index":
		return number{f: float64(f.index), s: strconv.Itoa(f.index)}
	case "key":
		return f.key
	case "first":
		return f.first
	case "last":
		return f.last
	}
	return undefined
}

// unknownHelper is a call of a helper that does not exist, such as
// {{#IF x}}: SES reports it as a missing attribute named after the helper.
func unknownHelper(e *ast.Expression) *Error {
	if p, ok := e.Path.(*ast.PathExpression); ok {
		return missingAttribute(p.Original, leafName(p), e.Loc.Line)
	}
	name, _ := ast.HelperNameStr(e.Path)
	return missingAttribute(name, name, e.Loc.Line)
}

// leafName is the name SES reports for a missing path: its last segment.
func leafName(p *ast.PathExpression) string {
	if len(p.Parts) == 0 {
		return "this"
	}
	return unbracket(p.Parts[len(p.Parts)-1])
}

// unbracket turns a segment literal "[first name]" into "first name".
func unbracket(s string) string {
	if len(s) >= 2 && s[0] == '[' && s[len(s)-1] == ']' {
		return s[1 : len(s)-1]
	}
	return s
}

// escapeHTML is Handlebars' escapeExpression: the characters it escapes
// and the entities it uses.
func escapeHTML(s string) string {
	if !strings.ContainsAny(s, "&<>\"'`=") {
		return s
	}
	return htmlEscaper.Replace(s)
}

var htmlEscaper = strings.NewReplacer(
	"&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;",
	"'", "&#x27;", "`", "&#x60;", "=", "&#x3D;",
)
