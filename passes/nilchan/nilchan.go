package nilchan

import (
	"bytes"
	_ "embed"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/edge"
	"golang.org/x/tools/go/ast/inspector"
	"golang.org/x/tools/go/types/typeutil"

	"github.com/leakhound/leakhound/classify"
	"github.com/leakhound/leakhound/passes/internal/category"
	"github.com/leakhound/leakhound/passes/internal/chanuse"
)

//go:embed doc.go
var doc string

// Analyzer reports channel operations on channels that are never made.
var Analyzer = &analysis.Analyzer{
	Name:     "nilchan",
	Doc:      chanuse.Doc(doc),
	URL:      "https://github.com/leakhound/leakhound/tree/main/passes/nilchan",
	Requires: []*analysis.Analyzer{inspect.Analyzer},
	Run:      run,
}

// A cand is a variable, field or goroutine parameter that may hold only
// nil: everything ever assigned to it (values) is itself nil.
type cand struct {
	spec *ast.ValueSpec // the var declaration without a value a fix can make, or nil
	kind string         // "variable", "field" or "parameter"
	// values are the expressions assigned to it: an initial value, an
	// assignment, the argument a goroutine's parameter is bound to.
	values []ast.Expr
	// arg is, for a parameter, the argument passed at the go statement.
	arg ast.Expr
}

func run(pass *analysis.Pass) (any, error) {
	in := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	root := in.Root()
	info := pass.TypesInfo

	// Candidates: variables and fields of channel type.
	cands := make(map[*types.Var]*cand)
	owner := make(map[*types.Var]*types.TypeName) // a field's named struct type
	for cur := range root.Preorder((*ast.ValueSpec)(nil), (*ast.Field)(nil), (*ast.AssignStmt)(nil), (*ast.GoStmt)(nil)) {
		switch n := cur.Node().(type) {
		case *ast.ValueSpec:
			if n.Type == nil && len(n.Values) == 0 {
				continue
			}
			for i, name := range n.Names {
				v, ok := info.Defs[name].(*types.Var)
				if !ok || !isChan(v.Type()) {
					continue
				}
				if v.Parent() == pass.Pkg.Scope() && v.Exported() {
					continue // another package may assign it
				}
				c := &cand{kind: "variable"}
				switch {
				case len(n.Values) == 0:
					c.spec = n
				case len(n.Values) == len(n.Names):
					c.values = []ast.Expr{n.Values[i]}
				case len(n.Values) == 1:
					c.values = []ast.Expr{indexed(n.Values[0], i)}
				default:
					continue
				}
				cands[v] = c
			}
		case *ast.AssignStmt:
			if n.Tok != token.DEFINE {
				continue
			}
			for i, lhs := range n.Lhs {
				id, ok := lhs.(*ast.Ident)
				if !ok {
					continue
				}
				v, ok := info.Defs[id].(*types.Var)
				if !ok || !isChan(v.Type()) {
					continue
				}
				if x := rhsAt(n, i); x != nil {
					cands[v] = &cand{kind: "variable", values: []ast.Expr{x}}
				}
			}
		case *ast.Field:
			if cur.ParentEdgeKind() != edge.FieldList_List || cur.Parent().ParentEdgeKind() != edge.StructType_Fields {
				continue
			}
			var tn *types.TypeName
			if st := cur.Parent().Parent(); st.ParentEdgeKind() == edge.TypeSpec_Type {
				tn, _ = info.Defs[st.Parent().Node().(*ast.TypeSpec).Name].(*types.TypeName)
			}
			for _, name := range n.Names {
				v, ok := info.Defs[name].(*types.Var)
				if ok && !v.Exported() && isChan(v.Type()) {
					cands[v] = &cand{kind: "field"}
					if tn != nil {
						owner[v] = tn
					}
				}
			}
		case *ast.GoStmt:
			// go func(ch chan T) { ... }(x): the parameter holds x.
			lit, ok := ast.Unparen(n.Call.Fun).(*ast.FuncLit)
			if !ok || n.Call.Ellipsis.IsValid() {
				continue
			}
			for i, arg := range n.Call.Args {
				if p := chanuse.ParamAt(info, lit.Type, i); p != nil && isChan(p.Type()) {
					cands[p] = &cand{kind: "parameter", values: []ast.Expr{arg}, arg: arg}
				}
			}
		}
	}
	if len(cands) == 0 {
		return nil, nil
	}
	dropNamedElsewhere(pass, cands)
	if len(cands) == 0 {
		return nil, nil
	}

	// Record what is assigned to each candidate; drop those addressed,
	// ranged into, or set in a literal.
	var ops []inspector.Cursor
	for cur := range root.Preorder((*ast.Ident)(nil), (*ast.CompositeLit)(nil)) {
		if lit, ok := cur.Node().(*ast.CompositeLit); ok {
			unkeyedFields(info, lit, cands)
			continue
		}
		v := target(info, cur.Node().(*ast.Ident))
		if v == nil {
			continue
		}
		c, ok := cands[v]
		if !ok {
			continue
		}
		x := cur
		if x.ParentEdgeKind() == edge.SelectorExpr_Sel {
			x = x.Parent()
		}
		for x.ParentEdgeKind() == edge.ParenExpr_X {
			x = x.Parent()
		}
		switch k, i := x.ParentEdge(); k {
		case edge.AssignStmt_Lhs:
			as := x.Parent().Node().(*ast.AssignStmt)
			if r := rhsAt(as, i); r != nil && (as.Tok == token.ASSIGN || as.Tok == token.DEFINE) {
				c.values = append(c.values, r)
			} else {
				delete(cands, v)
			}
		case edge.KeyValueExpr_Key:
			if x.Parent().ParentEdgeKind() == edge.CompositeLit_Elts {
				c.values = append(c.values, x.Parent().Node().(*ast.KeyValueExpr).Value)
			} else {
				delete(cands, v)
			}
		case edge.RangeStmt_Key, edge.RangeStmt_Value:
			delete(cands, v)
		case edge.UnaryExpr_X:
			if x.Parent().Node().(*ast.UnaryExpr).Op == token.AND {
				delete(cands, v)
			} else {
				ops = append(ops, x)
			}
		case edge.SendStmt_Chan, edge.RangeStmt_X:
			ops = append(ops, x)
		}
	}

	// Keep only the candidates every value of which is nil, and learn the
	// functions that return only nil channels, together: each may depend
	// on the other.
	funcs := nilFuncs(pass)
	for changed := true; changed; {
		changed = false
		for v, c := range cands {
			for _, x := range c.values {
				if !isNil(info, x, cands, funcs) {
					delete(cands, v)
					changed = true
					break
				}
			}
		}
		for key, rets := range funcs {
			for _, x := range rets {
				if !isNil(info, x, cands, funcs) {
					delete(funcs, key)
					changed = true
					break
				}
			}
		}
	}
	dropUnbuilt(info, cands, owner)

	for _, x := range ops {
		var v *types.Var
		switch e := x.Node().(type) {
		case *ast.Ident:
			v = target(info, e)
		case *ast.SelectorExpr:
			v = target(info, e.Sel)
		}
		c, ok := cands[v]
		if !ok {
			continue
		}
		report(pass, x, v, c, cands, funcs)
	}
	startsWithNil(pass, root, cands, funcs)
	return nil, nil
}

