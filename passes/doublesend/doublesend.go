package doublesend

import (
	_ "embed"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/analysis"

	"github.com/leakhound/leakhound/classify"
	"github.com/leakhound/leakhound/passes/internal/category"
	"github.com/leakhound/leakhound/passes/internal/chanuse"
)

//go:embed doc.go
var doc string

// Analyzer reports goroutines that send a second value nobody receives.
var Analyzer = &analysis.Analyzer{
	Name:     "doublesend",
	Doc:      chanuse.Doc(doc),
	URL:      "https://github.com/leakhound/leakhound/tree/main/passes/doublesend",
	Requires: []*analysis.Analyzer{chanuse.Analyzer},
	Run:      run,
}

func run(pass *analysis.Pass) (any, error) {
	res := pass.ResultOf[chanuse.Analyzer].(*chanuse.Result)
	for _, c := range res.Chans {
		if c.Cap == 0 {
			check(pass, res, c)
		}
	}
	return nil, nil
}

func check(pass *analysis.Pass, res *chanuse.Result, c *chanuse.Chan) {
	var sends []*chanuse.Op
	var recv *chanuse.Op
	var g *chanuse.Go
	for _, op := range c.Ops {
		switch op.Kind {
		case chanuse.Send:
			if op.Go == nil || (g != nil && op.Go != g) {
				return // more than one sender
			}
			g = op.Go
			if op.Alone() {
				sends = append(sends, op)
			}
		case chanuse.Recv:
			if op.Go != nil || recv != nil {
				return // more than one receive
			}
			recv = op
		default:
			return // a range or a close: not the one-result shape
		}
	}
	if g == nil || recv == nil || len(sends) == 0 {
		return
	}
	if chanuse.Loop(sends[0].GoCursor(), c.Body).Valid() || chanuse.Loop(recv.Cur, c.Body).Valid() {
		return // several goroutines or several receives
	}
	lit := g.Lit
	flow := res.CFG(lit.Body)
	isSend := make(map[ast.Node]*chanuse.Op)
	for _, s := range sends {
		isSend[s.Node] = s
	}
	for _, first := range sends {
		var second *chanuse.Op
		stop := func(n ast.Node) bool {
			if s := isSend[n]; s != nil {
				second = s
				return true
			}
			return false
		}
		chanuse.Reach(flow, first.Node, stop, nil)
		if second == nil || (second == first && !everyPass(first.Cur)) {
			// A send behind an if or a continue runs once per matching
			// value, and how many match is in the data.
			continue
		}
		line := pass.Fset.Position(first.Pos()).Line
		when := fmt.Sprintf("when it already sent on %s at line %d", c.Name(), line)
		advice := fmt.Sprintf("return after the send at line %d", line)
		if second == first {
			when = "the second time round the loop"
			advice = "send once, or receive as many values as are sent"
		}
		d := analysis.Diagnostic{
			Pos: second.Pos(),
			End: second.Node.End(),
			Message: fmt.Sprintf("%s: the goroutine blocks forever on this send %s: the only receive of %s (line %d) takes one value; %s",
				classify.SendNoReceiver, when, c.Name(), pass.Fset.Position(recv.Pos()).Line, advice),
			URL:      "https://github.com/leakhound/leakhound/blob/main/docs/leakvet.md#doublesend",
			Category: category.Of(pass, second.Pos(), failedFirst(pass, res, c, first, recv)),
		}
		if edit, ok := returnEdit(pass, lit, first); ok && second != first {
			d.SuggestedFixes = []analysis.SuggestedFix{{
				Message:   fmt.Sprintf("Return after the send at line %d", line),
				TextEdits: []analysis.TextEdit{edit},
			}}
		}
		pass.Report(d)
		return
	}
}

