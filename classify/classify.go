// Package classify turns goroutines into findings: groups of goroutines that
// wait in the same way at the same place, each with a class from a fixed,
// documented set, a verdict, an explanation and a fix.
//
// It imports only the standard library and the stack parser, so the test
// helper that uses it pulls in nothing.
package classify

import (
	"cmp"
	"encoding/binary"
	"math"
	"math/bits"
	"regexp"
	"slices"
	"strings"
	"unsafe"

	"github.com/leakhound/leakhound/stack"
)

// Config tunes a Classifier. The zero value is ready to use.
type Config struct {
	// Rules mark more goroutines as idle by design, beside DefaultRules.
	Rules []Rule
	// NoDefaultRules turns the built-in idle list off.
	NoDefaultRules bool
	// Source reads the lines of code findings point at; nil reads nothing.
	Source *Source
	// IOMinutes is how long an I/O wait lasts before it is suspect;
	// 0 means 5 minutes.
	IOMinutes int
	// KeepGoroutines fills Report.Goroutines with one entry per goroutine.
	// It keeps every goroutine id in the findings too, whatever MaxIDs
	// says: a reader of the JSON matches the entries to findings by id.
	KeepGoroutines bool
	// MaxIDs caps the goroutine ids each finding lists in GoroutineIDs, the
	// first read kept; IDsOmitted counts the rest, and Count stays whole.
	// 0 keeps every id. A report that prints a few ids a finding (text,
	// HTML) need keep no more than it prints: each id kept costs 8 bytes
	// and its share of the slice's growth.
	MaxIDs int
	// Concentration is the fewest goroutines parked at one place that count
	// as evidence of a leak in a process of up to ten times as many; it
	// scales with the process, up to ten times itself, since a large
	// service builds larger pools (see concentrationMin). 0 means 100.
	Concentration int
}

// Classifier groups goroutines into findings as they are added. Work per
// goroutine is a hash of its stack and a map lookup; classification runs once
// per distinct stack. Not safe for concurrent use.
type Classifier struct {
	cfg    Config
	rules  []Rule
	stacks map[uint64]*entry
	groups map[groupKey]*group
	order  []*group
	gs     []member
	total  int
	// requests maps the ids of net/http connection goroutines to whether
	// they are inside a handler, so that goroutines a finished request
	// started can be told (see outlived).
	requests map[int64]bool
	// started are the leak candidates whose creator may be such a
	// connection, checked once every goroutine was read.
	started []startedBy
	// live holds the creator ids that abandoned asks about and that are
	// goroutines of the input, made on demand once all were read.
	live map[int64]struct{}
	// idLog holds every goroutine id read when MaxIDs cuts the findings'
	// lists, for abandoned: each as the zigzag varint of its difference
	// from the one before, a byte or two for the near-sequential ids of
	// a dump instead of eight.
	idLog  []byte
	lastID int64
}

// startedBy is a run of goroutines of one group and one creator, whose
// creator is checked for a finished request.
type startedBy struct {
	grp     *group
	creator int64
	n       int32 // goroutines in the run
	// ancestor is set when tracebackancestors showed the creator serving
	// a request.
	ancestor bool
}

// entry is one distinct stack and how it was classified.
type entry struct {
	rep    *stack.Goroutine // the first goroutine with this stack
	next   *entry           // another stack with the same hash
	grp    *group
	proven *group // the group of the proven goroutines with this stack, once one came
	class  Class
	state  string // the wait reason, inferred for profiles
	rule   string // the idle rule's reason
	entry  string // the goroutine's entry function
}

type groupKey struct {
	class            Class
	blocked, created stack.Frame
	// proven keeps the goroutines the runtime proved apart from those it
	// did not, so that a finding's verdict holds for each goroutine in it.
	proven bool
}

