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

// Find looks for goroutines other than the caller's that goleak v1.3.0
// would report (every goroutine but the test runner's, the signal loop and
// the runtime's, less those the options ignore), lets them settle, and
// returns a *LeakError describing those that remain. It returns nil when
// there are none.
func Find(options ...Option) error {
	o, err := buildOpts(atFind, options...)
	if err != nil {
		return err
	}
	return everyGoroutine(o).run()
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
	if err := everyGoroutine(o).run(); err != nil {
		t.Error(err)
	}
	if o.cleanup != nil {
		o.cleanup(0)
	}
}

// everyGoroutine keeps every goroutine but the caller's and the ignored.
func everyGoroutine(o *opts) *checker {
	self, _ := current(false)
	return &checker{o: o, labels: tracked(), keep: func(g *stack.Goroutine, _ map[int64]origin, _ bool) (bool, bool) {
		return g.ID != self && !o.ignoreIDs[g.ID], true
	}}
}

// checker is one leak check: which goroutines it owns and how it names the
// test that started them.
type checker struct {
	o *opts
	// keep picks the goroutines the check owns, before any ignore; see
	// snapshotAll.
	keep keepFunc
	// labels asks for pprof labels in the dumps: Track's, and the other
	// checks' when a test has called Track.
	labels bool
	// test names the test all kept goroutines belong to (Track); when
	// empty, each goroutine's test is found from its labels and creators.
	test string
	// names maps a goroutine's key (see leakKey) to the tests a re-run of
	// the test binary traced it to (VerifyTestMain).
	names map[string][]string
	src   classify.Source
}

// ignored reports goroutines the check does not look at: goleak v1.3.0's
// built-in ignores, then the options' filters, then leakhound's own.
func (c *checker) ignored(g *stack.Goroutine) bool {
	if goleakIgnores(g) || leakhoundIgnores(g) {
		return true
	}
	for _, f := range c.o.filters {
		if f(g) {
			return true
		}
	}
	return false
}

// goleakIgnores is goleak v1.3.0's default filters, by the same tests: the
// testing package's goroutines waiting for tests, cgo's background
// syscalls, the os/signal loop and the runtime's signal goroutine, and the
// execution tracer's reader.
func goleakIgnores(g *stack.Goroutine) bool {
	switch firstFunc(g) {
	case "testing.RunTests", "testing.(*T).Run", "testing.(*T).Parallel", "testing.runFuzzing", "testing.runFuzzTests":
		if strings.HasPrefix(g.State, "chan receive") {
			return true
		}
	case "os/signal.signal_recv", "os/signal.loop":
		return true
	}
	return hasFunc(g, "runtime.goexit") && strings.HasPrefix(g.State, "syscall") ||
		hasFunc(g, "runtime.ensureSigM") || hasFunc(g, "runtime.ReadTrace")
}

// leakhoundIgnores adds what goleak reports but is no leak: a benchmark's
// runner waiting for the benchmark (goleak fails every check made inside a
// benchmark because of it) and another leakhound check in progress.
func leakhoundIgnores(g *stack.Goroutine) bool {
	switch firstFunc(g) {
	case "testing.(*B).run1", "testing.(*B).doBench", "testing.(*B).RunParallel":
		return strings.HasPrefix(g.State, "chan receive") || g.State == "sync.WaitGroup.Wait"
	}
	for _, f := range g.Stack {
		if strings.HasPrefix(string(f.Func), "github.com/leakhound/leakhound.(*checker).") {
			return true
		}
	}
	return false
}

// firstFunc is the first function of g's stack as goleak sees it: the
// first frame runtime.Stack prints, whatever its package.
func firstFunc(g *stack.Goroutine) string {
	if len(g.Stack) == 0 {
		return ""
	}
	return string(g.Stack[0].Func)
}

// hasFunc reports whether f is one of g's frames ("created by" excluded).
func hasFunc(g *stack.Goroutine, f string) bool {
	for _, fr := range g.Stack {
		if string(fr.Func) == f {
			return true
		}
	}
	return false
}

// Backoff between snapshots while goroutines settle, as goleak's: doubling
// from 1µs, at most 100ms.
const (
	firstSleep = time.Microsecond
	maxSleep   = 100 * time.Millisecond
)

