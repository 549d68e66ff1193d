// Package chanuse finds channels made inside a function whose every use is
// visible in that function, and records each send, receive, range and close
// on them. The leakvet analyzers that reason about one channel's senders and
// receivers share its result, so the walk is done once per package.
package chanuse

import (
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"reflect"
	"sync"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/ctrlflow"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/edge"
	"golang.org/x/tools/go/ast/inspector"
	"golang.org/x/tools/go/cfg"
	"golang.org/x/tools/go/types/typeutil"

	"github.com/leakhound/leakhound/passes/internal/category"
)

// Analyzer computes a *Result for the package.
var Analyzer = &analysis.Analyzer{
	Name:       "chanuse",
	Doc:        "find channels made in a function whose every use is visible there (a helper of leakvet)",
	URL:        "https://github.com/leakhound/leakhound/tree/main/passes/internal/chanuse",
	Requires:   []*analysis.Analyzer{inspect.Analyzer, ctrlflow.Analyzer},
	Run:        run,
	ResultType: reflect.TypeFor[*Result](),
}

// Kind says what an operation does to a channel.
type Kind int

const (
	Send  Kind = iota // ch <- v
	Recv              // <-ch
	Range             // for v := range ch
	Close             // close(ch)
)

// An Op is one operation on a tracked channel.
type Op struct {
	Kind Kind
	// Node is the *ast.SendStmt, *ast.UnaryExpr, *ast.RangeStmt or the
	// close *ast.CallExpr.
	Node ast.Node
	// Go is the start of the goroutine whose function literal holds the
	// operation, or nil when the operation is in the function that made
	// the channel.
	Go *Go
	// Clause is the select case whose communication is this operation,
	// and Select its statement; both nil outside a select.
	Clause *ast.CommClause
	Select *ast.SelectStmt
	// Deferred is set for an operation run by a defer statement: defer
	// close(ch), or one inside a deferred function literal. It runs when
	// its function ends, after everything else there.
	Deferred bool
	// Cur is the operation's node in the package's inspector.
	Cur inspector.Cursor
}

// Pos returns the position of the operation.
func (o *Op) Pos() token.Pos { return o.Node.Pos() }

// Alone reports whether the operation has no way out: it is not a case of a
// select that has another case or a default.
func (o *Op) Alone() bool { return o.Select == nil || len(o.Select.Body.List) == 1 }

// A Chan is a channel made by make in a function (its owner) and used only
// in ways this package can follow: sends, receives, ranges, close, len, cap,
// comparisons with nil, and passing it to a goroutine's function literal.
type Chan struct {
	Var  *types.Var
	Make *ast.CallExpr
	// Cap is the constant buffer size, or -1 when it is not a constant.
	Cap   int
	Owner ast.Node // *ast.FuncDecl or *ast.FuncLit
	Body  *ast.BlockStmt
	Ops   []*Op
}

// Name returns the channel variable's name.
func (c *Chan) Name() string { return c.Var.Name() }

// Result lists the package's tracked channels.
type Result struct {
	Chans []*Chan

	info     *types.Info
	noReturn func(*types.Func) bool // ctrlflow's: panics or exits on every path
	mu       sync.Mutex
	cfgs     map[*ast.BlockStmt]*cfg.CFG
}

// MayReturn is MayReturn with what ctrlflow learned: the functions
// ctrlflow found never return, here or in dependencies: a test framework's
// Fail, a project's mustFail.
func (r *Result) MayReturn() func(*ast.CallExpr) bool {
	return MayReturn(r.info, r.noReturn)
}

// CFG returns the control-flow graph of a function body, built once and
// shared by the analyzers that ask for it.
func (r *Result) CFG(body *ast.BlockStmt) *cfg.CFG {
	r.mu.Lock()
	defer r.mu.Unlock()
	if g, ok := r.cfgs[body]; ok {
		return g
	}
	g := cfg.New(body, r.MayReturn())
	if r.cfgs == nil {
		r.cfgs = make(map[*ast.BlockStmt]*cfg.CFG)
	}
	r.cfgs[body] = g
	return g
}

