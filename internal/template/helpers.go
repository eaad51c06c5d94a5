package template

import (
	"strconv"

	"github.com/mailgun/raymond/v2/ast"
)

// The built-in helpers: Handlebars.js 4 semantics (lib/handlebars/helpers).

// blockHelper runs a built-in helper as a block.
func (r *renderer) blockHelper(name string, n *ast.BlockStatement) *Error {
	e := n.Expression
	switch name {
	case "if", "unless":
		v, err := r.param(e.Params[0])
		if err != nil {
			return err
		}
		yes := !((!r.includeZero(e) && falsy(v)) || isEmpty(v))
		if name == "unless" {
			yes = !yes
		}
		if yes {
			return r.program(n.Program, r.cur(), nil, nil)
		}
		return r.program(n.Inverse, r.cur(), nil, nil)
	case "with":
		v, err := r.param(e.Params[0])
		if err != nil {
			return err
		}
		if isEmpty(v) {
			return r.program(n.Inverse, r.cur(), nil, nil)
		}
		return r.program(n.Program, v, nil, blockParams(n.Program, v, nil))
	case "each":
		v, err := r.param(e.Params[0])
		if err != nil {
			return err
		}
		switch t := v.(type) {
		case *array:
			if len(t.items) > 0 {
				return r.each(n, t)
			}
		case *object:
			if len(t.keys) > 0 {
				return r.eachObject(n, t)
			}
		}
		return r.program(n.Inverse, r.cur(), nil, nil)
	}
	// lookup and log as blocks print what they return.
	v, err := r.helperValue(name, e)
	if err != nil {
		return err
	}
	return r.write(toString(v), r.escape)
}

func (r *renderer) each(n *ast.BlockStatement, a *array) *Error {
	for i, item := range a.items {
		if err := r.step(n.Loc.Line); err != nil {
			return err
		}
		key := number{f: float64(i), s: strconv.Itoa(i)}
		f := &dataFrame{parent: r.frame, key: key, index: i, first: i == 0, last: i == len(a.items)-1}
		if err := r.program(n.Program, item, f, blockParams(n.Program, item, key)); err != nil {
			return err
		}
	}
	return nil
}

func (r *renderer) eachObject(n *ast.BlockStatement, o *object) *Error {
	for i, k := range o.keys {
		if err := r.step(n.Loc.Line); err != nil {
			return err
		}
		item := o.vals[k]
		f := &dataFrame{parent: r.frame, key: k, index: i, first: i == 0, last: i == len(o.keys)-1}
		if err := r.program(n.Program, item, f, blockParams(n.Program, item, k)); err != nil {
			return err
		}
	}
	return nil
}

// blockParams binds `as |value key|`.
func blockParams(prog *ast.Program, value, key any) map[string]any {
	if prog == nil || len(prog.BlockParams) == 0 {
		return nil
	}
	m := map[string]any{prog.BlockParams[0]: value}
	if len(prog.BlockParams) > 1 && key != nil {
		m[prog.BlockParams[1]] = key
	}
	return m
}

func (r *renderer) includeZero(e *ast.Expression) bool {
	if e.Hash == nil {
		return false
	}
	for _, p := range e.Hash.Pairs {
		if p.Key == "includeZero" {
			v, err := r.param(p.Val)
			return err == nil && !falsy(v)
		}
	}
	return false
}

// helperValue calls a built-in helper outside a block: {{lookup a b}},
// (lookup a b), {{log x}}. The block helpers render nothing there, as
// Handlebars' do when given no block.
func (r *renderer) helperValue(name string, e *ast.Expression) (any, *Error) {
	args := make([]any, len(e.Params))
	for i, p := range e.Params {
		v, err := r.param(p)
		if err != nil {
			return nil, err
		}
		args[i] = v
	}
	if name == "lookup" && len(args) >= 2 {
		// Handlebars: if (!obj) return obj; return obj[field].
		if falsy(args[0]) {
			return args[0], nil
		}
		v, _ := property(args[0], toString(args[1]))
		return v, nil
	}
	return undefined, nil
}
