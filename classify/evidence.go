package classify

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/leakhound/leakhound/stack"
)

// A goroutine parked in a leak class is not yet evidence of a leak: a
// healthy service parks its scrape loops, workers and run groups the same
// way. The verdict asks for evidence and names it; without any the
// goroutines are parked, listed, and do not fail the run.

// judge sets the finding's verdict from its evidence.
func (c *Classifier) judge(grp *group) {
	f := &grp.f
	f.Evidence = f.Evidence[:0]
	if grp.creators != nil {
		f.Creators = len(grp.creators)
		if f.Creators > 1 {
			f.CreatedByGoroutine = 0
		}
	}
	f.Unknown = grp.unknown
	switch {
	case f.Proven > 0 && f.Class == System:
		// A proof of a goroutine with no frame to show (see noFrames)
		// names nothing to fix, and alerting on it would be noise.
		f.Verdict, f.Proven = OK, 0
		return
	case f.Proven > 0 && f.Rule == mainWaitsRule:
		// A main that ends in select {} once its servers run is proven
		// blocked forever, as it is meant to be: the program lives as
		// long as it waits, so nothing leaks, and nothing downstream
		// (alerts, the monitor's proven groups) should count it.
		f.Verdict, f.Proven = OK, 0
		return
	case f.Proven > 0:
		f.Verdict = Leak
		f.Evidence = append(f.Evidence, Evidence{Proof, fmt.Sprintf("the runtime's leak-detecting GC proved %s can never run again", them(f.Count))})
		return
	case !f.Class.IsLeak():
		f.Verdict = OK
		return
	}
	if grp.never != "" {
		f.Evidence = append(f.Evidence, Evidence{NeverWakes, grp.never})
	}
	if trap := c.trap(f); trap != "" {
		f.Evidence = append(f.Evidence, Evidence{SourceTrap, trap})
	}
	if min := c.concentrationMin(); f.Count >= min && f.Class != IOWithoutDeadline {
		f.Evidence = append(f.Evidence, Evidence{Concentration, fmt.Sprintf("%d goroutines wait at this one place; a healthy process of %d goroutines rarely parks %d or more at one line", f.Count, c.total, min)})
	}
	if n := c.abandoned(grp); n > 0 {
		f.Evidence = append(f.Evidence, Evidence{Abandoned, fmt.Sprintf("the %d goroutines that started them have all exited: nothing that started them is left to feed them or wait for them", n)})
	}
	if grp.outlived > 0 {
		f.Evidence = append(f.Evidence, Evidence{OutlivedRequest, fmt.Sprintf("%s started while serving an HTTP request that is over, and still %s", them(grp.outlived), verb(grp.outlived, "waits", "wait"))})
	}
	if f.Class == IOWithoutDeadline && f.MaxMinutes >= c.cfg.IOMinutes {
		f.Evidence = append(f.Evidence, Evidence{LongWait, fmt.Sprintf("waiting on I/O for %s, past the %s a healthy request takes", minutes(f.MaxMinutes), minutes(c.cfg.IOMinutes))})
	}
	switch {
	case len(f.Evidence) > 0:
		f.Verdict = Suspect
	case f.Class == IOWithoutDeadline:
		// Connections wait on the network all the time; only age or a
		// finished request makes that a leak.
		f.Verdict = OK
	default:
		f.Verdict = Parked
	}
}

func them(n int) string {
	if n == 1 {
		return "this goroutine"
	}
	return fmt.Sprintf("these %d goroutines", n)
}

func minutes(n int) string {
	if n == 1 {
		return "1 minute"
	}
	return fmt.Sprintf("%d minutes", n)
}

// concentrationMin is the count at one place that counts as evidence: the
// configured floor (100) in a process of up to ten times that, and a tenth
// of the process above, capped at ten times the floor. A leak that grows
// with traffic passes it in time; the pools and per-connection loops of a
// healthy service stay under it or are idle by rule.
func (c *Classifier) concentrationMin() int {
	floor := c.cfg.Concentration
	if floor <= 0 {
		floor = 100
	}
	return min(max(floor, c.total/10), 10*floor)
}