func run(pass *analysis.Pass) (any, error) {
	res := &Result{info: pass.TypesInfo, noReturn: pass.ResultOf[ctrlflow.Analyzer].(*ctrlflow.CFGs).NoReturn}
	in := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	root := in.Root()
	if !hasStarts(pass.TypesInfo, root) {
		return res, nil // without goroutines no tracked channel can leak one
	}

	// Find the channels: v := make(chan T[, n]) inside a function.
	byBody := make(map[*ast.BlockStmt]map[*types.Var]*Chan)
	var order []*Chan
	for cur := range root.Preorder((*ast.CallExpr)(nil)) {
		call := cur.Node().(*ast.CallExpr)
		if !isMakeChan(pass.TypesInfo, call) {
			continue
		}
		v := definedBy(pass.TypesInfo, cur)
		if v == nil {
			continue
		}
		owner, body := enclosingFunc(cur)
		if body == nil {
			continue
		}
		c := &Chan{Var: v, Make: call, Cap: capOf(pass.TypesInfo, call), Owner: owner, Body: body}
		if byBody[body] == nil {
			byBody[body] = make(map[*types.Var]*Chan)
		}
		byBody[body][v] = c
		order = append(order, c)
	}
	if len(order) == 0 {
		return res, nil
	}

	escaped := make(map[*Chan]bool)
	for body, chans := range byBody {
		bodyCur, ok := root.FindNode(body)
		if !ok {
			continue
		}
		w := &walker{info: pass.TypesInfo, escaped: escaped, starts: make(map[ast.Node]*Go)}
		w.uses(bodyCur, func(v *types.Var) *Chan { return chans[v] })
	}
	for _, c := range order {
		if !escaped[c] {
			res.Chans = append(res.Chans, c)
		}
	}
	return res, nil
}

type walker struct {
	info    *types.Info
	escaped map[*Chan]bool
	starts  map[ast.Node]*Go // one per start, so ops of a goroutine share it
}

// uses records every use of a tracked variable under cur; lookup maps a
// variable (or an alias bound to a goroutine literal's parameter) to its
// channel.
func (w *walker) uses(cur inspector.Cursor, lookup func(*types.Var) *Chan) {
	for idc := range cur.Preorder((*ast.Ident)(nil)) {
		id := idc.Node().(*ast.Ident)
		v, ok := w.info.Uses[id].(*types.Var)
		if !ok {
			continue
		}
		c := lookup(v)
		if c == nil || w.escaped[c] {
			continue
		}
		if !w.use(c, idc, lookup) {
			w.escaped[c] = true
		}
	}
}

