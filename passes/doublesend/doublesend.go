package doublesend

import (
	_ "embed"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"slices"

	"golang.org/x/tools/go/analysis"

	"github.com/leakhound/leakhound/classify"
	"github.com/leakhound/leakhound/passes/internal/category"
	"github.com/leakhound/leakhound/passes/internal/chanuse"
	"github.com/leakhound/leakhound/passes/lostsend"
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
	var sends []*chanuse.Op // every send of the goroutine: each may be the first
	var recv *chanuse.Op
	var g *chanuse.Go
	for _, op := range c.Ops {
		switch op.Kind {
		case chanuse.Send:
			if op.Go == nil || (g != nil && op.Go != g) {
				return // more than one sender
			}
			g = op.Go
			sends = append(sends, op)
		case chanuse.Recv:
			if op.Go != nil || recv != nil {
				return // more than one receive
			}
			recv = op
		default:
			return // a range or a close: not the one-result shape
		}
	}
	if g == nil || recv == nil || !slices.ContainsFunc(sends, (*chanuse.Op).Alone) {
		return
	}
	if chanuse.Loop(sends[0].GoCursor(), c.Body).Valid() || chanuse.Loop(recv.Cur, c.Body).Valid() {
		return // several goroutines or several receives
	}
	flow := res.CFG(g.Lit.Body)
	for _, first := range sends {
		// The second send is one with no way out; the first may be a
		// select case beside a timeout, taken when the owner is there.
		// Of several, the last: the result that every path ends with.
		var second *chanuse.Op
		for _, s := range slices.Backward(sends) {
			if !s.Alone() || s == first {
				continue
			}
			if chanuse.Reaches(flow, first.Node, func(n ast.Node) bool { return n == s.Node || chanuse.Contains(n, s.Node) }) {
				second = s
				break
			}
		}
		// A send behind an if or a continue runs once per matching
		// value, and how many match is in the data.
		if second == nil && first.Alone() && everyPass(first.Cur) &&
			chanuse.Reaches(flow, first.Node, func(n ast.Node) bool { return n == first.Node || chanuse.Contains(n, first.Node) }) {
			second = first
		}
		if second == nil {
			continue
		}
		if lostsend.Reports(pass, res, c, g) {
			// The function can also leave without receiving: lostsend's
			// one finding names every send the goroutine makes on a
			// path, and gives c a slot for each.
			return
		}
		line := pass.Fset.Position(first.Pos()).Line
		when := fmt.Sprintf("when it already sent on %s at line %d", c.Name(), line)
		advice := fmt.Sprintf("return after the send at line %d", line)
		var fix *analysis.SuggestedFix
		if edit, ok := returnEdit(pass, g.Lit, first); ok {
			fix = &analysis.SuggestedFix{
				Message:   fmt.Sprintf("Return after the send at line %d", line),
				TextEdits: []analysis.TextEdit{edit},
			}
		}
		holds := func(op *chanuse.Op) func(ast.Node) bool {
			return func(n ast.Node) bool { return n == op.Node || chanuse.Contains(n, op.Node) }
		}
		switch {
		case second == first:
			when = "the second time round the loop"
			advice = "send once, or receive as many values as are sent"
			fix = nil
		case chanuse.Dominates(flow, holds(first), holds(second)):
			// Every path to the second send passes the first: a return
			// there would leave the second dead. Both must complete.
			n := max(len(lostsend.SendChain(res, c, g)), 2)
			advice = fmt.Sprintf("give %s a buffer of %d, or receive every value sent", c.Name(), n)
			fix = &analysis.SuggestedFix{
				Message:   fmt.Sprintf("Give %s a buffer of %d", c.Name(), n),
				TextEdits: []analysis.TextEdit{chanuse.BufferEdit(c.Make, fmt.Sprint(n))},
			}
		}
		d := analysis.Diagnostic{
			Pos: second.Pos(),
			End: second.Node.End(),
			Message: fmt.Sprintf("%s: the goroutine blocks forever on this send %s: the only receive of %s (line %d) takes one value; %s",
				classify.SendNoReceiver, when, c.Name(), pass.Fset.Position(recv.Pos()).Line, advice),
			URL:      "https://github.com/leakhound/leakhound/blob/main/docs/leakvet.md#doublesend",
			Category: category.Of(pass, second.Pos(), failedFirst(pass, res, c, first, recv)),
		}
		if fix != nil {
			d.SuggestedFixes = []analysis.SuggestedFix{*fix}
		}
		pass.Report(d)
		return
	}
}

// returnEdit adds a return after a send that ends an if block or a case,
// or, for a send that is a select case, at the end of that case.
func returnEdit(pass *analysis.Pass, lit *ast.FuncLit, send *chanuse.Op) (analysis.TextEdit, bool) {
	if lit.Type.Results != nil && len(lit.Type.Results.List) > 0 {
		return analysis.TextEdit{}, false
	}
	stmt := send.Node.(ast.Stmt)
	after := func(last ast.Stmt) (analysis.TextEdit, bool) {
		return analysis.TextEdit{
			Pos:     last.End(),
			End:     last.End(),
			NewText: []byte("\n" + chanuse.Indent(pass, last) + "return"),
		}, true
	}
	if send.Clause != nil {
		if body := send.Clause.Body; len(body) > 0 {
			switch body[len(body)-1].(type) {
			case *ast.BranchStmt, *ast.ReturnStmt:
				return analysis.TextEdit{}, false // a return there would never run
			}
			return after(body[len(body)-1])
		}
		return analysis.TextEdit{
			Pos:     send.Clause.Colon + 1,
			End:     send.Clause.Colon + 1,
			NewText: []byte("\n" + chanuse.Indent(pass, send.Clause) + "\treturn"),
		}, true
	}
	var list []ast.Stmt
	switch p := send.Cur.Parent().Node().(type) {
	case *ast.BlockStmt:
		if _, ok := send.Cur.Parent().Parent().Node().(*ast.IfStmt); ok {
			list = p.List
		}
	case *ast.CommClause:
		list = p.Body
	case *ast.CaseClause:
		list = p.Body
	}
	if len(list) == 0 || list[len(list)-1] != stmt {
		return analysis.TextEdit{}, false
	}
	return after(stmt)
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