// indexed marks the i-th value of a call that returns several.
func indexed(x ast.Expr, i int) ast.Expr {
	if call, ok := ast.Unparen(x).(*ast.CallExpr); ok {
		return &resultOf{call, i}
	}
	return x
}

// resultOf stands for result i of a call that returns several values
// (a, b := f()); it is never part of the syntax tree.
type resultOf struct {
	*ast.CallExpr
	i int
}

// rhsAt returns the expression assigned to the i-th left-hand side of as,
// or nil when it cannot tell (an op assignment such as +=).
func rhsAt(as *ast.AssignStmt, i int) ast.Expr {
	switch {
	case as.Tok != token.ASSIGN && as.Tok != token.DEFINE:
		return nil
	case len(as.Lhs) == len(as.Rhs):
		return as.Rhs[i]
	case len(as.Rhs) == 1:
		if _, ok := ast.Unparen(as.Rhs[0]).(*ast.CallExpr); ok {
			return &resultOf{ast.Unparen(as.Rhs[0]).(*ast.CallExpr), i}
		}
	}
	return nil
}

type funcResult struct {
	fn *types.Func
	i  int
}

// nilFuncs returns, for each channel result of each function declared in
// the package, the expressions its returns give it; a function with named
// results, or without a return, is left out.
func nilFuncs(pass *analysis.Pass) map[funcResult][]ast.Expr {
	out := make(map[funcResult][]ast.Expr)
	for _, f := range pass.Files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil || fd.Type.Results == nil {
				continue
			}
			fn, ok := pass.TypesInfo.Defs[fd.Name].(*types.Func)
			if !ok {
				continue
			}
			res := fn.Signature().Results()
			named := false
			for r := range res.Variables() {
				named = named || r.Name() != ""
			}
			if named {
				continue
			}
			var rets []*ast.ReturnStmt
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.FuncLit:
					return false
				case *ast.ReturnStmt:
					rets = append(rets, n)
				}
				return true
			})
			if len(rets) == 0 {
				continue
			}
			for i := range res.Len() {
				if !isChan(res.At(i).Type()) {
					continue
				}
				var xs []ast.Expr
				ok := true
				for _, r := range rets {
					if len(r.Results) != res.Len() {
						ok = false
						break
					}
					xs = append(xs, r.Results[i])
				}
				if ok {
					out[funcResult{fn.Origin(), i}] = xs
				}
			}
		}
	}
	return out
}

