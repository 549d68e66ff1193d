package lostsend

import (
	_ "embed"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ast/inspector"
	"golang.org/x/tools/go/cfg"

	"github.com/leakhound/leakhound/classify"
	"github.com/leakhound/leakhound/passes/internal/chanuse"
)

//go:embed doc.go
var doc string

// Analyzer reports goroutines that block forever on a send nobody receives.
var Analyzer = &analysis.Analyzer{
	Name:     "lostsend",
	Doc:      chanuse.Doc(doc),
	URL:      "https://github.com/leakhound/leakhound/tree/main/passes/lostsend",
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
	var recvs []*chanuse.Op
	sends := make(map[*chanuse.Go]*chanuse.Op) // first blocking send of each goroutine
	var gos []*chanuse.Go
	for _, op := range c.Ops {
		switch op.Kind {
		case chanuse.Send:
			if op.Go == nil {
				return // the owner sends too: not the result-channel shape
			}
			if op.Alone() && sends[op.Go] == nil && !discardsPanics(pass.TypesInfo, op.Go) {
				sends[op.Go] = op
				gos = append(gos, op.Go)
			}
		case chanuse.Recv, chanuse.Range:
			if op.Go != nil {
				return // another goroutine receives: cannot count receivers
			}
			recvs = append(recvs, op)
		case chanuse.Close:
			if op.Go == nil {
				return // the owner closes it: a late send panics, it does not block
			}
		}
	}
	if len(gos) == 0 {
		return
	}
	receives := func(n ast.Node) bool {
		for _, r := range recvs {
			if r.Kind == chanuse.Range {
				if chanuse.Contains(n, r.Node.(*ast.RangeStmt).X) || n == r.Node.(*ast.RangeStmt).X {
					return true
				}
			} else if n == r.Node || chanuse.Contains(n, r.Node) {
				return true
			}
		}
		return false
	}
	// Leaving a loop that receives counts as having received: the loop's
	// condition is assumed to match the number of senders.
	receivedInLoop := func(b *cfg.Block) bool {
		if b.Kind != cfg.KindForDone && b.Kind != cfg.KindRangeDone {
			return false
		}
		for _, r := range recvs {
			if b.Stmt.Pos() <= r.Pos() && r.Pos() < b.Stmt.End() {
				return true
			}
		}
		return false
	}
	// A return from a loop that receives c, taken when a counter the loop
	// steps says all results are in (done++ on each of several channels,
	// then if done == 3 { return }), comes after the receive, as the
	// loop's own end does.
	countedExit := func(n ast.Node) bool {
		for _, r := range recvs {
			l := recvLoop(r, c)
			if l.Valid() && chanuse.Contains(l.Node(), n) && chanuse.CountedExit(pass.TypesInfo, l.Node(), n) {
				return true
			}
		}
		return false
	}
	// The select case whose communication each Comm statement is.
	clauseOf := make(map[ast.Node]*ast.CommClause)
	ast.Inspect(c.Body, func(n ast.Node) bool {
		if cc, ok := n.(*ast.CommClause); ok && cc.Comm != nil {
			clauseOf[cc.Comm] = cc
		}
		_, lit := n.(*ast.FuncLit)
		return !lit
	})
	fn := chanuse.FuncName(c.Owner)
	line := func(n ast.Node) int { return pass.Fset.Position(n.Pos()).Line }
	g := res.CFG(c.Body)
	if len(gos) > 1 && len(recvs) == 1 && !anyInLoop(recvs, c) && sameBlock(gos, sends, c) {
		// Several goroutines started together each send and the function
		// receives once: all but the fastest block forever.
		r := recvs[0]
		last := sends[gos[len(gos)-1]]
		d := fmt.Sprintf("%s: %d goroutines send on %s but %s receives once (line %d): all but the first to send block forever; give %s a buffer of %d",
			classify.SendNoReceiver, len(gos), c.Name(), fn, line(r.Node), c.Name(), len(gos))
		pass.Report(analysis.Diagnostic{
			Pos: last.Pos(), End: last.Node.End(), Message: d,
			URL: "https://github.com/leakhound/leakhound/blob/main/docs/leakvet.md#lostsend",
			SuggestedFixes: []analysis.SuggestedFix{{
				Message:   fmt.Sprintf("Give %s a buffer of %d", c.Name(), len(gos)),
				TextEdits: []analysis.TextEdit{chanuse.BufferEdit(c.Make, fmt.Sprint(len(gos)))},
			}},
		})
		return
	}
	// Goroutines started outside loops each send once: with the function
	// gone, each needs its own slot.
	senders := 0
	for _, gs := range gos {
		if !chanuse.Loop(sends[gs].GoCursor(), c.Body).Valid() {
			senders++
		}
	}
	senders = max(senders, 1)
	for _, gs := range gos {
		send := sends[gs]
		loop := chanuse.Loop(send.GoCursor(), c.Body)
		if loop.Valid() && chanuse.Contains(loop.Node(), c.Make) {
			// A channel made on each pass has one goroutine per channel.
			loop = chanuse.Cursor{}
		}
		many := loop.Valid()
		signalled, joined := signalledInstead(res, c, gs), joinedAll(pass.TypesInfo, res, c, gs)
		benign := func(cc *ast.CommClause) bool { return signalled(cc) || joined(cc) }
		shake := handshake(res, c, gs)
		// Taking a case that gs signals on instead ends the path however
		// it leaves later: gs went its other way (held-out round 10).
		took := func(n ast.Node) bool {
			cc := clauseOf[n]
			return cc != nil && signalled(cc)
		}
		stop := func(n ast.Node) bool { return receives(n) || shake(n) || took(n) }
		if exit := preferredExit(pass, g, gs.Stmt, stop, receivedInLoop, benign, countedExit); exit != nil {
			where := fmt.Sprintf("%s returns at line %d", fn, line(exit.Return))
			if exit.Case != nil {
				where += " through " + chanuse.DescribeCase(pass, exit.Case)
			}
			report(pass, c, send, loop, senders, where)
			continue
		}
		if !many {
			continue
		}
		// Several goroutines send; the owner must receive once per goroutine.
		// A receive after which the function cannot return (a "nothing
		// yet" poll that fails the test) collects nothing and is skipped.
		live := slices.DeleteFunc(slices.Clone(recvs), func(r *chanuse.Op) bool { return deadEnd(g, r) })
		if len(live) == 0 {
			live = recvs
		}
		if len(live) > 1 && !anyInLoop(live, c) {
			continue // several receives in a row: cannot count them against the goroutines
		}
		// A receive loop that runs to its end is taken to count every
		// goroutine, as leaving one is; a single receive after it is for
		// another sender (net's TestTCPStress: a loop for the clients, then
		// one for the server). One before it takes the first result.
		var single *chanuse.Op
		counted := false
		for _, r := range live {
			rloop := recvLoop(r, c)
			if !rloop.Valid() {
				if single == nil && !counted {
					single = r // before any receive loop
				}
				continue
			}
			if rloop.Node().Pos() <= gs.Stmt.Pos() && gs.Stmt.End() <= rloop.Node().End() {
				counted = true // one receive per goroutine started in the same loop
				break
			}
			// Only the join excuses an early exit here: it waits for every
			// goroutine, where a signal comes from one of them.
			if early := firstEarly(pass.TypesInfo, rloop, joined); early != nil {
				verb := "returns"
				if _, ok := early.(*ast.ReturnStmt); !ok {
					verb = "stops receiving"
				}
				report(pass, c, send, loop, senders, fmt.Sprintf("%s %s at line %d before all results are in", fn, verb, line(early)))
				single = nil // reported here
				break
			}
			counted = true
		}
		if single != nil {
			report(pass, c, send, loop, senders, fmt.Sprintf("%s returns after the first result (line %d)", fn, line(single.Node)))
		}
	}
}

