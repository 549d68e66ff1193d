package chanuse

import (
	"go/ast"
	"go/token"
	"go/types"
	"slices"

	"golang.org/x/tools/go/ast/inspector"
	"golang.org/x/tools/go/cfg"

	"github.com/leakhound/leakhound/passes/internal/category"
)

// Exit is a way out of a function found by Reach.
type Exit struct {
	// Return is the return statement, or nil when the path ends in a call
	// that ends the goroutine of a test (t.Fatal, require.FailNow), or
	// in one that ends it when its check fails (require.NoError).
	Return *ast.ReturnStmt
	// End is Return, or the statement of that call.
	End ast.Node
	// Case is the last select case on the path, when there is one: the
	// timeout or ctx.Done() case a caller left through.
	Case *ast.CommClause
	// Failed says that the path failed the test before it left: it called
	// t.Error, assert.Fail or the like, or it ends in t.Fatal.
	Failed bool
	// Marks are the bits Walk.Marks gave the nodes on the path.
	Marks uint32
}

// Reach searches g for a path from just after the node start to a return
// statement that passes no node for which stop reports true. A select
// case's communication counts at the start of its case body (cfg evaluates
// every case's channel operand before the select; the communication only
// happens in the case taken). It returns nil when every path stops.
//
// enter, when not nil, is asked about each block the path enters; a path
// stops at a block for which it returns true.
func Reach(g *cfg.CFG, start ast.Node, stop func(ast.Node) bool, enter func(*cfg.Block) bool) *Exit {
	var first *Exit
	ReachAll(g, start, stop, enter, func(e *Exit) bool {
		first = e
		return false
	})
	return first
}

// ReachAll is like Reach but calls found with each exit reached, in
// breadth-first order, until it returns false. A nil start means the
// function's entry.
func ReachAll(g *cfg.CFG, start ast.Node, stop func(ast.Node) bool, enter func(*cfg.Block) bool, found func(*Exit) bool) {
	(&Walk{Stop: stop, Enter: enter}).Exits(g, start, found)
}

// A Walk is a search for the ways out of a function, as Reach does, that
// can also follow what each path has done so far.
type Walk struct {
	Stop  func(ast.Node) bool
	Enter func(*cfg.Block) bool
	// Info, when set, makes the walk see tests fail: a path that calls
	// t.Error or assert.Fail is marked Failed, and one that reaches
	// t.Fatal, require.FailNow or runtime.Goexit leaves there, failed;
	// one that reaches require.NoError both leaves there, failed, and
	// goes on.
	Info *types.Info
	// Marks, when set, gives the bits a node sets on the paths through
	// it (an assignment, a receive that lets a goroutine go on); a taken
	// select case's communication counts.
	Marks func(ast.Node) uint32
	// Dead, when set, reports a node at which a path with the marks
	// given goes no further: it panics (a nil pointer dereference).
	Dead func(n ast.Node, marks uint32) bool
	// Prune, when set, reports that the i-th successor of b is never
	// taken on the paths walked (a branch on a flag they cannot have set).
	Prune func(b *cfg.Block, i int) bool
}

const failedMark = 1 << 31

// maxVisits bounds a walk: each block is visited once per select case and
// set of marks it is reached with, which marks on many branches multiply.
const maxVisits = 1 << 16

// Exits calls found with each exit reached from just after start (the
// entry when start is nil), in breadth-first order, until it returns false.
func (w *Walk) Exits(g *cfg.CFG, start ast.Node, found func(*Exit) bool) {
	type item struct {
		b     *cfg.Block
		from  int
		cc    *ast.CommClause
		marks uint32
	}
	comms := make(map[ast.Node]bool)
	for _, b := range g.Blocks {
		if b.Kind == cfg.KindSelectCaseBody {
			comms[b.Stmt.(*ast.CommClause).Comm] = true
		}
	}
	type visit struct {
		b     *cfg.Block
		cc    *ast.CommClause
		marks uint32
	}
	seen := make(map[visit]bool) // by case and marks too, so each way out is described
	mark := func(n ast.Node, m uint32) uint32 {
		if w.Marks != nil {
			m |= w.Marks(n)
		}
		if w.Info != nil && category.FailsIn(w.Info, n) {
			m |= failedMark
		}
		return m
	}
	exit := func(ret *ast.ReturnStmt, end ast.Node, cc *ast.CommClause, m uint32) bool {
		return found(&Exit{Return: ret, End: end, Case: cc, Failed: m&failedMark != 0, Marks: m &^ failedMark})
	}
	var q []item
	if start == nil && len(g.Blocks) > 0 {
		q = append(q, item{g.Blocks[0], 0, nil, 0})
	}
	for _, b := range g.Blocks {
		for i, n := range b.Nodes {
			if n == start {
				q = append(q, item{b, i + 1, nil, 0})
			}
		}
	}
	for len(q) > 0 {
		it := q[0]
		q = q[1:]
		b, cc, m := it.b, it.cc, it.marks
		if it.from == 0 && w.Enter != nil && w.Enter(b) {
			continue
		}
		if it.from == 0 && b.Kind == cfg.KindSelectCaseBody {
			clause := b.Stmt.(*ast.CommClause)
			if clause.Comm != nil {
				if w.Stop(clause.Comm) {
					continue
				}
				m = mark(clause.Comm, m)
			}
			cc = clause
		}
		stopped := false
		for _, n := range b.Nodes[it.from:] {
			if comms[n] {
				continue
			}
			if w.Stop(n) || (w.Dead != nil && w.Dead(n, m&^failedMark)) {
				stopped = true
				break
			}
			m = mark(n, m)
			if ret, ok := n.(*ast.ReturnStmt); ok {
				if !exit(ret, ret, cc, m) {
					return
				}
			}
			if w.Info != nil && category.MayEnd(w.Info, n) != nil {
				// require.NoError: a way out when its check fails, and
				// the path goes on when it passes.
				if !exit(nil, n, cc, m|failedMark) {
					return
				}
			}
			if w.Info != nil && category.Ends(w.Info, n) != nil {
				if !exit(nil, n, cc, m|failedMark) {
					return
				}
				stopped = true
				break
			}
		}
		if stopped {
			continue
		}
		for i, s := range b.Succs {
			if w.Prune != nil && w.Prune(b, i) {
				continue
			}
			next := cc
			if s.Kind == cfg.KindSelectCaseBody {
				next = s.Stmt.(*ast.CommClause)
			}
			if !seen[visit{s, next, m}] {
				if len(seen) >= maxVisits {
					return // marks that multiply paths: give up rather than run long
				}
				seen[visit{s, next, m}] = true
				q = append(q, item{s, 0, cc, m})
			}
		}
	}
}

