package leakhound

import (
	"bytes"
	"cmp"
	"errors"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leakhound/leakhound/classify"
	"github.com/leakhound/leakhound/stack"
)

// TestingT is the part of testing.TB that VerifyNone uses.
type TestingT interface {
	Error(args ...any)
}

var _ TestingT = (testing.TB)(nil)

// helper is implemented by testing.TB; VerifyNone marks itself with it.
type helper interface{ Helper() }

// Find looks for goroutines other than the caller's that are neither
// ignored nor idle by design, lets them settle, and returns a *LeakError
// describing those that remain. It returns nil when there are none.
func Find(options ...Option) error {
	o, err := buildOpts(atFind, options...)
	if err != nil {
		return err
	}
	return find(o, everyGoroutine(o))
}

// VerifyNone fails t if Find finds leaked goroutines. Like goleak's, it
// looks at every goroutine of the process, so it cannot tell a leak from the
// work of a parallel test: under t.Parallel use Track.
//
//	defer leakhound.VerifyNone(t)
func VerifyNone(t TestingT, options ...Option) {
	if h, ok := t.(helper); ok {
		h.Helper()
	}
	o, err := buildOpts(atVerifyNone, options...)
	if err != nil {
		t.Error(err)
		return
	}
	if err := find(o, everyGoroutine(o)); err != nil {
		t.Error(err)
	}
	if o.cleanup != nil {
		o.cleanup(0)
	}
}

// everyGoroutine keeps every goroutine but the caller's and the ignored.
func everyGoroutine(o *opts) *checker {
	self, _ := current()
	return &checker{o: o, keep: func(g *stack.Goroutine) bool {
		return g.ID != self && !o.ignoreIDs[g.ID]
	}}
}

// checker is one leak check: which goroutines it owns and how it names the
// test that started them.
type checker struct {
	o    *opts
	keep func(*stack.Goroutine) bool
	// test names the test all kept goroutines belong to (Track); when
	// empty, each goroutine's test is found from its labels and creators.
	test string
	src  classify.Source
}

// builtinRules keep concurrent leak checks of other tests out of each
// other's reports, and add the benchmark runner's waits to classify's idle
// list (which has the test runner's).
var builtinRules = func() []classify.Rule {
	var rules []classify.Rule
	for _, r := range []struct{ rule, reason string }{
		{"any:github.com/leakhound/leakhound.(*checker).*", "another leakhound check in progress"},
		{"top:testing.(*B).run1", "the benchmark runner waiting for a benchmark"},
		{"top:testing.(*B).doBench", "the benchmark runner waiting for a benchmark"},
		{"top:testing.(*B).RunParallel", "a parallel benchmark waiting for its goroutines"},
	} {
		rule, err := classify.ParseRule(r.rule)
		if err != nil {
			panic(err)
		}
		rule.Reason = r.reason
		rules = append(rules, rule)
	}
	return rules
}()

// Backoff between snapshots while goroutines settle, as goleak's: doubling
// from 1µs, at most 100ms.
const (
	firstSleep = time.Microsecond
	maxSleep   = 100 * time.Millisecond
)

// find is the check: snapshot, and while goroutines remain, ask the runtime
// for proof, then wait for the rest with a backoff until the settle budget
// is spent.
func find(o *opts, c *checker) error {
	c.src.UseDumpPaths = true
	start := time.Now()
	deadline := start.Add(o.settle)
	sleep := firstSleep
	proofs, yields := 0, 0
	canProve := pprof.Lookup("goroutineleak") != nil
	for {
		gs, om, err := snapshot(c.keep, c.test == "")
		if err != nil {
			return err
		}
		found := c.assess(gs, om)
		if len(found) == 0 {
			return nil
		}
		if proven(found) {
			return c.leakError(found, true, time.Since(start))
		}
		// A leak GC proves only goroutines blocked on channels and sync
		// objects; a second one catches small objects the first missed.
		if canProve && proofs < 2 && blocked(found) {
			prove()
			proofs++
			continue
		}
		now := time.Now()
		if !now.Before(deadline) {
			if canProve && blocked(found) {
				prove()
				if gs, om, err := snapshot(c.keep, c.test == ""); err == nil {
					if f := c.assess(gs, om); len(f) > 0 {
						found = f
					}
				}
			}
			return c.leakError(found, false, time.Since(start))
		}
		// Goroutines on their way out usually need only the CPU.
		if yields < 2 {
			yields++
			runtime.Gosched()
			continue
		}
		time.Sleep(min(sleep, deadline.Sub(now)))
		sleep = min(2*sleep, maxSleep)
	}
}

