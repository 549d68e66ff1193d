// Package scenario starts real goroutines that block in known ways, so tests
// can take goroutine dumps from the Go that runs them instead of keeping
// fixtures that drift from the runtime's output.
//
// Each Scenario names the class the classifier should give its goroutines,
// the function they block in and the wait reason the runtime prints. The
// leaker program (./leaker) starts scenarios and prints one dump in a chosen
// format; package scenariotest builds and runs it from tests.
package scenario

import (
	"fmt"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/leakhound/leakhound/classify"
)

// Scenario is one way for goroutines to block.
type Scenario struct {
	Name  string
	Class classify.Class // the class the classifier should assign to the goroutines in Func
	Leak  bool           // whether they are leaks; equal to Class.IsLeak()
	// Proven says whether the goroutineleak profile marks them "(leaked)"
	// (measured on go1.26 with GOEXPERIMENT=goroutineleakprofile).
	Proven bool

	// Func is the function the goroutines block in, as the runtime prints
	// it in a frame ("github.com/leakhound/leakhound/internal/scenario.sendNoReceiver.func1").
	// It is the innermost frame of the scenario's own code, which is also
	// the blocking frame except where the wait is inside a library (I/O,
	// net/http, os/signal).
	Func string
	// Wait is the wait reason in the goroutine header ("chan send"), or ""
	// for goroutines that are running or runnable.
	Wait string
	// Count is how many goroutines one Start adds in Func.
	Count int

	Doc string // the shape, in one sentence

	// Start starts the goroutines and returns once Count of them are
	// blocked in Func with reason Wait. It panics if they are not within
	// two minutes, which means the scenario itself is broken.
	Start func()
}

// All lists the scenarios, leaks first, in a fixed order.
var All []Scenario

var byName = map[string]int{} // index in All

// DeadlockSet names scenarios that leave nothing runnable, no timer and no
// network poller wait behind, so that a main goroutine that then blocks
// makes the runtime report "all goroutines are asleep - deadlock!".
var DeadlockSet = []string{
	"send-no-receiver", "receive-no-sender", "nil-channel-send", "nil-channel-receive",
	"select-forever", "range-never-closed", "mutex-deadlock", "waitgroup-never-done",
	"cond-never-signalled",
}

// Lookup returns the scenario called name, or nil.
func Lookup(name string) *Scenario {
	i, ok := byName[name]
	if !ok {
		return nil
	}
	return &All[i]
}

// Names returns the names of all scenarios in the order of All.
func Names() []string {
	names := make([]string, len(All))
	for i := range All {
		names[i] = All[i].Name
	}
	return names
}

// Start starts the named scenarios in order. It starts none when a name is
// unknown.
func Start(names ...string) error {
	var unknown []string
	for _, n := range names {
		if _, ok := byName[n]; !ok {
			unknown = append(unknown, n)
		}
	}
	if len(unknown) > 0 {
		known := Names()
		sort.Strings(known)
		return fmt.Errorf("unknown scenario %s (known: %s)", strings.Join(unknown, ", "), strings.Join(known, ", "))
	}
	for _, n := range names {
		All[byName[n]].Start()
	}
	return nil
}

// def describes a scenario; add turns it into a Scenario whose Start waits.
type def struct {
	name   string
	class  classify.Class
	proven bool
	fn     string // without the package prefix when it is in this package
	wait   string
	count  int
	// once marks goroutines the process creates only once (os/signal's
	// loop): Start waits for Count of them in total, not Count more.
	once  bool
	doc   string
	start func()
}

const pkg = "github.com/leakhound/leakhound/internal/scenario."

func add(d def) {
	fn := d.fn
	if !strings.Contains(fn, "/") {
		fn = pkg + fn
	}
	s := Scenario{
		Name: d.name, Class: d.class, Leak: d.class.IsLeak(), Proven: d.proven,
		Func: fn, Wait: d.wait, Count: d.count, Doc: d.doc,
	}
	s.Start = func() {
		want := d.count
		if !d.once {
			want += countBlocked(fn, d.wait)
		}
		d.start()
		waitBlocked(d.name, fn, d.wait, want)
	}
	if _, dup := byName[d.name]; dup {
		panic("scenario: duplicate name " + d.name)
	}
	byName[d.name] = len(All)
	All = append(All, s)
}

// waitBlocked polls the goroutine dump until want goroutines are blocked in
// fn with reason wait, so that a dump taken next shows them parked and not
// on their way there.
func waitBlocked(name, fn, wait string, want int) {
	// Generous: a loaded CI machine can take seconds to run a goroutine.
	const limit = 2 * time.Minute
	deadline := time.Now().Add(limit)
	// Each look stops the world for a dump: look often at first, then
	// less, so that on a loaded machine the looking does not starve the
	// goroutines it waits for.
	pause := time.Millisecond
	for {
		n := countBlocked(fn, wait)
		if n >= want {
			return
		}
		if time.Now().After(deadline) {
			panic(fmt.Sprintf("scenario %s: %d of %d goroutines blocked in %s [%s] after %v; goroutines in it: %q",
				name, n, want, fn, wait, limit, headersIn(fn)))
		}
		time.Sleep(pause)
		pause = min(2*pause, 50*time.Millisecond)
	}
}

// countBlocked counts the goroutines whose stack has a frame in fn and
// whose wait reason is wait; an empty wait matches running and runnable.
func countBlocked(fn, wait string) int {
	n := 0
	for _, g := range strings.Split(string(allStacks()), "\n\n") {
		header, frames, ok := strings.Cut(g, "\n")
		if !ok || !strings.HasPrefix(header, "goroutine ") {
			continue
		}
		if !inFunc(frames, fn) {
			continue
		}
		reason := waitReason(header)
		if reason == wait || wait == "" && (reason == "running" || reason == "runnable") {
			n++
		}
	}
	return n
}

// headersIn returns the headers of the goroutines with a frame in fn.
func headersIn(fn string) []string {
	var hs []string
	for _, g := range strings.Split(string(allStacks()), "\n\n") {
		header, frames, _ := strings.Cut(g, "\n")
		if inFunc(frames, fn) {
			hs = append(hs, header)
		}
	}
	return hs
}

// inFunc reports whether a frame line of frames calls fn. The
// tracebackancestors sections ("[originating from goroutine N]:") that may
// follow the frames are the creators' stacks, not this goroutine's, and are
// not searched.
func inFunc(frames, fn string) bool {
	frames, _, _ = strings.Cut(frames, "\n[originating from goroutine ")
	for line := range strings.Lines(frames) {
		if strings.HasPrefix(line, fn+"(") {
			return true
		}
	}
	return false
}

// waitReason returns the wait reason or status of a goroutine header
// without its modifiers: "goroutine 7 [chan send, 2 minutes]:" -> "chan send".
func waitReason(header string) string {
	_, s, ok := strings.Cut(header, "[")
	if !ok {
		return ""
	}
	s, _, _ = strings.Cut(s, "]")
	s, _, _ = strings.Cut(s, ",")
	s, _, _ = strings.Cut(s, " labels:")
	s = strings.TrimSuffix(s, " (leaked)")
	s = strings.TrimSuffix(s, " (scan)")
	return s
}

// allStacks returns runtime.Stack(all) with a buffer grown until it fits.
func allStacks() []byte {
	buf := make([]byte, 256<<10)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return buf[:n]
		}
		buf = make([]byte, 2*len(buf))
	}
}