// Contains reports whether n contains target outside function literals, or
// inside a deferred one, which runs as part of the function around it.
func Contains(n ast.Node, target ast.Node) bool {
	if n == nil || target == nil || target.Pos() < n.Pos() || target.End() > n.End() {
		return false
	}
	found := false
	var deferred *ast.FuncLit // a deferred literal runs as part of n's function
	ast.Inspect(n, func(m ast.Node) bool {
		if found {
			return false
		}
		if m == target {
			found = true
			return false
		}
		switch m := m.(type) {
		case *ast.DeferStmt:
			deferred, _ = m.Call.Fun.(*ast.FuncLit)
		case *ast.FuncLit:
			return m == deferred
		}
		return true
	})
	return found
}

// Loop returns the innermost for or range statement around cur that is
// inside the function body, or an invalid cursor.
func Loop(cur inspector.Cursor, body *ast.BlockStmt) inspector.Cursor {
	for c := range cur.Enclosing((*ast.ForStmt)(nil), (*ast.RangeStmt)(nil), (*ast.FuncLit)(nil), (*ast.FuncDecl)(nil)) {
		if c == cur {
			continue
		}
		switch c.Node().(type) {
		case *ast.FuncLit, *ast.FuncDecl:
			return inspector.Cursor{}
		}
		if c.Node().Pos() < body.Pos() || c.Node().End() > body.End() {
			return inspector.Cursor{}
		}
		return c
	}
	return inspector.Cursor{}
}

// EarlyExits returns the returns, gotos and breaks in the loop's body that
// end the loop before its condition does. An exit guarded by a condition
// on a counter that the loop steps (n--, done++, left -= 1) is taken to
// wait for all results and is left out.
func EarlyExits(info *types.Info, loop ast.Node) []ast.Node {
	var out []ast.Node
	loopExits(info, loop, func(exit ast.Node, counted bool) bool {
		if !counted {
			out = append(out, exit)
		}
		return true
	})
	return out
}

// CountedExit reports whether exit is a return, goto or break that leaves
// loop under a condition on a counter the loop steps: one taken to come
// when all results are in (if done == 3 { return }), which EarlyExits
// leaves out.
func CountedExit(info *types.Info, loop, exit ast.Node) bool {
	counted := false
	loopExits(info, loop, func(n ast.Node, c bool) bool {
		if n == exit {
			counted = c
			return false
		}
		return true
	})
	return counted
}