// outlived counts, for each group, the goroutines started from an HTTP
// request that is over: their creator is a server connection goroutine
// now waiting for its next request, or tracebackancestors show the
// creator in a handler and it is gone.
func (c *Classifier) outlived() {
	for _, s := range c.started {
		inHandler, live := c.requests[s.creator]
		if (live && !inHandler) || (!live && s.ancestor) {
			s.grp.outlived += int(s.n)
		}
	}
	c.started = nil
}

// findLive fills c.live with the creators, of the groups abandoned asks
// about, that are goroutines of the input: one pass over the ids read,
// holding only those creators, not a set of every goroutine.
func (c *Classifier) findLive() {
	want := make(map[int64]bool)
	for _, g := range c.order {
		if len(g.creators) >= minAbandoners && userCode(g.f.CreatedAt.Func) {
			for id := range g.creators {
				want[id] = true
			}
		}
	}
	c.live = make(map[int64]struct{})
	if len(want) == 0 {
		return
	}
	c.eachID(func(id int64) {
		if want[id] {
			c.live[id] = struct{}{}
		}
	})
}

// minAbandoners is how many distinct creators, all gone, make evidence:
// one creator that exited is a daemon's parent; several are a path that
// starts a goroutine each time it runs and leaves it behind.
const minAbandoners = 2

// abandoned returns how many distinct goroutines started grp's, when
// there are at least minAbandoners and none of them is alive; else 0.
func (c *Classifier) abandoned(grp *group) int {
	if len(grp.creators) < minAbandoners || !userCode(grp.f.CreatedAt.Func) {
		return 0
	}
	if c.live == nil {
		c.findLive()
	}
	for id := range grp.creators {
		if _, ok := c.live[id]; ok {
			return 0
		}
	}
	return len(grp.creators)
}

// userCode reports whether fn is outside the runtime, net/http and gRPC,
// whose goroutines are the servers' own.
func userCode(fn string) bool {
	pkg := stack.Func(fn).PkgPath()
	return pkg != "" && pkg != "net/http" && !strings.HasPrefix(pkg, "google.golang.org/grpc") && !stack.Func(fn).IsRuntime()
}

// neverWakes says why a wait can never end, when the wait reason alone
// shows it.
func neverWakes(class Class, state string) string {
	switch {
	case state == "chan send (nil chan)":
		return "a send on a nil channel blocks forever"
	case state == "chan receive (nil chan)" && class == ContextNeverDone:
		return "the Done channel of context.Background() or TODO() is nil: it is never closed"
	case state == "chan receive (nil chan)":
		return "a receive from a nil channel blocks forever"
	case state == "select (no cases)":
		return "a select with no cases blocks forever"
	}
	return ""
}

// unknownOf says what the goroutine's input form cannot tell, when it
// matters for a leak candidate.
func unknownOf(g *stack.Goroutine, class Class) string {
	if !class.IsLeak() {
		return ""
	}
	switch {
	case class == UnknownWait:
		return "what these goroutines wait on: a debug=1 profile hides the runtime frames that tell; debug=0 or debug=2 shows them"
	case g.Partial:
		return "how long they waited and who started them: a debug=1 profile has no wait times or creators; a debug=2 dump has both"
	case g.ID == 0:
		return "how long they waited and who started them: a profile has no wait times or creators; a debug=2 dump has both"
	}
	return ""
}

// partialState names the wait of a debug=1 profile stack from the frames
// it keeps (sync, time and poll frames stay; the runtime's are hidden), or
// else from the line of code it is parked at. "" when neither tells.
func (c *Classifier) partialState(g *stack.Goroutine, top int) string {
	if st := inferState(g.Stack); st != "" && st != "runnable" {
		return st
	}
	for _, f := range g.Stack {
		// The goroutine writing the profile: runtime/pprof's frames show.
		if strings.HasPrefix(string(f.Func), "runtime/pprof.write") {
			return "running"
		}
	}
	if top >= len(g.Stack) {
		return ""
	}
	line, ok := c.cfg.Source.Line(g.Stack[top].File, g.Stack[top].Line)
	if !ok {
		return ""
	}
	switch {
	case strings.ReplaceAll(line, " ", "") == "select{}":
		return "select (no cases)"
	case strings.HasPrefix(line, "select {") || line == "select{":
		return "select"
	case isRange(line):
		return "chan receive"
	}
	return arrowOp(line)
}

