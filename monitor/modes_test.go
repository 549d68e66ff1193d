package monitor

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/leakhound/leakhound/classify"
	"github.com/leakhound/leakhound/stack"
)

// notifier's results channel is never made: a struct declared, not built.
type notifier struct{ results chan int }

// notify sends on the nil channel and blocks forever.
func (n *notifier) notify(v int) { n.results <- v }

// nilSenders are started once per process: nothing can ever release them.
const nilSenders = 3

var nilOnce sync.Once

func startNilSenders(t *testing.T) {
	nilOnce.Do(func() {
		n := &notifier{}
		for i := range nilSenders {
			go n.notify(i)
		}
	})
	waitFor(t, "the nil-channel senders to park", func() bool { return countState(t, "(*notifier).notify", "[chan send (nil chan)") == nilSenders })
}

// countState counts the goroutines parked in this package's fn whose
// header starts with state.
func countState(t *testing.T, fn, state string) int {
	t.Helper()
	buf := make([]byte, 8<<20)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	for _, block := range strings.Split(string(buf), "\n\n") {
		header, frames, _ := strings.Cut(block, "\n")
		if strings.Contains(header, state) && strings.Contains(frames, pkgPath+"."+fn+"(") {
			n++
		}
	}
	return n
}

// crowd parks n goroutines on a receive, and its release ends them.
func crowd(t *testing.T, n int) (release func()) {
	ch := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(n)
	for range n {
		go func() {
			defer wg.Done()
			<-ch
		}()
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			close(ch)
			wg.Wait()
			// Below FullBelow again, so that the next sample is a dump.
			waitFor(t, "the crowd to leave", func() bool { return runtime.NumGoroutine() < 1000 })
		})
	}
}

// TestModesKeepGroups runs a service with a nil-channel leak and a
// timeout leak (the result channel abandoned by a select on time.After)
// while the monitor moves between full dumps (below 1000 goroutines, or
// asked for) and goroutine profiles (2000 goroutines): each group keeps
// its class, its creation site, its fix and one history throughout, and
// so do the findings of each sample.
func TestModesKeepGroups(t *testing.T) {
	startNilSenders(t)
	waitFor(t, "fewer than 1000 goroutines, for a first sample by full dump", func() bool { return runtime.NumGoroutine() < 1000 })
	m := New(Config{ProofEvery: -1})
	s := newService(t, m)
	const timeouts = 5
	for range timeouts {
		if err := get(t.Context(), s.URL+"/leak"); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the timed-out fetches to park", func() bool { return countBlocked(t, "fetch") == timeouts })

	var release func()
	defer func() {
		if release != nil {
			release()
		}
	}()
	var fixes []string // the timeout group's fix in each sample
	for i, step := range []struct {
		crowd, force, full bool
	}{
		{full: true},
		{crowd: true},
		{crowd: true, force: true, full: true},
		{crowd: true},
		{full: true},
		{crowd: true},
	} {
		if step.crowd && release == nil {
			release = crowd(t, 2000)
		}
		if !step.crowd && release != nil {
			release()
			release = nil
		}
		sample, err := m.Sample(step.force)
		if err != nil {
			t.Fatal(err)
		}
		if sample.Full != step.full || (!step.full && sample.Goroutines < 2000) {
			t.Fatalf("sample %d: Full %v at %d goroutines, want %v", i+1, sample.Full, sample.Goroutines, step.full)
		}
		where := fmt.Sprintf("sample %d (full %v)", i+1, sample.Full)

		// The findings of the sample itself.
		for _, want := range []struct {
			fn, created string
			class       classify.Class
			count       int
		}{
			{pkgPath + ".fetch", pkgPath + ".(*service).leak", classify.SendNoReceiver, timeouts},
			{pkgPath + ".(*notifier).notify", pkgPath + ".startNilSenders.func1", classify.NilChannelSend, nilSenders},
		} {
			var fs []*classify.Finding
			for _, f := range sample.Report.Findings {
				if f.BlockedAt.Func == want.fn {
					fs = append(fs, f)
				}
			}
			if len(fs) != 1 || fs[0].Class != want.class || fs[0].Count != want.count || fs[0].CreatedAt.Func != want.created {
				t.Errorf("%s: findings in %s: %s", where, want.fn, describe(fs))
				continue
			}
			if fs[0].Fix == "" || fs[0].Verdict == classify.OK {
				t.Errorf("%s: %s: verdict %s, fix %q", where, want.fn, fs[0].Verdict, fs[0].Fix)
			}
		}

		// The tracker's groups.
		for _, want := range []struct {
			fn    string
			class classify.Class
			count int
		}{
			{pkgPath + ".fetch", classify.SendNoReceiver, timeouts},
			{pkgPath + ".(*notifier).notify", classify.NilChannelSend, nilSenders},
		} {
			var gs []Group
			for _, g := range m.Tracker().Groups() {
				if g.Key.Blocked.Func == want.fn {
					gs = append(gs, g)
				}
			}
			if len(gs) != 1 {
				t.Errorf("%s: %d groups in %s, want 1: %v", where, len(gs), want.fn, gs)
				continue
			}
			g := gs[0]
			if g.Key.Class != want.class || g.Finding.Class != want.class || g.Key.Created.Func == "" {
				t.Errorf("%s: group %s, finding class %s", where, g.Key, g.Finding.Class)
			}
			if len(g.History) != i+1 {
				t.Errorf("%s: %s has %d points of history, want %d", where, want.fn, len(g.History), i+1)
			}
			for _, p := range g.History {
				if p.Count != want.count {
					t.Errorf("%s: %s history %v, want %d each time", where, want.fn, g.History, want.count)
					break
				}
			}
			if want.class == classify.SendNoReceiver {
				fixes = append(fixes, g.Finding.Fix)
			}
		}
	}
	for i, fix := range fixes {
		if !strings.Contains(fix, "change make(chan string) to make(chan string, 1)") || fix != fixes[0] {
			t.Errorf("the timeout group's fix in sample %d: %q; in the first: %q", i+1, fix, fixes[0])
		}
	}
}

func describe(fs []*classify.Finding) string {
	if len(fs) == 0 {
		return "none"
	}
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "[%s %s x%d created at %q] ", f.Verdict, f.Class, f.Count, f.CreatedAt.Func)
	}
	return b.String()
}