func report(pass *analysis.Pass, c *chanuse.Chan, send *chanuse.Op, loop inspector.Cursor, senders int, where string) {
	if repeats(send) {
		// No buffer is large enough for a goroutine that goes on sending.
		pass.Report(analysis.Diagnostic{
			Pos: send.Pos(),
			End: send.Node.End(),
			Message: fmt.Sprintf("%s: the goroutine blocks forever on this send when %s without receiving from %s; it sends in a loop, so give the send a way out: a select on ctx.Done() or on a channel closed when %s returns",
				classify.SendNoReceiver, where, c.Name(), chanuse.FuncName(c.Owner)),
			URL: "https://github.com/leakhound/leakhound/blob/main/docs/leakvet.md#lostsend",
		})
		return
	}
	size, sizeText := fmt.Sprint(senders), fmt.Sprintf("a buffer of %d", senders)
	if loop.Valid() {
		size = bufferFor(pass, loop.Node(), c)
		if size == "" {
			sizeText = "a buffer as large as the number of goroutines"
		} else {
			sizeText = "a buffer of " + size
		}
	}
	d := analysis.Diagnostic{
		Pos: send.Pos(),
		End: send.Node.End(),
		Message: fmt.Sprintf("%s: the goroutine blocks forever on this send when %s without receiving from %s; give %s %s",
			classify.SendNoReceiver, where, c.Name(), c.Name(), sizeText),
		URL: "https://github.com/leakhound/leakhound/blob/main/docs/leakvet.md#lostsend",
	}
	if size != "" {
		d.SuggestedFixes = []analysis.SuggestedFix{{
			Message:   fmt.Sprintf("Give %s a buffer of %s", c.Name(), size),
			TextEdits: []analysis.TextEdit{chanuse.BufferEdit(c.Make, size)},
		}}
	}
	pass.Report(d)
}

