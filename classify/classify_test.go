package classify

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/leakhound/leakhound/stack"
)

// src is a file the source-based rules read.
const src = `package main

func f(ch chan int, ctx context.Context) {
	for v := range ch {
	}
	<-ctx.Done()
	select {
	case <-ctx.Done():
	}
	select {
	case <-ch:
	case <-ctx.Done():
	}
	<-ch
	for range time.Tick(time.Second) {
	}
	select {
	case <-ch:
	case <-ticker.C:
	}
}

func g() {
	ch := make(chan result)
	go func() {
		ch <- result{}
	}()
	select {
	case r := <-ch:
		return r
	case <-time.After(time.Second):
		return nil
	}
}
`

func frames(fs ...string) []stack.Frame {
	var out []stack.Frame
	for _, f := range fs {
		name, pos, _ := strings.Cut(f, " ")
		file, line, _ := strings.Cut(pos, ":")
		n := 0
		for _, c := range line {
			n = n*10 + int(c-'0')
		}
		out = append(out, stack.Frame{Func: stack.Func(name), File: file, Line: n})
	}
	return out
}

func TestClasses(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "main.go")
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	at := func(line string) string { return "main.f " + file + ":" + line }
	for _, tc := range []struct {
		name    string
		g       stack.Goroutine
		class   Class
		verdict Verdict
	}{
		{"send", stack.Goroutine{State: "chan send", Stack: frames("main.w /x.go:3")}, SendNoReceiver, Parked},
		{"send proven", stack.Goroutine{State: "chan send", Leaked: true, Stack: frames("main.w /x.go:3")}, SendNoReceiver, Leak},
		{"receive", stack.Goroutine{State: "chan receive", Stack: frames(at("14"))}, ReceiveNoSender, Parked},
		{"range by source", stack.Goroutine{State: "chan receive", Stack: frames(at("4"))}, RangeNeverClosed, Parked},
		{"ctx.Done receive by source", stack.Goroutine{State: "chan receive", Stack: frames(at("6"))}, ContextNeverDone, Parked},
		{"select on ctx.Done only", stack.Goroutine{State: "select", Stack: frames(at("7"))}, ContextNeverDone, Parked},
		{"select with other cases", stack.Goroutine{State: "select", Stack: frames(at("10"))}, SelectForever, Parked},
		{"range over a ticker", stack.Goroutine{State: "chan receive", Stack: frames(at("15"))}, Sleeping, OK},
		{"select with a ticker case", stack.Goroutine{State: "select", Stack: frames(at("17"))}, Sleeping, OK},
		{"nil send", stack.Goroutine{State: "chan send (nil chan)", Stack: frames("main.w /x.go:3")}, NilChannelSend, Suspect},
		{"nil receive", stack.Goroutine{State: "chan receive (nil chan)", Stack: frames("main.w /x.go:3")}, NilChannelReceive, Suspect},
		{"nil Background().Done()", stack.Goroutine{State: "chan receive (nil chan)", Stack: frames(at("6"))}, ContextNeverDone, Suspect},
		{"select no cases", stack.Goroutine{State: "select (no cases)", Stack: frames("main.w /x.go:3")}, SelectForever, Suspect},
		{"select no cases in main", stack.Goroutine{State: "select (no cases)", Stack: frames("main.main /x.go:3")}, Idle, OK},
		{"main waiting for shutdown", stack.Goroutine{State: "select", Stack: frames("main.main /x.go:3")}, Idle, OK},
		{"Go 1.27's frameless proven record", stack.Goroutine{Partial: true, Leaked: true, Stack: []stack.Frame{{}}}, System, OK},
		{"main in select {}, proven by the runtime", stack.Goroutine{State: "select (no cases)", Leaked: true, Stack: frames("main.main /x.go:3")}, Idle, OK},
		{"main waiting in its run group", stack.Goroutine{State: "select (no cases)", Stack: frames("github.com/caddyserver/caddy/v2/cmd.cmdRun /x.go:3", "main.main /m.go:1")}, Idle, OK},
		{"a goroutine started from main is not main", stack.Goroutine{State: "select (no cases)", Stack: frames("main.w /x.go:3", "main.main /m.go:1"), CreatedBy: stack.Frame{Func: "main.main"}}, SelectForever, Suspect},
		{"debug=1 text of a runtime goroutine", stack.Goroutine{Partial: true}, System, OK},
		{"debug=1 text of the profile writer", stack.Goroutine{Partial: true, Stack: frames("runtime/pprof.writeRuntimeProfile /go/pprof.go:1", "runtime/pprof.writeGoroutine /go/pprof.go:2", "main.h /x.go:3")}, Running, OK},
		{"main blocked on a lock is not idle", stack.Goroutine{State: "sync.Mutex.Lock", Stack: frames("sync.(*Mutex).Lock /m.go:1", "main.main /x.go:3")}, MutexDeadlock, Parked},
		{"mutex", stack.Goroutine{State: "sync.Mutex.Lock", Stack: frames("sync.(*Mutex).Lock /go/sync/mutex.go:46", "main.w /x.go:3")}, MutexDeadlock, Parked},
		{"rwmutex", stack.Goroutine{State: "sync.RWMutex.RLock", Stack: frames("sync.(*RWMutex).RLock /go/sync/rwmutex.go:60", "main.w /x.go:3")}, MutexDeadlock, Parked},
		{"old semacquire waitgroup", stack.Goroutine{State: "semacquire", Stack: frames("sync.runtime_Semacquire /go/rt.go:1", "sync.(*WaitGroup).Wait /go/wg.go:1", "main.w /x.go:3")}, WaitGroupNeverDone, Parked},
		{"waitgroup", stack.Goroutine{State: "sync.WaitGroup.Wait", Stack: frames("sync.(*WaitGroup).Wait /go/wg.go:1", "main.w /x.go:3")}, WaitGroupNeverDone, Parked},
		{"cond", stack.Goroutine{State: "sync.Cond.Wait", Stack: frames("sync.(*Cond).Wait /go/cond.go:1", "main.w /x.go:3")}, CondNeverSignalled, Parked},
		{"io short", stack.Goroutine{State: "IO wait", Stack: frames("internal/poll.runtime_pollWait /go/n.go:1", "net.(*conn).Read /go/net.go:1", "main.w /x.go:3")}, IOWithoutDeadline, OK},
		{"io long", stack.Goroutine{State: "IO wait", Minutes: 30, Stack: frames("internal/poll.runtime_pollWait /go/n.go:1", "net.(*conn).Read /go/net.go:1", "main.w /x.go:3")}, IOWithoutDeadline, Suspect},
		{"http server conn idle", stack.Goroutine{State: "IO wait", Minutes: 30, Stack: frames("net.(*conn).Read /go/net.go:1", "net/http.(*conn).serve /go/server.go:1")}, Idle, OK},
		{"http handler blocked is not idle", stack.Goroutine{State: "chan receive", Stack: frames("main.handler /x.go:3", "net/http.HandlerFunc.ServeHTTP /go/s.go:1", "net/http.(*conn).serve /go/server.go:1")}, ReceiveNoSender, Parked},
		{"accept loop", stack.Goroutine{State: "IO wait", Stack: frames("net.(*netFD).accept /go/fd.go:1", "main.main /x.go:3")}, Idle, OK},
		{"signal", stack.Goroutine{State: "chan receive", Stack: frames("os/signal.loop /go/signal.go:1")}, Idle, OK},
		{"testing runner", stack.Goroutine{State: "chan receive", Stack: frames("testing.(*T).Run /go/testing.go:1", "testing.runTests.func1 /go/testing.go:2")}, Idle, OK},
		{"sleep", stack.Goroutine{State: "sleep", Stack: frames("time.Sleep /go/time.go:1", "main.w /x.go:3")}, Sleeping, OK},
		{"running", stack.Goroutine{State: "running", Stack: frames("main.w /x.go:3")}, Running, OK},
		{"runnable", stack.Goroutine{State: "runnable", Stack: frames("main.w /x.go:3")}, Runnable, OK},
		{"go wg.Wait() from user code", stack.Goroutine{State: "sync.WaitGroup.Wait", Stack: frames("sync.(*WaitGroup).Wait /go/wg.go:1"), CreatedBy: stack.Frame{Func: "main.main"}}, WaitGroupNeverDone, Parked},
		{"go time.Sleep from user code", stack.Goroutine{State: "sleep", Stack: frames("time.Sleep /go/time.go:1"), CreatedBy: stack.Frame{Func: "main.main"}}, Sleeping, OK},
		{"http client waiting", stack.Goroutine{State: "select", Minutes: 10, Stack: frames("net/http.(*persistConn).roundTrip /go/transport.go:1", "main.w /x.go:3")}, IOWithoutDeadline, Suspect},
		{"gc worker", stack.Goroutine{State: "GC worker (idle)", Stack: frames("runtime.gopark /go/proc.go:1", "runtime.gcBgMarkWorker /go/mgc.go:1")}, System, OK},
		{"syscall", stack.Goroutine{State: "syscall", Stack: frames("syscall.Syscall /go/s.go:1", "main.w /x.go:3")}, Waiting, OK},
		{"context propagateCancel", stack.Goroutine{State: "select", Stack: frames("context.(*cancelCtx).propagateCancel.func2 /go/context.go:1")}, ContextNeverDone, Parked},
		// Profiles have no wait reason; the runtime frames tell it.
		{"profile send", stack.Goroutine{Stack: frames("runtime.gopark /go/proc.go:1", "runtime.chansend /go/chan.go:1", "runtime.chansend1 /go/chan.go:2", "main.w /x.go:3")}, SendNoReceiver, Parked},
		{"profile range", stack.Goroutine{Stack: frames("runtime.gopark /go/proc.go:1", "runtime.chanrecv /go/chan.go:1", "runtime.chanrecv2 /go/chan.go:2", at("4"))}, RangeNeverClosed, Parked},
		{"profile select", stack.Goroutine{Stack: frames("runtime.gopark /go/proc.go:1", "runtime.selectgo /go/select.go:1", "main.w /x.go:3")}, SelectForever, Parked},
		{"profile select no cases", stack.Goroutine{Stack: frames("runtime.gopark /go/proc.go:1", "runtime.block /go/select.go:1", "main.w /x.go:3")}, SelectForever, Suspect},
		{"profile mutex", stack.Goroutine{Stack: frames("runtime.gopark /go/proc.go:1", "internal/sync.(*Mutex).lockSlow /go/m.go:1", "sync.(*Mutex).Lock /go/m.go:2", "main.w /x.go:3")}, MutexDeadlock, Parked},
		{"profile waitgroup", stack.Goroutine{Stack: frames("runtime.gopark /go/proc.go:1", "sync.(*WaitGroup).Wait /go/wg.go:1", "main.w /x.go:3")}, WaitGroupNeverDone, Parked},
		{"profile cond", stack.Goroutine{Stack: frames("runtime.gopark /go/proc.go:1", "sync.runtime_notifyListWait /go/sema.go:1", "sync.(*Cond).Wait /go/cond.go:1", "main.w /x.go:3")}, CondNeverSignalled, Parked},
		{"profile sleep", stack.Goroutine{Stack: frames("runtime.gopark /go/proc.go:1", "time.Sleep /go/time.go:1", "main.w /x.go:3")}, Sleeping, OK},
		{"profile runnable", stack.Goroutine{Stack: frames("main.w /x.go:3")}, Runnable, OK},
		{"debug=1 text hides the wait", stack.Goroutine{Partial: true, Stack: frames("main.w /x.go:3")}, UnknownWait, Parked},
		{"debug=1 text keeps sync frames", stack.Goroutine{Partial: true, Stack: frames("internal/sync.runtime_SemacquireMutex /go/sema.go:1", "sync.(*Mutex).Lock /go/m.go:2", "main.w /x.go:3")}, MutexDeadlock, Parked},
		{"debug=1 text keeps WaitGroup.Wait", stack.Goroutine{Partial: true, Stack: frames("sync.(*WaitGroup).Wait /go/wg.go:1", "main.w /x.go:3")}, WaitGroupNeverDone, Parked},
		{"debug=1 text keeps Cond.Wait", stack.Goroutine{Partial: true, Stack: frames("sync.runtime_notifyListWait /go/sema.go:1", "sync.(*Cond).Wait /go/cond.go:1", "main.w /x.go:3")}, CondNeverSignalled, Parked},
		{"debug=1 text keeps time.Sleep", stack.Goroutine{Partial: true, Stack: frames("time.Sleep /go/time.go:1", "main.w /x.go:3")}, Sleeping, OK},
		{"debug=1 text keeps poll waits", stack.Goroutine{Partial: true, Stack: frames("internal/poll.runtime_pollWait /go/netpoll.go:1", "internal/poll.(*FD).Read /go/fd.go:1", "main.w /x.go:3")}, IOWithoutDeadline, OK},
		{"debug=1 text, the line tells a range", stack.Goroutine{Partial: true, Stack: frames(at("4"))}, RangeNeverClosed, Parked},
		{"debug=1 text, the line tells a select", stack.Goroutine{Partial: true, Stack: frames(at("10"))}, SelectForever, Parked},
		{"debug=1 text, the line tells a send", stack.Goroutine{Partial: true, Stack: frames(at("26"))}, SendNoReceiver, Parked},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := New(Config{Source: &Source{UseDumpPaths: true}})
			g := tc.g
			g.Count = 1
			c.Add(&g)
			r := c.Report()
			if len(r.Findings) != 1 {
				t.Fatalf("%d findings, want 1", len(r.Findings))
			}
			f := r.Findings[0]
			if f.Class != tc.class || f.Verdict != tc.verdict {
				t.Errorf("got %s/%s, want %s/%s", f.Class, f.Verdict, tc.class, tc.verdict)
			}
			if f.Explanation == "" || (tc.class.IsLeak() && f.Fix == "") {
				t.Errorf("missing explanation or fix: %+v", f)
			}
		})
	}
}

