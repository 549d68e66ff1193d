package lostsend

import (
	_ "embed"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ast/inspector"
	"golang.org/x/tools/go/cfg"
	"golang.org/x/tools/go/types/typeutil"

	"github.com/leakhound/leakhound/classify"
	"github.com/leakhound/leakhound/passes/internal/category"
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
	var found []*finding
	for _, c := range res.Chans {
		if c.Cap == 0 {
			found = append(found, check(pass, res, c)...)
		}
	}
	emit(pass, res, found)
	return nil, nil
}

// Reports reports whether lostsend reports a send of gs on c: the
// function that made c can leave without receiving while gs has yet to
// send. Its finding then counts every send gs makes on c on one path, so
// doublesend leaves such a goroutine to it: one leak, one finding.
func Reports(pass *analysis.Pass, res *chanuse.Result, c *chanuse.Chan, gs *chanuse.Go) bool {
	return slices.ContainsFunc(check(pass, res, c), func(f *finding) bool { return f.send.Go == gs })
}

// A finding is one send a goroutine leaves blocked, before findings of
// one goroutine are merged.
type finding struct {
	c    *chanuse.Chan
	send *chanuse.Op
	d    analysis.Diagnostic
	size string // the buffer the fix gives c, "" when the fix is not a buffer
}