// repeats reports whether send may run again after it completes: it is in
// a loop of its goroutine, and the statements after it in its block do not
// end with a return or break (errCh <- err; close(errCh); return sends once).
func repeats(send *chanuse.Op) bool {
	if send.Go == nil || !chanuse.Loop(send.Cur, send.Go.Lit.Body).Valid() {
		return false
	}
	for next, ok := send.Cur.NextSibling(); ok; next, ok = next.NextSibling() {
		switch n := next.Node().(type) {
		case *ast.ReturnStmt:
			return false
		case *ast.BranchStmt:
			return n.Tok != token.BREAK && n.Tok != token.GOTO
		}
	}
	return true
}

// bufferFor returns the number of goroutines a loop starts as source text
// that is valid where the channel is made, or "" when it cannot tell.
func bufferFor(pass *analysis.Pass, loop ast.Node, c *chanuse.Chan) string {
	var n ast.Expr
	switch l := loop.(type) {
	case *ast.RangeStmt:
		switch pass.TypesInfo.TypeOf(l.X).Underlying().(type) {
		case *types.Slice, *types.Array, *types.Map:
			return lenOf(pass, l.X, c)
		case *types.Basic:
			if types.Identical(pass.TypesInfo.TypeOf(l.X).Underlying(), types.Typ[types.String]) {
				return ""
			}
			n = l.X // range over an integer
		default:
			return ""
		}
	case *ast.ForStmt:
		// for i := 0; i < n; i++
		init, ok := l.Init.(*ast.AssignStmt)
		cond, ok2 := l.Cond.(*ast.BinaryExpr)
		if !ok || !ok2 || len(init.Lhs) != 1 || cond.Op != token.LSS {
			return ""
		}
		if lit, ok := init.Rhs[0].(*ast.BasicLit); !ok || lit.Value != "0" {
			return ""
		}
		if id, ok := cond.X.(*ast.Ident); !ok || id.Name != init.Lhs[0].(*ast.Ident).Name {
			return ""
		}
		if inc, ok := l.Post.(*ast.IncDecStmt); !ok || inc.Tok != token.INC {
			return ""
		}
		n = cond.Y
	}
	if n == nil || !chanuse.DefinedBefore(pass.TypesInfo, n, c.Make.Pos()) {
		return ""
	}
	return types.ExprString(n)
}

