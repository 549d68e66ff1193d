package classify

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leakhound/leakhound/stack"
)

// trapSrc holds the shapes whose source is evidence of a leak, and their
// healthy twins.
const trapSrc = `package main

func unfed() {
	ch := make(chan int)
	go func() {
		<-ch
	}()
	work()
}

func fed() {
	ch := make(chan int)
	go func() {
		<-ch
	}()
	ch <- 1
}

func passedIn(ch chan int) {
	go func() {
		<-ch
	}()
}

func fedEarlier() {
	ch := make(chan int)
	go produce(ch)
	go func() {
		<-ch
	}()
}

func (a *account) withdraw(n int) error {
	a.mu.Lock()
	if a.balance < n {
		return errShort
	}
	a.balance -= n
	a.mu.Unlock()
	return nil
}

func (a *account) audit() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.balance
}

func (b *bank) audit() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.total
}

func sent() {
	done := make(chan bool)
	go func() { done <- true }()
	work()
}
`

func TestEvidence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "trap.go")
	if err := os.WriteFile(file, []byte(trapSrc), 0o644); err != nil {
		t.Fatal(err)
	}
	at := func(fn string, line int) stack.Frame {
		return stack.Frame{Func: stack.Func(fn), File: file, Line: line}
	}
	closure := func(state string, blocked, created int, creator string) stack.Goroutine {
		return stack.Goroutine{ID: 50, State: state, Stack: []stack.Frame{at("main."+creator+".func1", blocked)}, CreatedBy: at("main."+creator, created), CreatorID: 1}
	}
	for _, tc := range []struct {
		name    string
		g       stack.Goroutine
		count   int
		verdict Verdict
		kind    EvidenceKind
	}{
		{"a receive nothing feeds after the go statement", closure("chan receive", 6, 5, "unfed"), 1, Suspect, SourceTrap},
		{"a receive the creator feeds", closure("chan receive", 14, 13, "fed"), 1, Parked, ""},
		{"a channel passed in is the caller's", closure("chan receive", 21, 20, "passedIn"), 1, Parked, ""},
		{"a channel handed to another goroutine first", closure("chan receive", 29, 28, "fedEarlier"), 1, Parked, ""},
		{"a one-line go statement whose send nothing receives", closure("chan send", 57, 57, "sent"), 1, Suspect, SourceTrap},
		{"a lock some path returns without releasing", stack.Goroutine{ID: 51, State: "sync.Mutex.Lock",
			Stack: []stack.Frame{{Func: "sync.(*Mutex).Lock", File: "/go/mutex.go", Line: 1}, at("main.(*account).audit", 44)}}, 1, Suspect, SourceTrap},
		{"a lock every path releases", stack.Goroutine{ID: 52, State: "sync.Mutex.Lock",
			Stack: []stack.Frame{{Func: "sync.(*Mutex).Lock", File: "/go/mutex.go", Line: 1}, at("main.(*bank).audit", 50)}}, 1, Parked, ""},
		{"a nil channel", stack.Goroutine{ID: 53, State: "chan send (nil chan)", Stack: []stack.Frame{{Func: "main.w", File: "/x.go", Line: 3}}}, 1, Suspect, NeverWakes},
		{"select {} outside main", stack.Goroutine{ID: 54, State: "select (no cases)", Stack: []stack.Frame{{Func: "main.w", File: "/x.go", Line: 3}}}, 1, Suspect, NeverWakes},
		{"99 at one place", stack.Goroutine{State: "chan receive", Stack: []stack.Frame{{Func: "main.w", File: "/x.go", Line: 3}}}, 99, Parked, ""},
		{"100 at one place", stack.Goroutine{State: "chan receive", Stack: []stack.Frame{{Func: "main.w", File: "/x.go", Line: 3}}}, 100, Suspect, Concentration},
		{"I/O for 4 minutes", stack.Goroutine{State: "IO wait", Minutes: 4, Stack: []stack.Frame{{Func: "internal/poll.runtime_pollWait", File: "/go/n.go", Line: 1}, {Func: "main.w", File: "/x.go", Line: 3}}}, 1, OK, ""},
		{"I/O for 5 minutes", stack.Goroutine{State: "IO wait", Minutes: 5, Stack: []stack.Frame{{Func: "internal/poll.runtime_pollWait", File: "/go/n.go", Line: 1}, {Func: "main.w", File: "/x.go", Line: 3}}}, 1, Suspect, LongWait},
		{"proven", stack.Goroutine{ID: 55, State: "chan receive", Leaked: true, Stack: []stack.Frame{{Func: "main.w", File: "/x.go", Line: 3}}}, 1, Leak, Proof},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := New(Config{Source: &Source{UseDumpPaths: true}})
			g := tc.g
			g.Count = tc.count
			c.Add(&g)
			r := c.Report()
			f := r.Findings[0]
			if f.Verdict != tc.verdict {
				t.Fatalf("verdict %s, want %s (class %s, evidence %+v)", f.Verdict, tc.verdict, f.Class, f.Evidence)
			}
			switch {
			case tc.kind == "" && len(f.Evidence) > 0:
				t.Errorf("evidence %+v, want none", f.Evidence)
			case tc.kind != "" && (len(f.Evidence) == 0 || f.Evidence[0].Kind != tc.kind || f.Evidence[0].Detail == ""):
				t.Errorf("evidence %+v, want %s", f.Evidence, tc.kind)
			}
			for _, e := range f.Evidence {
				if f.Verdict == Suspect && !strings.Contains(f.Explanation, e.Detail) {
					t.Errorf("the explanation does not name the evidence %q: %s", e.Detail, f.Explanation)
				}
			}
			if f.Verdict == Parked && !strings.Contains(f.Explanation, "Nothing read here shows a leak") {
				t.Errorf("a parked finding does not say so: %s", f.Explanation)
			}
			if r.HasLeaks() != (tc.verdict == Leak || tc.verdict == Suspect) {
				t.Errorf("HasLeaks = %v for a %s finding", r.HasLeaks(), tc.verdict)
			}
		})
	}
}

