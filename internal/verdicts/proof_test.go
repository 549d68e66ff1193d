package verdicts

import (
	"bytes"
	"fmt"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/leakhound/leakhound/classify"
	"github.com/leakhound/leakhound/internal/input"
	"github.com/leakhound/leakhound/internal/remote"
	"github.com/leakhound/leakhound/stack"
)

// kept holds channels from a global, so that the runtime cannot prove the
// goroutines parked on them leaked.
var kept []chan int

// park blocks on ch; every goroutine of these tests parks on this line.
func park(ch chan int) { <-ch }

// startParked starts n goroutines on park, every other one on a channel
// kept reachable, and waits until all are parked.
func startParked(t *testing.T, n int) {
	t.Helper()
	for i := range n {
		ch := make(chan int)
		if i%2 == 0 {
			kept = append(kept, ch)
		}
		go park(ch)
	}
	waitFor(t, func() bool { return parkedIn("verdicts.park") >= n })
}

// parkedIn counts the goroutines of this process blocked in fn.
func parkedIn(fn string) int {
	buf := make([]byte, 1<<22)
	dump := buf[:runtime.Stack(buf, true)]
	n := 0
	for _, g := range bytes.Split(dump, []byte("\n\n")) {
		if bytes.Contains(g, []byte("[chan receive")) && bytes.Contains(g, []byte(fn+"(")) {
			n++
		}
	}
	return n
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("the goroutines did not park within 30 s")
		}
		runtime.Gosched()
		time.Sleep(time.Millisecond) // polling a condition, not waiting for a result
	}
}

func leakProfile(t *testing.T) *pprof.Profile {
	t.Helper()
	p := pprof.Lookup("goroutineleak")
	if p == nil {
		t.Skipf("%s has no goroutineleak profile: needs Go 1.27, or Go 1.26 built with GOEXPERIMENT=goroutineleakprofile", runtime.Version())
	}
	return p
}

func write(t *testing.T, p *pprof.Profile, debug int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := p.WriteTo(&b, debug); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// classifyBytes reads any form through the same input path the CLI uses.
func classifyBytes(t *testing.T, data []byte) *classify.Report {
	t.Helper()
	c := classify.New(classify.Config{})
	if _, err := input.Read(bytes.NewReader(data), input.Options{}, c.Add); err != nil {
		t.Fatal(err)
	}
	return c.Report()
}

// atPark returns the findings blocked in park.
func atPark(r *classify.Report) []*classify.Finding {
	var out []*classify.Finding
	for _, f := range r.Findings {
		if strings.HasSuffix(f.BlockedAt.Func, "verdicts.park") {
			out = append(out, f)
		}
	}
	return out
}

// TestPartlyProven: of 100 goroutines parked at one line, the runtime
// proves the half whose channels nothing reachable holds. The proven and
// the unproven become two findings, each with a verdict true of every
// goroutine it names, in the full dump and in the protobuf profiles.
func TestPartlyProven(t *testing.T) {
	p := leakProfile(t)
	startParked(t, 100)
	write(t, p, 0) // one leak GC first: a later one sees what it freed

	check := func(form string, r *classify.Report) {
		t.Helper()
		var proven, other int
		for _, f := range atPark(r) {
			switch {
			case f.Verdict == classify.Leak:
				if f.Proven != f.Count {
					t.Errorf("%s: a leak finding of %d goroutines, %d proven", form, f.Count, f.Proven)
				}
				proven += f.Count
			default:
				if f.Proven != 0 {
					t.Errorf("%s: a %s finding with %d proven goroutines", form, f.Verdict, f.Proven)
				}
				other += f.Count
			}
		}
		if proven+other < 100 || proven == 0 || proven > 50+(proven+other-100) {
			t.Errorf("%s: %d proven and %d not at park, want 100 of which at most the 50 unreachable proven", form, proven, other)
		}
		if r.Leaks < proven {
			t.Errorf("%s: the report counts %d leaks, its findings %d", form, r.Leaks, proven)
		}
	}
	check("goroutineleak debug=2", classifyBytes(t, write(t, p, 2)))

	// Profiles carry no ids: the protobuf goroutine profile is split by the
	// goroutineleak profile's counts, as analyze URL does.
	all := protoGoroutines(t, write(t, pprof.Lookup("goroutine"), 0))
	leaked := protoGoroutines(t, write(t, p, 0))
	c := classify.New(classify.Config{})
	for _, g := range remote.SplitProven(all, leaked) {
		c.Add(g)
	}
	check("goroutine debug=0 split by goroutineleak debug=0", c.Report())
}

func protoGoroutines(t *testing.T, data []byte) []*stack.Goroutine {
	t.Helper()
	var gs []*stack.Goroutine
	if _, err := input.Read(bytes.NewReader(data), input.Options{}, func(g *stack.Goroutine) { gs = append(gs, g.Clone()) }); err != nil {
		t.Fatal(err)
	}
	return gs
}

// TestProofInEveryForm: the goroutineleak profile, written at debug=0, 1
// and 2 by one process, proves the same goroutines in each form, and
// leakhound calls every one of them a leak.
func TestProofInEveryForm(t *testing.T) {
	p := leakProfile(t)
	startParked(t, 20)
	write(t, p, 0)
	counts := map[string]string{}
	for _, debug := range []int{2, 1, 0} {
		r := classifyBytes(t, write(t, p, debug))
		proven := 0
		for _, f := range atPark(r) {
			if f.Verdict != classify.Leak {
				if debug != 2 {
					t.Errorf("debug=%d: %d goroutines %s; the profile lists only proven ones", debug, f.Count, f.Verdict)
				}
				continue
			}
			proven += f.Count
		}
		counts[fmt.Sprint(debug)] = fmt.Sprint(proven)
		if proven == 0 {
			t.Errorf("debug=%d: no proven goroutine at park", debug)
		}
	}
	if counts["0"] != counts["1"] || counts["1"] != counts["2"] {
		t.Errorf("proven at park by form: debug=0 %s, debug=1 %s, debug=2 %s; want the same", counts["0"], counts["1"], counts["2"])
	}
}
