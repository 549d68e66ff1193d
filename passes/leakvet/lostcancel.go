package leakvet

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"regexp"
	"strconv"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/lostcancel"
)

// lostCancel is x/tools' lostcancel, run unchanged, less the reports on a
// cancel variable that a closure made earlier in the function captured:
//
//	var cancel context.CancelFunc
//	lw := &ListWatch{WatchFunc: func() { cancel() }}
//	ctx, cancel = context.WithCancel(ctx) // lostcancel: not used on all paths
//	run(ctx, lw)                          // calls the closure, which cancels ctx
//
// lostcancel looks for a use of the variable on the paths after the
// assignment and cannot see the call through the closure, which reads the
// variable when it runs and so cancels the context assigned last. Ten of
// its eleven reports on k8s.io/client-go were this shape (docs/leakvet.md).
var lostCancel = &analysis.Analyzer{
	Name:     lostcancel.Analyzer.Name,
	Doc:      lostcancel.Analyzer.Doc + "\n\nleakvet leaves out the reports on a cancel variable that a closure made before the assignment captured: calls through the closure cancel the context assigned last.",
	URL:      lostcancel.Analyzer.URL,
	Requires: lostcancel.Analyzer.Requires,
	Run: func(pass *analysis.Pass) (any, error) {
		p := *pass
		captured := make(map[string]bool) // "file:line name" of skipped assignments
		p.Report = func(d analysis.Diagnostic) {
			if capturedBefore(pass, d, captured) {
				return
			}
			pass.Report(d)
		}
		return lostcancel.Analyzer.Run(&p)
	},
}

var (
	notUsedMsg = regexp.MustCompile(`^the (\w+) function is not used on all paths`)
	returnMsg  = regexp.MustCompile(`without using the (\w+) var defined on line (\d+)$`)
)

// capturedBefore reports whether d is about a cancel variable that a
// closure captured before it was assigned, remembering the assignments it
// skips in captured so that the report on their return statement goes too.
func capturedBefore(pass *analysis.Pass, d analysis.Diagnostic, captured map[string]bool) bool {
	file := pass.Fset.File(d.Pos)
	if file == nil {
		return false
	}
	if m := returnMsg.FindStringSubmatch(d.Message); m != nil {
		line, _ := strconv.Atoi(m[2])
		return captured[fmt.Sprintf("%s:%d %s", file.Name(), line, m[1])]
	}
	m := notUsedMsg.FindStringSubmatch(d.Message)
	if m == nil {
		return false
	}
	var syntax *ast.File
	for _, f := range pass.Files {
		if f.FileStart <= d.Pos && d.Pos < f.FileEnd {
			syntax = f
		}
	}
	if syntax == nil {
		return false
	}
	v := cancelVar(pass.TypesInfo, syntax, d.Pos, m[1])
	if v == nil || !closureBefore(pass.TypesInfo, syntax, v, d.Pos) {
		return false
	}
	captured[fmt.Sprintf("%s:%d %s", file.Name(), file.Line(d.Pos), m[1])] = true
	return true
}

// cancelVar finds the variable named name that the assignment or
// declaration starting at pos assigns.
func cancelVar(info *types.Info, f *ast.File, pos token.Pos, name string) *types.Var {
	var v *types.Var
	ast.Inspect(f, func(n ast.Node) bool {
		if v != nil || n == nil || pos < n.Pos() || n.End() <= pos {
			return false // found, or pos is not inside n
		}
		var lhs []*ast.Ident
		switch s := n.(type) {
		case *ast.AssignStmt:
			for _, e := range s.Lhs {
				if id, ok := e.(*ast.Ident); ok && s.Pos() == pos {
					lhs = append(lhs, id)
				}
			}
		case *ast.ValueSpec:
			if s.Pos() == pos {
				lhs = s.Names
			}
		}
		for _, id := range lhs {
			if obj, ok := info.ObjectOf(id).(*types.Var); ok && id.Name == name {
				v = obj
			}
		}
		return v == nil
	})
	return v
}

// closureBefore reports whether a function literal that ends before pos
// refers to v. Literals around pos do not count: pos runs inside them.
func closureBefore(info *types.Info, f *ast.File, v *types.Var, pos token.Pos) bool {
	found := false
	ast.Inspect(f, func(n ast.Node) bool {
		if found || n == nil || n.Pos() >= pos {
			return false
		}
		lit, ok := n.(*ast.FuncLit)
		if !ok || lit.End() > pos {
			return true
		}
		ast.Inspect(lit.Body, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && info.Uses[id] == v {
				found = true
			}
			return !found
		})
		return false
	})
	return found
}