type group struct {
	f     Finding
	state string
	// never says why the wait can never end, when the wait reason shows it.
	never string
	// unknown says what the input form could not tell.
	unknown string
	// creators are the distinct creator ids seen, up to MaxCreators.
	creators map[int64]struct{}
	outlived int // goroutines whose request is over
	// lastStarted is 1 + the index of the group's last run in
	// Classifier.started, 0 when it has none.
	lastStarted int
}

// MaxCreators bounds the creator ids a finding counts.
const MaxCreators = 1000

type member struct {
	id      int64
	e       *entry
	grp     *group
	minutes int
	count   int
}

// New returns a Classifier.
func New(cfg Config) *Classifier {
	if cfg.IOMinutes == 0 {
		cfg.IOMinutes = 5
	}
	if cfg.KeepGoroutines || cfg.MaxIDs < 0 {
		cfg.MaxIDs = 0
	}
	c := &Classifier{
		cfg:    cfg,
		stacks: make(map[uint64]*entry),
		groups: make(map[groupKey]*group),
	}
	if !cfg.NoDefaultRules {
		c.rules = append(c.rules, DefaultRules...)
	}
	c.rules = append(c.rules, cfg.Rules...)
	return c
}

// Add classifies g. The classifier keeps no reference to g, so a parser's
// reused goroutine can be passed as is. Race report sections are skipped.
func (c *Classifier) Add(g *stack.Goroutine) {
	if g.Race {
		return
	}
	n := max(g.Count, 1)
	c.total += n
	e := c.lookup(g)
	grp := e.grp
	if g.Leaked {
		if e.proven == nil {
			e.proven = c.file(e, true)
		}
		grp = e.proven
	}
	f := &grp.f
	if f.Count == 0 {
		f.CreatedByGoroutine = g.CreatorID
		if len(g.Labels) > 0 {
			f.Labels = make(map[string]string, len(g.Labels))
			for _, l := range g.Labels {
				f.Labels[l.Key] = l.Value
			}
		}
	}
	f.Count += n
	if g.Leaked {
		f.Proven += n
	}
	if g.ID != 0 {
		c.addID(f, g.ID)
	}
	if g.CreatorID != 0 {
		grp.addCreator(g.CreatorID)
	}
	f.MaxMinutes = max(f.MaxMinutes, g.Minutes)
	if g.ID != 0 && hasFrame(g.Stack, "net/http.(*conn).serve") {
		if c.requests == nil {
			c.requests = make(map[int64]bool)
		}
		c.requests[g.ID] = hasFrame(g.Stack, "net/http.serverHandler.ServeHTTP")
	}
	if e.class.IsLeak() && !g.Leaked && userStarted(g) {
		c.start(grp, g.CreatorID, servedRequest(g), n)
	}
	if c.cfg.KeepGoroutines {
		c.gs = append(c.gs, member{id: g.ID, e: e, grp: grp, minutes: g.Minutes, count: n})
	}
}

// addID lists id in f, or counts it as omitted past Config.MaxIDs; with
// a cap, every id goes to the log abandoned reads.
func (c *Classifier) addID(f *Finding, id int64) {
	if c.cfg.MaxIDs == 0 {
		f.GoroutineIDs = append(f.GoroutineIDs, id)
		return
	}
	if len(f.GoroutineIDs) < c.cfg.MaxIDs {
		f.GoroutineIDs = append(f.GoroutineIDs, id)
	} else {
		f.IDsOmitted++
	}
	c.idLog = binary.AppendVarint(c.idLog, id-c.lastID)
	c.lastID = id
}

// eachID calls fn with the id of every goroutine read that had one.
func (c *Classifier) eachID(fn func(int64)) {
	if c.cfg.MaxIDs == 0 {
		for _, g := range c.order {
			for _, id := range g.f.GoroutineIDs {
				fn(id)
			}
		}
		return
	}
	var id int64
	for b := c.idLog; len(b) > 0; {
		d, n := binary.Varint(b)
		if n <= 0 {
			panic("classify: the id log is corrupt") // written only by addID
		}
		id += d
		fn(id)
		b = b[n:]
	}
}

