package leakhound

import (
	"context"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/leakhound/leakhound/stack"
)

// The pprof labels Track puts on a test's goroutine. Children inherit them,
// and tracebacks print them, which is how a goroutine is traced to its test.
const (
	// LabelTest holds the test's name, t.Name().
	LabelTest = "leakhound.test"
	// LabelRun tells apart runs of one test under -count and benchmarks'
	// repeated runs.
	LabelRun = "leakhound.run"
)

// TrackingT is the part of testing.TB that Track uses.
type TrackingT interface {
	Name() string
	Cleanup(func())
	Error(args ...any)
	Failed() bool
}

var _ TrackingT = (testing.TB)(nil)

var runs atomic.Int64

// Track checks, when t ends, that every goroutine t started, directly or
// through goroutines it started, has exited. Goroutines of other tests,
// parallel or not, and of subtests that call Track themselves are not its
// concern. Call it first thing in the test, so that its cleanup runs after
// the test's own cleanups (which close servers and pools) and before it no
// goroutine is started:
//
//	func TestPool(t *testing.T) {
//		leakhound.Track(t)
//		t.Parallel()
//		...
//	}
//
// It must be called on the test's goroutine. A test that failed is not
// checked unless RunOnFailure is given. A leak is reported at the line that
// called Track. The goroutines are told by the pprof labels Track sets,
// which tracebacks show from Go 1.26 on, and, where code under test
// replaced the labels (pprof.Do with a fresh context), by the goroutines
// that started them; before Go 1.26, by the goroutines born while the test
// ran.
func Track(t TrackingT, options ...Option) {
	h, _ := t.(helper)
	if h != nil {
		h.Helper()
	}
	o, err := buildOpts(atTrack, options...)
	if err != nil {
		t.Error(err)
		return
	}
	self, prev := current(true)
	run := strconv.FormatInt(runs.Add(1), 10)
	name := t.Name()
	setLabels(prev, LabelTest, name, LabelRun, run)
	// Before Go 1.26 tracebacks cannot show labels: the test's goroutines
	// are then those born while it runs, as with IgnoreCurrent.
	var before map[int64]bool
	if !labelsShown(run) {
		before = make(map[int64]bool)
		if _, err := snapshotAll(false, func(g *stack.Goroutine, _ map[int64]origin, _ bool) (bool, bool) {
			before[g.ID] = true
			return false, true
		}, nil); err != nil {
			t.Error(err)
			return
		}
	}
	t.Cleanup(func() {
		// A helper cleanup is reported at the line that registered it,
		// which as Track is a helper too is the test's call of Track.
		if h != nil {
			h.Helper()
		}
		// The goroutine may run more tests (benchmarks call the function
		// once per b.N): give it back the labels it had.
		if id, _ := current(false); id == self {
			setLabels(prev)
		}
		if t.Failed() && !o.runOnFailure {
			return
		}
		c := &checker{o: o, test: name, labels: true, keep: func(g *stack.Goroutine, om map[int64]origin, final bool) (bool, bool) {
			if g.ID == self || o.ignoreIDs[g.ID] {
				return false, true
			}
			if before != nil {
				return bornOfTest(g, om, self, before, final)
			}
			switch r := label(g, LabelRun); r {
			case run:
				return true, true
			case "":
				return startedBy(g, om, self, run, final)
			}
			return false, true
		}}
		if err := c.run(); err != nil {
			t.Error(err)
		}
		if o.cleanup != nil {
			o.cleanup(0)
		}
	})
}

// bornOfTest decides, where labels cannot be read, whether a goroutine
// belongs to the test whose goroutine is self: it was born after Track
// (not in before) and its creators still alive lead to self, not to a
// goroutine that was there before (the parent test's, which starts the
// sibling tests). A chain broken by a creator that has exited counts as
// the test's: it cannot be told, and a leak is not let off for that.
func bornOfTest(g *stack.Goroutine, om map[int64]origin, self int64, before map[int64]bool, final bool) (kept, decided bool) {
	if before[g.ID] {
		return false, true
	}
	for id, depth := g.CreatorID, 0; id != 0 && id != g.ID && depth < maxChain; depth++ {
		if id == self {
			return true, true
		}
		if before[id] {
			return false, true
		}
		o, ok := om[id]
		if !ok {
			return final, final
		}
		id = o.creator
	}
	return true, true
}

// labelsShown reports whether this runtime prints the caller's labels in
// tracebacks (GODEBUG=tracebacklabels, Go 1.26 on), given the run label it
// has just set. The answer never changes: it is asked once.
func labelsShown(run string) bool {
	labelsOnce.Do(func() {
		_, ls := current(true)
		for _, l := range ls {
			labelsWork = labelsWork || l.Key == LabelRun && l.Value == run
		}
	})
	return labelsWork
}

var (
	labelsOnce sync.Once
	labelsWork bool
)

// maxChain bounds the walks up a goroutine's creators.
const maxChain = 10000

// tracked reports whether any test called Track: only then do the other
// checks need labels to name tests.
func tracked() bool { return runs.Load() > 0 }

