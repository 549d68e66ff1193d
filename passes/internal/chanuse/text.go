package chanuse

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/analysis"
)

// Doc returns an analyzer's documentation from its package comment: the
// text after the "# Analyzer name" heading.
func Doc(pkgDoc string) string {
	if i := strings.Index(pkgDoc, "# Analyzer "); i >= 0 {
		pkgDoc = pkgDoc[i:]
		pkgDoc = pkgDoc[strings.Index(pkgDoc, "\n")+1:]
	}
	var b strings.Builder
	for line := range strings.SplitSeq(pkgDoc, "\n") {
		if strings.HasPrefix(line, "package ") {
			break
		}
		line = strings.TrimPrefix(line, "//")
		line = strings.TrimPrefix(line, " ")
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return strings.TrimSpace(b.String())
}

// FuncName names a function for a diagnostic.
func FuncName(fn ast.Node) string {
	if d, ok := fn.(*ast.FuncDecl); ok {
		return d.Name.Name
	}
	return "the function literal"
}

// DescribeCase names a select case the way a reader thinks of it.
func DescribeCase(pass *analysis.Pass, cc *ast.CommClause) string {
	line := pass.Fset.Position(cc.Pos()).Line
	var x ast.Expr
	switch s := cc.Comm.(type) {
	case *ast.ExprStmt:
		x = s.X
	case *ast.AssignStmt:
		x = s.Rhs[0]
	case *ast.SendStmt:
		return fmt.Sprintf("the send case at line %d", line)
	}
	u, ok := ast.Unparen(x).(*ast.UnaryExpr)
	if !ok {
		return fmt.Sprintf("the case at line %d", line)
	}
	if call, ok := ast.Unparen(u.X).(*ast.CallExpr); ok {
		if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok {
			if fn, ok := pass.TypesInfo.Uses[sel.Sel].(*types.Func); ok {
				switch {
				case fn.Name() == "Done":
					return fmt.Sprintf("the %s case", types.ExprString(u.X))
				case fn.Pkg() != nil && fn.Pkg().Path() == "time" && (fn.Name() == "After" || fn.Name() == "Tick"):
					return fmt.Sprintf("the %s timeout case", types.ExprString(call.Fun))
				}
			}
		}
	}
	if sel, ok := ast.Unparen(u.X).(*ast.SelectorExpr); ok && sel.Sel.Name == "C" {
		return fmt.Sprintf("the %s timer case", types.ExprString(u.X))
	}
	return fmt.Sprintf("the <-%s case", types.ExprString(u.X))
}

// BufferEdit turns make(chan T) or make(chan T, 0) into make(chan T, size).
func BufferEdit(call *ast.CallExpr, size string) analysis.TextEdit {
	if len(call.Args) >= 2 {
		return analysis.TextEdit{Pos: call.Args[1].Pos(), End: call.Args[1].End(), NewText: []byte(size)}
	}
	return analysis.TextEdit{Pos: call.Args[0].End(), End: call.Args[0].End(), NewText: []byte(", " + size)}
}

// DefinedBefore reports whether every variable that x mentions is declared
// before pos, so x can be evaluated there.
func DefinedBefore(info *types.Info, x ast.Expr, pos token.Pos) bool {
	ok := true
	ast.Inspect(x, func(n ast.Node) bool {
		id, isID := n.(*ast.Ident)
		if !isID {
			return ok
		}
		if obj, isVar := info.Uses[id].(*types.Var); isVar && !obj.IsField() && obj.Pkg() != nil &&
			obj.Parent() != obj.Pkg().Scope() && obj.Pos() >= pos {
			ok = false
		}
		return ok
	})
	return ok
}

// Indent returns the white space that starts n's line.
func Indent(pass *analysis.Pass, n ast.Node) string {
	pos := pass.Fset.Position(n.Pos())
	return strings.Repeat("\t", max(pos.Column-1, 0))
}
