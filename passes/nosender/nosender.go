package nosender

import (
	_ "embed"
	"fmt"
	"go/ast"

	"golang.org/x/tools/go/analysis"

	"github.com/leakhound/leakhound/classify"
	"github.com/leakhound/leakhound/passes/internal/category"
	"github.com/leakhound/leakhound/passes/internal/chanuse"
)

//go:embed doc.go
var doc string

// Analyzer reports goroutines that wait on a channel nothing sends to or closes.
var Analyzer = &analysis.Analyzer{
	Name:     "nosender",
	Doc:      chanuse.Doc(doc),
	URL:      "https://github.com/leakhound/leakhound/tree/main/passes/nosender",
	Requires: []*analysis.Analyzer{chanuse.Analyzer},
	Run:      run,
}

func run(pass *analysis.Pass) (any, error) {
	res := pass.ResultOf[chanuse.Analyzer].(*chanuse.Result)
	for _, c := range res.Chans {
		check(pass, res, c)
	}
	return nil, nil
}

func check(pass *analysis.Pass, res *chanuse.Result, c *chanuse.Chan) {
	var sends, closes, waits []*chanuse.Op
	for _, op := range c.Ops {
		switch op.Kind {
		case chanuse.Send:
			sends = append(sends, op)
		case chanuse.Close:
			closes = append(closes, op)
		case chanuse.Recv, chanuse.Range:
			if op.Go != nil && op.Alone() {
				waits = append(waits, op)
			}
		}
	}
	if len(closes) > 0 || len(waits) == 0 {
		return
	}
	g := res.CFG(c.Body)
	never := func(ast.Node) bool { return false }
	for _, w := range waits {
		if !w.Go.Deferred && chanuse.Reach(g, w.Go.Stmt, never, nil) == nil {
			continue // the function never returns: the goroutine lives by design
		}
		switch {
		case w.Kind == chanuse.Recv && len(sends) == 0:
			pass.Report(analysis.Diagnostic{
				Pos: w.Pos(),
				End: w.Node.End(),
				Message: fmt.Sprintf("%s: the goroutine blocks forever on this receive: nothing sends on %s or closes it; "+
					"close %s when the work is done or give the goroutine a way out (ctx.Done())",
					classify.ReceiveNoSender, c.Name(), c.Name()),
				URL:      "https://github.com/leakhound/leakhound/blob/main/docs/leakvet.md#nosender",
				Category: category.Of(pass, w.Pos(), false),
			})
		case w.Kind == chanuse.Range:
			rng := w.Node.(*ast.RangeStmt)
			d := analysis.Diagnostic{
				Pos: rng.Pos(),
				End: rng.X.End(),
				Message: fmt.Sprintf("%s: this range over %s never ends and the goroutine blocks forever after the last value: "+
					"nothing closes %s; close it after the last send",
					classify.RangeNeverClosed, c.Name(), c.Name()),
				URL:      "https://github.com/leakhound/leakhound/blob/main/docs/leakvet.md#nosender",
				Category: category.Of(pass, w.Pos(), false),
			}
			if edit, ok := closeEdit(pass, c, sends); ok {
				d.SuggestedFixes = []analysis.SuggestedFix{{
					Message:   fmt.Sprintf("Close %s after the last send", c.Name()),
					TextEdits: []analysis.TextEdit{edit},
				}}
			}
			pass.Report(d)
		}
	}
}

// closeEdit closes the channel after its sends: with a defer at the top of
// the one goroutine that sends, or after the owner's statement that holds
// the last send.
func closeEdit(pass *analysis.Pass, c *chanuse.Chan, sends []*chanuse.Op) (analysis.TextEdit, bool) {
	if len(sends) == 0 {
		return analysis.TextEdit{}, false
	}
	g := sends[0].Go
	for _, s := range sends {
		if s.Go != g {
			return analysis.TextEdit{}, false
		}
	}
	if g != nil {
		if chanuse.Loop(sends[0].GoCursor(), c.Body).Valid() {
			return analysis.TextEdit{}, false // several goroutines send
		}
		body := g.Lit.Body
		if len(body.List) == 0 || pass.Fset.Position(body.Lbrace).Line == pass.Fset.Position(body.List[0].Pos()).Line {
			return analysis.TextEdit{}, false
		}
		indent := chanuse.Indent(pass, body.List[0])
		return analysis.TextEdit{
			Pos:     body.List[0].Pos(),
			End:     body.List[0].Pos(),
			NewText: fmt.Appendf(nil, "defer close(%s)\n%s", c.Name(), indent),
		}, true
	}
	// Sends in the owner: after the top-level statement with the last one.
	last := sends[len(sends)-1]
	for _, stmt := range c.Body.List {
		if stmt.Pos() <= last.Pos() && last.Pos() < stmt.End() {
			return analysis.TextEdit{
				Pos:     stmt.End(),
				End:     stmt.End(),
				NewText: fmt.Appendf(nil, "\n%sclose(%s)", chanuse.Indent(pass, stmt), c.Name()),
			}, true
		}
	}
	return analysis.TextEdit{}, false
}