// isNil reports whether x can only be a nil channel: nil, a candidate, or
// a call of a function whose returns give only those.
func isNil(info *types.Info, x ast.Expr, cands map[*types.Var]*cand, funcs map[funcResult][]ast.Expr) bool {
	if r, ok := x.(*resultOf); ok {
		fn := typeutil.StaticCallee(info, r.CallExpr)
		if fn == nil {
			return false
		}
		_, ok := funcs[funcResult{fn.Origin(), r.i}]
		return ok
	}
	switch e := ast.Unparen(x).(type) {
	case *ast.Ident:
		if _, ok := info.Uses[e].(*types.Nil); ok {
			return true
		}
		v := target(info, e)
		_, ok := cands[v]
		return ok
	case *ast.SelectorExpr:
		v := target(info, e.Sel)
		_, ok := cands[v]
		return ok
	case *ast.CallExpr:
		if tv, ok := info.Types[e.Fun]; ok && tv.IsType() && len(e.Args) == 1 {
			return isNil(info, e.Args[0], cands, funcs) // (chan T)(nil)
		}
		fn := typeutil.StaticCallee(info, e)
		if fn == nil {
			return false
		}
		_, ok := funcs[funcResult{fn.Origin(), 0}]
		return ok && fn.Signature().Results().Len() == 1
	}
	return false
}

// dropUnbuilt drops the fields of named struct types that nothing in the
// package builds: no literal, new, variable or value of the type. An
// operation on such a field runs only on a value nobody makes (a
// type-switch case for a type left over), so it is dead code, not a leak.
func dropUnbuilt(info *types.Info, cands map[*types.Var]*cand, owner map[*types.Var]*types.TypeName) {
	if len(owner) == 0 {
		return
	}
	built := make(map[*types.TypeName]bool)
	var mark func(t types.Type, depth int)
	mark = func(t types.Type, depth int) {
		if depth > 4 {
			return
		}
		switch u := types.Unalias(t).(type) {
		case *types.Named:
			built[u.Origin().Obj()] = true
			if st, ok := u.Underlying().(*types.Struct); ok {
				for f := range st.Fields() {
					mark(f.Type(), depth+1) // embedded and value fields come with it
				}
			}
		case *types.Slice:
			mark(u.Elem(), depth+1)
		case *types.Array:
			mark(u.Elem(), depth+1)
		case *types.Map:
			mark(u.Elem(), depth+1)
		case *types.Chan:
			mark(u.Elem(), depth+1)
		case *types.Struct:
			for f := range u.Fields() {
				mark(f.Type(), depth+1)
			}
		}
	}
	for e, tv := range info.Types {
		if tv.IsValue() {
			mark(tv.Type, 0)
		}
		// new(T) makes a T that only the pointer names.
		if call, ok := e.(*ast.CallExpr); ok && len(call.Args) == 1 {
			if id, ok := ast.Unparen(call.Fun).(*ast.Ident); ok {
				if b, ok := info.Uses[id].(*types.Builtin); ok && b.Name() == "new" {
					if p, ok := tv.Type.(*types.Pointer); ok {
						mark(p.Elem(), 0)
					}
				}
			}
		}
	}
	for _, obj := range info.Defs {
		if v, ok := obj.(*types.Var); ok {
			mark(v.Type(), 0)
		}
	}
	for v, tn := range owner {
		if !built[tn] {
			delete(cands, v)
		}
	}
}

