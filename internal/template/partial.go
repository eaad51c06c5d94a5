package template

import (
	"strconv"
	"strings"

	"github.com/mailgun/raymond/v2/ast"
)

// partial renders {{> name}}, {{> name context}} and {{> name key=value}}.
func (r *renderer) partial(n *ast.PartialStatement) *Error {
	name, _ := partialName(n)
	var prog *ast.Program
	for i := len(r.partials) - 1; i >= 0 && prog == nil; i-- {
		prog = r.partials[i][name]
	}
	if prog == nil {
		return &Error{Kind: InvalidTemplate, Line: n.Loc.Line, Message: "The partial " + name + " could not be found"}
	}
	if r.depth >= maxPartialDepth {
		return &Error{Kind: InvalidTemplate, Line: n.Loc.Line,
			Message: "Partial " + name + " is nested more than " + strconv.Itoa(maxPartialDepth) + " deep"}
	}
	ctx := r.cur()
	if len(n.Params) == 1 {
		v, err := r.param(n.Params[0])
		if err != nil {
			return err
		}
		ctx = v
	}
	if n.Hash != nil {
		// Handlebars: context = Utils.extend({}, context, options.hash).
		ext := newObject(len(n.Hash.Pairs))
		if o, ok := ctx.(*object); ok {
			for _, k := range o.keys {
				ext.set(k, o.vals[k])
			}
		}
		for _, p := range n.Hash.Pairs {
			v, err := r.param(p.Val)
			if err != nil {
				return err
			}
			ext.set(p.Key, v)
		}
		ctx = ext
	}
	// Block parameters do not reach into a partial.
	savedParams, savedOut := r.params, r.out
	r.params = nil
	r.depth++
	var buf strings.Builder
	if n.Indent != "" {
		r.out = &buf
	}
	err := r.program(prog, ctx, nil, nil)
	r.params, r.out = savedParams, savedOut
	r.depth--
	if err != nil {
		return err
	}
	if n.Indent != "" {
		r.st.size -= buf.Len() // counted again, indented
		return r.write(indentLines(buf.String(), n.Indent), false)
	}
	return nil
}

// indentLines indents every line of a standalone partial's output by the
// partial tag's own indentation, as Handlebars does.
func indentLines(s, indent string) string {
	lines := strings.SplitAfter(s, "\n")
	var b strings.Builder
	for _, l := range lines {
		if l != "" {
			b.WriteString(indent)
			b.WriteString(l)
		}
	}
	return b.String()
}
