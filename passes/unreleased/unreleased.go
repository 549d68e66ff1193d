package unreleased

import (
	_ "embed"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/ctrlflow"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/inspector"
	"golang.org/x/tools/go/cfg"

	"github.com/leakhound/leakhound/classify"
	"github.com/leakhound/leakhound/passes/internal/category"
	"github.com/leakhound/leakhound/passes/internal/chanuse"
)

//go:embed doc.go
var doc string

// Analyzer reports returns that skip an Unlock or wg.Done.
var Analyzer = &analysis.Analyzer{
	Name:     "unreleased",
	Doc:      chanuse.Doc(doc),
	URL:      "https://github.com/leakhound/leakhound/tree/main/passes/unreleased",
	Requires: []*analysis.Analyzer{inspect.Analyzer, ctrlflow.Analyzer},
	Run:      run,
}

const url = "https://github.com/leakhound/leakhound/blob/main/docs/leakvet.md#unreleased"

func run(pass *analysis.Pass) (any, error) {
	if !importsSync(pass.Pkg) {
		return nil, nil
	}
	in := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	for cur := range in.Root().Preorder((*ast.FuncDecl)(nil), (*ast.FuncLit)(nil)) {
		var body *ast.BlockStmt
		started := false
		switch f := cur.Node().(type) {
		case *ast.FuncDecl:
			body = f.Body
		case *ast.FuncLit:
			body = f.Body
			started = chanuse.Started(pass.TypesInfo, cur)
		}
		if body != nil {
			checkFunc(pass, cur.Node(), body, started)
		}
	}
	return nil, nil
}

// A call is a sync method call found in a function body.
type call struct {
	stmt   ast.Stmt // the *ast.ExprStmt or *ast.DeferStmt
	key    string   // receiver expression and lock kind
	recv   string
	method string // Lock, RLock, Unlock, RUnlock, Done
}

// checkFunc checks one function; started says it is a literal started as
// a goroutine, which runs once.
func checkFunc(pass *analysis.Pass, fn ast.Node, body *ast.BlockStmt, started bool) {
	var calls []call
	nested := make(map[string]bool) // keys released inside function literals or by defer
	helper := make(map[ast.Node]bool)
	ast.Inspect(body, func(n ast.Node) bool {
		switch s := n.(type) {
		case *ast.FuncLit:
			ast.Inspect(s.Body, func(m ast.Node) bool {
				if ce, ok := m.(*ast.CallExpr); ok {
					if c, ok := syncCall(pass, ce); ok {
						nested[c.key] = true
					}
				}
				return true
			})
			return false
		case *ast.DeferStmt:
			if c, ok := syncCall(pass, s.Call); ok {
				nested[c.key] = true
			}
			return true
		case *ast.ExprStmt:
			ce, ok := s.X.(*ast.CallExpr)
			if !ok {
				return true
			}
			if c, ok := syncCall(pass, ce); ok {
				c.stmt = s
				calls = append(calls, c)
			} else if releasesByName(ce) {
				helper[s] = true
			}
		}
		return true
	})
	if len(calls) == 0 {
		return
	}
	var g *cfg.CFG
	done := make(map[string]bool)
	for _, lock := range calls {
		if done[lock.key] || nested[lock.key] {
			continue
		}
		var start ast.Node
		switch lock.method {
		case "Lock", "RLock":
			start = lock.stmt
		case "Done":
			// A worker owes its Done from the start: a goroutine's literal,
			// or a function given the group. Other literals are callbacks
			// that may run again after a return that skips Done (a job
			// queue retries a failed task), so they are left alone.
			start = nil
			if !started && !isParam(pass, fn, lock) {
				continue
			}
		default:
			continue
		}
		release := make(map[ast.Node]bool)
		for _, c := range calls {
			if c.key == lock.key && c.method != "Lock" && c.method != "RLock" {
				release[c.stmt] = true
			}
		}
		if len(release) == 0 {
			continue // the function keeps it locked or leaves Done to others by design
		}
		if lock.method != "Done" && lockHelper(fn) {
			continue // lockForAppend, acquireLocked...: returning locked is its job
		}
		if lock.method != "Done" && heldOnEntry(calls, lock.key) {
			continue // "lock must be held": it drops the lock and takes it back
		}
		if lock.method != "Done" && conditional(body, lock) {
			continue // if !held { Lock } ... if held { Unlock }: paths cfg cannot correlate
		}
		done[lock.key] = true
		if g == nil {
			g = cfg.New(body, chanuse.MayReturn(pass.TypesInfo, pass.ResultOf[ctrlflow.Analyzer].(*ctrlflow.CFGs).NoReturn))
		}
		last := lastReturn(g)
		var leaks []*ast.ReturnStmt
		failed := make(map[*ast.ReturnStmt]bool) // every path to it failed the test
		keepsLast := false
		stop := func(n ast.Node) bool { return release[n] || helper[n] }
		walk := &chanuse.Walk{Stop: stop, Info: pass.TypesInfo}
		walk.Exits(g, start, func(e *chanuse.Exit) bool {
			if e.Return == nil {
				return true // t.Fatal: not a return of this function's caller
			}
			if e.Return == last {
				keepsLast = true
				return false
			}
			if lock.method != "Done" && returnsLocked(pass, e.Return, lock) {
				return true // hands the locked value to the caller
			}
			if f, ok := failed[e.Return]; ok {
				failed[e.Return] = f && e.Failed
				return true
			}
			failed[e.Return] = e.Failed
			leaks = append(leaks, e.Return)
			return true
		})
		if keepsLast {
			continue
		}
		for _, ret := range leaks {
			report(pass, fn, lock, ret, category.Of(pass, ret.Pos(), failed[ret]))
		}
	}
}