// startedBy decides, for a goroutine without Track's labels (code under
// test replaced them, as pprof.Do(context.Background(), ...) does), whether
// the test's goroutine self or a goroutine of its run started it: by the
// creators still alive, or by the creation ancestry the runtime keeps under
// GODEBUG=tracebackancestors=N. It returns decided false while a creator
// may still come later in the dump.
func startedBy(g *stack.Goroutine, om map[int64]origin, self int64, run string, final bool) (kept, decided bool) {
	for _, a := range g.Ancestors {
		if a.ID == self {
			return true, true
		}
	}
	// Creators were born before what they started, so a chain cannot
	// loop; the bound only guards against a malformed dump.
	for id, depth := g.CreatorID, 0; id != 0 && id != g.ID && depth < maxChain; depth++ {
		if id == self {
			return true, true
		}
		o, ok := om[id]
		switch {
		case !ok:
			return false, final
		case o.run == run:
			return true, true
		case o.run != "":
			return false, true
		}
		id = o.creator
	}
	return false, true
}

// setLabels replaces the goroutine's labels with prev plus kv, where kv
// replaces labels of prev with the same keys.
func setLabels(prev []stack.Label, kv ...string) {
	var all []string
	for _, l := range prev {
		replaced := false
		for i := 0; i+1 < len(kv); i += 2 {
			replaced = replaced || kv[i] == l.Key
		}
		if !replaced {
			all = append(all, l.Key, l.Value)
		}
	}
	all = append(all, kv...)
	ctx := context.Background()
	if len(all) > 0 {
		ctx = pprof.WithLabels(ctx, pprof.Labels(all...))
	}
	pprof.SetGoroutineLabels(ctx)
}

func label(g *stack.Goroutine, key string) string {
	for _, l := range g.Labels {
		if l.Key == key {
			return l.Value
		}
	}
	return ""
}

// testOf names the test that started g: from Track's label, else from the
// first test function among the go statements that led to it, following
// creators still alive, else from what a re-run of the test binary found
// (VerifyTestMain). It returns "" when nothing tells.
func (c *checker) testOf(g *stack.Goroutine, origins map[int64]origin) string {
	if name := testOf(g, origins); name != "" {
		return name
	}
	return strings.Join(c.names[leakKey(g)], ", ")
}

func testOf(g *stack.Goroutine, origins map[int64]origin) string {
	if name := ownTest(g); name != "" {
		return name
	}
	seen := map[int64]bool{g.ID: true}
	for id := g.CreatorID; id != 0 && !seen[id]; {
		seen[id] = true
		o, ok := origins[id]
		if !ok {
			break
		}
		if o.test != "" {
			return o.test
		}
		id = o.creator
	}
	return ""
}

// ownTest names the test g shows itself: its Track label, the test
// function whose go statement started it, a test function it runs, or one
// its creators ran.
func ownTest(g *stack.Goroutine) string {
	if name := label(g, LabelTest); name != "" {
		return name
	}
	if name := testFunc(g.CreatedBy.Func); name != "" {
		return name
	}
	for i := len(g.Stack) - 1; i >= 0; i-- {
		if name := testFunc(g.Stack[i].Func); name != "" {
			return name
		}
	}
	// Under GODEBUG=tracebackancestors=N the creators' stacks at their go
	// statements follow, nearest first; the one that ran a test has
	// testing.tRunner under the test function.
	for _, a := range g.Ancestors {
		if name := runByTRunner(a.Stack); name != "" {
			return name
		}
	}
	for _, a := range g.Ancestors {
		for _, f := range a.Stack {
			if name := testFunc(f.Func); name != "" {
				return name
			}
		}
	}
	return ""
}

// runByTRunner returns the test function testing.tRunner calls in s, with
// any closure suffix cut ("TestX.func1" is a subtest of TestX), or "".
func runByTRunner(s []stack.Frame) string {
	for i := 1; i < len(s); i++ {
		if s[i].Func == "testing.tRunner" {
			name := s[i-1].Func.Name()
			if s[i-1].Func.Receiver() != "" {
				return string(s[i-1].Func)
			}
			if j := strings.IndexByte(name, '.'); j > 0 {
				name = name[:j]
			}
			return name
		}
	}
	return ""
}

// leakKey identifies a goroutine across runs of one test binary: where it
// waits and where it was started.
func leakKey(g *stack.Goroutine) string {
	var top stack.Frame
	if len(g.Stack) > 0 {
		top = g.Stack[0]
	}
	return string(top.Func) + " " + top.File + ":" + strconv.Itoa(top.Line) + " | " +
		string(g.CreatedBy.Func) + " " + g.CreatedBy.File + ":" + strconv.Itoa(g.CreatedBy.Line)
}

// testFunc returns "TestX" for the functions TestX, TestX.func1.2 and the
// like in any package, "" for others.
func testFunc(f stack.Func) string {
	if f == "" || f.Receiver() != "" {
		return ""
	}
	name := f.Name()
	if i := strings.IndexByte(name, '.'); i >= 0 {
		name = name[:i]
	}
	for _, p := range []string{"Test", "Benchmark", "Fuzz", "Example"} {
		rest, ok := strings.CutPrefix(name, p)
		if !ok {
			continue
		}
		if r, _ := utf8.DecodeRuneInString(rest); rest == "" || !unicode.IsLower(r) {
			return name
		}
	}
	return ""
}