func report(pass *analysis.Pass, x inspector.Cursor, v *types.Var, c *cand, cands map[*types.Var]*cand, funcs map[funcResult][]ast.Expr) {
	parent := x.Parent()
	class, what := classify.NilChannelReceive, "receive"
	switch parent.Node().(type) {
	case *ast.SendStmt:
		class, what = classify.NilChannelSend, "send"
		if parent.ParentEdgeKind() == edge.CommClause_Comm {
			return // a disabled select case
		}
	case *ast.UnaryExpr:
		stmt := parent.Parent()
		if stmt.ParentEdgeKind() == edge.CommClause_Comm {
			return
		}
	case *ast.RangeStmt:
		what = "range"
	}
	name := types.ExprString(x.Node().(ast.Expr))
	if guarded(x, name) {
		return // runs only when the channel is not nil: never, or if set elsewhere
	}
	typ := types.TypeString(v.Type(), types.RelativeTo(pass.Pkg))
	why := whyNil(pass, v, c, cands, funcs)
	d := analysis.Diagnostic{
		Pos:      parent.Node().Pos(),
		End:      x.Node().End(),
		Message:  fmt.Sprintf("%s: this %s blocks forever: %s is a nil channel, %s; initialise it with make(%s)", class, what, name, why, typ),
		URL:      "https://github.com/leakhound/leakhound/blob/main/docs/leakvet.md#nilchan",
		Category: category.Of(pass, parent.Node().Pos(), false),
	}
	fix := c.spec
	if c.kind == "parameter" {
		fix = nil
		if id, ok := ast.Unparen(c.arg).(*ast.Ident); ok {
			if src := target(pass.TypesInfo, id); src != nil && cands[src] != nil {
				fix = cands[src].spec
			}
		}
	}
	if fix != nil && len(fix.Names) == 1 && len(fix.Values) == 0 {
		fv, _ := pass.TypesInfo.Defs[fix.Names[0]].(*types.Var)
		if fv != nil && fv.Parent() != pass.Pkg.Scope() {
			ft := types.TypeString(fv.Type(), types.RelativeTo(pass.Pkg))
			d.SuggestedFixes = []analysis.SuggestedFix{{
				Message:   fmt.Sprintf("Make %s", fv.Name()),
				TextEdits: []analysis.TextEdit{{Pos: fix.Type.End(), End: fix.Type.End(), NewText: []byte(" = make(" + ft + ")")}},
			}}
		}
	}
	pass.Report(d)
}

// whyNil says why v can only be nil, for a diagnostic.
func whyNil(pass *analysis.Pass, v *types.Var, c *cand, cands map[*types.Var]*cand, funcs map[funcResult][]ast.Expr) string {
	switch c.kind {
	case "field":
		return fmt.Sprintf("the field %s is never assigned a made channel", v.Name())
	case "parameter":
		arg := types.ExprString(c.arg)
		line := pass.Fset.Position(c.arg.Pos()).Line
		return fmt.Sprintf("the goroutine's parameter %s is passed %s at line %d, which %s", v.Name(), arg, line, sourceOf(pass, c.arg, cands))
	}
	if len(c.values) > 0 {
		for _, x := range c.values {
			if call := callOf(pass.TypesInfo, x); call != nil {
				return fmt.Sprintf("the variable %s is assigned only the result of %s, which never makes a channel", v.Name(), types.ExprString(call.Fun))
			}
		}
	}
	return fmt.Sprintf("the variable %s is never assigned a made channel", v.Name())
}

// sourceOf says why the expression x is nil.
func sourceOf(pass *analysis.Pass, x ast.Expr, cands map[*types.Var]*cand) string {
	if call := callOf(pass.TypesInfo, x); call != nil {
		return fmt.Sprintf("is the result of %s, which never makes a channel", types.ExprString(call.Fun))
	}
	var v *types.Var
	switch e := ast.Unparen(x).(type) {
	case *ast.Ident:
		v = target(pass.TypesInfo, e)
	case *ast.SelectorExpr:
		v = target(pass.TypesInfo, e.Sel)
	}
	if c := cands[v]; c != nil {
		if c.kind == "field" {
			return fmt.Sprintf("is the field %s, never assigned a made channel", v.Name())
		}
		for _, y := range c.values {
			if call := callOf(pass.TypesInfo, y); call != nil {
				return fmt.Sprintf("holds only the result of %s, which never makes a channel", types.ExprString(call.Fun))
			}
		}
		return "is never assigned a made channel"
	}
	return "is nil"
}