// maxStarted bounds the runs kept for the outlived check.
const maxStarted = 1 << 20

// start notes n goroutines of grp that creator started, for the outlived
// check. A pool's or a loop's goroutines share a creator: when it is the
// same as the group's last, they join its run instead of costing an entry
// each.
func (c *Classifier) start(grp *group, creator int64, ancestor bool, n int) {
	if i := grp.lastStarted - 1; i >= 0 && i < len(c.started) {
		if s := &c.started[i]; s.creator == creator && s.ancestor == ancestor && int64(s.n)+int64(n) <= math.MaxInt32 {
			s.n += int32(n)
			return
		}
	}
	if len(c.started) < maxStarted && n <= math.MaxInt32 {
		c.started = append(c.started, startedBy{grp: grp, creator: creator, n: int32(n), ancestor: ancestor})
		grp.lastStarted = len(c.started)
	}
}

func (g *group) addCreator(id int64) {
	if g.creators == nil {
		g.creators = make(map[int64]struct{}, 1)
	}
	if len(g.creators) < MaxCreators {
		g.creators[id] = struct{}{}
	}
}

// userStarted reports whether user code ran the go statement: goroutines
// that net/http or gRPC start are the requests themselves.
func userStarted(g *stack.Goroutine) bool {
	if g.CreatorID == 0 && len(g.Ancestors) == 0 {
		return false
	}
	pkg := g.CreatedBy.Func.PkgPath()
	return pkg != "" && pkg != "net/http" && !strings.HasPrefix(pkg, "google.golang.org/grpc")
}

// servedRequest reports whether tracebackancestors show the creator inside
// an HTTP handler.
func servedRequest(g *stack.Goroutine) bool {
	return len(g.Ancestors) > 0 && hasFrame(g.Ancestors[0].Stack, "net/http.serverHandler.ServeHTTP")
}

// lookup finds or makes the entry for g's stack.
func (c *Classifier) lookup(g *stack.Goroutine) *entry {
	sum := mix(0, str(g.State))
	for i := range g.Stack {
		sum = hashFrame(sum, &g.Stack[i])
	}
	sum = hashFrame(sum, &g.CreatedBy)
	for e := c.stacks[sum]; e != nil; e = e.next {
		if sameStack(e.rep, g) {
			return e
		}
	}
	rep := &stack.Goroutine{
		ID: g.ID, State: g.State, Stack: slices.Clone(g.Stack),
		CreatedBy: g.CreatedBy, CreatorID: g.CreatorID, Partial: g.Partial,
	}
	e := &entry{rep: rep, next: c.stacks[sum]}
	c.stacks[sum] = e
	c.classify(e)
	return e
}

// hashFrame hashes a frame by the addresses of its strings, not their
// bytes: the parser interns names, so equal names share one address and a
// frame costs a few multiplications instead of hashing a hundred bytes.
// Equal strings at different addresses only cost an extra entry, and
// sameStack compares bytes, so the hash never merges different stacks.
func hashFrame(h uint64, f *stack.Frame) uint64 {
	return mix(mix(mix(h, str(string(f.Func))), str(f.File)), uint64(f.Line))
}

func str(s string) uint64 {
	return uint64(uintptr(unsafe.Pointer(unsafe.StringData(s)))) ^ uint64(len(s))<<48
}

func mix(h, v uint64) uint64 {
	h ^= v * 0x9e3779b97f4a7c15
	return bits.RotateLeft64(h, 29) * 0xbf58476d1ce4e5b9
}

func sameStack(a, b *stack.Goroutine) bool {
	if a.State != b.State || a.CreatedBy != b.CreatedBy || len(a.Stack) != len(b.Stack) {
		return false
	}
	for i := range a.Stack {
		x, y := &a.Stack[i], &b.Stack[i]
		if x.Line != y.Line || !same(string(x.Func), string(y.Func)) || !same(x.File, y.File) {
			return false
		}
	}
	return true
}