// run is the check: snapshot, and while goroutines remain, ask the runtime
// for proof, then wait for the rest with a backoff until the settle budget
// is spent. It returns a *LeakError, or nil when nothing is left.
func (c *checker) run() error {
	c.src.UseDumpPaths = true
	start := time.Now()
	deadline := start.Add(c.o.settle)
	sleep := firstSleep
	proofs, yields := 0, 0
	canProve := pprof.Lookup("goroutineleak") != nil
	for {
		s, err := c.snapshot()
		if err != nil {
			return err
		}
		found := c.assess(s)
		if len(found) == 0 {
			return nil
		}
		if proven(found) {
			return c.leakError(s, found, true, time.Since(start))
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
				if s2, err := c.snapshot(); err == nil {
					if f := c.assess(s2); len(f) > 0 {
						s, found = s2, f
					}
				}
			}
			return c.leakError(s, found, false, time.Since(start))
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

// snap is one dump: the goroutines a check kept, the origins of all, and
// the text of the kept ones, for goleak's listing.
type snap struct {
	gs      []*stack.Goroutine
	origins map[int64]origin
	raw     map[int64]string
}

func (c *checker) snapshot() (*snap, error) {
	s := &snap{}
	origins, err := snapshotAll(c.labels, func(g *stack.Goroutine, om map[int64]origin, final bool) (bool, bool) {
		kept, decided := c.keep(g, om, final)
		if kept && c.ignored(g) {
			kept = false
		}
		if kept {
			s.gs = append(s.gs, g.Clone())
		}
		return kept, decided
	}, func(raw map[int64]string) { s.raw = raw })
	s.origins = origins
	for _, g := range s.gs {
		if len(g.Ancestors) > 0 {
			fixCreatedBy(g, s.raw[g.ID])
		}
	}
	return s, err
}

// fixCreatedBy puts back the line of g's own go statement from its text:
// with tracebackancestors, the ancestor's frame shows the line after it.
func fixCreatedBy(g *stack.Goroutine, raw string) {
	i := strings.LastIndex(raw, "\ncreated by ")
	if i < 0 {
		return
	}
	_, loc, ok := strings.Cut(raw[i+1:], "\n\t")
	if !ok {
		return
	}
	loc, _, _ = strings.Cut(strings.TrimSpace(loc), " +0x")
	j := strings.LastIndexByte(loc, ':')
	if j < 0 {
		return
	}
	if n, err := strconv.Atoi(loc[j+1:]); err == nil {
		g.CreatedBy.File, g.CreatedBy.Line = loc[:j], n
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
// every finding belongs to one test, and returns those that no rule calls
// idle and that are not the runtime's own.
func (c *checker) assess(s *snap) []*Finding {
	var rules []classify.Rule
	ruled := make(map[string]bool)
	if c.o.idle {
		for _, r := range classify.DefaultRules {
			ruled[r.Reason] = true
		}
	}
	for _, r := range c.o.rules {
		rules = append(rules, r)
		ruled[r.Reason] = true
	}
	perTest := make(map[string]*classify.Classifier)
	var tests []string
	for _, g := range s.gs {
		test := c.test
		if test == "" {
			test = c.testOf(g, s.origins)
		}
		cl := perTest[test]
		if cl == nil {
			cl = classify.New(classify.Config{Rules: rules, NoDefaultRules: !c.o.idle, Source: &c.src})
			perTest[test] = cl
			tests = append(tests, test)
		}
		cl.Add(g)
	}
	var found []*Finding
	for _, test := range tests {
		for _, f := range perTest[test].Report().Findings {
			if f.Class == classify.Idle && ruled[f.Rule] || f.Class == classify.System && runtimeMade(f) {
				continue
			}
			found = append(found, &Finding{Finding: f, Test: test})
		}
	}
	return found
}

// runtimeMade tells the runtime's own goroutines, which runtime.Stack shows
// only under GOTRACEBACK=system, from user goroutines that classify calls
// system because every frame is plumbing (go time.Sleep(d), go wg.Wait()):
// those were started by a go statement in user code.
func runtimeMade(f *classify.Finding) bool {
	return f.CreatedAt.Func == "" || stack.Func(f.CreatedAt.Func).IsRuntime()
}

// leakError builds the error from what remains. Reported at once on proof,
// only proven goroutines and those blocked in a leak-prone way count: the
// others (running, sleeping) were not given time to finish.
func (c *checker) leakError(s *snap, found []*Finding, early bool, took time.Duration) *LeakError {
	e := &LeakError{Took: took, snap: s, early: early}
	in := make(map[int64]bool)
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
		for _, id := range f.GoroutineIDs {
			in[id] = true
		}
		e.Findings = append(e.Findings, f)
	}
	for _, g := range s.gs {
		if in[g.ID] {
			e.goroutines = append(e.goroutines, g)
		}
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
// not be kept: its creator, the test its labels or stack show, and Track's
// run label.
type origin struct {
	creator int64
	test    string
	run     string
}

// keepFunc decides whether a check keeps g, given the origins of the
// goroutines dumped so far; when it cannot tell yet (g's creator comes
// later in the dump) it returns decided false, and is asked again with
// final set once every origin is known.
type keepFunc func(g *stack.Goroutine, origins map[int64]origin, final bool) (kept, decided bool)

// snapshotAll dumps every goroutine, with pprof labels when labels is set,
// records the origin of each, and passes each to keep. When raw is not nil
// it gets the text of the kept goroutines, as goleak prints them.
func snapshotAll(labels bool, keep keepFunc, raw func(map[int64]string)) (map[int64]origin, error) {
	dump.Lock()
	defer dump.Unlock()
	// About 1.4 KB a goroutine in real programs; the buffer only grows.
	if want := runtime.NumGoroutine()*1536 + 64<<10; len(dump.buf) < want {
		dump.buf = make([]byte, want)
	}
	var n int
	withLabels(labels, func() {
		n = runtime.Stack(dump.buf, true)
		for n == len(dump.buf) {
			dump.buf = make([]byte, 2*len(dump.buf))
			n = runtime.Stack(dump.buf, true)
		}
	})
	text := dump.buf[:n]
	p := stack.NewParser(bytes.NewReader(text), stack.Options{Lenient: true})
	om := make(map[int64]origin)
	kept := make(map[int64]bool)
	var pending []*stack.Goroutine
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
		om[g.ID] = origin{creator: g.CreatorID, test: ownTest(g), run: label(g, LabelRun)}
		switch k, decided := keep(g, om, false); {
		case !decided:
			pending = append(pending, g.Clone()) // the parser reuses g
		case k:
			kept[g.ID] = true
		}
	}
	if err := p.Err(); err != nil {
		return nil, errors.New("leakhound: reading runtime.Stack: " + err.Error())
	}
	for _, g := range pending {
		if k, _ := keep(g, om, true); k {
			kept[g.ID] = true
		}
	}
	if raw != nil && len(kept) > 0 {
		raw(rawStacks(text, kept))
	}
	return om, nil
}

// rawStacks returns the text of the goroutines in ids, without the header
// line and anything after "created by" (tracebackancestors' sections), as
// goleak's Stack.Full does.
func rawStacks(text []byte, ids map[int64]bool) map[int64]string {
	out := make(map[int64]string, len(ids))
	for block := range bytes.SplitSeq(text, []byte("\n\n")) {
		header, body, _ := bytes.Cut(block, []byte("\n"))
		rest, ok := bytes.CutPrefix(header, []byte("goroutine "))
		if !ok {
			continue
		}
		num, _, _ := bytes.Cut(rest, []byte(" "))
		id, err := strconv.ParseInt(string(num), 10, 64)
		if err != nil || !ids[id] {
			continue
		}
		if i := bytes.Index(body, []byte("\n[originating from goroutine ")); i >= 0 {
			body = body[:i]
		}
		out[id] = strings.TrimRight(string(body), "\n") + "\n"
	}
	return out
}

// current returns the caller's goroutine id, and with labels set its pprof
// labels.
func current(labels bool) (int64, []stack.Label) {
	var buf [4096]byte
	var n int
	withLabels(labels, func() { n = runtime.Stack(buf[:], false) })
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

// withLabels runs f, a runtime.Stack call, with pprof labels printed in
// tracebacks when on is set. The runtime reads GODEBUG=tracebacklabels=1
// again whenever os.Setenv changes GODEBUG, so the setting is added for the
// call and the variable put back as it was right after: tests and the
// processes they start see their own GODEBUG, but for the length of one
// dump.
func withLabels(on bool, f func()) {
	if !on {
		f()
		return
	}
	labelsMu.Lock()
	defer labelsMu.Unlock()
	old, had := os.LookupEnv("GODEBUG")
	if labelsOn(old) {
		f()
		return
	}
	v := "tracebacklabels=1"
	if old != "" {
		v = old + "," + v
	}
	os.Setenv("GODEBUG", v)
	defer func() {
		if had {
			os.Setenv("GODEBUG", old)
		} else {
			os.Unsetenv("GODEBUG")
		}
	}()
	f()
}

// labelsOn reports whether a GODEBUG value already prints labels: its
// last tracebacklabels setting is 1.
func labelsOn(godebug string) bool {
	on := false
	for kv := range strings.SplitSeq(godebug, ",") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(kv), "tracebacklabels="); ok {
			on = v == "1"
		}
	}
	return on
}