// callOf returns the function call x is, or the call whose result it is;
// nil for anything else, a conversion included.
func callOf(info *types.Info, x ast.Expr) *ast.CallExpr {
	if r, ok := x.(*resultOf); ok {
		return r.CallExpr
	}
	if call, ok := ast.Unparen(x).(*ast.CallExpr); ok {
		if tv, ok := info.Types[call.Fun]; !ok || !tv.IsType() {
			return call
		}
	}
	return nil
}

// startsWithNil reports go f(x) where x is a nil channel and f, a function
// of this package, sends on, receives from or ranges over that parameter
// without a nil check: the goroutine started there blocks forever. f may
// be called elsewhere with a made channel, so the report is at the call.
func startsWithNil(pass *analysis.Pass, root inspector.Cursor, cands map[*types.Var]*cand, funcs map[funcResult][]ast.Expr) {
	decls := make(map[*types.Func]*ast.FuncDecl)
	for _, f := range pass.Files {
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
				if fn, ok := pass.TypesInfo.Defs[fd.Name].(*types.Func); ok {
					decls[fn] = fd
				}
			}
		}
	}
	for cur := range root.Preorder((*ast.GoStmt)(nil)) {
		g := cur.Node().(*ast.GoStmt)
		fn := typeutil.StaticCallee(pass.TypesInfo, g.Call)
		if fn == nil || g.Call.Ellipsis.IsValid() {
			continue
		}
		fd := decls[fn.Origin()]
		if fd == nil {
			continue
		}
		fdCur, ok := root.FindNode(fd)
		if !ok {
			continue
		}
		for i, arg := range g.Call.Args {
			if !isNil(pass.TypesInfo, arg, cands, funcs) {
				continue
			}
			p := chanuse.ParamAt(pass.TypesInfo, fd.Type, i)
			if p == nil || !isChan(p.Type()) {
				continue
			}
			op, what := paramOp(pass.TypesInfo, fdCur, p)
			if op == nil {
				continue
			}
			class := classify.NilChannelReceive
			if what == "sends on" {
				class = classify.NilChannelSend
			}
			pass.Report(analysis.Diagnostic{
				Pos: arg.Pos(),
				End: arg.End(),
				Message: fmt.Sprintf("%s: the goroutine started here blocks forever on a nil channel: %s %s, and %s %s its parameter %s at line %d",
					class, types.ExprString(arg), sourceOf(pass, arg, cands), fd.Name.Name, what, p.Name(), pass.Fset.Position(op.Pos()).Line),
				URL:      "https://github.com/leakhound/leakhound/blob/main/docs/leakvet.md#nilchan",
				Category: category.Of(pass, g.Pos(), false),
			})
		}
	}
}

// paramOp returns the first send, receive or range on the parameter p in
// fd's body that is not a select case and not behind a nil check, with
// what it does; nil when p is assigned or has no such operation.
func paramOp(info *types.Info, fd inspector.Cursor, p *types.Var) (ast.Node, string) {
	var found ast.Node
	var what string
	for cur := range fd.Preorder((*ast.Ident)(nil)) {
		id := cur.Node().(*ast.Ident)
		if info.Uses[id] != p {
			continue
		}
		x := cur
		for x.ParentEdgeKind() == edge.ParenExpr_X {
			x = x.Parent()
		}
		switch x.ParentEdgeKind() {
		case edge.AssignStmt_Lhs:
			return nil, ""
		case edge.UnaryExpr_X:
			u := x.Parent().Node().(*ast.UnaryExpr)
			if u.Op == token.AND {
				return nil, ""
			}
			if u.Op == token.ARROW && found == nil && x.Parent().Parent().ParentEdgeKind() != edge.CommClause_Comm && !guarded(x, id.Name) {
				found, what = u, "receives from"
			}
		case edge.SendStmt_Chan:
			if found == nil && x.Parent().ParentEdgeKind() != edge.CommClause_Comm && !guarded(x, id.Name) {
				found, what = x.Parent().Node(), "sends on"
			}
		case edge.RangeStmt_X:
			if found == nil && !guarded(x, id.Name) {
				found, what = x.Parent().Node(), "ranges over"
			}
		}
	}
	return found, what
}