// same compares interned strings by address before bytes.
func same(a, b string) bool {
	return len(a) == len(b) && (unsafe.StringData(a) == unsafe.StringData(b) || a == b)
}

// classify decides the class of a new stack and files it in its group.
func (c *Classifier) classify(e *entry) {
	g := e.rep
	state := g.State
	top := topFrame(g.Stack)
	if state == "" {
		if g.Partial {
			state = c.partialState(g, top)
		} else {
			state = inferState(g.Stack)
		}
	}
	class, rule := c.classOf(g, state, top)
	e.class, e.state, e.rule = class, state, rule
	if n := len(g.Stack); n > 0 {
		e.entry = string(g.Stack[n-1].Func)
	}
	e.grp = c.file(e, false)
}

// file finds or makes the group of e's goroutines, proven or not.
func (c *Classifier) file(e *entry, proven bool) *group {
	g := e.rep
	top := topFrame(g.Stack)
	var blocked stack.Frame
	if top < len(g.Stack) {
		blocked = g.Stack[top]
	} else if len(g.Stack) > 0 {
		blocked = g.Stack[0]
	}
	key := groupKey{class: e.class, blocked: blocked, created: g.CreatedBy, proven: proven}
	key.blocked.Inlined, key.created.Inlined = false, false
	grp := c.groups[key]
	if grp == nil {
		grp = &group{state: e.state}
		grp.never = neverWakes(e.class, e.state)
		grp.unknown = unknownOf(g, e.class)
		grp.f.Class = e.class
		grp.f.WaitReason = e.state
		grp.f.Rule = e.rule
		grp.f.BlockedAt = Location{Func: string(blocked.Func), File: blocked.File, Line: blocked.Line}
		grp.f.CreatedAt = Location{Func: string(g.CreatedBy.Func), File: g.CreatedBy.File, Line: g.CreatedBy.Line}
		grp.f.Stack = make([]Location, len(g.Stack))
		for i, f := range g.Stack {
			grp.f.Stack[i] = Location{Func: string(f.Func), File: f.File, Line: f.Line}
		}
		c.groups[key] = grp
		c.order = append(c.order, grp)
	}
	return grp
}

// plumbing reports frames that sit between the user's call and the park:
// the runtime, internal packages, sync's and time's insides.
func plumbing(f stack.Func) bool {
	return f.IsRuntime() || f == "time.Sleep"
}

// topFrame returns the index of the first frame outside the plumbing, or
// len(s) when there is none (a runtime goroutine).
func topFrame(s []stack.Frame) int {
	for i := range s {
		if !plumbing(s[i].Func) {
			return i
		}
	}
	return len(s)
}

// systemStates are wait reasons only the runtime's own goroutines have.
var systemStates = map[string]bool{
	"GC assist marking": true, "GC assist wait": true, "GC sweep wait": true,
	"GC scavenge wait": true, "GC worker (idle)": true, "GC worker (active)": true,
	"force gc (idle)": true, "finalizer wait": true, "cleanup wait": true,
	"GOMAXPROCS updater (idle)": true, "trace reader (blocked)": true,
	"wait for GC cycle": true, "garbage collection": true, "garbage collection scan": true,
	"GC mark termination": true, "stopping the world": true, "flushing proc caches": true,
	"trace goroutine status": true, "trace proc status": true, "page trace flush": true,
	"GC weak to strong wait": true, "dumping heap": true, "panicwait": true, "idle": true,
	"dead": true, "copystack": true,
}