// arrowOp tells a send from a receive by the first arrow in line: a send's
// arrow follows its channel operand ("ch <- v", "s.out[i] <- v"), a
// receive's follows an operator, a keyword or nothing ("v := <-ch",
// "case <-done:", "return <-ch").
func arrowOp(line string) string {
	// Skip the arrows of channel types, "<-chan T" and "chan<- T".
	i := 0
	for {
		j := strings.Index(line[i:], "<-")
		if j < 0 {
			return ""
		}
		i += j
		if !strings.HasPrefix(strings.TrimLeft(line[i+2:], " "), "chan") && !strings.HasSuffix(strings.TrimRight(line[:i], " "), "chan") {
			break
		}
		i += 2
	}
	before := strings.TrimRight(line[:i], " \t")
	if before == "" {
		return "chan receive"
	}
	c := before[len(before)-1]
	operand := c == '_' || c == ')' || c == ']' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
	if !operand {
		return "chan receive"
	}
	word := before[strings.LastIndexAny(before, " \t{;(")+1:]
	switch word {
	case "case", "return", "go", "defer", "else":
		return "chan receive"
	}
	return "chan send"
}

// trap returns what the source shows of a leak's shape at f's lines, or "".
func (c *Classifier) trap(f *Finding) string {
	src := c.cfg.Source
	if src == nil {
		return ""
	}
	switch f.Class {
	case SendNoReceiver:
		if f.CreatedAt.File == "" {
			return ""
		}
		l, n := src.findForward(f.CreatedAt.File, f.CreatedAt.Line, 40, timeoutCase.MatchString)
		if n == 0 {
			return c.unfed(f, sendOperand, "nothing receives from it")
		}
		if _, m := src.findBack(f.CreatedAt.File, f.CreatedAt.Line, 30, makeChan.MatchString); m > 0 {
			return fmt.Sprintf("the function that started it leaves through a timeout (%q, line %d) while the result channel it made has no buffer (line %d)", l, n, m)
		}
		return fmt.Sprintf("the function that started it leaves through a timeout (%q, line %d) before receiving", l, n)
	case ReceiveNoSender, RangeNeverClosed:
		return c.unfed(f, chanOperand, "nothing sends to it or closes it")
	case MutexDeadlock:
		return c.unreleased(f)
	}
	return ""
}

var (
	chanOperand = regexp.MustCompile(`(?:<-\s*|range\s+)([A-Za-z_][\w.]*)`)
	sendOperand = regexp.MustCompile(`(?:^|[{;]\s*|case\s+)([A-Za-z_]\w*)\s*<-`)
)

// unfed reports a closure that waits on a channel (named by operand's
// first group in the blocked line) that the function that started it
// never mentions again after the go statement: nothing there can send,
// receive, close or hand it to anyone who could.
func (c *Classifier) unfed(f *Finding, operand *regexp.Regexp, consequence string) string {
	src := c.cfg.Source
	if f.CreatedAt.File == "" || f.CreatedAt.File != f.BlockedAt.File || f.BlockedAt.Line < f.CreatedAt.Line {
		return ""
	}
	line, ok := src.Line(f.BlockedAt.File, f.BlockedAt.Line)
	if !ok {
		return ""
	}
	m := operand.FindStringSubmatch(line)
	if m == nil || strings.Contains(m[1], ".") {
		return ""
	}
	name := m[1]
	end, rest, ok := src.afterGo(f.CreatedAt.File, f.CreatedAt.Line)
	if !ok || f.BlockedAt.Line > end {
		return "" // the blocked line is not inside the go statement's closure
	}
	word := regexp.MustCompile(`\b` + regexp.QuoteMeta(name) + `\b`)
	decl := regexp.MustCompile(`^(var\s+` + regexp.QuoteMeta(name) + `\b|` + regexp.QuoteMeta(name) + `\s*:?=\s*make\()`)
	for _, l := range rest {
		if word.MatchString(l) {
			return ""
		}
	}
	// Before the go statement, only its making may name it: a goroutine
	// started earlier with the channel could feed it.
	for _, l := range src.beforeGo(f.CreatedAt.File, f.CreatedAt.Line) {
		if l = strings.TrimSpace(l); word.MatchString(l) && !decl.MatchString(l) {
			return ""
		}
	}
	return fmt.Sprintf("after the go statement, the function that started it never uses %s again: %s", name, consequence)
}