func TestGrouping(t *testing.T) {
	c := New(Config{KeepGoroutines: true})
	add := func(id int64, state string, minutes int, line int, leaked bool) {
		c.Add(&stack.Goroutine{ID: id, State: state, Minutes: minutes, Leaked: leaked, Count: 1,
			Stack:     []stack.Frame{{Func: "main.w", File: "/x.go", Line: line}, {Func: "main.run", File: "/x.go", Line: 9}},
			CreatedBy: stack.Frame{Func: "main.main", File: "/x.go", Line: 20}, CreatorID: 1})
	}
	add(10, "chan send", 3, 5, false)
	add(11, "chan send", 7, 5, true)
	add(12, "chan send", 0, 5, false)
	add(13, "chan send", 0, 6, false) // another line: another group
	add(14, "sleep", 0, 5, false)     // another class: another group
	r := c.Report()
	// The proven goroutine at line 5 is a finding apart from the two the
	// runtime did not prove, so that each verdict holds for all it names.
	if len(r.Findings) != 4 || r.Total != 5 {
		t.Fatalf("got %d findings of %d goroutines, want 4 of 5", len(r.Findings), r.Total)
	}
	f := r.Findings[0]
	if f.Verdict != Leak || f.Count != 1 || f.Proven != 1 || f.MaxMinutes != 7 || len(f.GoroutineIDs) != 1 || f.GoroutineIDs[0] != 11 || f.CreatedByGoroutine != 1 {
		t.Errorf("first finding = %+v, want the proven goroutine 11, 7 minutes", f)
	}
	f = r.Findings[1]
	if f.Verdict != Parked || f.Count != 2 || f.Proven != 0 || f.MaxMinutes != 3 || len(f.GoroutineIDs) != 2 || f.BlockedAt.Line != 5 {
		t.Errorf("second finding = %+v, want goroutines 10 and 12 parked, 3 minutes", f)
	}
	if r.Leaks != 1 || r.Suspects != 0 || r.Parked != 3 || !r.HasLeaks() {
		t.Errorf("leaks %d, suspects %d, parked %d; want 1, 0, 3", r.Leaks, r.Suspects, r.Parked)
	}
	if len(r.Goroutines) != 5 || r.Goroutines[1].Verdict != Leak || r.Goroutines[0].Verdict != Parked || r.Goroutines[0].Function != "main.run" {
		t.Errorf("goroutines = %+v", r.Goroutines)
	}
	r.Keep(func(f *Finding) bool { return f.Verdict != Parked })
	if r.Parked != 0 || len(r.Goroutines) != 2 {
		t.Errorf("after Keep: %d parked, %d goroutines; want 0, 2", r.Parked, len(r.Goroutines))
	}
}