// use classifies one use of c's variable; it returns false when the use
// lets the channel escape from view.
func (w *walker) use(c *Chan, idc inspector.Cursor, lookup func(*types.Var) *Chan) bool {
	// Step over parentheses.
	for idc.ParentEdgeKind() == edge.ParenExpr_X {
		idc = idc.Parent()
	}
	parent := idc.Parent()
	op := &Op{}
	switch k, i := idc.ParentEdge(); k {
	case edge.SendStmt_Chan:
		op.Kind, op.Node = Send, parent.Node()
	case edge.UnaryExpr_X:
		u := parent.Node().(*ast.UnaryExpr)
		if u.Op != token.ARROW {
			return false // &ch
		}
		op.Kind, op.Node = Recv, u
	case edge.RangeStmt_X:
		op.Kind, op.Node = Range, parent.Node()
	case edge.BinaryExpr_X, edge.BinaryExpr_Y:
		b := parent.Node().(*ast.BinaryExpr)
		return b.Op == token.EQL || b.Op == token.NEQ
	case edge.CallExpr_Args:
		call := parent.Node().(*ast.CallExpr)
		if id, ok := ast.Unparen(call.Fun).(*ast.Ident); ok {
			if b, ok := w.info.Uses[id].(*types.Builtin); ok {
				switch b.Name() {
				case "len", "cap":
					return true
				case "close":
					op.Kind, op.Node = Close, call
					op.Deferred = parent.ParentEdgeKind() == edge.DeferStmt_Call
					goto record
				}
				return false
			}
		}
		// go func(c chan T) { ... }(ch): follow the parameter.
		lit, ok := call.Fun.(*ast.FuncLit)
		if !ok || parent.ParentEdgeKind() != edge.GoStmt_Call {
			return false
		}
		param := ParamAt(w.info, lit.Type, i)
		if param == nil {
			return false
		}
		litCur := parent.ChildAt(edge.CallExpr_Fun, -1)
		w.uses(litCur, func(v *types.Var) *Chan {
			if v == param {
				return c
			}
			return nil
		})
		return true
	default:
		return false
	}
record:
	op.Cur = parent
	// Where is it: the owner, or a goroutine literal started by the owner?
	for fc := range idc.Enclosing((*ast.FuncLit)(nil), (*ast.FuncDecl)(nil)) {
		if fc.Node() == c.Owner {
			break
		}
		if deferredLit(fc) {
			op.Deferred = true // defer func() { ... }(): part of the function around it
			continue
		}
		stmt, group, ok := startOf(w.info, fc)
		if !ok {
			return false // a callback: cannot tell when or whether it runs
		}
		if startedBy(stmt) != c.Owner {
			return false // a goroutine started by another goroutine
		}
		op.Go = w.starts[stmt.Node()]
		if op.Go == nil {
			op.Go = &Go{Stmt: stmt.Node().(ast.Stmt), Lit: fc.Node().(*ast.FuncLit), Group: group, Deferred: inDeferred(stmt)}
			w.starts[stmt.Node()] = op.Go
		}
		break
	}
	if op.Kind == Send || op.Kind == Recv {
		// A communication that is a select case: <-ch, v := <-ch, v, ok = <-ch, ch <- v.
		stmt := parent
		if op.Kind == Recv {
			for stmt.ParentEdgeKind() == edge.ParenExpr_X {
				stmt = stmt.Parent()
			}
			stmt = stmt.Parent()
		}
		if stmt.ParentEdgeKind() == edge.CommClause_Comm {
			op.Clause = stmt.Parent().Node().(*ast.CommClause)
			op.Select = stmt.Parent().Parent().Parent().Node().(*ast.SelectStmt)
		}
	}
	c.Ops = append(c.Ops, op)
	return true
}

// ParamAt returns the variable of the parameter of a function type that
// receives argument i; nil for variadic or unnamed parameters.
func ParamAt(info *types.Info, ft *ast.FuncType, i int) *types.Var {
	n := 0
	for _, f := range ft.Params.List {
		if _, ok := f.Type.(*ast.Ellipsis); ok {
			return nil
		}
		if len(f.Names) == 0 {
			if n == i {
				return nil
			}
			n++
			continue
		}
		for _, name := range f.Names {
			if n == i {
				v, _ := info.Defs[name].(*types.Var)
				return v
			}
			n++
		}
	}
	return nil
}

// isMakeChan reports whether call is make(chan T) or make(chan T, n).
func isMakeChan(info *types.Info, call *ast.CallExpr) bool {
	id, ok := ast.Unparen(call.Fun).(*ast.Ident)
	if !ok || len(call.Args) == 0 {
		return false
	}
	if b, ok := info.Uses[id].(*types.Builtin); !ok || b.Name() != "make" {
		return false
	}
	t, ok := info.TypeOf(call).Underlying().(*types.Chan)
	return ok && t.Dir() == types.SendRecv
}

// definedBy returns the local variable that v := make(...) or
// var v = make(...) defines with the make call at cur, or nil.
func definedBy(info *types.Info, cur inspector.Cursor) *types.Var {
	k, i := cur.ParentEdge()
	var id *ast.Ident
	switch k {
	case edge.AssignStmt_Rhs:
		as := cur.Parent().Node().(*ast.AssignStmt)
		if as.Tok != token.DEFINE || len(as.Lhs) != len(as.Rhs) {
			return nil
		}
		id, _ = as.Lhs[i].(*ast.Ident)
	case edge.ValueSpec_Values:
		vs := cur.Parent().Node().(*ast.ValueSpec)
		if len(vs.Names) != len(vs.Values) {
			return nil
		}
		id = vs.Names[i]
	}
	if id == nil {
		return nil
	}
	v, _ := info.Defs[id].(*types.Var)
	return v
}