func report(pass *analysis.Pass, fn ast.Node, c call, ret *ast.ReturnStmt, cat string) {
	name := chanuse.FuncName(fn)
	if c.method == "Done" {
		pass.Report(analysis.Diagnostic{
			Pos: ret.Pos(), End: ret.End(),
			Message: fmt.Sprintf("%s: %s returns here without calling %s.Done(), which its other paths call, so %s.Wait() blocks forever; "+
				"call defer %s.Done() at the top", classify.WaitGroupNeverDone, name, c.recv, c.recv, c.recv),
			URL:      url,
			Category: cat,
		})
		return
	}
	unlock, blocked := "Unlock", "the next Lock blocks forever"
	if c.method == "RLock" {
		// A read lock held forever blocks writers, and readers queue behind
		// the first writer that waits.
		unlock, blocked = "RUnlock", "the next Lock blocks forever, and every RLock after it"
	}
	pass.Report(analysis.Diagnostic{
		Pos: ret.Pos(), End: ret.End(),
		Message: fmt.Sprintf("%s: %s returns here with %s still locked (%s at line %d; its other paths unlock), so %s; "+
			"call %s.%s() before this return or defer it after %s",
			classify.MutexDeadlock, name, c.recv, c.method, pass.Fset.Position(c.stmt.Pos()).Line, blocked,
			c.recv, unlock, c.method),
		URL:      url,
		Category: cat,
	})
}

// syncCall recognises a call of a sync.Mutex, sync.RWMutex or
// sync.WaitGroup method that takes or releases it.
func syncCall(pass *analysis.Pass, ce *ast.CallExpr) (call, bool) {
	sel, ok := ast.Unparen(ce.Fun).(*ast.SelectorExpr)
	if !ok {
		return call{}, false
	}
	fn, ok := pass.TypesInfo.Uses[sel.Sel].(*types.Func)
	if !ok || fn.Pkg() == nil || fn.Pkg().Path() != "sync" {
		return call{}, false
	}
	recv := fn.Signature().Recv()
	if recv == nil {
		return call{}, false
	}
	ptr, ok := recv.Type().(*types.Pointer)
	if !ok {
		return call{}, false
	}
	named, ok := ptr.Elem().(*types.Named)
	if !ok {
		return call{}, false
	}
	kind := ""
	switch named.Obj().Name() + "." + fn.Name() {
	case "Mutex.Lock", "Mutex.Unlock", "RWMutex.Lock", "RWMutex.Unlock":
		kind = "w"
	case "RWMutex.RLock", "RWMutex.RUnlock":
		kind = "r"
	case "WaitGroup.Done":
		kind = "d"
	default:
		return call{}, false
	}
	x := types.ExprString(sel.X)
	return call{key: x + "/" + kind, recv: x, method: fn.Name()}, true
}