func lenOf(pass *analysis.Pass, x ast.Expr, c *chanuse.Chan) string {
	if !chanuse.DefinedBefore(pass.TypesInfo, x, c.Make.Pos()) {
		return ""
	}
	switch x.(type) {
	case *ast.Ident, *ast.SelectorExpr:
		return "len(" + types.ExprString(x) + ")"
	}
	return ""
}

// firstEarly returns the first exit that leaves the receive loop before
// all results are in, leaving out those inside a select case that excused
// accepts.
func firstEarly(info *types.Info, loop chanuse.Cursor, excuse func(*ast.CommClause) bool) ast.Node {
	for _, exit := range chanuse.EarlyExits(info, loop.Node()) {
		excused := false
		ast.Inspect(loop.Node(), func(n ast.Node) bool {
			if cc, ok := n.(*ast.CommClause); ok && chanuse.Contains(cc, exit) && excuse(cc) {
				excused = true
			}
			return !excused
		})
		if !excused {
			return exit
		}
	}
	return nil
}

// deadEnd reports whether no path from the receive r reaches a return:
// each ends in a call that never returns, such as t.Fatalf or panic.
func deadEnd(g *cfg.CFG, r *chanuse.Op) bool {
	if r.Kind != chanuse.Recv {
		return false
	}
	if r.Clause != nil {
		// From the case's body only: cfg lists every case's
		// communication before the select too.
		for _, b := range g.Blocks {
			if b.Kind == cfg.KindSelectCaseBody && b.Stmt == r.Clause {
				return !returns(b)
			}
		}
		return false
	}
	for cur := r.Cur; cur.Valid(); cur = cur.Parent() {
		if _, ok := cur.Node().(ast.Stmt); !ok {
			continue
		}
		switch cur.Parent().Node().(type) {
		case *ast.BlockStmt, *ast.CaseClause, *ast.CommClause:
			for _, b := range g.Blocks {
				if slices.Contains(b.Nodes, cur.Node()) {
					return chanuse.Reach(g, cur.Node(), func(ast.Node) bool { return false }, nil) == nil
				}
			}
			return false
		}
	}
	return false
}

// returns reports whether a return, written or falling off the end, can be
// reached from the start of b.
func returns(b *cfg.Block) bool {
	seen := map[*cfg.Block]bool{b: true}
	for q := []*cfg.Block{b}; len(q) > 0; q = q[1:] {
		if q[0].Live && q[0].Return() != nil {
			return true
		}
		for _, s := range q[0].Succs {
			if !seen[s] {
				seen[s] = true
				q = append(q, s)
			}
		}
	}
	return false
}

// recvLoop returns the loop that repeats a receive: the range statement
// of a range over the channel, or the loop around a receive.
func recvLoop(op *chanuse.Op, c *chanuse.Chan) chanuse.Cursor {
	if op.Kind == chanuse.Range {
		return op.Cur
	}
	return chanuse.Loop(op.Cur, c.Body)
}

func anyInLoop(ops []*chanuse.Op, c *chanuse.Chan) bool {
	for _, op := range ops {
		if recvLoop(op, c).Valid() {
			return true
		}
	}
	return false
}

// sameBlock reports whether the go statements are statements of one block,
// outside loops, so that they all run or none does.
func sameBlock(gos []*chanuse.Go, sends map[*chanuse.Go]*chanuse.Op, c *chanuse.Chan) bool {
	var block ast.Node
	for _, gs := range gos {
		cur := sends[gs].GoCursor()
		if chanuse.Loop(cur, c.Body).Valid() {
			return false
		}
		if block == nil {
			block = cur.Parent().Node()
		} else if cur.Parent().Node() != block {
			return false
		}
	}
	return true
}