// returnEdit adds a return after a send that ends an if block.
func returnEdit(pass *analysis.Pass, lit *ast.FuncLit, send *chanuse.Op) (analysis.TextEdit, bool) {
	if lit.Type.Results != nil && len(lit.Type.Results.List) > 0 {
		return analysis.TextEdit{}, false
	}
	block, ok := send.Cur.Parent().Node().(*ast.BlockStmt)
	if !ok || len(block.List) == 0 || block.List[len(block.List)-1] != send.Node {
		return analysis.TextEdit{}, false
	}
	if _, ok := send.Cur.Parent().Parent().Node().(*ast.IfStmt); !ok {
		return analysis.TextEdit{}, false
	}
	stmt := send.Node.(ast.Stmt)
	return analysis.TextEdit{
		Pos:     stmt.End(),
		End:     stmt.End(),
		NewText: []byte("\n" + chanuse.Indent(pass, stmt) + "return"),
	}, true
}

// everyPass reports whether the statement at send runs on every pass of the
// innermost loop around it: it sits in the loop's body, not in an if, a
// switch or a select, and no continue comes before it.
func everyPass(send chanuse.Cursor) bool {
	for cur := send.Parent(); ; cur = cur.Parent() {
		var body *ast.BlockStmt
		switch n := cur.Node().(type) {
		case *ast.BlockStmt:
			continue
		case *ast.ForStmt:
			body = n.Body
		case *ast.RangeStmt:
			body = n.Body
		default:
			return false
		}
		skips := false
		ast.Inspect(body, func(n ast.Node) bool {
			if skips || n == nil || n.Pos() >= send.Node().Pos() {
				return false
			}
			switch n := n.(type) {
			case *ast.FuncLit:
				return false
			case *ast.ForStmt, *ast.RangeStmt, *ast.SwitchStmt, *ast.TypeSwitchStmt, *ast.SelectStmt:
				// A bare continue in an inner loop is that loop's; one in
				// an inner switch or select, or a labelled one, may be
				// ours (counted as ours even inside a loop in a switch,
				// which only errs towards silence).
				ast.Inspect(n, func(m ast.Node) bool {
					if b, ok := m.(*ast.BranchStmt); ok && b.Tok == token.CONTINUE {
						_, loop := n.(*ast.ForStmt)
						_, rng := n.(*ast.RangeStmt)
						skips = skips || b.Label != nil || !(loop || rng)
					}
					return !skips
				})
				return false
			case *ast.BranchStmt:
				skips = n.Tok == token.CONTINUE
			}
			return !skips
		})
		return !skips
	}
}

// failedFirst reports whether the first send reports a failure (an error
// value that is not nil) and the owner, having received it, can go on to
// fail the test: the second send then blocks only on a failed test's path.
func failedFirst(pass *analysis.Pass, res *chanuse.Result, c *chanuse.Chan, first, recv *chanuse.Op) bool {
	s, ok := first.Node.(*ast.SendStmt)
	if !ok {
		return false
	}
	if id, ok := ast.Unparen(s.Value).(*ast.Ident); ok && id.Name == "nil" {
		return false
	}
	errType := types.Universe.Lookup("error").Type().Underlying().(*types.Interface)
	if t := pass.TypesInfo.TypeOf(s.Value); t == nil || !types.Implements(t, errType) {
		return false
	}
	fails := false
	w := &chanuse.Walk{Stop: func(ast.Node) bool { return false }, Info: pass.TypesInfo}
	w.Exits(res.CFG(c.Body), recvStmt(res, c, recv), func(e *chanuse.Exit) bool {
		fails = e.Failed
		return !fails
	})
	return fails
}

// recvStmt returns the node of the owner's CFG that holds the receive.
func recvStmt(res *chanuse.Result, c *chanuse.Chan, recv *chanuse.Op) ast.Node {
	for _, b := range res.CFG(c.Body).Blocks {
		for _, n := range b.Nodes {
			if n == recv.Node || chanuse.Contains(n, recv.Node) {
				return n
			}
		}
	}
	return nil
}