// TestConcentrationScales: the count that is evidence grows with the
// process, from 100 up to 1000.
func TestConcentrationScales(t *testing.T) {
	for _, tc := range []struct{ total, want int }{{50, 100}, {1000, 100}, {3000, 300}, {10000, 1000}, {1000000, 1000}} {
		c := New(Config{})
		c.total = tc.total
		if got := c.concentrationMin(); got != tc.want {
			t.Errorf("total %d: %d, want %d", tc.total, got, tc.want)
		}
	}
}

// TestOutlivedRequest: goroutines a handler started, waiting while the
// connection that served the request waits for the next one, outlived it;
// while the handler still runs, they have not.
func TestOutlivedRequest(t *testing.T) {
	conn := func(id int64, inHandler bool) *stack.Goroutine {
		g := &stack.Goroutine{ID: id, State: "IO wait", Count: 1, Stack: []stack.Frame{
			{Func: "internal/poll.runtime_pollWait", File: "/go/netpoll.go", Line: 1},
			{Func: "net/http.(*conn).readRequest", File: "/go/server.go", Line: 2},
			{Func: "net/http.(*conn).serve", File: "/go/server.go", Line: 3}},
			CreatedBy: stack.Frame{Func: "net/http.(*Server).Serve", File: "/go/server.go", Line: 4}}
		if inHandler {
			g.State = "chan receive"
			g.Stack = []stack.Frame{{Func: "main.handler", File: "/src/main.go", Line: 30},
				{Func: "net/http.serverHandler.ServeHTTP", File: "/go/server.go", Line: 5},
				{Func: "net/http.(*conn).serve", File: "/go/server.go", Line: 3}}
		}
		return g
	}
	worker := func(id, creator int64) *stack.Goroutine {
		return &stack.Goroutine{ID: id, State: "chan send", Count: 1,
			Stack:     []stack.Frame{{Func: "main.lookup", File: "/src/main.go", Line: 12}},
			CreatedBy: stack.Frame{Func: "main.handler", File: "/src/main.go", Line: 25}, CreatorID: creator}
	}
	c := New(Config{})
	c.Add(worker(100, 7)) // before its creator: order must not matter
	c.Add(conn(7, false))
	c.Add(worker(101, 8))
	c.Add(conn(8, false))
	r := c.Report()
	f := find(r, "main.lookup")
	if f == nil || f.Verdict != Suspect || len(f.Evidence) != 1 || f.Evidence[0].Kind != OutlivedRequest || f.Creators != 2 || f.CreatedByGoroutine != 0 {
		t.Fatalf("finding %+v, want suspect by outlived-request, 2 creators", f)
	}
	if !strings.Contains(f.Evidence[0].Detail, "these 2 goroutines") {
		t.Errorf("evidence %q", f.Evidence[0].Detail)
	}

	c = New(Config{})
	c.Add(worker(100, 7))
	c.Add(conn(7, true))
	if f := find(c.Report(), "main.lookup"); f == nil || f.Verdict != Parked {
		t.Errorf("a goroutine of a request still running: %+v, want parked", f)
	}

	// Runs of one creator, broken by other creators and other groups,
	// count each goroutine once: 5 of creator 7 (over), 3 of creator 9
	// (still in its handler), then 4 more of 7.
	c = New(Config{})
	id := int64(100)
	add := func(creator int64, n int) {
		for range n {
			c.Add(worker(id, creator))
			c.Add(&stack.Goroutine{ID: id + 5000, State: "chan receive", Count: 1, CreatorID: creator,
				Stack:     []stack.Frame{{Func: "main.other", File: "/src/main.go", Line: 50}},
				CreatedBy: stack.Frame{Func: "main.handler", File: "/src/main.go", Line: 26}})
			id++
		}
	}
	add(7, 5)
	add(9, 3)
	add(7, 4)
	c.Add(conn(7, false))
	c.Add(conn(9, true))
	r = c.Report()
	for _, fn := range []string{"main.lookup", "main.other"} {
		f := find(r, fn)
		if f == nil || f.Count != 12 || f.Verdict != Suspect || len(f.Evidence) != 1 || !strings.Contains(f.Evidence[0].Detail, "these 9 goroutines started while serving") {
			t.Errorf("%s: %+v, want 12 goroutines of which 9 outlived their request", fn, f)
		}
	}
	if len(c.started) != 0 {
		t.Errorf("%d runs kept after the report", len(c.started))
	}
	// A goroutine added after a report starts a new run.
	c.Add(worker(id, 7))
	if f := find(c.Report(), "main.lookup"); f == nil || f.Count != 13 {
		t.Errorf("after one more goroutine: %+v", f)
	}
}

