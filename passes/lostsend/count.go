package lostsend

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/analysis"

	"github.com/leakhound/leakhound/passes/internal/chanuse"
)

// bufferFor returns the number of goroutines a loop starts as source text
// that is valid where the channel is made, or "" when it cannot tell: the
// fix writes it into make, so it must be an integer expression that reads
// only variables declared by then and calls nothing but len, cap and
// conversions (a call there would run a second time).
func bufferFor(pass *analysis.Pass, loop ast.Node, c *chanuse.Chan) string {
	info := pass.TypesInfo
	switch l := loop.(type) {
	case *ast.RangeStmt:
		switch t := info.TypeOf(l.X).Underlying().(type) {
		case *types.Slice, *types.Array, *types.Map:
			return lenOf(pass, l.X, c)
		case *types.Basic:
			if t.Info()&types.IsInteger == 0 {
				return "" // a string: runes, not bytes
			}
			return countText(info, l.X, 0, 0, c) // range over an integer
		}
	case *ast.ForStmt:
		if hi, lo, extra, ok := counted(info, l); ok {
			return countText(info, hi, lo, extra, c)
		}
	}
	return ""
}

func lenOf(pass *analysis.Pass, x ast.Expr, c *chanuse.Chan) string {
	if !chanuse.DefinedBefore(pass.TypesInfo, x, c.Make.Pos()) {
		return ""
	}
	switch x.(type) {
	case *ast.Ident, *ast.SelectorExpr:
		return "len(" + types.ExprString(x) + ")"
	}
	return ""
}

// counted reads a for loop that steps an integer variable by one between
// a constant and a bound: up (i := 0; i < n; i++, of any integer type,
// with i <= n, i != n, n > i, i += 1 and i = 0 on a declared i too) or
// down (i := n; i > 0; i--, or i := n-1; i >= 0). The loop runs
// hi - lo + extra times.
func counted(info *types.Info, l *ast.ForStmt) (hi ast.Expr, lo int64, extra int64, ok bool) {
	init, ok1 := l.Init.(*ast.AssignStmt)
	cond, ok2 := ast.Unparen(l.Cond).(*ast.BinaryExpr)
	if !ok1 || !ok2 || len(init.Lhs) != 1 || len(init.Rhs) != 1 {
		return nil, 0, 0, false
	}
	id, isID := init.Lhs[0].(*ast.Ident)
	if !isID {
		return nil, 0, 0, false
	}
	v := info.ObjectOf(id)
	if v == nil || !isInteger(info.TypeOf(id)) {
		return nil, 0, 0, false
	}
	is := func(x ast.Expr) bool {
		x2, ok := ast.Unparen(x).(*ast.Ident)
		return ok && info.ObjectOf(x2) == v
	}
	// Put the loop variable on the left: i < n, never n > i.
	op, bound := cond.Op, cond.Y
	switch {
	case is(cond.X):
	case is(cond.Y):
		bound = cond.X
		switch op {
		case token.LSS:
			op = token.GTR
		case token.GTR:
			op = token.LSS
		case token.LEQ:
			op = token.GEQ
		case token.GEQ:
			op = token.LEQ
		}
	default:
		return nil, 0, 0, false
	}
	switch step(info, l.Post, is) {
	case 1:
		start, isConst := intConst(info, init.Rhs[0])
		if !isConst {
			return nil, 0, 0, false
		}
		switch op {
		case token.LSS, token.NEQ:
			return bound, start, 0, true
		case token.LEQ:
			return bound, start, 1, true
		}
	case -1:
		end, isConst := intConst(info, bound)
		if !isConst {
			return nil, 0, 0, false
		}
		switch op {
		case token.GTR:
			return init.Rhs[0], end, 0, true
		case token.GEQ:
			return init.Rhs[0], end, 1, true
		}
	}
	return nil, 0, 0, false
}

