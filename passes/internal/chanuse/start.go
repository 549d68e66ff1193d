package chanuse

import (
	"go/ast"
	"go/types"

	"golang.org/x/tools/go/ast/edge"
	"golang.org/x/tools/go/ast/inspector"
)

// A Go is a statement that starts a goroutine running a function literal:
// a go statement, or a call of a group's Go method, which runs its argument
// in a new goroutine (sync.WaitGroup.Go since Go 1.25, errgroup, conc).
type Go struct {
	// Stmt is the *ast.GoStmt, or the *ast.ExprStmt of the Go call.
	Stmt ast.Stmt
	Lit  *ast.FuncLit
	// Group is the Go method's receiver as source text, "" for a go
	// statement. The group's Wait returns only after Lit has, as if Lit
	// began with a deferred Done.
	Group string
	// Deferred is set when the start is inside a deferred function
	// literal: it runs as its function returns, and is not a node of
	// that function's control-flow graph.
	Deferred bool
}

// groupTypes are the types whose Go method runs a function in a goroutine
// that the type's Wait waits for. TryGo is left out: it may not run it.
var groupTypes = map[string]bool{
	"sync.WaitGroup":                                     true,
	"golang.org/x/sync/errgroup.Group":                   true,
	"github.com/sourcegraph/conc.WaitGroup":              true,
	"github.com/sourcegraph/conc/pool.Pool":              true,
	"github.com/sourcegraph/conc/pool.ErrorPool":         true,
	"github.com/sourcegraph/conc/pool.ContextPool":       true,
	"github.com/sourcegraph/conc/pool.ResultPool":        true,
	"github.com/sourcegraph/conc/pool.ResultErrorPool":   true,
	"github.com/sourcegraph/conc/pool.ResultContextPool": true,
}

// GroupCall returns the receiver, as source text, of a call of the method
// named on one of the goroutine groups (sync.WaitGroup, errgroup.Group,
// conc's WaitGroup and pools).
func GroupCall(info *types.Info, call *ast.CallExpr, method string) (string, bool) {
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != method {
		return "", false
	}
	fn, ok := info.Uses[sel.Sel].(*types.Func)
	if !ok {
		return "", false
	}
	recv := fn.Origin().Signature().Recv()
	if recv == nil {
		return "", false
	}
	t := recv.Type()
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	named, ok := t.(*types.Named)
	if !ok || named.Obj().Pkg() == nil || !groupTypes[named.Obj().Pkg().Path()+"."+named.Obj().Name()] {
		return "", false
	}
	return types.ExprString(sel.X), true
}

// startOf returns the statement that starts the function literal at lit
// as a goroutine, with the group it joins, or ok false when lit is not
// started that way.
func startOf(info *types.Info, lit inspector.Cursor) (stmt inspector.Cursor, group string, ok bool) {
	call := lit.Parent()
	switch lit.ParentEdgeKind() {
	case edge.CallExpr_Fun:
		if call.ParentEdgeKind() == edge.GoStmt_Call {
			return call.Parent(), "", true
		}
	case edge.CallExpr_Args:
		if call.ParentEdgeKind() != edge.ExprStmt_X {
			return inspector.Cursor{}, "", false
		}
		if g, ok := GroupCall(info, call.Node().(*ast.CallExpr), "Go"); ok {
			return call.Parent(), g, true
		}
	}
	return inspector.Cursor{}, "", false
}

// Started reports whether the function literal at lit runs as a goroutine
// of its own.
func Started(info *types.Info, lit inspector.Cursor) bool {
	_, _, ok := startOf(info, lit)
	return ok
}

// InGo reports whether cur is inside a function literal started as a
// goroutine.
func InGo(info *types.Info, cur inspector.Cursor) bool {
	for c := range cur.Enclosing((*ast.FuncLit)(nil)) {
		return Started(info, c)
	}
	return false
}

// hasStarts reports whether the package starts any goroutine.
func hasStarts(info *types.Info, root inspector.Cursor) bool {
	for cur := range root.Preorder((*ast.GoStmt)(nil), (*ast.ExprStmt)(nil)) {
		switch n := cur.Node().(type) {
		case *ast.GoStmt:
			return true
		case *ast.ExprStmt:
			if call, ok := n.X.(*ast.CallExpr); ok {
				if _, ok := GroupCall(info, call, "Go"); ok {
					return true
				}
			}
		}
	}
	return false
}

// GoCursor returns the cursor of the statement that started the goroutine
// holding op; op.Go must not be nil.
func (op *Op) GoCursor() Cursor {
	cur := op.Cur
	for cur.Node() != op.Go.Stmt {
		cur = cur.Parent()
	}
	return cur
}