func (c *Classifier) classOf(g *stack.Goroutine, state string, top int) (Class, string) {
	// A stack with no frame outside the runtime is the runtime's own
	// goroutine, unless user code started it: go wg.Wait() or
	// go time.Sleep(d) have only library frames too.
	runtimeOnly := top == len(g.Stack) && len(g.Stack) > 0 && (g.CreatedBy.Func == "" || g.CreatedBy.Func.IsRuntime())
	// A debug=1 profile hides runtime frames; a stack with none left was
	// all runtime: one of its own goroutines.
	hiddenAll := g.Partial && len(g.Stack) == 0 || noFrames(g)
	if systemStates[state] || runtimeOnly || hiddenAll {
		return System, ""
	}
	for i := range c.rules {
		if c.rules[i].matches(g, state, top) {
			return Idle, c.rules[i].Reason
		}
	}
	var topFunc stack.Func
	if top < len(g.Stack) {
		topFunc = g.Stack[top].Func
	}
	// The main goroutine waiting on a channel, a select or a WaitGroup,
	// in main.main or below it (a run group, a CLI framework's run), is a
	// program waiting for its end (a signal, a shutdown), not a leak: when
	// it never comes the program hangs, and the goroutines it waits for
	// are reported.
	if (topFunc == "main.main" || g.CreatedBy.Func == "" && hasFrame(g.Stack, "main.main")) && mainWaits[state] {
		return Idle, mainWaitsRule
	}
	switch state {
	case "running", "syscall":
		if state == "syscall" {
			return Waiting, ""
		}
		return Running, ""
	case "runnable", "preempted":
		return Runnable, ""
	case "sleep":
		return Sleeping, ""
	case "chan send (nil chan)":
		return NilChannelSend, ""
	case "chan receive (nil chan)":
		// context.Background().Done() and TODO().Done() return nil.
		if c.onLine(g, top, ".Done()") {
			return ContextNeverDone, ""
		}
		return NilChannelReceive, ""
	case "select (no cases)":
		return SelectForever, ""
	case "chan send":
		return SendNoReceiver, ""
	case "chan receive":
		if inContext(g.Stack) {
			return ContextNeverDone, ""
		}
		return c.refineReceive(g, top), ""
	case "select":
		if inContext(g.Stack) {
			return ContextNeverDone, ""
		}
		if hasFrame(g.Stack, "net/http.(*persistConn).roundTrip") {
			// An HTTP client waiting for its response: I/O by another name.
			return IOWithoutDeadline, ""
		}
		return c.refineSelect(g, top), ""
	case "sync.Mutex.Lock", "sync.RWMutex.Lock", "sync.RWMutex.RLock":
		return MutexDeadlock, ""
	case "sync.WaitGroup.Wait":
		return WaitGroupNeverDone, ""
	case "sync.Cond.Wait":
		return CondNeverSignalled, ""
	case "IO wait":
		return IOWithoutDeadline, ""
	case "":
		if g.Partial && top < len(g.Stack) {
			// A debug=1 profile hid what the goroutine waits on.
			return UnknownWait, ""
		}
		return Waiting, ""
	case "semacquire":
		// Before Go 1.21 every sync wait printed as semacquire.
		for _, f := range g.Stack[:top] {
			switch {
			case strings.Contains(string(f.Func), "WaitGroup"):
				return WaitGroupNeverDone, ""
			case strings.Contains(string(f.Func), "Mutex"):
				return MutexDeadlock, ""
			case strings.Contains(string(f.Func), "Cond"):
				return CondNeverSignalled, ""
			}
		}
	}
	return Waiting, ""
}

func hasFrame(s []stack.Frame, fn stack.Func) bool {
	for _, f := range s {
		if f.Func == fn {
			return true
		}
	}
	return false
}

// mainWaitsRule is the reason the main goroutine's wait is idle.
const mainWaitsRule = "main waits for the program's end"

var mainWaits = map[string]bool{
	"select": true, "select (no cases)": true, "chan receive": true,
	"sync.WaitGroup.Wait": true, "sync.Cond.Wait": true,
}

// inContext reports stacks parked inside package context: the goroutine
// propagateCancel starts for a foreign parent, or AfterFunc's waiters.
func inContext(s []stack.Frame) bool {
	for _, f := range s {
		if strings.HasPrefix(string(f.Func), "context.") {
			return true
		}
	}
	return false
}