// guarded reports whether the operation at x runs only when the channel
// named is not nil: inside if name != nil { ... }, or after
// if name == nil { return } (held-out round 13: a leftover test hook in
// kubernetes, never set, whose send is guarded so it never runs).
func guarded(x inspector.Cursor, name string) bool {
	for cur := x; ; cur = cur.Parent() {
		switch n := cur.Node().(type) {
		case *ast.FuncLit, *ast.FuncDecl:
			return false
		case *ast.IfStmt:
			if cur != x && nilTest(n.Cond, name, token.NEQ) && n.Body.Pos() <= x.Node().Pos() && x.Node().End() <= n.Body.End() {
				return true
			}
		}
		if cur.ParentEdgeKind() != edge.BlockStmt_List {
			continue
		}
		for prev, ok := cur.PrevSibling(); ok; prev, ok = prev.PrevSibling() {
			if ifs, ok := prev.Node().(*ast.IfStmt); ok && ifs.Else == nil && nilTest(ifs.Cond, name, token.EQL) && leaves(ifs.Body) {
				return true
			}
		}
	}
}

// nilTest reports whether cond implies, when op is !=, or is implied by,
// when op is ==, the comparison name op nil: an operand of && for the
// first, of || for the second.
func nilTest(cond ast.Expr, name string, op token.Token) bool {
	b, ok := ast.Unparen(cond).(*ast.BinaryExpr)
	if !ok {
		return false
	}
	if (op == token.NEQ && b.Op == token.LAND) || (op == token.EQL && b.Op == token.LOR) {
		return nilTest(b.X, name, op) || nilTest(b.Y, name, op)
	}
	if b.Op != op {
		return false
	}
	x, y := types.ExprString(ast.Unparen(b.X)), types.ExprString(ast.Unparen(b.Y))
	return (x == name && y == "nil") || (x == "nil" && y == name)
}

// leaves reports whether a block ends by leaving its function or loop pass.
func leaves(b *ast.BlockStmt) bool {
	if len(b.List) == 0 {
		return false
	}
	switch b.List[len(b.List)-1].(type) {
	case *ast.ReturnStmt, *ast.BranchStmt:
		return true
	}
	return false
}

// target returns the variable or field (of a generic type's origin) an
// identifier refers to.
func target(info *types.Info, id *ast.Ident) *types.Var {
	v, ok := info.Uses[id].(*types.Var)
	if !ok {
		return nil
	}
	return v.Origin()
}

// unkeyedFields drops every field that an unkeyed struct literal sets.
func unkeyedFields(info *types.Info, lit *ast.CompositeLit, cands map[*types.Var]*cand) {
	if len(lit.Elts) == 0 {
		return
	}
	if _, keyed := lit.Elts[0].(*ast.KeyValueExpr); keyed {
		return
	}
	t := info.TypeOf(lit)
	if t == nil {
		return
	}
	st, ok := t.Underlying().(*types.Struct)
	if !ok {
		return
	}
	for f := range st.Fields() {
		delete(cands, f.Origin())
	}
}

func isChan(t types.Type) bool {
	_, ok := t.Underlying().(*types.Chan)
	return ok
}

// dropNamedElsewhere drops the field and package-level candidates whose
// name appears in a file of the package this pass cannot see: a file left
// out by build constraints, or (when the pass is not the test variant) a
// _test.go file beside the package, where a test hook may assign it.
func dropNamedElsewhere(pass *analysis.Pass, cands map[*types.Var]*cand) {
	var hidden []string
	hidden = append(hidden, pass.IgnoredFiles...)
	testVariant := false
	for _, f := range pass.Files {
		if strings.HasSuffix(pass.Fset.File(f.Pos()).Name(), "_test.go") {
			testVariant = true
		}
	}
	if !testVariant && len(pass.Files) > 0 {
		dir := filepath.Dir(pass.Fset.File(pass.Files[0].Pos()).Name())
		tests, _ := filepath.Glob(filepath.Join(dir, "*_test.go"))
		hidden = append(hidden, tests...)
	}
	for _, name := range hidden {
		data, err := os.ReadFile(name)
		if err != nil {
			continue
		}
		for v, c := range cands {
			if c.kind != "field" && v.Parent() != pass.Pkg.Scope() {
				continue // a local variable: every use is in this function
			}
			if mentions(data, v.Name()) {
				delete(cands, v)
			}
		}
	}
}

// mentions reports whether src contains name as a whole identifier.
func mentions(src []byte, name string) bool {
	for i := 0; ; {
		j := bytes.Index(src[i:], []byte(name))
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(name)
		if (start == 0 || !isIdent(src[start-1])) && (end == len(src) || !isIdent(src[end])) {
			return true
		}
		i = end
	}
}

func isIdent(b byte) bool {
	return b == '_' || '0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || b >= 0x80
}
