package blockforever

import (
	_ "embed"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/inspector"

	"github.com/leakhound/leakhound/classify"
	"github.com/leakhound/leakhound/passes/internal/category"
	"github.com/leakhound/leakhound/passes/internal/chanuse"
)

//go:embed doc.go
var doc string

// Analyzer reports statements that block their goroutine forever.
var Analyzer = &analysis.Analyzer{
	Name:     "blockforever",
	Doc:      chanuse.Doc(doc),
	URL:      "https://github.com/leakhound/leakhound/tree/main/passes/blockforever",
	Requires: []*analysis.Analyzer{inspect.Analyzer},
	Run:      run,
}

const url = "https://github.com/leakhound/leakhound/blob/main/docs/leakvet.md#blockforever"

func run(pass *analysis.Pass) (any, error) {
	if pass.Pkg.Name() == "main" {
		return nil, nil // parking main is a known idiom
	}
	in := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	for cur := range in.Root().Preorder((*ast.SelectStmt)(nil), (*ast.UnaryExpr)(nil), (*ast.RangeStmt)(nil)) {
		// Blocking the caller forever is how tests provoke deadlocks and how
		// serve-forever helpers park; a goroutine that can never end is the leak.
		if !chanuse.InGo(pass.TypesInfo, cur) || strings.HasSuffix(pass.Fset.File(cur.Node().Pos()).Name(), "_test.go") {
			continue
		}
		switch n := cur.Node().(type) {
		case *ast.SelectStmt:
			if len(n.Body.List) == 0 {
				pass.Report(analysis.Diagnostic{
					Pos: n.Pos(),
					End: n.End(),
					Message: fmt.Sprintf("%s: select {} blocks this goroutine forever and nothing can stop it; "+
						"wait on ctx.Done() or on a channel the owner closes", classify.SelectForever),
					URL:      url,
					Category: category.Of(pass, n.Pos(), false),
				})
			}
		case *ast.UnaryExpr:
			if n.Op == token.ARROW {
				check(pass, n.X, n.Pos(), "receive")
			}
		case *ast.RangeStmt:
			if n.X != nil {
				check(pass, n.X, n.Pos(), "range")
			}
		}
	}
	return nil, nil
}

// check reports a receive or range from a channel that can never deliver.
func check(pass *analysis.Pass, x ast.Expr, pos token.Pos, what string) {
	x = ast.Unparen(x)
	call, ok := x.(*ast.CallExpr)
	if !ok {
		return
	}
	if tv := pass.TypesInfo.Types[call.Fun]; tv.IsType() && len(call.Args) == 1 {
		// (chan T)(nil)
		if _, isChan := tv.Type.Underlying().(*types.Chan); isChan && pass.TypesInfo.Types[call.Args[0]].IsNil() {
			pass.Report(analysis.Diagnostic{
				Pos: pos, End: x.End(),
				Message: fmt.Sprintf("%s: this %s from a nil channel blocks the goroutine forever; "+
					"wait on ctx.Done() or on a channel the owner closes", classify.NilChannelReceive, what),
				URL:      url,
				Category: category.Of(pass, pos, false),
			})
		}
		return
	}
	if id, ok := ast.Unparen(call.Fun).(*ast.Ident); ok {
		if b, ok := pass.TypesInfo.Uses[id].(*types.Builtin); ok && b.Name() == "make" {
			pass.Report(analysis.Diagnostic{
				Pos: pos, End: x.End(),
				Message: fmt.Sprintf("%s: this %s from a channel made on the spot blocks the goroutine forever: nothing else can reach it to send or close; "+
					"wait on ctx.Done() or on a channel the owner closes", classify.ReceiveNoSender, what),
				URL:      url,
				Category: category.Of(pass, pos, false),
			})
		}
	}
}