func check(pass *analysis.Pass, res *chanuse.Result, c *chanuse.Chan) (out []*finding) {
	var recvs []*chanuse.Op
	sends := make(map[*chanuse.Go]*chanuse.Op) // first blocking send of each goroutine
	var gos []*chanuse.Go
	for _, op := range c.Ops {
		switch op.Kind {
		case chanuse.Send:
			if op.Go == nil {
				return nil // the owner sends too: not the result-channel shape
			}
			if op.Alone() && sends[op.Go] == nil && !discardsPanics(pass.TypesInfo, op.Go) {
				sends[op.Go] = op
				gos = append(gos, op.Go)
			}
		case chanuse.Recv, chanuse.Range:
			if op.Go != nil {
				return nil // another goroutine receives: cannot count receivers
			}
			recvs = append(recvs, op)
		case chanuse.Close:
			if op.Go == nil {
				return nil // the owner closes it: a late send panics, it does not block
			}
		}
	}
	if len(gos) == 0 {
		return nil
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
	// condition is assumed to match the number of senders. Not when the
	// loop's every receive is a select case beside one that takes another
	// channel and goes round again: each pass can take that one instead,
	// so the loop can end with c never read (held-out round 17:
	// tailscale's config_test.go takes a config per phase).
	fn := chanuse.FuncName(c.Owner)
	line := func(n ast.Node) int { return pass.Fset.Position(n.Pos()).Line }
	g := res.CFG(c.Body)
	skips := make(map[ast.Stmt]bool) // loops that can end without taking c
	receivedInLoop := func(b *cfg.Block) bool {
		if b.Kind != cfg.KindForDone && b.Kind != cfg.KindRangeDone {
			return false
		}
		var in []*chanuse.Op
		for _, r := range recvs {
			if b.Stmt.Pos() <= r.Pos() && r.Pos() < b.Stmt.End() {
				in = append(in, r)
			}
		}
		if len(in) == 0 {
			return false
		}
		if skip, ok := skips[b.Stmt]; ok {
			return !skip
		}
		skips[b.Stmt] = skippable(pass.TypesInfo, res, g, c, b.Stmt, in)
		return !skips[b.Stmt]
	}
	// passedSkippable says, for a path from gs's start to exit, that it
	// left such a loop, for the message.
	broken := make(map[ast.Stmt]bool) // receive loops left by an early break
	passedSkippable := func(gs *chanuse.Go, exit *chanuse.Exit) string {
		// The first such loop in the source, for a message that does
		// not change from run to run.
		var first ast.Stmt
		text := ""
		for loop, skip := range skips {
			if skip && gs.Stmt.End() <= loop.Pos() && loop.End() <= exit.End.Pos() && (first == nil || loop.Pos() < first.Pos()) {
				first = loop
				text = fmt.Sprintf(", after its loop at line %d took other cases than %s on every pass,", line(loop), c.Name())
			}
		}
		for loop := range broken {
			if gs.Stmt.End() <= loop.End() && loop.End() <= exit.End.Pos() && (first == nil || loop.Pos() < first.Pos()) {
				first = loop
				text = fmt.Sprintf(", after a break left its loop at line %d early,", line(loop))
			}
		}
		return text
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
	if len(gos) > 1 && len(recvs) == 1 && !anyInLoop(recvs, c) && sameBlock(gos, sends, c) {
		// Several goroutines started together each send and the function
		// receives once: all but the fastest block forever.
		r := recvs[0]
		last := sends[gos[len(gos)-1]]
		d := fmt.Sprintf("%s: %d goroutines send on %s but %s receives once (line %d): all but the first to send block forever; give %s a buffer of %d",
			classify.SendNoReceiver, len(gos), c.Name(), fn, line(r.Node), c.Name(), len(gos))
		return []*finding{{c: c, send: last, size: fmt.Sprint(len(gos)), d: analysis.Diagnostic{
			Pos: last.Pos(), End: last.Node.End(), Message: d,
			URL:      "https://github.com/leakhound/leakhound/blob/main/docs/leakvet.md#lostsend",
			Category: category.Of(pass, last.Pos(), false),
			SuggestedFixes: []analysis.SuggestedFix{{
				Message:   fmt.Sprintf("Give %s a buffer of %d", c.Name(), len(gos)),
				TextEdits: []analysis.TextEdit{chanuse.BufferEdit(c.Make, fmt.Sprint(len(gos)))},
			}},
		}}}
	}
	if f := fewerTaken(pass, c, gos, sends, recvs); f != nil {
		return []*finding{f}
	}
	// Goroutines started outside loops each need a slot per send they can
	// make on one path: with the function gone, every send must complete.
	senders := 0
	counts := make(map[*chanuse.Go][]*chanuse.Op)
	alts := make(map[*chanuse.Go][][]*chanuse.Op)
	for _, gs := range gos {
		counts[gs] = SendChain(res, c, gs)
		alts[gs] = altSends(res, c, gs, sends[gs])
		// A goroutine started in a loop that also makes c is one per
		// channel: it counts as started outside.
		if l := chanuse.Loop(sends[gs].GoCursor(), c.Body); !l.Valid() || chanuse.Contains(l.Node(), c.Make) || startedOnce(pass.TypesInfo, gs, l) {
			senders += len(counts[gs])
		}
	}
	senders = max(senders, 1)
	for _, gs := range gos {
		send := sends[gs]
		loop := chanuse.Loop(send.GoCursor(), c.Body)
		if loop.Valid() && (chanuse.Contains(loop.Node(), c.Make) || startedOnce(pass.TypesInfo, gs, loop)) {
			// A channel made on each pass has one goroutine per channel;
			// a goroutine started behind a flag set first, one in all.
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
		signalRecv, shutdown := signalledRecv(res, c, gs), shutsDown(pass.TypesInfo, send)
		stop := func(n ast.Node) bool { return receives(n) || shake(n) || took(n) || signalRecv(n) || shutdown(n) }
		walk, reached := pathFacts(pass, res, c, gs, send)
		if mainFunc(pass, c.Owner) {
			// A return from package main's main ends the process and
			// every goroutine with it (held-out round 17: tailscale's
			// stunstamp gives up on its DERP map fetch on SIGTERM).
			r := reached
			reached = func(e *chanuse.Exit) bool { return e.Return == nil && r(e) }
		}
		walk.Stop = stop
		// Leaving a receive loop counts as having received at its
		// natural end; a break that leaves before a counter says all
		// results are in does not, for a goroutine started once (for
		// goroutines started in a loop, such a break is reported below
		// as one that stops receiving).
		prune := walk.Prune
		walk.Prune = func(b *cfg.Block, i int) bool {
			if prune != nil && prune(b, i) {
				return true
			}
			end := b.Succs[i]
			natural := b.Stmt == end.Stmt && (b.Kind == cfg.KindForLoop || b.Kind == cfg.KindRangeLoop)
			if !receivedInLoop(end) {
				if !natural && skips[end.Stmt] {
					broken[end.Stmt] = true // a break out of a loop that can skip c
				}
				return false
			}
			if natural || many || !breaksEarly(pass.TypesInfo, end.Stmt) {
				return true
			}
			broken[end.Stmt] = true
			return false
		}
		if exit := bestExit(pass, g, gs.Stmt, walk, reached, benign, countedExit); exit != nil {
			out = append(out, report(pass, c, send, loop, senders, counts[gs], alts[gs], describe(pass, fn, exit, passedSkippable(gs, exit)), exit))
			continue
		}
		if !many {
			continue
		}
		// Several goroutines send; the owner must receive once per goroutine.
		// A receive after which the function cannot return (a "nothing
		// yet" poll that fails the test) collects nothing and is skipped.
		// Nor can a receive that no path from the start of gs reaches
		// take what gs sends: it came before (held-out round 17: a value
		// taken before the loop that starts refreshers).
		live := slices.DeleteFunc(slices.Clone(recvs), func(r *chanuse.Op) bool {
			return deadEnd(g, r) || (r.Kind == chanuse.Recv && !chanuse.Reaches(g, gs.Stmt, holds(r.Node)))
		})
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
				out = append(out, report(pass, c, send, loop, senders, counts[gs], alts[gs], fmt.Sprintf("%s %s at line %d before all results are in", fn, verb, line(early)), nil))
				single = nil // reported here
				break
			}
			counted = true
		}
		if single != nil {
			out = append(out, report(pass, c, send, loop, senders, counts[gs], alts[gs], fmt.Sprintf("%s returns after the first result (line %d)", fn, line(single.Node)), nil))
		}
	}
	return out
}

// breaksEarly reports whether a break leaves loop under no condition on a
// counter the loop steps: before all results can be in.
func breaksEarly(info *types.Info, loop ast.Stmt) bool {
	for _, exit := range chanuse.EarlyExits(info, loop) {
		if br, ok := exit.(*ast.BranchStmt); ok && br.Tok == token.BREAK {
			return true
		}
	}
	return false
}

// fewerTaken reports the goroutines a loop that receives a constant
// number of times leaves blocked when more of them send: ten started,
// three taken. It counts only what must happen: each goroutine, started
// at the function's top level or by a top-level loop of constant count
// that nothing leaves early, sends once on c from its own top level and
// cannot return before; the single receive is a statement of a top-level
// loop of constant count that nothing leaves early.
func fewerTaken(pass *analysis.Pass, c *chanuse.Chan, gos []*chanuse.Go, sends map[*chanuse.Go]*chanuse.Op, recvs []*chanuse.Op) *finding {
	if len(recvs) != 1 || recvs[0].Kind != chanuse.Recv || recvs[0].Clause != nil {
		return nil
	}
	r := recvs[0]
	rloop := recvLoop(r, c)
	if !rloop.Valid() || !topLevel(c.Body, rloop.Node()) || !straight(rloop.Node()) || !inBody(rloop.Node(), stmtOf(r.Cur)) {
		return nil
	}
	taken, err := strconv.Atoi(bufferFor(pass, rloop.Node(), c))
	if err != nil {
		return nil
	}
	sent := 0
	for _, gs := range gos {
		if !sendsOnce(c, gs, sends[gs]) {
			return nil
		}
		if loop := chanuse.Loop(sends[gs].GoCursor(), c.Body); loop.Valid() {
			n, err := strconv.Atoi(bufferFor(pass, loop.Node(), c))
			if err != nil || !topLevel(c.Body, loop.Node()) || !straight(loop.Node()) || !inBody(loop.Node(), gs.Stmt) {
				return nil
			}
			sent += n
		} else if topLevel(c.Body, gs.Stmt) {
			sent++
		} else {
			return nil
		}
		if gs.Stmt.Pos() > rloop.Node().Pos() {
			return nil // started after the loop, or by it
		}
	}
	if sent <= taken {
		return nil
	}
	send := sends[gos[0]]
	left := "1 blocks"
	if sent-taken > 1 {
		left = fmt.Sprintf("%d block", sent-taken)
	}
	msg := fmt.Sprintf("%s: %d goroutines send on %s once each but %s receives %d times (the loop at line %d): %s forever; give %s a buffer of %d",
		classify.SendNoReceiver, sent, c.Name(), chanuse.FuncName(c.Owner), taken, pass.Fset.Position(rloop.Node().Pos()).Line, left, c.Name(), sent)
	return &finding{c: c, send: send, size: fmt.Sprint(sent), d: analysis.Diagnostic{
		Pos: send.Pos(), End: send.Node.End(), Message: msg,
		URL:      "https://github.com/leakhound/leakhound/blob/main/docs/leakvet.md#lostsend",
		Category: category.Of(pass, send.Pos(), false),
		SuggestedFixes: []analysis.SuggestedFix{{
			Message:   fmt.Sprintf("Give %s a buffer of %d", c.Name(), sent),
			TextEdits: []analysis.TextEdit{chanuse.BufferEdit(c.Make, fmt.Sprint(sent))},
		}},
	}}
}

// topLevel reports whether stmt is a statement of body itself.
func topLevel(body *ast.BlockStmt, stmt ast.Node) bool {
	return slices.ContainsFunc(body.List, func(s ast.Stmt) bool { return s == stmt })
}

// inBody reports whether stmt is a statement of the loop's own body.
func inBody(loop, stmt ast.Node) bool {
	switch l := loop.(type) {
	case *ast.ForStmt:
		return topLevel(l.Body, stmt)
	case *ast.RangeStmt:
		return topLevel(l.Body, stmt)
	}
	return false
}

// straight reports whether nothing in n, outside function literals,
// returns, branches, panics or calls a function that may not return: each
// pass runs every statement.
func straight(n ast.Node) bool {
	ok := true
	ast.Inspect(n, func(m ast.Node) bool {
		switch m := m.(type) {
		case *ast.FuncLit:
			return false
		case *ast.ReturnStmt, *ast.BranchStmt, *ast.SelectStmt, *ast.DeferStmt:
			ok = false
		case *ast.CallExpr:
			if id, isID := ast.Unparen(m.Fun).(*ast.Ident); isID && id.Name == "panic" {
				ok = false
			}
		}
		return ok
	})
	return ok
}

// stmtOf returns the statement around the node at cur.
func stmtOf(cur chanuse.Cursor) ast.Node {
	for ; cur.Valid(); cur = cur.Parent() {
		if s, ok := cur.Node().(ast.Stmt); ok {
			return s
		}
	}
	return nil
}

// sendsOnce reports whether gs makes exactly one send on c, send, as a
// statement of its own top level that no return can skip.
func sendsOnce(c *chanuse.Chan, gs *chanuse.Go, send *chanuse.Op) bool {
	for _, op := range c.Ops {
		if op.Go == gs && op != send {
			return false
		}
	}
	return send.Select == nil && topLevel(gs.Lit.Body, send.Node) && straight(gs.Lit.Body)
}

// skippable reports whether a pass of loop can go round without taking
// c: each of its receives of c is a case of a select that also has a
// case receiving from a channel whose senders are not known (a
// parameter, a field, a channel handed to a callee, a timer), after
// which the loop goes on. A channel made here and followed (its senders
// are goroutines started here) is left out: two goroutines, two
// channels, a loop of two that takes whichever comes first takes both.
func skippable(info *types.Info, res *chanuse.Result, g *cfg.CFG, c *chanuse.Chan, loop ast.Stmt, in []*chanuse.Op) bool {
	for _, r := range in {
		if r.Kind != chanuse.Recv || r.Clause == nil || r.Select == nil {
			return false // taken on every pass that reaches it
		}
	}
	for _, r := range in {
		for _, s := range r.Select.Body.List {
			cc := s.(*ast.CommClause)
			if cc == r.Clause || !foreignRecv(info, res, c, cc) {
				continue
			}
			if goesRound(g, cc, loop) {
				return true
			}
		}
	}
	return false
}

// foreignRecv reports whether the case receives from a channel that is
// not one of the function's followed channels nor one its goroutines
// send on.
func foreignRecv(info *types.Info, res *chanuse.Result, c *chanuse.Chan, cc *ast.CommClause) bool {
	var x ast.Expr
	switch s := cc.Comm.(type) {
	case *ast.ExprStmt:
		x = s.X
	case *ast.AssignStmt:
		if len(s.Rhs) == 1 {
			x = s.Rhs[0]
		}
	}
	u, ok := ast.Unparen(x).(*ast.UnaryExpr)
	if !ok || u.Op != token.ARROW {
		return false
	}
	ch := ast.Unparen(u.X)
	if id, ok := ch.(*ast.Ident); ok {
		obj := info.Uses[id]
		for _, d := range res.Chans {
			if d.Var == obj {
				return false
			}
		}
	}
	// A channel the function's goroutines send on, whatever it is.
	text := types.ExprString(ch)
	for _, op := range c.Ops {
		if op.Go == nil {
			continue
		}
		found := false
		ast.Inspect(op.Go.Lit.Body, func(n ast.Node) bool {
			if s, ok := n.(*ast.SendStmt); ok && types.ExprString(ast.Unparen(s.Chan)) == text {
				found = true
			}
			return !found
		})
		if found {
			return false
		}
	}
	return true
}

// goesRound reports whether some path from the start of the case's body
// comes back to loop's condition, post statement or body: the loop goes
// on after taking the case.
func goesRound(g *cfg.CFG, cc *ast.CommClause, loop ast.Stmt) bool {
	var q []*cfg.Block
	for _, b := range g.Blocks {
		if b.Kind == cfg.KindSelectCaseBody && b.Stmt == cc {
			q = append(q, b)
		}
	}
	seen := make(map[*cfg.Block]bool)
	for len(q) > 0 {
		b := q[0]
		q = q[1:]
		for _, s := range b.Succs {
			if seen[s] {
				continue
			}
			seen[s] = true
			if s.Stmt == loop {
				switch s.Kind {
				case cfg.KindForLoop, cfg.KindForPost, cfg.KindForBody, cfg.KindRangeLoop:
					return true
				}
			}
			q = append(q, s)
		}
	}
	return false
}

// report builds the finding for send, left blocked when the owner leaves
// as where says (through exit, when one path is named). chain lists the
// sends the goroutine can make on c on one path.
func report(pass *analysis.Pass, c *chanuse.Chan, send *chanuse.Op, loop inspector.Cursor, senders int, chain []*chanuse.Op, alts [][]*chanuse.Op, where string, exit *chanuse.Exit) *finding {
	line := func(n ast.Node) int { return pass.Fset.Position(n.Pos()).Line }
	f := &finding{c: c, send: send, d: analysis.Diagnostic{
		Pos:      send.Pos(),
		End:      send.Node.End(),
		URL:      "https://github.com/leakhound/leakhound/blob/main/docs/leakvet.md#lostsend",
		Category: category.Of(pass, send.Pos(), exit != nil && exit.Failed),
	}}
	this := "this send"
	if len(alts) > 0 {
		// One goroutine, one leak, whichever of its sends it takes.
		this = "this send" + otherPaths(alts, line)
	}
	head := fmt.Sprintf("%s: the goroutine blocks forever on %s when %s without receiving from %s", classify.SendNoReceiver, this, where, c.Name())
	// A way out through the case the owner left by, when it is a
	// context's Done and the context is in scope at the send.
	var done ast.Expr
	if exit != nil && exit.Case != nil {
		done = doneOf(pass, exit.Case, send.Go.Stmt.Pos())
	}
	wayOut := func() {
		if done == nil {
			return
		}
		f.d.SuggestedFixes = []analysis.SuggestedFix{{
			Message:   fmt.Sprintf("Send in a select with a case on %s.Done()", types.ExprString(done)),
			TextEdits: []analysis.TextEdit{selectEdit(pass, send, done)},
		}}
	}
	ctxName := "ctx"
	if done != nil {
		ctxName = types.ExprString(done)
	}
	if repeats(send) {
		// No buffer is large enough for a goroutine that goes on sending.
		f.d.Message = fmt.Sprintf("%s; it sends in a loop, so give the send a way out: a select on %s.Done() or on a channel closed when %s returns",
			head, ctxName, chanuse.FuncName(c.Owner))
		wayOut()
		return f
	}
	if loop.Valid() && unbounded(pass, loop.Node()) {
		// One goroutine per event of a loop that runs until the owner
		// leaves: no buffer size is known, each needs its own way out.
		f.d.Message = fmt.Sprintf("%s; it is started on each pass of the unbounded loop at line %d, so no buffer fits: send in a select with a case on %s.Done() or on a channel closed when %s returns",
			head, line(loop.Node()), ctxName, chanuse.FuncName(c.Owner))
		wayOut()
		return f
	}
	size, sizeText := fmt.Sprint(senders), fmt.Sprintf("a buffer of %d", senders)
	// The buffer the fix would need if this goroutine sent once.
	onceText := fmt.Sprintf("a buffer of %d", max(senders-len(chain)+1, 1))
	if loop.Valid() {
		size = bufferFor(pass, loop.Node(), c)
		if size == "" {
			sizeText = "a buffer as large as the number of goroutines"
			if len(chain) > 1 {
				sizeText = fmt.Sprintf("a buffer %d times as large as the number of goroutines", len(chain))
			}
		} else {
			sizeText = "a buffer of " + size
		}
		onceText = sizeText
		if len(chain) > 1 && size != "" {
			size = fmt.Sprintf("%d*%s", len(chain), size)
			sizeText = "a buffer of " + size
		}
	}
	f.d.Message = fmt.Sprintf("%s; give %s %s", head, c.Name(), sizeText)
	if len(chain) > 1 {
		var lines []string
		for _, op := range chain {
			lines = append(lines, fmt.Sprint(line(op.Node)))
		}
		f.d.Message = fmt.Sprintf("%s; the goroutine can send %d times on one path (lines %s), so give %s %s",
			head, len(chain), strings.Join(lines, ", "), c.Name(), sizeText)
		if len(chain) == 2 {
			// A return after the first makes it send once on every
			// path; it still needs a slot for when the owner is gone.
			f.d.Message += fmt.Sprintf(", or return after the send at line %s and give it %s", lines[0], onceText)
		}
	}
	if size != "" {
		f.size = size
		f.d.SuggestedFixes = []analysis.SuggestedFix{{
			Message:   fmt.Sprintf("Give %s a buffer of %s", c.Name(), size),
			TextEdits: []analysis.TextEdit{chanuse.BufferEdit(c.Make, size)},
		}}
	}
	return f
}

// describe says how the owner leaves through exit, for a diagnostic.
func describe(pass *analysis.Pass, fn string, exit *chanuse.Exit, after string) string {
	line := pass.Fset.Position(exit.End.Pos()).Line
	var where string
	if exit.Return != nil {
		where = fmt.Sprintf("%s returns at line %d", fn, line)
	} else {
		if call := category.Ends(pass.TypesInfo, exit.End); call != nil {
			where = fmt.Sprintf("%s ends the test at line %d (%s)", fn, line, types.ExprString(call.Fun))
		} else {
			call := category.MayEnd(pass.TypesInfo, exit.End)
			where = fmt.Sprintf("%s ends the test at line %d if %s fails", fn, line, types.ExprString(call.Fun))
		}
	}
	if exit.Case != nil {
		where += " through " + chanuse.DescribeCase(pass, exit.Case)
	}
	where += after
	if exit.Failed && exit.Return != nil {
		where = strings.TrimSuffix(where, ",") + ", after failing the test,"
	}
	return where
}

// emit reports the findings, one per goroutine where it has several
// alternative sends on different channels (an error or a result): those
// are one leak, whichever send it takes.
func emit(pass *analysis.Pass, res *chanuse.Result, found []*finding) {
	byGo := make(map[*chanuse.Go][]*finding)
	var order []*chanuse.Go
	for _, f := range found {
		if byGo[f.send.Go] == nil {
			order = append(order, f.send.Go)
		}
		byGo[f.send.Go] = append(byGo[f.send.Go], f)
	}
	for _, gs := range order {
		fs := byGo[gs]
		if len(fs) == 1 || !alternatives(res, gs, fs) {
			for _, f := range fs {
				pass.Report(f.d)
			}
			continue
		}
		slices.SortFunc(fs, func(a, b *finding) int { return int(a.send.Pos() - b.send.Pos()) })
		first := fs[0]
		d := first.d
		head, _, _ := strings.Cut(d.Message, " without receiving from ")
		head = strings.Replace(head, "on this send", "on this send or on "+otherSends(pass, fs[1:])+", whichever it takes,", 1)
		var names, gives []string
		var edits []analysis.TextEdit
		for _, f := range fs {
			names = append(names, f.c.Name())
			gives = append(gives, fmt.Sprintf("%s a buffer of %s", f.c.Name(), f.size))
			edits = append(edits, chanuse.BufferEdit(f.c.Make, f.size))
		}
		d.Message = fmt.Sprintf("%s without receiving from %s; give %s", head, strings.Join(names, " or "), strings.Join(gives, " and "))
		d.SuggestedFixes = []analysis.SuggestedFix{{Message: "Give " + strings.Join(gives, " and "), TextEdits: edits}}
		for _, f := range fs[1:] {
			if category.Rank(f.d.Category) < category.Rank(d.Category) {
				d.Category = f.d.Category
			}
		}
		pass.Report(d)
	}
}

func otherSends(pass *analysis.Pass, fs []*finding) string {
	var parts []string
	for _, f := range fs {
		parts = append(parts, fmt.Sprintf("its send on %s at line %d", f.c.Name(), pass.Fset.Position(f.send.Pos()).Line))
	}
	return strings.Join(parts, " or ")
}

// alternatives reports whether the findings are on distinct channels,
// each with a buffer fix, and no send of them can follow another in the
// goroutine: it takes one of them.
func alternatives(res *chanuse.Result, gs *chanuse.Go, fs []*finding) bool {
	g := res.CFG(gs.Lit.Body)
	for i, f := range fs {
		if f.size == "" {
			return false
		}
		for j, h := range fs {
			if i == j {
				continue
			}
			if f.c == h.c || chanuse.Reaches(g, f.send.Node, func(n ast.Node) bool { return n == h.send.Node || chanuse.Contains(n, h.send.Node) }) {
				return false
			}
		}
	}
	return true
}

// unbounded reports whether loop runs until something inside it leaves:
// for without a condition, or a range over a channel or an iterator.
func unbounded(pass *analysis.Pass, loop ast.Node) bool {
	switch l := loop.(type) {
	case *ast.ForStmt:
		return l.Cond == nil
	case *ast.RangeStmt:
		switch pass.TypesInfo.TypeOf(l.X).Underlying().(type) {
		case *types.Chan, *types.Signature:
			return true
		}
	}
	return false
}

// doneOf returns X when the case is <-X.Done() and X can be named at pos.
func doneOf(pass *analysis.Pass, cc *ast.CommClause, pos token.Pos) ast.Expr {
	var x ast.Expr
	switch s := cc.Comm.(type) {
	case *ast.ExprStmt:
		x = s.X
	case *ast.AssignStmt:
		x = s.Rhs[0]
	}
	u, ok := ast.Unparen(x).(*ast.UnaryExpr)
	if !ok || u.Op != token.ARROW {
		return nil
	}
	call, ok := ast.Unparen(u.X).(*ast.CallExpr)
	if !ok || len(call.Args) != 0 {
		return nil
	}
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "Done" {
		return nil
	}
	switch sel.X.(type) {
	case *ast.Ident, *ast.SelectorExpr:
	default:
		return nil
	}
	if !chanuse.DefinedBefore(pass.TypesInfo, sel.X, pos) {
		return nil
	}
	return sel.X
}

// selectEdit turns the send statement into a select that also gives up
// when done's context ends.
func selectEdit(pass *analysis.Pass, send *chanuse.Op, done ast.Expr) analysis.TextEdit {
	ind := chanuse.Indent(pass, send.Node)
	text := fmt.Sprintf("select {\n%scase %s:\n%scase <-%s.Done():\n%s}",
		ind, types.ExprString(send.Node.(*ast.SendStmt).Chan)+" <- "+types.ExprString(send.Node.(*ast.SendStmt).Value), ind, types.ExprString(done), ind)
	return analysis.TextEdit{Pos: send.Node.Pos(), End: send.Node.End(), NewText: []byte(text)}
}

// altSends returns gs's other sends on c that are alternatives to first:
// neither can follow the other (an error send and a result send). They
// come as the paths that make them: sends that can follow one another
// (two results, one after the other) share one, in order.
func altSends(res *chanuse.Result, c *chanuse.Chan, gs *chanuse.Go, first *chanuse.Op) [][]*chanuse.Op {
	var out []*chanuse.Op
	var g *cfg.CFG
	for _, op := range c.Ops {
		if op.Kind != chanuse.Send || op.Go != gs || op == first || !op.Alone() || op.Deferred {
			continue
		}
		if g == nil {
			g = res.CFG(gs.Lit.Body)
		}
		if !chanuse.Reaches(g, first.Node, holds(op.Node)) && !chanuse.Reaches(g, op.Node, holds(first.Node)) {
			out = append(out, op)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return sendPaths(g, out)
}

// sendPaths groups sends into the longest runs one path can make, in
// source order: a send followed by none of the others is a run of one.
// A send that repeats in a loop is not counted twice.
func sendPaths(g *cfg.CFG, ops []*chanuse.Op) [][]*chanuse.Op {
	slices.SortFunc(ops, func(a, b *chanuse.Op) int { return int(a.Pos() - b.Pos()) })
	if len(ops) > 8 {
		return [][]*chanuse.Op{ops[:1]} // too many to describe: name the first
	}
	next := make([][]int, len(ops))
	entered := make([]bool, len(ops))
	for i, a := range ops {
		for j := i + 1; j < len(ops); j++ {
			if chanuse.Reaches(g, a.Node, holds(ops[j].Node)) {
				next[i] = append(next[i], j)
				entered[j] = true
			}
		}
	}
	var out [][]*chanuse.Op
	var walk func(path []int)
	walk = func(path []int) {
		last := path[len(path)-1]
		if len(next[last]) == 0 || len(out) >= 8 {
			if len(out) < 8 {
				run := make([]*chanuse.Op, len(path))
				for k, i := range path {
					run[k] = ops[i]
				}
				out = append(out, run)
			}
			return
		}
		for _, j := range next[last] {
			walk(append(slices.Clip(path), j))
		}
	}
	for i := range ops {
		if !entered[i] {
			walk([]int{i})
		}
	}
	return out
}

// otherPaths says which sends a goroutine makes instead of the one
// reported, for "the goroutine blocks forever on this send...": " or the
// one at line 36 or 40, whichever it takes," when each is a path of its
// own; otherwise each path by name, runs of sends in order: " or, on its
// other path, on the ones at lines 39 and 40, one after the other,".
func otherPaths(paths [][]*chanuse.Op, line func(ast.Node) int) string {
	var singles []string
	runs := false
	for _, p := range paths {
		singles = append(singles, fmt.Sprint(line(p[0].Node)))
		runs = runs || len(p) > 1
	}
	if !runs {
		return fmt.Sprintf(" or the one at line %s, whichever it takes,", strings.Join(singles, " or "))
	}
	var parts []string
	for _, p := range paths {
		if len(p) == 1 {
			parts = append(parts, fmt.Sprintf("the one at line %d", line(p[0].Node)))
			continue
		}
		var ls []string
		for _, op := range p {
			ls = append(ls, fmt.Sprint(line(op.Node)))
		}
		parts = append(parts, fmt.Sprintf("the ones at lines %s and %s, one after the other", strings.Join(ls[:len(ls)-1], ", "), ls[len(ls)-1]))
	}
	where := "its other path"
	if len(paths) > 1 {
		where = "its other paths"
	}
	return fmt.Sprintf(" or, on %s, on %s,", where, strings.Join(parts, " or "))
}

// SendChain returns the longest run of gs's sends on c that one pass
// through gs can make, in order: a goroutine whose timeout case sends and
// does not return goes on to its result send. A send that is a select
// case beside a timeout counts: with a buffer it completes, and takes a
// slot the result then needs.
func SendChain(res *chanuse.Result, c *chanuse.Chan, gs *chanuse.Go) []*chanuse.Op {
	var ops []*chanuse.Op
	for _, op := range c.Ops {
		if op.Kind == chanuse.Send && op.Go == gs && !op.Deferred {
			ops = append(ops, op)
		}
	}
	if len(ops) <= 1 || len(ops) > 8 {
		return ops[:min(len(ops), 1)]
	}
	g := res.CFG(gs.Lit.Body)
	next := make([][]int, len(ops))
	for i, a := range ops {
		for j, b := range ops {
			if i != j && chanuse.Reaches(g, a.Node, func(n ast.Node) bool { return n == b.Node || chanuse.Contains(n, b.Node) }) {
				next[i] = append(next[i], j)
			}
		}
	}
	var best []int
	var walk func(path []int)
	walk = func(path []int) {
		if len(path) > len(best) {
			best = slices.Clone(path)
		}
		for _, j := range next[path[len(path)-1]] {
			if !slices.Contains(path, j) {
				walk(append(path, j))
			}
		}
	}
	for i := range ops {
		walk([]int{i})
	}
	out := make([]*chanuse.Op, len(best))
	for i, j := range best {
		out[i] = ops[j]
	}
	slices.SortFunc(out, func(a, b *chanuse.Op) int { return int(a.Pos() - b.Pos()) })
	return out
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

// bestExit returns the path on which the function leaves without
// receiving that matters most: one that leaks on a normal run (no timeout,
// no error, no failed test) before one through a timeout or cancellation
// case, before any other error path, before a path on which the test has
// already failed (through a timeout case first). Among equals the first
// found, breadth first, wins.
func bestExit(pass *analysis.Pass, g *cfg.CFG, start ast.Node, w *chanuse.Walk, reached func(*chanuse.Exit) bool, benign func(*ast.CommClause) bool, counted func(ast.Node) bool) *chanuse.Exit {
	var best *chanuse.Exit
	bestRank, seen := 1<<30, 0
	w.Exits(g, start, func(e *chanuse.Exit) bool {
		if (e.Case != nil && benign(e.Case)) || (e.Return != nil && counted(e.Return)) || !reached(e) {
			return true
		}
		if r := exitRank(pass, e); r < bestRank {
			best, bestRank = e, r
		}
		seen++
		return bestRank > 0 && seen < 256
	})
	return best
}

// exitRank orders exits; see bestExit.
func exitRank(pass *analysis.Pass, e *chanuse.Exit) int {
	switch {
	case e.Failed && e.Case != nil && givesUp(pass, e.Case):
		return 3
	case e.Failed:
		return 4
	case e.Case != nil && givesUp(pass, e.Case):
		return 1
	case e.Return != nil && returnsError(pass.TypesInfo, e.Return):
		return 2
	case e.Case != nil && !givesUp(pass, e.Case):
		return 0
	}
	return 0
}

// givesUp reports whether a select case is a timeout or a cancellation.
func givesUp(pass *analysis.Pass, cc *ast.CommClause) bool {
	d := chanuse.DescribeCase(pass, cc)
	return strings.Contains(d, "Done()") || strings.Contains(d, "timeout") || strings.Contains(d, "timer")
}

// returnsError reports whether ret returns an error that is not nil.
func returnsError(info *types.Info, ret *ast.ReturnStmt) bool {
	errType := types.Universe.Lookup("error").Type()
	for _, r := range ret.Results {
		if id, ok := ast.Unparen(r).(*ast.Ident); ok && id.Name == "nil" {
			continue
		}
		if t := info.TypeOf(r); t != nil && types.Implements(t, errType.Underlying().(*types.Interface)) {
			return true
		}
	}
	return false
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
	signals := signalChans(res, c, gs, false)
	return func(cc *ast.CommClause) bool {
		for d := range signals {
			for _, op := range d.Ops {
				if op.Clause == cc && op.Kind == chanuse.Recv {
					return true
				}
			}
		}
		return false
	}
}

// signalledRecv returns a test for the owner's nodes that hold a receive,
// outside any select, from a channel only gs sends to or closes, and only
// where it can no longer reach a send on c: once that receive completes,
// gs has gone its way without c (held-out round 17: `readBytesResult <- n`
// on the path with no `done <- err`, and the test returns after it). Another
// sender could have made the value, so gs must be the only one.
func signalledRecv(res *chanuse.Result, c *chanuse.Chan, gs *chanuse.Go) func(ast.Node) bool {
	var recvs []ast.Node
	for d := range signalChans(res, c, gs, true) {
		for _, op := range d.Ops {
			if op.Kind == chanuse.Recv && op.Go == nil && op.Clause == nil {
				recvs = append(recvs, op.Node)
			}
		}
	}
	return holds(recvs...)
}

// signalChans returns the owner's channels other than c that gs sends to
// or closes only where it cannot go on to a send on c; with sole, only
// those nothing but gs sends to or closes.
func signalChans(res *chanuse.Result, c *chanuse.Chan, gs *chanuse.Go, sole bool) map[*chanuse.Chan]bool {
	isSendOnC := sendsBy(c, gs)
	signals := make(map[*chanuse.Chan]bool)
	for _, d := range res.Chans {
		if d == c || d.Body != c.Body {
			continue
		}
		exclusive, any := true, false
		for _, op := range d.Ops {
			if op.Kind != chanuse.Send && op.Kind != chanuse.Close {
				continue
			}
			if op.Go != gs {
				exclusive = exclusive && !sole
				continue
			}
			any = true
			// A deferred close runs when the goroutine ends, after any
			// send (held-out round 8: defer close(end) first thing).
			if !op.Deferred && chanuse.Reaches(res.CFG(gs.Lit.Body), op.Node, isSendOnC) {
				exclusive = false
			}
		}
		if any && exclusive {
			signals[d] = true
		}
	}
	return signals
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

// pathFacts sets up the walk over the owner's paths for gs's send on c. It
// marks, on each path, the owner's operations that let gs past a blocking
// step it must take before the send (a send or receive on another channel
// of the owner, an Accept; a select case counts when every path to the
// send takes it, as a loop that counts events until done is closed does),
// and the assignments of pointer and interface
// variables still nil when gs starts. reached tells whether gs got to its
// send on the path of an exit: otherwise it is parked at the earlier step
// and the send named is not where it leaks. A path that dereferences a
// variable still nil panics there and leaves nowhere.
func pathFacts(pass *analysis.Pass, res *chanuse.Result, c *chanuse.Chan, gs *chanuse.Go, send *chanuse.Op) (*chanuse.Walk, func(*chanuse.Exit) bool) {
	info := pass.TypesInfo
	body := res.CFG(gs.Lit.Body)
	isSend := holds(send.Node)
	var gates []func(ast.Node) bool
	for _, d := range res.Chans {
		if d == c || d.Body != c.Body || d.Cap != 0 {
			continue
		}
		for _, op := range d.Ops {
			if op.Go != gs || op.Deferred || (op.Kind != chanuse.Send && op.Kind != chanuse.Recv) {
				continue
			}
			if !chanuse.Dominates(body, holds(op.Node), isSend) {
				continue
			}
			var parts []ast.Node
			shared := false
			for _, o := range d.Ops {
				switch {
				case o.Go == gs:
				case o.Go != nil:
					shared = true // another goroutine may take it
				case op.Kind == chanuse.Send && o.Kind == chanuse.Recv:
					parts = append(parts, o.Node)
				case op.Kind == chanuse.Send && o.Kind == chanuse.Range:
					parts = append(parts, o.Node.(*ast.RangeStmt).X)
				case op.Kind == chanuse.Recv && (o.Kind == chanuse.Send || o.Kind == chanuse.Close):
					parts = append(parts, o.Node)
				}
			}
			if !shared {
				gates = append(gates, holds(parts...))
			}
		}
	}
	if acceptsFirst(info, body, gs, isSend) {
		gates = append(gates, func(n ast.Node) bool { return dialsOrCloses(n) })
	}
	gates = gates[:min(len(gates), 8)]
	nils := nilAtStart(info, c, gs)
	w := &chanuse.Walk{Info: info}
	w.Marks = func(n ast.Node) uint32 {
		var m uint32
		for i, g := range gates {
			if g(n) {
				m |= 1 << i
			}
		}
		for j, v := range nils {
			if assigns(info, n, v) {
				m |= 1 << (8 + j)
			}
		}
		return m
	}
	if len(nils) > 0 {
		w.Dead = func(n ast.Node, m uint32) bool {
			for j, v := range nils {
				if m&(1<<(8+j)) == 0 && derefs(info, n, v) {
					return true
				}
			}
			return false
		}
	}
	if flags := receivedFlags(info, c); len(flags) > 0 {
		w.Prune = func(b *cfg.Block, i int) bool {
			if len(b.Succs) != 2 || len(b.Nodes) == 0 {
				return false
			}
			cond, ok := b.Nodes[len(b.Nodes)-1].(ast.Expr)
			if !ok {
				return false
			}
			// The flag is false here: the branch taken when it is true
			// (Succs[0] for flag, Succs[1] for !flag) is not.
			neg := false
			if u, ok := ast.Unparen(cond).(*ast.UnaryExpr); ok && u.Op == token.NOT {
				cond, neg = u.X, true
			}
			id, ok := ast.Unparen(cond).(*ast.Ident)
			if !ok || !flags[info.Uses[id]] {
				return false
			}
			return (i == 0) != neg
		}
	}
	all := uint32(1)<<len(gates) - 1
	reached := func(e *chanuse.Exit) bool { return e.Marks&all == all }
	if acceptsFirst(info, body, gs, isSend) && chanuse.Dominates(body, func(n ast.Node) bool { return category.MayEnd(info, n) != nil }, isSend) {
		// A goroutine that asserts on what Accept gave it before its send
		// ends there when Accept fails; the owner's own failed assertion
		// is its dial failing, so no client came and Accept can only fail
		// (go-libp2p's quic conn_test.go: require.NoError on both sides).
		r := reached
		reached = func(e *chanuse.Exit) bool {
			return r(e) && (e.Return != nil || category.MayEnd(info, e.End) == nil)
		}
	}
	return w, reached
}

// receivedFlags returns the owner's local booleans that start false and
// are set, always to true, only after a receive from c in the same
// statement list or select case: received = true. On a path that has not
// received from c, such a flag is false, so if !received { <-c } is sure
// to receive (held-out round 16, toxiproxy's link.go).
func receivedFlags(info *types.Info, c *chanuse.Chan) map[types.Object]bool {
	var recvs []ast.Node
	for _, op := range c.Ops {
		if op.Go == nil && op.Kind == chanuse.Recv {
			recvs = append(recvs, op.Node)
		}
	}
	if len(recvs) == 0 {
		return nil
	}
	received := holds(recvs...)
	flags := make(map[types.Object]bool)
	bad := make(map[types.Object]bool)
	var list func(stmts []ast.Stmt, after bool)
	list = func(stmts []ast.Stmt, after bool) {
		for _, st := range stmts {
			if as, ok := st.(*ast.AssignStmt); ok && len(as.Lhs) == 1 && len(as.Rhs) == 1 {
				if id, ok := as.Lhs[0].(*ast.Ident); ok {
					obj := info.ObjectOf(id)
					val, isID := ast.Unparen(as.Rhs[0]).(*ast.Ident)
					isBool := obj != nil && types.Identical(obj.Type(), types.Typ[types.Bool])
					switch {
					case !isBool:
					case as.Tok == token.DEFINE && isID && val.Name == "false":
					case as.Tok == token.ASSIGN && isID && val.Name == "true" && after:
						flags[obj] = true
					default:
						bad[obj] = true
					}
				}
			}
			after = after || received(st)
		}
	}
	ast.Inspect(c.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.BlockStmt:
			list(n.List, false)
		case *ast.CaseClause:
			list(n.Body, false)
		case *ast.CommClause:
			list(n.Body, n.Comm != nil && received(n.Comm))
		case *ast.AssignStmt:
			// x, y = ...: a flag must be set alone, or declared false.
			if len(n.Lhs) > 1 && !allFalse(n) {
				for _, l := range n.Lhs {
					if id, ok := l.(*ast.Ident); ok {
						bad[info.ObjectOf(id)] = true
					}
				}
			}
		case *ast.RangeStmt:
			for _, x := range []ast.Expr{n.Key, n.Value} {
				if id, ok := x.(*ast.Ident); ok {
					bad[info.ObjectOf(id)] = true
				}
			}
		case *ast.ValueSpec:
			for i, name := range n.Names {
				if i < len(n.Values) {
					if v, ok := ast.Unparen(n.Values[i]).(*ast.Ident); !ok || v.Name != "false" {
						bad[info.ObjectOf(name)] = true
					}
				}
			}
		case *ast.UnaryExpr:
			if n.Op == token.AND {
				if id, ok := ast.Unparen(n.X).(*ast.Ident); ok {
					bad[info.ObjectOf(id)] = true
				}
			}
		}
		return true
	})
	for obj := range flags {
		// A parameter or a variable from outside may start true.
		if bad[obj] || obj.Pos() < c.Body.Pos() || obj.Pos() > c.Body.End() || isParam(c.Owner, obj) {
			delete(flags, obj)
		}
	}
	return flags
}

// allFalse reports whether as is a, b := false, false.
func allFalse(as *ast.AssignStmt) bool {
	if as.Tok != token.DEFINE || len(as.Lhs) != len(as.Rhs) {
		return false
	}
	for _, r := range as.Rhs {
		if id, ok := ast.Unparen(r).(*ast.Ident); !ok || id.Name != "false" {
			return false
		}
	}
	return true
}

// isParam reports whether obj is a parameter or result of fn.
func isParam(fn ast.Node, obj types.Object) bool {
	var ft *ast.FuncType
	switch f := fn.(type) {
	case *ast.FuncDecl:
		ft = f.Type
	case *ast.FuncLit:
		ft = f.Type
	}
	return ft != nil && ft.Pos() <= obj.Pos() && obj.Pos() < ft.End()
}

// shutsDown returns a test for the owner's nodes that shut an
// http.Server down (Shutdown or Close), when send is made only on an error
// other than http.ErrServerClosed: once the owner has shut the server
// down, Serve and ListenAndServe return just that error, so the goroutine
// skips its send (held-out round 17: tailscale's api-proxy).
func shutsDown(info *types.Info, send *chanuse.Op) func(ast.Node) bool {
	never := func(ast.Node) bool { return false }
	guarded := false
	for cur := send.Cur; cur.Valid() && cur.Node() != send.Go.Lit; cur = cur.Parent() {
		if is, ok := cur.Parent().Node().(*ast.IfStmt); ok && cur.Node() == is.Body && excludesServerClosed(info, is.Cond) {
			guarded = true
		}
	}
	if !guarded {
		return never
	}
	return func(n ast.Node) bool {
		found := false
		ast.Inspect(n, func(m ast.Node) bool {
			if _, ok := m.(*ast.FuncLit); ok || found {
				return false
			}
			call, ok := m.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
			if !ok || (sel.Sel.Name != "Shutdown" && sel.Sel.Name != "Close") {
				return true
			}
			if fn, ok := info.Uses[sel.Sel].(*types.Func); ok && fn.Pkg() != nil && fn.Pkg().Path() == "net/http" {
				if recv := fn.Signature().Recv(); recv != nil && types.TypeString(recv.Type(), nil) == "*net/http.Server" {
					found = true
				}
			}
			return !found
		})
		return found
	}
}

// excludesServerClosed reports whether cond holds only for an error other
// than http.ErrServerClosed: one of its && terms is err != ErrServerClosed
// or !errors.Is(err, ErrServerClosed).
func excludesServerClosed(info *types.Info, cond ast.Expr) bool {
	isClosed := func(x ast.Expr) bool {
		sel, ok := ast.Unparen(x).(*ast.SelectorExpr)
		if !ok {
			return false
		}
		v, ok := info.Uses[sel.Sel].(*types.Var)
		return ok && v.Pkg() != nil && v.Pkg().Path() == "net/http" && v.Name() == "ErrServerClosed"
	}
	switch x := ast.Unparen(cond).(type) {
	case *ast.BinaryExpr:
		switch x.Op {
		case token.LAND:
			return excludesServerClosed(info, x.X) || excludesServerClosed(info, x.Y)
		case token.NEQ:
			return isClosed(x.X) || isClosed(x.Y)
		}
	case *ast.UnaryExpr:
		call, ok := ast.Unparen(x.X).(*ast.CallExpr)
		if x.Op != token.NOT || !ok || len(call.Args) != 2 || !isClosed(call.Args[1]) {
			return false
		}
		fn := typeutil.StaticCallee(info, call)
		return fn != nil && fn.Pkg() != nil && fn.Pkg().Path() == "errors" && fn.Name() == "Is"
	}
	return false
}

// startedOnce reports whether gs, started in loop, starts at most once:
// its go statement is inside if !started { ... }, after a started = true
// in that if, where started is a local declared before the loop and
// nothing in the loop sets it to anything but true (held-out round 17:
// tailscale's containerboot starts its proxies once, behind
// startupTasksDone).
func startedOnce(info *types.Info, gs *chanuse.Go, loop chanuse.Cursor) bool {
	isTrue := func(x ast.Expr) bool {
		id, ok := ast.Unparen(x).(*ast.Ident)
		return ok && info.Uses[id] == types.Universe.Lookup("true")
	}
	// The blocks from the go statement out to the loop, each with its
	// statement that holds the go statement.
	type step struct {
		block *ast.BlockStmt
		child ast.Stmt
	}
	var chain []step
	cur, ok := loop.FindNode(gs.Stmt)
	for ; ok && cur.Node() != loop.Node(); cur = cur.Parent() {
		block, isBlock := cur.Node().(*ast.BlockStmt)
		if !isBlock {
			continue
		}
		for _, st := range block.List {
			if st.Pos() <= gs.Stmt.Pos() && gs.Stmt.End() <= st.End() {
				chain = append(chain, step{block, st})
				break
			}
		}
		is, isIf := cur.Parent().Node().(*ast.IfStmt)
		if !isIf || is.Body != block {
			continue
		}
		flag := notFlag(info, is.Cond)
		if flag == nil || flag.Pos() >= loop.Node().Pos() {
			continue
		}
		// Set to true in the branch before the start, and never to
		// anything else in the loop.
		setFirst, resets := false, false
		ast.Inspect(loop.Node(), func(n ast.Node) bool {
			as, ok := n.(*ast.AssignStmt)
			if !ok {
				return true
			}
			for i, lhs := range as.Lhs {
				l, ok := ast.Unparen(lhs).(*ast.Ident)
				if !ok || info.ObjectOf(l) != flag {
					continue
				}
				if as.Tok != token.ASSIGN || len(as.Rhs) != len(as.Lhs) || !isTrue(as.Rhs[i]) {
					resets = true
					continue
				}
				for _, s := range chain {
					if as.End() <= s.child.Pos() && slices.Contains(s.block.List, ast.Stmt(as)) {
						setFirst = true
					}
				}
			}
			return true
		})
		if setFirst && !resets {
			return true
		}
	}
	return false
}

// notFlag returns the local boolean variable x when cond is !x.
func notFlag(info *types.Info, cond ast.Expr) *types.Var {
	not, ok := ast.Unparen(cond).(*ast.UnaryExpr)
	if !ok || not.Op != token.NOT {
		return nil
	}
	id, ok := ast.Unparen(not.X).(*ast.Ident)
	if !ok {
		return nil
	}
	v, ok := info.Uses[id].(*types.Var)
	if !ok || v.Pkg() == nil || v.Parent() == v.Pkg().Scope() || v.IsField() {
		return nil
	}
	return v
}

// mainFunc reports whether fn is package main's func main.
func mainFunc(pass *analysis.Pass, fn ast.Node) bool {
	d, ok := fn.(*ast.FuncDecl)
	return ok && d.Recv == nil && d.Name.Name == "main" && pass.Pkg.Name() == "main"
}

// holds returns a test for the nodes that are or contain one of targets.
func holds(targets ...ast.Node) func(ast.Node) bool {
	return func(n ast.Node) bool {
		return slices.ContainsFunc(targets, func(t ast.Node) bool { return n == t || chanuse.Contains(n, t) })
	}
}

// acceptsFirst reports whether gs calls an Accept method (a listener's)
// on every path to its send: until a client connects or the listener is
// closed, it is parked there, not at the send (held-out round 15).
func acceptsFirst(info *types.Info, body *cfg.CFG, gs *chanuse.Go, isSend func(ast.Node) bool) bool {
	var calls []ast.Node
	ast.Inspect(gs.Lit.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.CallExpr:
			if sel, ok := ast.Unparen(n.Fun).(*ast.SelectorExpr); ok && strings.HasPrefix(sel.Sel.Name, "Accept") {
				if s, ok := info.Selections[sel]; ok && s.Kind() == types.MethodVal {
					calls = append(calls, n)
				}
			}
		}
		return true
	})
	return len(calls) > 0 && chanuse.Dominates(body, holds(calls...), isSend)
}

// dialsOrCloses reports whether n calls something that connects (a name
// with dial or connect in it, in any case) or closes (Close), either of
// which lets an Accept return.
func dialsOrCloses(n ast.Node) bool {
	found := false
	ast.Inspect(n, func(m ast.Node) bool {
		if found {
			return false
		}
		if _, ok := m.(*ast.FuncLit); ok {
			return false
		}
		if call, ok := m.(*ast.CallExpr); ok {
			var name string
			switch f := ast.Unparen(call.Fun).(type) {
			case *ast.Ident:
				name = f.Name
			case *ast.SelectorExpr:
				name = f.Sel.Name
			}
			low := strings.ToLower(name)
			found = strings.Contains(low, "dial") || strings.Contains(low, "connect") || name == "Close"
		}
		return !found
	})
	return found
}

// nilAtStart returns the owner's pointer and interface variables declared
// without a value and assigned only after gs starts, outside
// closures and never through their address: nil until assigned.
func nilAtStart(info *types.Info, c *chanuse.Chan, gs *chanuse.Go) []*types.Var {
	var out []*types.Var
	ast.Inspect(c.Body, func(n ast.Node) bool {
		if _, ok := n.(*ast.FuncLit); ok {
			return false
		}
		vs, ok := n.(*ast.ValueSpec)
		if !ok || len(vs.Values) > 0 {
			return true
		}
		for _, name := range vs.Names {
			v, ok := info.Defs[name].(*types.Var)
			if !ok {
				continue
			}
			switch v.Type().Underlying().(type) {
			case *types.Pointer, *types.Interface:
				if len(out) < 16 && assignedOnlyAfter(info, c.Body, v, gs.Stmt.Pos()) && selected(info, c.Body, v) {
					out = append(out, v)
				}
			}
		}
		return true
	})
	return out
}

func assignedOnlyAfter(info *types.Info, body *ast.BlockStmt, v *types.Var, pos token.Pos) bool {
	ok := true
	var lits []*ast.FuncLit
	ast.Inspect(body, func(n ast.Node) bool {
		if !ok {
			return false
		}
		switch n := n.(type) {
		case *ast.FuncLit:
			lits = append(lits, n)
		case *ast.UnaryExpr:
			if id, isID := ast.Unparen(n.X).(*ast.Ident); isID && n.Op == token.AND && info.Uses[id] == v {
				ok = false
			}
		case *ast.AssignStmt:
			for _, l := range n.Lhs {
				if id, isID := ast.Unparen(l).(*ast.Ident); isID && info.Uses[id] == v {
					inLit := slices.ContainsFunc(lits, func(f *ast.FuncLit) bool { return f.Pos() <= n.Pos() && n.End() <= f.End() })
					if n.Pos() < pos || inLit {
						ok = false
					}
				}
			}
		case *ast.RangeStmt:
			for _, x := range []ast.Expr{n.Key, n.Value} {
				if id, isID := x.(*ast.Ident); isID && info.Uses[id] == v {
					ok = false
				}
			}
		}
		return true
	})
	return ok
}

// assigns reports whether n assigns v.
func assigns(info *types.Info, n ast.Node, v *types.Var) bool {
	found := false
	ast.Inspect(n, func(m ast.Node) bool {
		if found {
			return false
		}
		switch m := m.(type) {
		case *ast.FuncLit:
			return false
		case *ast.AssignStmt:
			for _, l := range m.Lhs {
				if id, ok := ast.Unparen(l).(*ast.Ident); ok && (info.Uses[id] == v || info.Defs[id] == v) {
					found = true
				}
			}
		}
		return !found
	})
	return found
}

// selected reports whether n selects a field or method of v, or
// dereferences it, anywhere: only such variables can make a path panic.
func selected(info *types.Info, n ast.Node, v *types.Var) bool {
	found := false
	ast.Inspect(n, func(m ast.Node) bool {
		var x ast.Expr
		switch m := m.(type) {
		case *ast.SelectorExpr:
			x = m.X
		case *ast.StarExpr:
			x = m.X
		}
		if id, ok := ast.Unparen(x).(*ast.Ident); ok && x != nil && info.Uses[id] == v {
			found = true
		}
		return !found
	})
	return found
}

// derefs reports whether n surely dereferences v: a field of a nil
// pointer, a method of a nil interface, *v. A node that compares v with
// nil may guard the dereference, and a deferred call runs later: neither
// counts.
func derefs(info *types.Info, n ast.Node, v *types.Var) bool {
	if _, ok := n.(*ast.DeferStmt); ok {
		return false
	}
	is := func(x ast.Expr) bool {
		id, ok := ast.Unparen(x).(*ast.Ident)
		return ok && info.Uses[id] == v
	}
	found, guarded := false, false
	ast.Inspect(n, func(m ast.Node) bool {
		switch m := m.(type) {
		case *ast.FuncLit:
			return false
		case *ast.BinaryExpr:
			if (m.Op == token.EQL || m.Op == token.NEQ) && (is(m.X) || is(m.Y)) {
				guarded = true
			}
		case *ast.StarExpr:
			found = found || is(m.X)
		case *ast.SelectorExpr:
			if !is(m.X) {
				break
			}
			if sel, ok := info.Selections[m]; ok {
				_, iface := v.Type().Underlying().(*types.Interface)
				found = found || (sel.Kind() == types.FieldVal && !iface) || (sel.Kind() == types.MethodVal && iface)
			}
		}
		return true
	})
	return found && !guarded
}