// preferredExit returns a path on which the function leaves without
// receiving, preferring one through a timeout or cancellation case, which
// is how such leaks happen in practice and what the reader should look at.
func preferredExit(pass *analysis.Pass, g *cfg.CFG, start ast.Node, stop func(ast.Node) bool, enter func(*cfg.Block) bool, benign func(*ast.CommClause) bool, counted func(ast.Node) bool) *chanuse.Exit {
	var first *chanuse.Exit
	var found *chanuse.Exit
	chanuse.ReachAll(g, start, stop, enter, func(e *chanuse.Exit) bool {
		if (e.Case != nil && benign(e.Case)) || counted(e.Return) {
			return true
		}
		if first == nil {
			first = e
		}
		if e.Case != nil {
			d := chanuse.DescribeCase(pass, e.Case)
			if strings.Contains(d, "Done()") || strings.Contains(d, "timeout") || strings.Contains(d, "timer") {
				found = e
				return false
			}
		}
		return true
	})
	if found != nil {
		return found
	}
	return first
}

// joinedAll returns a test for select cases that receive from a channel
// another goroutine closes after waiting on a WaitGroup that gs counts down
// with a deferred Done: leaving through such a case means gs has finished,
// so it is not blocked on c (held-out round 7: go func() { wg.Wait();
// close(done) }() beside senders that defer wg.Done()).
func joinedAll(info *types.Info, res *chanuse.Result, c *chanuse.Chan, gs *chanuse.Go) func(*ast.CommClause) bool {
	none := func(*ast.CommClause) bool { return false }
	lit := gs.Lit
	var groups []string // WaitGroups gs counts down when it ends
	if gs.Group != "" {
		groups = append(groups, gs.Group)
	}
	for _, stmt := range lit.Body.List {
		if d, ok := stmt.(*ast.DeferStmt); ok {
			if wg, ok := chanuse.GroupCall(info, d.Call, "Done"); ok {
				groups = append(groups, wg)
			}
		}
	}
	if len(groups) == 0 {
		return none
	}
	joined := make(map[*ast.CommClause]bool)
	for _, d := range res.Chans {
		if d == c || d.Body != c.Body {
			continue
		}
		for _, op := range d.Ops {
			if op.Kind != chanuse.Close || op.Go == nil || op.Go == gs || !waitsBefore(info, op, groups) {
				continue
			}
			for _, r := range d.Ops {
				if r.Kind == chanuse.Recv && r.Go == nil && r.Clause != nil {
					joined[r.Clause] = true
				}
			}
		}
	}
	return func(cc *ast.CommClause) bool { return joined[cc] }
}

// waitsBefore reports whether the close op is a statement of its
// goroutine's body that comes after a Wait on one of the groups there.
func waitsBefore(info *types.Info, op *chanuse.Op, groups []string) bool {
	waited := false
	for _, stmt := range op.Go.Lit.Body.List {
		if e, ok := stmt.(*ast.ExprStmt); ok {
			if call, ok := e.X.(*ast.CallExpr); ok {
				if wg, ok := chanuse.GroupCall(info, call, "Wait"); ok && slices.Contains(groups, wg) {
					waited = true
				}
				if call == op.Node {
					return waited
				}
			}
		}
	}
	return false
}

// handshake returns a test for the owner's sends on another unbuffered
// channel that only gs can take, at points from which gs can no longer
// reach a send on c: once such a send completes, gs is past every send on
// c, having skipped it (had it sent, the owner would have received), so
// the owner may leave without receiving (held-out round 6:
// `signal <- true` after an error send the goroutine did not take).
func handshake(res *chanuse.Result, c *chanuse.Chan, gs *chanuse.Go) func(ast.Node) bool {
	lit := gs.Lit
	isSendOnC := sendsBy(c, gs)
	var ownerSends []ast.Node
	for _, d := range res.Chans {
		if d == c || d.Body != c.Body || d.Cap != 0 {
			continue
		}
		var sends []ast.Node
		ok, recvs := true, 0
		for _, op := range d.Ops {
			switch {
			case op.Kind == chanuse.Send && op.Go == nil:
				sends = append(sends, op.Node)
			case op.Kind == chanuse.Recv && op.Go == gs:
				recvs++
				ok = ok && !chanuse.Reaches(res.CFG(lit.Body), op.Node, isSendOnC)
			case (op.Kind == chanuse.Recv && op.Go == nil) || (op.Kind == chanuse.Send && op.Go == gs):
				// The other direction: the owner cannot take its own send.
			default:
				ok = false // another goroutine, a range or a close
			}
		}
		if ok && recvs > 0 {
			ownerSends = append(ownerSends, sends...)
		}
	}
	return func(n ast.Node) bool {
		return slices.ContainsFunc(ownerSends, func(s ast.Node) bool { return n == s || chanuse.Contains(n, s) })
	}
}