// TestStartedRuns: goroutines of one group and creator cost one entry
// of the outlived check, however many there are.
func TestStartedRuns(t *testing.T) {
	c := New(Config{})
	for i := range 1000 {
		c.Add(&stack.Goroutine{ID: int64(100 + i), State: "chan send", Count: 1, CreatorID: 1,
			Stack:     []stack.Frame{{Func: stack.Func(fmt.Sprintf("main.w%d", i%3)), File: "/src/main.go", Line: 12 + i%3}},
			CreatedBy: stack.Frame{Func: "main.start", File: "/src/main.go", Line: 25}})
	}
	if len(c.started) != 3 {
		t.Errorf("%d entries for 1000 goroutines in 3 groups of one creator, want 3", len(c.started))
	}
}

func find(r *Report, fn string) *Finding {
	for _, f := range r.Findings {
		if f.BlockedAt.Func == fn {
			return f
		}
	}
	return nil
}

// TestAbandoned: goroutines at one place started by several goroutines
// that have all exited were left behind; one creator still alive, or a
// single creator, is no evidence.
func TestAbandoned(t *testing.T) {
	worker := func(id, creator int64) *stack.Goroutine {
		return &stack.Goroutine{ID: id, State: "chan receive", Count: 1,
			Stack:     []stack.Frame{{Func: "main.notify", File: "/src/main.go", Line: 12}},
			CreatedBy: stack.Frame{Func: "main.handle", File: "/src/main.go", Line: 25}, CreatorID: creator}
	}
	loop := func(id int64) *stack.Goroutine {
		return &stack.Goroutine{ID: id, State: "select", Count: 1, Stack: []stack.Frame{{Func: "main.loop", File: "/src/main.go", Line: 40}}}
	}
	const far = 1 << 40
	for _, tc := range []struct {
		name string
		gs   []*stack.Goroutine
		want Verdict
	}{
		{"two creators, both gone", []*stack.Goroutine{worker(100, 7), worker(101, 8)}, Suspect},
		{"two creators, one alive", []*stack.Goroutine{worker(100, 7), worker(101, 8), loop(8)}, Parked},
		{"one creator, gone", []*stack.Goroutine{worker(100, 7), worker(101, 7)}, Parked},
		// The live creator is the last of its group, past any cap of the
		// listed ids, and far from the ids around it.
		{"one alive, listed last", []*stack.Goroutine{loop(3), loop(far + 5), worker(100, 7), worker(101, far), loop(-2), loop(far)}, Parked},
		{"both gone, ids far apart", []*stack.Goroutine{loop(3), loop(far + 5), worker(-100, 7), worker(101, far), loop(far - 1)}, Suspect},
	} {
		// Cutting the findings' id lists changes no verdict: every id
		// read still counts as alive.
		for _, maxIDs := range []int{0, 1, 2} {
			c := New(Config{MaxIDs: maxIDs})
			for _, g := range tc.gs {
				c.Add(g)
			}
			f := find(c.Report(), "main.notify")
			if f.Verdict != tc.want {
				t.Errorf("%s, MaxIDs %d: %s %+v, want %s", tc.name, maxIDs, f.Verdict, f.Evidence, tc.want)
			}
			if tc.want == Suspect && (len(f.Evidence) != 1 || f.Evidence[0].Kind != Abandoned) {
				t.Errorf("%s, MaxIDs %d: evidence %+v, want abandoned", tc.name, maxIDs, f.Evidence)
			}
		}
	}
}