// releasesByName reports whether a call is to a helper that, by its name,
// releases something (unlockAndNotify, s.unlock, doneLocked...).
func releasesByName(ce *ast.CallExpr) bool {
	var name string
	switch f := ast.Unparen(ce.Fun).(type) {
	case *ast.Ident:
		name = f.Name
	case *ast.SelectorExpr:
		name = f.Sel.Name
	}
	name = strings.ToLower(name)
	return strings.Contains(name, "unlock") || strings.Contains(name, "release")
}

// isParam reports whether the WaitGroup of a Done call is a parameter of
// the function: a worker given the group it must count down.
func isParam(pass *analysis.Pass, fn ast.Node, c call) bool {
	d, ok := fn.(*ast.FuncDecl)
	if !ok {
		return false
	}
	for _, f := range d.Type.Params.List {
		for _, name := range f.Names {
			if name.Name == strings.TrimPrefix(c.recv, "*") {
				return true
			}
		}
	}
	return false
}

// lastReturn returns the live return statement that comes last in the
// source, the function's normal exit.
func lastReturn(g *cfg.CFG) *ast.ReturnStmt {
	var last *ast.ReturnStmt
	var pos token.Pos
	for _, b := range g.Blocks {
		if !b.Live {
			continue
		}
		for _, n := range b.Nodes {
			if r, ok := n.(*ast.ReturnStmt); ok && r.Pos() >= pos {
				last, pos = r, r.Pos()
			}
		}
	}
	return last
}

func importsSync(pkg *types.Package) bool {
	if pkg.Path() == "sync" {
		return false
	}
	for _, p := range pkg.Imports() {
		if p.Path() == "sync" {
			return true
		}
	}
	return false
}

// lockHelper reports whether a function's name says that taking a lock is
// what it is for.
func lockHelper(fn ast.Node) bool {
	d, ok := fn.(*ast.FuncDecl)
	if !ok {
		return false
	}
	name := strings.ToLower(d.Name.Name)
	return strings.Contains(name, "lock") || strings.Contains(name, "acquire")
}

// returnsLocked reports whether a return statement hands back the value
// whose mutex is held (return s, nil after s.Lock()).
func returnsLocked(pass *analysis.Pass, ret *ast.ReturnStmt, c call) bool {
	root, _, _ := strings.Cut(c.recv, ".")
	for _, r := range ret.Results {
		if id, ok := ast.Unparen(r).(*ast.Ident); ok && id.Name == root {
			return true
		}
	}
	return false
}

// heldOnEntry reports whether the first call on key in source order
// releases it: the function is entered with the lock held.
func heldOnEntry(calls []call, key string) bool {
	for _, c := range calls { // in source order, as ast.Inspect found them
		if c.key == key {
			return c.method == "Unlock" || c.method == "RUnlock"
		}
	}
	return false
}

// conditional reports whether the lock call is a statement of an if or
// else block: such locks are paired with unlocks under a flag or the same
// condition, which a path-insensitive CFG cannot follow.
func conditional(body *ast.BlockStmt, lock call) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		ifs, ok := n.(*ast.IfStmt)
		if !ok || found {
			return !found
		}
		blocks := []*ast.BlockStmt{ifs.Body}
		if b, ok := ifs.Else.(*ast.BlockStmt); ok {
			blocks = append(blocks, b)
		}
		for _, b := range blocks {
			for _, st := range b.List {
				if st == lock.stmt {
					found = true
				}
			}
		}
		return !found
	})
	return found
}