// step returns 1 or -1 when post adds or takes one from the loop
// variable (i++, i += 1, i = i + 1), 0 otherwise.
func step(info *types.Info, post ast.Stmt, is func(ast.Expr) bool) int {
	switch p := post.(type) {
	case *ast.IncDecStmt:
		if !is(p.X) {
			return 0
		}
		if p.Tok == token.INC {
			return 1
		}
		return -1
	case *ast.AssignStmt:
		if len(p.Lhs) != 1 || len(p.Rhs) != 1 || !is(p.Lhs[0]) {
			return 0
		}
		op, rhs := p.Tok, p.Rhs[0]
		if op == token.ASSIGN {
			b, ok := ast.Unparen(rhs).(*ast.BinaryExpr)
			if !ok || !is(b.X) {
				return 0
			}
			op, rhs = b.Op, b.Y
			op = map[token.Token]token.Token{token.ADD: token.ADD_ASSIGN, token.SUB: token.SUB_ASSIGN}[op]
		}
		if one, ok := intConst(info, rhs); !ok || one != 1 {
			return 0
		}
		switch op {
		case token.ADD_ASSIGN:
			return 1
		case token.SUB_ASSIGN:
			return -1
		}
	}
	return 0
}

// countText writes hi - lo + extra as source for make's size: exact when
// hi is a constant; otherwise hi's text, with a constant it ends in folded
// into the sum (len(xs)-1 plus one is len(xs)), plus what is left when it
// is positive, or hi alone when it is not, a buffer larger than needed by
// at most that (for i := 1; i < n is given n).
func countText(info *types.Info, hi ast.Expr, lo, extra int64, c *chanuse.Chan) string {
	if n, ok := intConst(info, hi); ok {
		if n-lo+extra <= 0 {
			return ""
		}
		return fmt.Sprint(n - lo + extra)
	}
	base, off := ast.Unparen(hi), -lo+extra
	if b, ok := base.(*ast.BinaryExpr); ok && (b.Op == token.ADD || b.Op == token.SUB) {
		if k, ok := intConst(info, b.Y); ok {
			if b.Op == token.SUB {
				k = -k
			}
			base, off = ast.Unparen(b.X), off+k
		}
	}
	if !isInteger(info.TypeOf(base)) || !pure(info, base) || !chanuse.DefinedBefore(info, base, c.Make.Pos()) {
		return ""
	}
	text := types.ExprString(base)
	if off > 0 {
		text += fmt.Sprintf("+%d", off)
	}
	return text
}

// pure reports whether x reads values and calls nothing but len, cap and
// conversions, so that it can be written again elsewhere.
func pure(info *types.Info, x ast.Expr) bool {
	switch x := x.(type) {
	case *ast.Ident, *ast.BasicLit:
		return true
	case *ast.ParenExpr:
		return pure(info, x.X)
	case *ast.SelectorExpr:
		if sel := info.Selections[x]; sel != nil {
			return sel.Kind() == types.FieldVal && pure(info, x.X)
		}
		return true // a package's name
	case *ast.UnaryExpr:
		return x.Op != token.ARROW && pure(info, x.X)
	case *ast.BinaryExpr:
		return pure(info, x.X) && pure(info, x.Y)
	case *ast.CallExpr:
		if len(x.Args) != 1 {
			return false
		}
		if tv, ok := info.Types[x.Fun]; ok && tv.IsType() {
			return pure(info, x.Args[0])
		}
		if id, ok := ast.Unparen(x.Fun).(*ast.Ident); ok {
			if b, ok := info.Uses[id].(*types.Builtin); ok && (b.Name() == "len" || b.Name() == "cap") {
				return pure(info, x.Args[0])
			}
		}
	}
	return false
}

// intConst returns x's value when it is an integer constant.
func intConst(info *types.Info, x ast.Expr) (int64, bool) {
	tv, ok := info.Types[x]
	if !ok || tv.Value == nil || tv.Value.Kind() != constant.Int {
		return 0, false
	}
	return constant.Int64Val(tv.Value)
}

func isInteger(t types.Type) bool {
	b, ok := t.Underlying().(*types.Basic)
	return ok && b.Info()&types.IsInteger != 0
}