// TestKeepProfileStacks: profile stacks carry no ids; Keep drops them by
// class and verdict when a filter drops every finding of theirs.
func TestKeepProfileStacks(t *testing.T) {
	c := New(Config{KeepGoroutines: true})
	for i, fn := range []string{"main.send", "main.recv", "main.send"} {
		state := "chan send"
		if fn == "main.recv" {
			state = "chan receive"
		}
		c.Add(&stack.Goroutine{State: state, Count: 200 + i, Stack: []stack.Frame{{Func: stack.Func(fn), File: "/x.go", Line: 5 + i}}})
	}
	r := c.Report()
	if len(r.Goroutines) != 3 || len(r.Findings) != 3 {
		t.Fatalf("%d stacks, %d findings; want 3 and 3", len(r.Goroutines), len(r.Findings))
	}
	r.Keep(func(f *Finding) bool { return f.Class == SendNoReceiver })
	if len(r.Goroutines) != 2 || r.Goroutines[0].Class != SendNoReceiver || r.Goroutines[1].Class != SendNoReceiver {
		t.Errorf("after keeping send-no-receiver: %+v", r.Goroutines)
	}
	// A filter that drops one of two findings of a class and verdict (as
	// --min-count does) drops that one's stack, not the other's.
	r.Keep(func(f *Finding) bool { return f.Count > 200 })
	if len(r.Findings) != 1 || len(r.Goroutines) != 1 || r.Goroutines[0].Count != r.Findings[0].Count {
		t.Errorf("after keeping the larger send: findings %d, stacks %+v", len(r.Findings), r.Goroutines)
	}
}

