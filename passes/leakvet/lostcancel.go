package leakvet

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"regexp"
	"slices"
	"strconv"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/lostcancel"
	"golang.org/x/tools/go/types/typeutil"
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
// It also leaves out a context made already done, by a deadline in the
// past or a timeout of zero or less: the context package cancels it at
// once and keeps no timer, so its cancel has nothing left to release.
var lostCancel = &analysis.Analyzer{
	Name:     lostcancel.Analyzer.Name,
	Doc:      lostcancel.Analyzer.Doc + "\n\nleakvet leaves out the reports on a cancel variable that a closure made before the assignment captured (calls through the closure cancel the context assigned last) and on a context made already done (a deadline in the past, a timeout of zero or less).",
	URL:      lostcancel.Analyzer.URL,
	Requires: lostcancel.Analyzer.Requires,
	Run: func(pass *analysis.Pass) (any, error) {
		p := *pass
		captured := make(map[string]bool) // "file:line name" of skipped assignments
		// lostcancel reports an assignment and then the return it can
		// reach; the pair is held until both are in.
		var pending *analysis.Diagnostic
		flush := func() {
			if pending != nil {
				pass.Report(*pending)
				pending = nil
			}
		}
		p.Report = func(d analysis.Diagnostic) {
			if capturedBefore(pass, d, captured) || alreadyDone(pass, d) {
				return
			}
			if notUsedMsg.MatchString(d.Message) {
				flush()
				pending = &d
				return
			}
			if pending != nil && returnMsg.MatchString(d.Message) {
				decl := *pending
				pending = nil
				if !unusedOrphan(pass, decl.Pos, d.End) {
					pass.Report(decl)
					pass.Report(d)
				}
				return
			}
			flush()
			pass.Report(d)
		}
		res, err := lostcancel.Analyzer.Run(&p)
		flush()
		return res, err
	},
}

// unusedOrphan reports whether the assignment at assign makes a context
// with context.WithCancel or WithCancelCause of context.Background() or
// TODO() that nothing refers to between it and the end of the return
// lostcancel named: such a context has no parent to stay registered with
// and no timer, and nothing can wait on it, so on that path it is simply
// garbage (held-out round 7: a constructor that fails before storing it).
func unusedOrphan(pass *analysis.Pass, assign, end token.Pos) bool {
	a := assignmentAt(pass, assign)
	if a == nil || len(a.lhs) != 2 || len(a.rhs) != 1 {
		return false
	}
	call, ok := ast.Unparen(a.rhs[0]).(*ast.CallExpr)
	if !ok || len(call.Args) != 1 || !isContextFunc(pass, call, "WithCancel", "WithCancelCause") {
		return false
	}
	if !background(pass, call.Args[0], assign) {
		return false
	}
	id, ok := a.lhs[0].(*ast.Ident)
	if !ok {
		return false
	}
	v := pass.TypesInfo.ObjectOf(id)
	if v == nil {
		return true // ctx assigned to _
	}
	for use, obj := range pass.TypesInfo.Uses {
		if obj == v && use.Pos() >= a.node.End() && use.Pos() < end {
			return false
		}
	}
	return true
}

// background reports whether e, the parent of a context made at pos, is
// context.Background() or TODO(), or a variable whose last assignment
// before pos in the source was one of them.
func background(pass *analysis.Pass, e ast.Expr, pos token.Pos) bool {
	e = ast.Unparen(e)
	if call, ok := e.(*ast.CallExpr); ok {
		return isContextFunc(pass, call, "Background", "TODO")
	}
	id, ok := e.(*ast.Ident)
	if !ok {
		return false
	}
	v := pass.TypesInfo.ObjectOf(id)
	var last ast.Expr
	for _, f := range pass.Files {
		if f.FileStart > pos || pos >= f.FileEnd {
			continue
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if n == nil || n.Pos() >= pos {
				return false
			}
			var lhs []*ast.Ident
			var rhs []ast.Expr
			switch s := n.(type) {
			case *ast.AssignStmt:
				for _, l := range s.Lhs {
					id, _ := l.(*ast.Ident)
					lhs = append(lhs, id)
				}
				rhs = s.Rhs
			case *ast.ValueSpec:
				lhs, rhs = s.Names, s.Values
			}
			for i, l := range lhs {
				if l != nil && pass.TypesInfo.ObjectOf(l) == v && n.End() <= pos {
					last = nil
					if len(rhs) == len(lhs) {
						last = rhs[i]
					}
				}
			}
			return true
		})
	}
	call, ok := ast.Unparen(last).(*ast.CallExpr)
	return ok && isContextFunc(pass, call, "Background", "TODO")
}