// enclosingFunc returns the innermost function around cur and its body.
func enclosingFunc(cur inspector.Cursor) (ast.Node, *ast.BlockStmt) {
	for fc := range cur.Enclosing((*ast.FuncLit)(nil), (*ast.FuncDecl)(nil)) {
		switch f := fc.Node().(type) {
		case *ast.FuncLit:
			return f, f.Body
		case *ast.FuncDecl:
			return f, f.Body
		}
	}
	return nil, nil
}

// deferredLit reports whether cur is the function literal of a defer
// statement, which runs as part of the function around it.
func deferredLit(cur inspector.Cursor) bool {
	return cur.ParentEdgeKind() == edge.CallExpr_Fun && cur.Parent().ParentEdgeKind() == edge.DeferStmt_Call
}

// inDeferred reports whether cur is directly inside a deferred literal.
func inDeferred(cur inspector.Cursor) bool {
	for fc := range cur.Enclosing((*ast.FuncLit)(nil), (*ast.FuncDecl)(nil)) {
		return deferredLit(fc)
	}
	return false
}

// startedBy returns the function whose goroutine runs the statement at cur,
// looking through deferred literals.
func startedBy(cur inspector.Cursor) ast.Node {
	for fc := range cur.Enclosing((*ast.FuncLit)(nil), (*ast.FuncDecl)(nil)) {
		if !deferredLit(fc) {
			return fc.Node()
		}
	}
	return nil
}

func capOf(info *types.Info, call *ast.CallExpr) int {
	if len(call.Args) < 2 {
		return 0
	}
	tv := info.Types[call.Args[1]]
	if tv.Value == nil {
		return -1
	}
	n, ok := constant.Int64Val(constant.ToInt(tv.Value))
	if !ok {
		return -1
	}
	return int(n)
}

// MayReturn reports whether a call statement can return, for cfg.New:
// panic, os.Exit, log.Fatal, runtime.Goexit, testing's Fatal, FailNow and
// Skip, and testify's require.Fail* and FailNow never do, nor any function noReturn (ctrlflow's CFGs.NoReturn; may be
// nil) knows to panic or exit on every path, so paths through them are not
// exits that leak.
func MayReturn(info *types.Info, noReturn func(*types.Func) bool) func(*ast.CallExpr) bool {
	return func(call *ast.CallExpr) bool {
		if _, ends := category.Fails(info, call); ends {
			return false // t.Fatal, require.FailNow behind TestingT, runtime.Goexit
		}
		if noReturn != nil {
			if fn := typeutil.StaticCallee(info, call); fn != nil && noReturn(fn) {
				return false
			}
		}
		switch fun := ast.Unparen(call.Fun).(type) {
		case *ast.Ident:
			if b, ok := info.Uses[fun].(*types.Builtin); ok && b.Name() == "panic" {
				return false
			}
		case *ast.SelectorExpr:
			fn, ok := info.Uses[fun.Sel].(*types.Func)
			if !ok || fn.Pkg() == nil {
				return true
			}
			switch fn.Pkg().Path() + "." + fn.Name() {
			case "os.Exit", "log.Fatal", "log.Fatalf", "log.Fatalln", "log.Panic", "log.Panicf", "log.Panicln",
				"runtime.Goexit", "testing.Fatal", "testing.Fatalf", "testing.FailNow",
				"testing.Skip", "testing.Skipf", "testing.SkipNow":
				return false
			}
			if recv := fn.Signature().Recv(); recv != nil && fn.Pkg().Path() == "testing" {
				switch fn.Name() {
				case "Fatal", "Fatalf", "FailNow", "Skip", "Skipf", "SkipNow":
					return false
				}
			}
		}
		return true
	}
}

// Cursor is the inspector's cursor, named here so analyzers need not import it.
type Cursor = inspector.Cursor