// loopExits calls f with each return, goto or break in the loop's body
// that leaves the loop, and whether a condition on a counter the loop steps
// guards it, until f returns false.
func loopExits(info *types.Info, loop ast.Node, f func(exit ast.Node, counted bool) bool) {
	var body *ast.BlockStmt
	switch l := loop.(type) {
	case *ast.ForStmt:
		body = l.Body
	case *ast.RangeStmt:
		body = l.Body
	}
	counters := make(map[types.Object]bool)
	ast.Inspect(body, func(n ast.Node) bool {
		switch s := n.(type) {
		case *ast.IncDecStmt:
			if id, ok := ast.Unparen(s.X).(*ast.Ident); ok {
				counters[info.Uses[id]] = true
			}
		case *ast.AssignStmt:
			if s.Tok == token.ADD_ASSIGN || s.Tok == token.SUB_ASSIGN {
				if id, ok := ast.Unparen(s.Lhs[0]).(*ast.Ident); ok {
					counters[info.Uses[id]] = true
				}
			}
		}
		return true
	})
	counted := func(conds []ast.Expr) bool {
		for _, c := range conds {
			found := false
			ast.Inspect(c, func(n ast.Node) bool {
				if id, ok := n.(*ast.Ident); ok && counters[info.Uses[id]] {
					found = true
				}
				return !found
			})
			if found {
				return true
			}
		}
		return false
	}
	stopped := false
	var walk func(n ast.Node, depth int, conds []ast.Expr)
	walk = func(n ast.Node, depth int, conds []ast.Expr) {
		ast.Inspect(n, func(m ast.Node) bool {
			if stopped || m == nil {
				return false
			}
			switch s := m.(type) {
			case *ast.FuncLit:
				return false
			case *ast.IfStmt:
				if m != n {
					c := append(slices.Clip(conds), s.Cond)
					walk(s.Body, depth, c)
					if s.Else != nil {
						walk(s.Else, depth, c)
					}
					return false
				}
			case *ast.ReturnStmt:
				stopped = !f(s, counted(conds))
			case *ast.BranchStmt:
				if s.Tok == token.GOTO || (s.Tok == token.BREAK && (s.Label != nil || depth == 0)) {
					stopped = !f(s, counted(conds))
				}
			case *ast.ForStmt, *ast.RangeStmt, *ast.SwitchStmt, *ast.TypeSwitchStmt, *ast.SelectStmt:
				if m != n {
					// An unlabelled break inside these ends them, not the loop.
					for _, child := range children(m) {
						walk(child, depth+1, conds)
					}
					return false
				}
			}
			return true
		})
	}
	walk(body, 0, nil)
}

func children(n ast.Node) []ast.Node {
	switch s := n.(type) {
	case *ast.ForStmt:
		return []ast.Node{s.Body}
	case *ast.RangeStmt:
		return []ast.Node{s.Body}
	case *ast.SwitchStmt:
		return []ast.Node{s.Body}
	case *ast.TypeSwitchStmt:
		return []ast.Node{s.Body}
	case *ast.SelectStmt:
		return []ast.Node{s.Body}
	}
	return nil
}

// Reaches reports whether some path in g leads from just after the node
// from (or from a node containing it) to a node for which target is true.
// After a select case's communication means in that case's body: cfg lists
// every case's communication before the select, but only the case that
// communicated goes on from it.
func Reaches(g *cfg.CFG, from ast.Node, target func(ast.Node) bool) bool {
	type item struct {
		b     *cfg.Block
		next  int
		taken bool // the case body of from's communication: it has run
	}
	bodies := make(map[ast.Node]*cfg.Block)
	for _, b := range g.Blocks {
		if b.Kind == cfg.KindSelectCaseBody {
			if cc := b.Stmt.(*ast.CommClause); cc.Comm != nil {
				bodies[cc.Comm] = b
			}
		}
	}
	var q []item
	for _, b := range g.Blocks {
		for i, n := range b.Nodes {
			if n == from || Contains(n, from) {
				if body := bodies[n]; body != nil {
					q = append(q, item{body, 0, true})
				} else {
					q = append(q, item{b, i + 1, false})
				}
			}
		}
	}
	seen := make(map[*cfg.Block]bool)
	for len(q) > 0 {
		it := q[0]
		q = q[1:]
		for _, n := range it.b.Nodes[it.next:] {
			if target(n) {
				return true
			}
		}
		if it.next == 0 && !it.taken && it.b.Kind == cfg.KindSelectCaseBody && target(it.b.Stmt.(*ast.CommClause).Comm) {
			return true
		}
		for _, s := range it.b.Succs {
			if !seen[s] {
				seen[s] = true
				q = append(q, item{s, 0, false})
			}
		}
	}
	return false
}

// Dominates reports whether every path from the entry of g to a node for
// which target reports true first passes a node for which gate does: the
// goroutine whose body g is cannot reach target without passing gate.
func Dominates(g *cfg.CFG, gate, target func(ast.Node) bool) bool {
	if len(g.Blocks) == 0 {
		return false
	}
	// A case's communication is passed on entering its body, not where
	// cfg lists it with the other cases' before the select.
	comms := make(map[ast.Node]bool)
	for _, b := range g.Blocks {
		if b.Kind == cfg.KindSelectCaseBody {
			comms[b.Stmt.(*ast.CommClause).Comm] = true
		}
	}
	seen := map[*cfg.Block]bool{g.Blocks[0]: true}
	for q := []*cfg.Block{g.Blocks[0]}; len(q) > 0; {
		b := q[0]
		q = q[1:]
		if b.Kind == cfg.KindSelectCaseBody {
			if comm := b.Stmt.(*ast.CommClause).Comm; comm != nil {
				if gate(comm) {
					continue
				}
				if target(comm) {
					return false
				}
			}
		}
		stopped := false
		for _, n := range b.Nodes {
			if comms[n] {
				continue
			}
			if gate(n) {
				stopped = true
				break
			}
			if target(n) {
				return false
			}
		}
		if stopped {
			continue
		}
		for _, s := range b.Succs {
			if !seen[s] {
				seen[s] = true
				q = append(q, s)
			}
		}
	}
	return true
}