var lockCall = regexp.MustCompile(`^([\w.\[\]()*]+)\.(R?Lock)\(\)$`)

// unreleased looks in the blocked line's file for a function that takes
// the same lock and returns before releasing it, with no deferred unlock.
func (c *Classifier) unreleased(f *Finding) string {
	src := c.cfg.Source
	line, ok := src.Line(f.BlockedAt.File, f.BlockedAt.Line)
	if !ok {
		return ""
	}
	m := lockCall.FindStringSubmatch(line)
	if m == nil {
		return ""
	}
	lines := src.lines(f.BlockedAt.File)
	unlock := m[1] + ".Unlock()"
	if m[2] == "RLock" {
		unlock = m[1] + ".RUnlock()"
	}
	lock := m[1] + "." + m[2] + "()"
	for i := 0; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) != lock {
			continue
		}
		depth := 0
		for j := i + 1; j < len(lines) && j < i+200; j++ {
			l := strings.TrimSpace(lines[j])
			if strings.HasPrefix(l, "defer") && strings.Contains(l, unlock) || l == unlock {
				break
			}
			if strings.HasPrefix(l, "return") {
				return fmt.Sprintf("line %d returns with %s held: %s at line %d is never matched by %s on that path", j+1, m[1], lock, i+1, unlock)
			}
			depth += strings.Count(l, "{") - strings.Count(l, "}")
			if depth < 0 {
				break // the function ends
			}
		}
	}
	return ""
}

// afterGo finds the end of the go statement at line n of file (its
// closure's closing brace) and returns that line's number and the lines
// from there to the end of the function around it.
func (s *Source) afterGo(file string, n int) (int, []string, bool) {
	lines := s.lines(file)
	if n < 1 || n > len(lines) || !strings.HasPrefix(strings.TrimSpace(lines[n-1]), "go ") {
		return 0, nil, false
	}
	depth, end := 0, 0
	for i := n - 1; i < len(lines) && i < n+300; i++ {
		depth += strings.Count(lines[i], "{") - strings.Count(lines[i], "}")
		if depth <= 0 {
			end = i + 1
			break
		}
	}
	if end == 0 {
		return 0, nil, false
	}
	var rest []string
	depth = 0
	for i := end; i < len(lines) && i < end+300; i++ {
		depth += strings.Count(lines[i], "{") - strings.Count(lines[i], "}")
		if depth < 0 {
			return end, rest, true
		}
		rest = append(rest, lines[i])
	}
	return 0, nil, false // the function does not end where we looked
}

// beforeGo returns the lines of the function around line n of file that
// come before it, from the one that opens the function (whose parameters
// count: a channel passed in is the caller's to feed).
func (s *Source) beforeGo(file string, n int) []string {
	lines := s.lines(file)
	depth := 0
	i := n - 1
	for ; i > 0 && i > n-300; i-- {
		l := lines[i-1]
		depth += strings.Count(l, "}") - strings.Count(l, "{")
		if depth < 0 {
			break // the line that opens the function
		}
	}
	if i < 1 || i >= n {
		return nil
	}
	return lines[i-1 : n-1]
}