// refineReceive tells a range loop or a ctx.Done() wait from a plain
// receive, by the source line when it can be read, else by the runtime frame
// (chanrecv2 serves "v, ok := <-ch" and range loops).
func (c *Classifier) refineReceive(g *stack.Goroutine, top int) Class {
	if top < len(g.Stack) {
		if line, ok := c.cfg.Source.Line(g.Stack[top].File, g.Stack[top].Line); ok {
			switch {
			case timerWait.MatchString(line):
				return Sleeping
			case isRange(line):
				return RangeNeverClosed
			case strings.Contains(line, ".Done()"):
				return ContextNeverDone
			}
		}
	}
	return ReceiveNoSender
}

// onLine reports whether the source line of frame top contains s.
func (c *Classifier) onLine(g *stack.Goroutine, top int, s string) bool {
	if top >= len(g.Stack) {
		return false
	}
	line, ok := c.cfg.Source.Line(g.Stack[top].File, g.Stack[top].Line)
	return ok && strings.Contains(line, s)
}

// timerWait matches code that waits on a timer or ticker, which fires:
// time.After, time.Tick, t.C.
var timerWait = regexp.MustCompile(`time\.(After|Tick)\(|\.C\b`)

func isRange(line string) bool {
	return strings.HasPrefix(strings.TrimSpace(line), "for ") && strings.Contains(line, "range ")
}

// refineSelect calls a select whose only cases wait on Done() channels a
// context that is never done.
func (c *Classifier) refineSelect(g *stack.Goroutine, top int) Class {
	if top < len(g.Stack) {
		cases := c.cfg.Source.selectCases(g.Stack[top].File, g.Stack[top].Line)
		switch {
		case slices.ContainsFunc(cases, timerWait.MatchString):
			return Sleeping // a timer case wakes it
		case len(cases) > 0 && !slices.ContainsFunc(cases, func(s string) bool { return !strings.Contains(s, ".Done()") }):
			return ContextNeverDone
		}
	}
	return SelectForever
}

// inferState names the wait of a profile stack, which carries no wait
// reason, from the runtime frames above the user's code.
func inferState(s []stack.Frame) string {
	for _, f := range s {
		switch f.Func {
		case "runtime.chansend1", "runtime.chansend":
			return "chan send"
		case "runtime.chanrecv1", "runtime.chanrecv2", "runtime.chanrecv":
			return "chan receive"
		case "runtime.selectgo":
			return "select"
		case "runtime.block":
			return "select (no cases)"
		case "sync.(*Mutex).Lock", "internal/sync.(*Mutex).lockSlow", "sync.runtime_SemacquireMutex":
			return "sync.Mutex.Lock"
		case "sync.(*RWMutex).RLock":
			return "sync.RWMutex.RLock"
		case "sync.(*RWMutex).Lock":
			return "sync.RWMutex.Lock"
		case "sync.(*WaitGroup).Wait":
			return "sync.WaitGroup.Wait"
		case "sync.(*Cond).Wait", "sync.runtime_notifyListWait":
			return "sync.Cond.Wait"
		case "internal/poll.runtime_pollWait":
			return "IO wait"
		case "time.Sleep":
			return "sleep"
		case "runtime.goroutineProfileWithLabels", "runtime/pprof.writeRuntimeProfile":
			return "running"
		case "syscall.Syscall", "syscall.Syscall6", "syscall.RawSyscall", "syscall.syscall",
			"internal/runtime/syscall.Syscall6", "os/signal.signal_recv":
			return "syscall"
		case "runtime.Gosched", "runtime.goschedIfBusy", "runtime.asyncPreempt", "runtime.asyncPreempt2":
			return "runnable"
		case "runtime.gopark", "runtime.goparkunlock", "runtime.semacquire1", "runtime.notetsleepg":
			continue
		}
		if !f.Func.IsRuntime() {
			break
		}
	}
	// A parked goroutine has runtime.gopark on top; one with user code on
	// top was running or about to.
	if len(s) > 0 && !s[0].Func.IsRuntime() {
		return "runnable"
	}
	return ""
}