// TestChanParkLines: the calibration learns the lines this runtime parks
// from on a made channel, which the timed-out fetches show in a profile,
// and the nil-channel senders park from another.
func TestChanParkLines(t *testing.T) {
	startNilSenders(t)
	m := New(Config{ProofEvery: -1})
	s := newService(t, m)
	if err := get(t.Context(), s.URL+"/leak"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the timed-out fetch to park", func() bool { return countBlocked(t, "fetch") == 1 })
	send, recv := chanParkLines()
	if send <= 0 || recv <= 0 {
		t.Fatalf("chanParkLines() = %d, %d", send, recv)
	}
	gs, err := readProfile("goroutine")
	if err != nil {
		t.Fatal(err)
	}
	var made, nilSend int
	for _, g := range gs {
		l := runtimeLine(g, "runtime.chansend")
		switch {
		case l == 0:
		case slicesHasFunc(g, pkgPath+".fetch"):
			made++
			if l != send {
				t.Errorf("fetch parks from runtime.chansend line %d, calibrated %d", l, send)
			}
		case slicesHasFunc(g, pkgPath+".(*notifier).notify"):
			nilSend += g.Count
			if l == send {
				t.Errorf("a nil-channel send parks from the calibrated line %d", l)
			}
			g.State = ""
			markNilChannel(g, send, recv)
			if g.State != "chan send (nil chan)" {
				t.Errorf("a nil-channel send marked %q", g.State)
			}
		}
	}
	if made == 0 || nilSend != nilSenders {
		t.Errorf("the profile shows %d fetch stacks and %d nil senders, want some and %d", made, nilSend, nilSenders)
	}
	if n := countBlocked(t, "calibrationSend") + countState(t, "calibrationRecv", "[chan receive"); n != 0 {
		t.Errorf("%d calibration goroutines left parked", n)
	}
}

func slicesHasFunc(g *stack.Goroutine, fn stack.Func) bool {
	for _, f := range g.Stack {
		if f.Func == fn {
			return true
		}
	}
	return false
}