// TestNote: growth that watch or the monitor sees makes a parked finding
// suspect, and its explanation names the evidence instead of saying that
// nothing shows a leak.
func TestNote(t *testing.T) {
	c := New(Config{})
	c.Add(&stack.Goroutine{ID: 9, State: "chan receive", Count: 1, Stack: []stack.Frame{{Func: "main.w", File: "/x.go", Line: 3}}})
	r := c.Report()
	f := r.Findings[0]
	if f.Verdict != Parked {
		t.Fatalf("verdict %s, want parked", f.Verdict)
	}
	f.Note(Evidence{Growth, "it grew from 3 to 9 goroutines."})
	f.Note(Evidence{Growth, "again"})
	if f.Verdict != Suspect || len(f.Evidence) != 1 {
		t.Errorf("after Note: %s %+v, want suspect with one growth", f.Verdict, f.Evidence)
	}
	if strings.Contains(f.Explanation, "Nothing read here") || !strings.Contains(f.Explanation, "Evidence: it grew from 3 to 9 goroutines.") {
		t.Errorf("explanation %q", f.Explanation)
	}
}

func TestArrowOp(t *testing.T) {
	for line, want := range map[string]string{
		"ch <- 1":                 "chan send",
		"s.out[i] <- v":           "chan send",
		"case results <- r:":      "chan send",
		"go func() { ch <- 1 }()": "chan send",
		"f(x) <- y":               "chan send",
		"v := <-ch":               "chan receive",
		"<-ctx.Done()":            "chan receive",
		"case v, ok := <-in:":     "chan receive",
		"case <-done:":            "chan receive",
		"return <-ch":             "chan receive",
		"go func() { <-ch }()":    "chan receive",
		"process(<-jobs)":         "chan receive",
		"x := compute()":          "",
	} {
		if got := arrowOp(line); got != want {
			t.Errorf("%q: %q, want %q", line, got, want)
		}
	}
}