// Report returns the findings, most important first: proven leaks, then
// suspects, then the rest; within each, larger and older groups first.
func (c *Classifier) Report() *Report {
	r := &Report{Total: c.total, Findings: make([]*Finding, 0, len(c.order))}
	c.outlived()
	for _, grp := range c.order {
		f := &grp.f
		if f.Count == 0 {
			continue // a stack whose goroutines were all proven
		}
		c.judge(grp)
		c.explain(f)
		r.Findings = append(r.Findings, f)
	}
	slices.SortStableFunc(r.Findings, func(a, b *Finding) int {
		return cmp.Or(
			cmp.Compare(a.Verdict.rank(), b.Verdict.rank()),
			cmp.Compare(b.Count, a.Count),
			cmp.Compare(b.MaxMinutes, a.MaxMinutes),
			cmp.Compare(a.Class.rank(), b.Class.rank()),
		)
	})
	for _, m := range c.gs {
		info := GoroutineInfo{ID: m.id, Function: m.e.entry, WaitReason: m.grp.state,
			Minutes: m.minutes, Class: m.e.class, Verdict: m.grp.f.Verdict, finding: &m.grp.f}
		if m.count > 1 {
			info.Count = m.count
		}
		r.Goroutines = append(r.Goroutines, info)
	}
	r.count()
	return r
}

// Keep drops the findings for which keep returns false, and the goroutines
// that were in them.
func (r *Report) Keep(keep func(*Finding) bool) {
	drop := make(map[*Finding]bool)
	r.Findings = slices.DeleteFunc(r.Findings, func(f *Finding) bool {
		if !keep(f) {
			drop[f] = true
			return true
		}
		return false
	})
	if len(drop) > 0 {
		// The entries of a report decoded from JSON do not know their
		// finding: they go by id, and profile stacks, which have none,
		// by class and verdict, when only dropped findings have that
		// pair (so a --class filter drops them), and stay when a kept
		// finding has it too.
		ids := make(map[int64]bool)
		type kind struct {
			class   Class
			verdict Verdict
		}
		dropped, kept := make(map[kind]bool), make(map[kind]bool)
		for f := range drop {
			for _, id := range f.GoroutineIDs {
				ids[id] = true
			}
			dropped[kind{f.Class, f.Verdict}] = true
		}
		for _, f := range r.Findings {
			kept[kind{f.Class, f.Verdict}] = true
		}
		r.Goroutines = slices.DeleteFunc(r.Goroutines, func(g GoroutineInfo) bool {
			if g.finding != nil {
				return drop[g.finding]
			}
			if g.ID == 0 {
				k := kind{g.Class, g.Verdict}
				return dropped[k] && !kept[k]
			}
			return ids[g.ID]
		})
	}
	r.count()
}

func (r *Report) count() {
	r.Leaks, r.Suspects, r.Parked = 0, 0, 0
	for _, f := range r.Findings {
		switch f.Verdict {
		case Leak:
			r.Leaks += f.Count
		case Suspect:
			r.Suspects += f.Count
		case Parked:
			r.Parked += f.Count
		}
	}
}

// HasLeaks reports whether any finding is a leak or a suspect: the condition
// for a failing exit code.
func (r *Report) HasLeaks() bool { return r.Leaks+r.Suspects > 0 }

// noFrames reports a stack with no named frame: Go 1.27's goroutineleak
// profile lists one such record ("1 @" and "#\t0x0") that its debug=2 form
// does not mark, so nothing can be said of it but that it is the runtime's.
func noFrames(g *stack.Goroutine) bool {
	if g.Unavailable {
		return false
	}
	for _, f := range g.Stack {
		if f.Func != "" {
			return false
		}
	}
	return true
}