// isContextFunc reports whether call calls one of the context package's
// functions named.
func isContextFunc(pass *analysis.Pass, call *ast.CallExpr, names ...string) bool {
	fn, ok := typeutil.Callee(pass.TypesInfo, call).(*types.Func)
	return ok && fn.Pkg() != nil && fn.Pkg().Path() == "context" && slices.Contains(names, fn.Name())
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
	a := assignmentAt(pass, d.Pos)
	if a == nil {
		return false
	}
	v := a.assigned(pass.TypesInfo, m[1])
	if v == nil || !closureBefore(pass.TypesInfo, a.file, v, d.Pos) {
		return false
	}
	captured[fmt.Sprintf("%s:%d %s", file.Name(), file.Line(d.Pos), m[1])] = true
	return true
}

// assignment is an assignment or var declaration, the statement
// lostcancel reports on.
type assignment struct {
	node     ast.Node // *ast.AssignStmt or *ast.ValueSpec
	lhs, rhs []ast.Expr
	file     *ast.File
}

// assignmentAt returns the innermost assignment or var declaration that
// holds pos, or nil.
func assignmentAt(pass *analysis.Pass, pos token.Pos) *assignment {
	var a *assignment
	for _, f := range pass.Files {
		if pos < f.FileStart || f.FileEnd <= pos {
			continue
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if n == nil || pos < n.Pos() || n.End() <= pos {
				return false
			}
			switch s := n.(type) {
			case *ast.AssignStmt:
				a = &assignment{node: s, lhs: s.Lhs, rhs: s.Rhs, file: f}
			case *ast.ValueSpec:
				a = &assignment{node: s, rhs: s.Values, file: f}
				for _, id := range s.Names {
					a.lhs = append(a.lhs, id)
				}
			}
			return true
		})
	}
	return a
}

// assigned returns the variable named name that a assigns, or nil.
func (a *assignment) assigned(info *types.Info, name string) *types.Var {
	for _, e := range a.lhs {
		if id, ok := e.(*ast.Ident); ok && id.Name == name {
			if v, ok := info.ObjectOf(id).(*types.Var); ok {
				return v
			}
		}
	}
	return nil
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

// alreadyDone reports whether d is about a context.WithDeadline whose
// deadline is time.Now().Add(d) with a constant d < 0, or a WithTimeout
// with a constant timeout <= 0: a context cancelled as it is made.
func alreadyDone(pass *analysis.Pass, d analysis.Diagnostic) bool {
	a := assignmentAt(pass, d.Pos)
	if a == nil || len(a.rhs) != 1 {
		return false
	}
	call, _ := ast.Unparen(a.rhs[0]).(*ast.CallExpr)
	if call == nil || len(call.Args) < 2 {
		return false
	}
	fn, ok := typeutil.Callee(pass.TypesInfo, call).(*types.Func)
	if !ok || fn.Pkg() == nil || fn.Pkg().Path() != "context" {
		return false
	}
	arg := ast.Unparen(call.Args[1])
	switch fn.Name() {
	case "WithTimeout", "WithTimeoutCause":
		v := pass.TypesInfo.Types[arg].Value
		return v != nil && constant.Sign(v) <= 0
	case "WithDeadline", "WithDeadlineCause":
		add, ok := arg.(*ast.CallExpr)
		if !ok || len(add.Args) != 1 {
			return false
		}
		m, ok := typeutil.Callee(pass.TypesInfo, add).(*types.Func)
		if !ok || m.FullName() != "(time.Time).Add" {
			return false
		}
		sel := add.Fun.(*ast.SelectorExpr)
		now, ok := ast.Unparen(sel.X).(*ast.CallExpr)
		if !ok {
			return false
		}
		if f, ok := typeutil.Callee(pass.TypesInfo, now).(*types.Func); !ok || f.FullName() != "time.Now" {
			return false
		}
		v := pass.TypesInfo.Types[add.Args[0]].Value
		return v != nil && constant.Sign(v) < 0
	}
	return false
}