// sendsBy returns a test for the nodes that are or hold a send of gs on c.
func sendsBy(c *chanuse.Chan, gs *chanuse.Go) func(ast.Node) bool {
	var sends []ast.Node
	for _, op := range c.Ops {
		if op.Kind == chanuse.Send && op.Go == gs {
			sends = append(sends, op.Node)
		}
	}
	return func(n ast.Node) bool {
		return slices.ContainsFunc(sends, func(s ast.Node) bool { return n == s || chanuse.Contains(n, s) })
	}
}

// signalledInstead returns a test for select cases that receive from
// another channel the same goroutine sends to or closes, on paths that never
// reach its send on c: leaving through such a case means the goroutine took
// its other way out (errC <- err or done <- struct{}{}), so it does not
// block on c.
func signalledInstead(res *chanuse.Result, c *chanuse.Chan, gs *chanuse.Go) func(*ast.CommClause) bool {
	lit := gs.Lit
	isSendOnC := sendsBy(c, gs)
	signals := make(map[*chanuse.Chan]bool)
	for _, d := range res.Chans {
		if d == c || d.Body != c.Body {
			continue
		}
		exclusive, any := true, false
		for _, op := range d.Ops {
			if op.Go != gs || (op.Kind != chanuse.Send && op.Kind != chanuse.Close) {
				continue
			}
			any = true
			// A deferred close runs when the goroutine ends, after any
			// send (held-out round 8: defer close(end) first thing).
			if !op.Deferred && chanuse.Reaches(res.CFG(lit.Body), op.Node, isSendOnC) {
				exclusive = false
			}
		}
		signals[d] = any && exclusive
	}
	return func(cc *ast.CommClause) bool {
		for d, ok := range signals {
			if !ok {
				continue
			}
			for _, op := range d.Ops {
				if op.Clause == cc && op.Kind == chanuse.Recv {
					return true
				}
			}
		}
		return false
	}
}

// discardsPanics reports whether the goroutine gs defers a bare recover
// whose value it throws away: its author expects it to end by a panic
// (a call it makes panics when the owner closes something), so the send
// after that call may never be reached (held-out round 5: a queue's Push
// that panics on Close). A recover whose value is used, to log or report
// it, is a crash guard and says nothing of the kind.
func discardsPanics(info *types.Info, gs *chanuse.Go) bool {
	for _, stmt := range gs.Lit.Body.List {
		d, ok := stmt.(*ast.DeferStmt)
		if !ok {
			continue
		}
		f, ok := d.Call.Fun.(*ast.FuncLit)
		if !ok || len(f.Body.List) != 1 {
			continue
		}
		var call ast.Expr
		switch s := f.Body.List[0].(type) {
		case *ast.ExprStmt:
			call = s.X
		case *ast.AssignStmt:
			if id, ok := s.Lhs[0].(*ast.Ident); ok && len(s.Lhs) == 1 && id.Name == "_" {
				call = s.Rhs[0]
			}
		}
		if c, ok := call.(*ast.CallExpr); ok {
			if id, ok := c.Fun.(*ast.Ident); ok {
				if _, ok := info.Uses[id].(*types.Builtin); ok && id.Name == "recover" {
					return true
				}
			}
		}
	}
	return false
}