func TestConcreteFix(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "main.go")
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	c := New(Config{Source: &Source{Roots: []string{dir}}})
	// The dump names the file by the build machine's path.
	c.Add(&stack.Goroutine{State: "chan send", Count: 1,
		Stack:     []stack.Frame{{Func: "main.g.func1", File: "/build/src/main.go", Line: 26}},
		CreatedBy: stack.Frame{Func: "main.g", File: "/build/src/main.go", Line: 25}})
	f := c.Report().Findings[0]
	if f.BlockedAt.Source != "ch <- result{}" || f.CreatedAt.Source != "go func() {" {
		t.Errorf("source lines = %q, %q", f.BlockedAt.Source, f.CreatedAt.Source)
	}
	if !strings.Contains(f.Fix, "main.go:24 change make(chan result) to make(chan result, 1)") {
		t.Errorf("fix = %q", f.Fix)
	}
	if !strings.Contains(f.Explanation, "time.After") {
		t.Errorf("explanation does not name the timeout: %q", f.Explanation)
	}
}

func TestRules(t *testing.T) {
	for _, tc := range []struct {
		rule string
		g    stack.Goroutine
		want bool
	}{
		{"any:main.w", stack.Goroutine{State: "chan send", Stack: frames("main.x /x.go:1", "main.w /x.go:2")}, true},
		{"top:main.w", stack.Goroutine{State: "chan send", Stack: frames("main.x /x.go:1", "main.w /x.go:2")}, false},
		{"top:main.x", stack.Goroutine{State: "chan send", Stack: frames("sync.(*Mutex).Lock /m.go:1", "main.x /x.go:1")}, true},
		{"created:main.start*", stack.Goroutine{State: "chan send", Stack: frames("main.x /x.go:1"), CreatedBy: stack.Frame{Func: "main.startPool"}}, true},
		{"/^example\\.com/", stack.Goroutine{State: "chan send", Stack: frames("example.com/m.x /x.go:1")}, true},
		{"state:chan send", stack.Goroutine{State: "chan send", Stack: frames("main.x /x.go:1")}, true},
		{"main.y", stack.Goroutine{State: "chan send", Stack: frames("main.x /x.go:1")}, false},
	} {
		r, err := ParseRule(tc.rule)
		if err != nil {
			t.Fatal(err)
		}
		c := New(Config{Rules: []Rule{r}, NoDefaultRules: true})
		g := tc.g
		c.Add(&g)
		got := c.Report().Findings[0].Class == Idle
		if got != tc.want {
			t.Errorf("%s: idle = %v, want %v", tc.rule, got, tc.want)
		}
	}
	if _, err := ParseRule("/[/"); err == nil {
		t.Error("a bad regexp parsed")
	}
}