// proven reports whether the runtime proved any goroutine of found leaked.
func proven(found []*Finding) bool {
	return slices.ContainsFunc(found, func(f *Finding) bool { return f.Proven > 0 })
}

// blocked reports whether any goroutine waits in a way the runtime can prove.
func blocked(found []*Finding) bool {
	return slices.ContainsFunc(found, func(f *Finding) bool { return f.Class.IsLeak() && f.Class != classify.IOWithoutDeadline })
}

// prove runs the runtime's leak-detecting GC; the goroutines it proves are
// marked "(leaked)" in every later dump.
func prove() {
	if p := pprof.Lookup("goroutineleak"); p != nil {
		_ = p.WriteTo(io.Discard, 1)
	}
}

// assess classifies the kept goroutines, one classifier per test so that
// every finding belongs to one test, and returns those that are neither
// idle by design nor the runtime's own.
func (c *checker) assess(gs []*stack.Goroutine, origins map[int64]origin) []*Finding {
	rules := append(slices.Clip(c.o.rules), builtinRules...)
	perTest := make(map[string]*classify.Classifier)
	for _, g := range gs {
		test := c.test
		if test == "" {
			test = testOf(g, origins)
		}
		cl := perTest[test]
		if cl == nil {
			cl = classify.New(classify.Config{Rules: rules, Source: &c.src})
			perTest[test] = cl
		}
		cl.Add(g)
	}
	var found []*Finding
	for test, cl := range perTest {
		for _, f := range cl.Report().Findings {
			if f.Class == classify.Idle || f.Class == classify.System && runtimeMade(f) {
				continue
			}
			found = append(found, &Finding{Finding: f, Test: test})
		}
	}
	return found
}

// runtimeMade tells the runtime's own goroutines from user goroutines that
// classify calls system because every frame is plumbing (go time.Sleep(d),
// go wg.Wait()): those were started by a go statement in user code.
func runtimeMade(f *classify.Finding) bool {
	return f.CreatedAt.Func == "" || stack.Func(f.CreatedAt.Func).IsRuntime()
}

// leakError builds the error from what remains. Reported at once on proof,
// only proven goroutines and those blocked in a leak-prone way count: the
// others (running, sleeping) were not given time to finish.
func (c *checker) leakError(found []*Finding, early bool, took time.Duration) *LeakError {
	e := &LeakError{Took: took}
	for _, f := range found {
		switch {
		case f.Proven > 0:
			f.Verdict = classify.Leak
		case early && !f.Class.IsLeak():
			e.NotWaited += f.Count
			continue
		default:
			f.Verdict = classify.Suspect
		}
		e.Findings = append(e.Findings, f)
	}
	e.Settled = !early
	slices.SortStableFunc(e.Findings, func(a, b *Finding) int {
		return cmp.Or(
			cmp.Compare(verdictRank(a.Verdict), verdictRank(b.Verdict)),
			cmp.Compare(a.Test, b.Test),
			cmp.Compare(b.Count, a.Count),
			cmp.Compare(a.BlockedAt.File, b.BlockedAt.File),
			cmp.Compare(a.BlockedAt.Line, b.BlockedAt.Line),
		)
	})
	reported.add(e)
	return e
}

func verdictRank(v classify.Verdict) int {
	if v == classify.Leak {
		return 0
	}
	return 1
}

// reported remembers the goroutines already reported, so VerifyTestMain
// does not blame them twice.
var reported = &reportedSet{ids: make(map[int64]bool)}

type reportedSet struct {
	sync.Mutex
	ids map[int64]bool
}