func TestClassTable(t *testing.T) {
	seen := map[Class]bool{}
	for _, c := range Classes {
		if seen[c.Class] || c.Title == "" || c.Cause == "" || (c.Leak && c.Fix == "") {
			t.Errorf("class %q: duplicate or undocumented", c.Class)
		}
		seen[c.Class] = true
	}
	if len(Classes) != 18 {
		t.Errorf("%d classes; adding one is fine, update docs/classes and this count", len(Classes))
	}
}

// TestMaxIDs: a cap on the ids a finding lists keeps the first ones read,
// counts the rest, and changes neither counts nor verdicts; KeepGoroutines
// keeps them all, since Report.Keep matches goroutines to findings by id.
func TestMaxIDs(t *testing.T) {
	add := func(c *Classifier) {
		for i := range 50 {
			c.Add(&stack.Goroutine{ID: int64(100 + i), State: "chan send", Count: 1, Minutes: i % 7,
				Stack:     []stack.Frame{{Func: "main.send", File: "/src/main.go", Line: 9}},
				CreatedBy: stack.Frame{Func: "main.start", File: "/src/main.go", Line: 4}, CreatorID: int64(1 + i%3)})
		}
		for i := range 3 {
			c.Add(&stack.Goroutine{ID: int64(10 + i), State: "chan receive", Count: 1,
				Stack: []stack.Frame{{Func: "main.recv", File: "/src/main.go", Line: 20}}})
		}
		// A profile stack: a count and no ids.
		c.Add(&stack.Goroutine{Count: 40, Stack: []stack.Frame{{Func: "runtime.gopark"}, {Func: "runtime.chansend1"},
			{Func: "main.send", File: "/src/main.go", Line: 9}}, Partial: false})
	}
	full := New(Config{})
	add(full)
	want := full.Report()
	cut := New(Config{MaxIDs: 5})
	add(cut)
	got := cut.Report()
	if len(got.Findings) != len(want.Findings) || got.Total != want.Total || got.Suspects != want.Suspects || got.Parked != want.Parked {
		t.Fatalf("cut report %+v, want the totals of %+v", got, want)
	}
	for i, f := range got.Findings {
		w := want.Findings[i]
		n := min(len(w.GoroutineIDs), 5)
		if f.Count != w.Count || f.Verdict != w.Verdict || f.Class != w.Class || len(f.Evidence) != len(w.Evidence) {
			t.Errorf("finding %d: %d %s %s %v, want %d %s %s %v", i, f.Count, f.Verdict, f.Class, f.Evidence, w.Count, w.Verdict, w.Class, w.Evidence)
		}
		if !slices.Equal(f.GoroutineIDs, w.GoroutineIDs[:n]) || f.IDsOmitted != len(w.GoroutineIDs)-n || w.IDsOmitted != 0 {
			t.Errorf("finding %d (%s): ids %v, %d omitted; want %v, %d omitted", i, f.BlockedAt.Func, f.GoroutineIDs, f.IDsOmitted, w.GoroutineIDs[:n], len(w.GoroutineIDs)-n)
		}
	}
	if f := find(got, "main.send"); f == nil || f.IDsOmitted != 45 || len(f.GoroutineIDs) != 5 || f.GoroutineIDs[0] != 100 {
		t.Errorf("the 50 senders: %+v, want ids 100-104 listed and 45 omitted", f)
	}
	keep := New(Config{MaxIDs: 5, KeepGoroutines: true})
	add(keep)
	if f := find(keep.Report(), "main.send"); f == nil || len(f.GoroutineIDs) != 50 || f.IDsOmitted != 0 {
		t.Errorf("with KeepGoroutines: %+v, want all 50 ids", f)
	}
}