func (r *reportedSet) add(e *LeakError) {
	r.Lock()
	defer r.Unlock()
	for _, f := range e.Findings {
		for _, id := range f.GoroutineIDs {
			r.ids[id] = true
		}
	}
}

func (r *reportedSet) has(id int64) bool {
	r.Lock()
	defer r.Unlock()
	return r.ids[id]
}

// dump holds the buffer runtime.Stack writes into, kept between checks so
// that each snapshot is one stop of the world, not one per doubling.
var dump struct {
	sync.Mutex
	buf []byte
}

// origin is what naming a goroutine's test needs from a goroutine that may
// not be kept: its creator and the test its labels or stack show.
type origin struct {
	creator int64
	test    string
}

// snapshot returns the goroutines keep accepts, with their pprof labels,
// and, when origins is set, the origin of every goroutine.
func snapshot(keep func(*stack.Goroutine) bool, origins bool) ([]*stack.Goroutine, map[int64]origin, error) {
	enableLabels()
	dump.Lock()
	defer dump.Unlock()
	// About 1.4 KB a goroutine in real programs; the buffer only grows.
	if want := runtime.NumGoroutine()*1536 + 64<<10; len(dump.buf) < want {
		dump.buf = make([]byte, want)
	}
	n := runtime.Stack(dump.buf, true)
	for n == len(dump.buf) {
		dump.buf = make([]byte, 2*len(dump.buf))
		n = runtime.Stack(dump.buf, true)
	}
	p := stack.NewParser(bytes.NewReader(dump.buf[:n]), stack.Options{Lenient: true})
	var gs []*stack.Goroutine
	var om map[int64]origin
	if origins {
		om = make(map[int64]origin)
	}
	for p.Next() {
		g := p.Goroutine()
		if g.ID == 0 {
			continue
		}
		// Under GODEBUG=tracebackancestors=N the parser takes the last
		// ancestor's "created by" for the goroutine's own; the nearest
		// ancestor's first frame is the go statement itself.
		if len(g.Ancestors) > 0 && len(g.Ancestors[0].Stack) > 0 {
			g.CreatedBy, g.CreatorID = g.Ancestors[0].Stack[0], g.Ancestors[0].ID
			g.CreatedBy.Inlined = false
		}
		if origins {
			om[g.ID] = origin{creator: g.CreatorID, test: ownTest(g)}
		}
		if keep(g) {
			gs = append(gs, g.Clone())
		}
	}
	if err := p.Err(); err != nil {
		return nil, nil, errors.New("leakhound: reading runtime.Stack: " + err.Error())
	}
	return gs, om, nil
}

// current returns the caller's goroutine id and pprof labels.
func current() (int64, []stack.Label) {
	enableLabels()
	var buf [4096]byte
	n := runtime.Stack(buf[:], false)
	line := buf[:n]
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i+1]
	}
	// "goroutine 7 [running]:" needs no parser; labels, rarer, do.
	if bytes.HasSuffix(line, []byte(" [running]:\n")) {
		id, err := strconv.ParseInt(string(bytes.TrimSuffix(bytes.TrimPrefix(line, []byte("goroutine ")), []byte(" [running]:\n"))), 10, 64)
		if err == nil {
			return id, nil
		}
	}
	gs, _ := stack.Parse(bytes.NewReader(line), stack.Options{Lenient: true})
	if len(gs) == 0 {
		return 0, nil
	}
	return gs[0].ID, gs[0].Labels
}

var labelsMu sync.Mutex

// enableLabels makes tracebacks print pprof labels. The runtime re-reads
// GODEBUG when os.Setenv changes it; the setting is checked each time since
// a test may have replaced GODEBUG with t.Setenv.
func enableLabels() {
	labelsMu.Lock()
	defer labelsMu.Unlock()
	v := os.Getenv("GODEBUG")
	if strings.HasSuffix(v, "tracebacklabels=1") {
		return
	}
	if v != "" {
		v += ","
	}
	os.Setenv("GODEBUG", v+"tracebacklabels=1")
}
