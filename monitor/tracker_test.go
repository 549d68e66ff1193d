package monitor

import (
	"bytes"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leakhound/leakhound/classify"
	"github.com/leakhound/leakhound/pprofstack"
	"github.com/leakhound/leakhound/stack"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC)

// at returns the time of sample i, 30 s apart.
func at(i int) time.Time { return t0.Add(time.Duration(i) * 30 * time.Second) }

// finding builds a finding as a classifier would report it.
func finding(class classify.Class, fn string, line, count int) *classify.Finding {
	return &classify.Finding{
		Verdict: classify.Suspect, Class: class, Count: count,
		BlockedAt: classify.Location{Func: fn, File: "/src/app/app.go", Line: line},
		CreatedAt: classify.Location{Func: "app.serve", File: "/src/app/app.go", Line: 7},
	}
}

func reportOf(fs ...*classify.Finding) *classify.Report {
	r := &classify.Report{Findings: fs}
	for _, f := range fs {
		r.Total += f.Count
	}
	return r
}

func group(t *testing.T, tr *Tracker, k Key) Group {
	t.Helper()
	for _, g := range tr.Groups() {
		if g.Key == k {
			return g
		}
	}
	t.Fatalf("no group %s among %v", k, tr.Groups())
	return Group{}
}

func TestTrackerGrowing(t *testing.T) {
	tr := NewTracker(TrackerConfig{})
	leak := func(n int) *classify.Finding { return finding(classify.SendNoReceiver, "app.lookup", 34, n) }
	k := KeyOf(leak(1))
	counts := []int{1, 2, 3, 4, 4, 3, 4}
	growing := []bool{false, false, false, true, false, false, false}
	grown := []bool{false, false, false, true, true, true, true}
	for i, n := range counts {
		tr.Observe(at(i), reportOf(leak(n), finding(classify.Idle, "net/http.(*conn).serve", 1, 2)))
		g := group(t, tr, k)
		if g.Growing != growing[i] || g.Grown != grown[i] || g.Leaking() != grown[i] {
			t.Errorf("sample %d (count %d): Growing %v Grown %v Leaking %v, want %v %v %[5]v", i, n, g.Growing, g.Grown, g.Leaking(), growing[i], grown[i])
		}
	}
	g := group(t, tr, k)
	if g.Growth != 3 || g.FirstCount != 1 || g.Count != 4 {
		t.Errorf("Growth %d FirstCount %d Count %d, want 3 1 4", g.Growth, g.FirstCount, g.Count)
	}
	if !g.GrewAt.Equal(at(3)) || !g.FirstSeen.Equal(at(0)) || !g.LastSeen.Equal(at(6)) {
		t.Errorf("GrewAt %v FirstSeen %v LastSeen %v", g.GrewAt, g.FirstSeen, g.LastSeen)
	}
	if len(g.History) != len(counts) {
		t.Fatalf("history has %d points, want %d", len(g.History), len(counts))
	}
	for i, p := range g.History {
		if p.Count != counts[i] || !p.Time.Equal(at(i)) {
			t.Errorf("history[%d] = %+v, want %d at %v", i, p, counts[i], at(i))
		}
	}
	if first := tr.Groups()[0]; first.Key != k {
		t.Errorf("the leak is not listed first: %s", first.Key)
	}
}

func TestTrackerNotGrowing(t *testing.T) {
	for name, tc := range map[string]struct {
		class  classify.Class
		counts []int
	}{
		"fluctuating":         {classify.ReceiveNoSender, []int{3, 4, 3, 4, 5, 4, 5, 6, 5, 3}},
		"flat":                {classify.SendNoReceiver, []int{2, 2, 2, 2, 2, 2}},
		"rising in its band":  {classify.ReceiveNoSender, []int{5, 1, 2, 3, 4, 5}},
		"one step at a time":  {classify.SendNoReceiver, []int{1, 2, 2, 3, 3, 4, 4}},
		"sleeping comes back": {classify.Sleeping, []int{1, 2, 3, 4, 5, 6}},
		"running":             {classify.Running, []int{1, 2, 3, 4, 5, 6}},
		"idle connections":    {classify.Idle, []int{1, 2, 3, 4, 5, 6}},
	} {
		t.Run(name, func(t *testing.T) {
			tr := NewTracker(TrackerConfig{})
			for i, n := range tc.counts {
				tr.Observe(at(i), reportOf(finding(tc.class, "app.work", 9, n)))
				for _, g := range tr.Groups() {
					if g.Growing || g.Leaking() {
						t.Fatalf("sample %d: %s is growing: %v", i, g.Key, g.History)
					}
				}
			}
		})
	}
}

// TestTrackerFallsBack: a group that grew and then fell back to where it
// started is no longer flagged.
func TestTrackerFallsBack(t *testing.T) {
	tr := NewTracker(TrackerConfig{})
	for i, n := range []int{2, 3, 4, 5, 4, 3} {
		tr.Observe(at(i), reportOf(finding(classify.ReceiveNoSender, "app.work", 9, n)))
	}
	if g := tr.Groups()[0]; g.Grown || g.Leaking() || g.GrewAt.IsZero() {
		t.Errorf("fell back to 3 after growing from 2 to 5: Grown %v, GrewAt %v", g.Grown, g.GrewAt)
	}
}

func TestTrackerRiseConfigurable(t *testing.T) {
	tr := NewTracker(TrackerConfig{Rise: 1})
	tr.Observe(at(0), reportOf(finding(classify.SendNoReceiver, "app.lookup", 34, 1)))
	tr.Observe(at(1), reportOf(finding(classify.SendNoReceiver, "app.lookup", 34, 2)))
	if g := tr.Groups()[0]; !g.Growing {
		t.Errorf("Rise 1: one rise does not make the group growing: %v", g.History)
	}
}

func TestTrackerHistoryBounded(t *testing.T) {
	tr := NewTracker(TrackerConfig{History: 5})
	gone := finding(classify.ReceiveNoSender, "app.gone", 3, 1)
	stay := finding(classify.SendNoReceiver, "app.stay", 4, 1)
	tr.Observe(at(0), reportOf(gone, stay))
	for i := 1; i < 20; i++ {
		tr.Observe(at(i), reportOf(stay))
		gs := tr.Groups()
		wantGroups := 2
		if i >= 5 {
			wantGroups = 1 // gone has held only zeros for History samples
		}
		if len(gs) != wantGroups {
			t.Fatalf("sample %d: %d groups, want %d", i, len(gs), wantGroups)
		}
	}
	g := group(t, tr, KeyOf(stay))
	if len(g.History) != 5 || !g.History[0].Time.Equal(at(15)) || !g.History[4].Time.Equal(at(19)) {
		t.Errorf("history %v, want the 5 samples from %v", g.History, at(15))
	}
	if tr.Samples() != 20 {
		t.Errorf("Samples() = %d, want 20", tr.Samples())
	}
}

func TestTrackerMaxGroups(t *testing.T) {
	tr := NewTracker(TrackerConfig{MaxGroups: 3})
	var fs []*classify.Finding
	for i := range 6 {
		fs = append(fs, finding(classify.ReceiveNoSender, "app.f", 10+i, i+1))
	}
	proven := finding(classify.SendNoReceiver, "app.proven", 99, 1)
	proven.Proven, proven.Verdict = 1, classify.Leak
	tr.Observe(at(0), reportOf(append(fs, proven)...))
	gs := tr.Groups()
	if len(gs) != 3 {
		t.Fatalf("%d groups, want 3", len(gs))
	}
	if gs[0].Key != KeyOf(proven) || gs[1].Count != 6 || gs[2].Count != 5 {
		t.Errorf("kept %s, %s, %s; want the proven group and the two largest", gs[0].Key, gs[1].Key, gs[2].Key)
	}
}

func TestTrackerOldAndProven(t *testing.T) {
	tr := NewTracker(TrackerConfig{Minutes: 5})
	old := finding(classify.ReceiveNoSender, "app.wait", 5, 2)
	old.MaxMinutes = 7
	young := finding(classify.ReceiveNoSender, "app.young", 6, 2)
	young.MaxMinutes = 4
	sleepy := finding(classify.Sleeping, "app.nap", 8, 1)
	sleepy.MaxMinutes = 60
	proven := finding(classify.MutexDeadlock, "app.lock", 7, 3)
	proven.Proven, proven.Verdict = 2, classify.Leak
	tr.Observe(at(0), reportOf(old, young, sleepy, proven))
	for _, tc := range []struct {
		f           *classify.Finding
		old, proven bool
	}{{old, true, false}, {young, false, false}, {sleepy, false, false}, {proven, false, true}} {
		g := group(t, tr, KeyOf(tc.f))
		if g.Old != tc.old || g.Proven != tc.proven || g.Leaking() != (tc.old || tc.proven) {
			t.Errorf("%s: Old %v Proven %v Leaking %v, want %v %v", g.Key, g.Old, g.Proven, g.Leaking(), tc.old, tc.proven)
		}
	}
	if gs := tr.Groups(); gs[0].Key != KeyOf(proven) || gs[1].Key != KeyOf(old) {
		t.Errorf("order %s, %s: want proven, then old", gs[0].Key, gs[1].Key)
	}
}

func TestTrackerRestart(t *testing.T) {
	proven := func(n int) *classify.Finding {
		f := finding(classify.SendNoReceiver, "app.lookup", 34, n)
		f.Proven, f.Verdict = n, classify.Leak
		return f
	}
	withIDs := func(f *classify.Finding, minutes int, ids ...int64) *classify.Finding {
		f.GoroutineIDs, f.MaxMinutes, f.Count = ids, minutes, len(ids)
		return f
	}
	serve := func(ids ...int64) *classify.Finding {
		return withIDs(finding(classify.Idle, "net/http.(*conn).serve", 1, 0), 0, ids...)
	}
	for name, tc := range map[string]struct {
		before, after *classify.Report
		restart       bool
	}{
		"proven leaks gone": {
			reportOf(proven(5)), reportOf(finding(classify.Idle, "net/http.(*conn).serve", 1, 2)), true},
		"proven leaks stay": {
			reportOf(proven(5)), reportOf(proven(6)), false},
		"proven leaks stay, read from a profile": {
			reportOf(proven(5)), reportOf(func() *classify.Finding {
				f := proven(5)
				f.CreatedAt = classify.Location{}
				return f
			}()), false},
		"ids reset": {
			reportOf(withIDs(finding(classify.ReceiveNoSender, "app.wait", 5, 0), 3, 400, 512), serve(1, 7, 9, 30)),
			reportOf(withIDs(finding(classify.ReceiveNoSender, "app.wait", 5, 0), 0, 40), serve(1, 7)), true},
		"old goroutines stay": {
			reportOf(withIDs(finding(classify.ReceiveNoSender, "app.wait", 5, 0), 3, 400, 512), serve(1, 7, 9, 30)),
			reportOf(withIDs(finding(classify.ReceiveNoSender, "app.wait", 5, 0), 3, 512), serve(1)), false},
		"new ids at a new creation site": {
			reportOf(withIDs(finding(classify.ReceiveNoSender, "app.wait", 5, 0), 0, 40, 41), serve(1, 7)),
			reportOf(withIDs(finding(classify.ReceiveNoSender, "app.wait", 5, 0), 0, 40, 41), serve(1, 7), func() *classify.Finding {
				f := withIDs(finding(classify.SendNoReceiver, "app.fetch", 9, 0), 0, 42, 43)
				f.CreatedAt = classify.Location{Func: "app.poll", File: "/src/app/poll.go", Line: 12}
				return f
			}()), false},
		"an id now created elsewhere": {
			reportOf(withIDs(finding(classify.ReceiveNoSender, "app.wait", 5, 0), 0, 40, 41), serve(1, 7)),
			reportOf(withIDs(finding(classify.ReceiveNoSender, "app.wait", 5, 0), 0, 40), serve(1, 7), func() *classify.Finding {
				f := withIDs(finding(classify.SendNoReceiver, "app.fetch", 9, 0), 0, 41)
				f.CreatedAt = classify.Location{Func: "app.poll", File: "/src/app/poll.go", Line: 12}
				return f
			}()), true},
		"old goroutines all released, process busier": {
			reportOf(withIDs(finding(classify.ReceiveNoSender, "app.wait", 5, 0), 3, 400, 512), serve(1)),
			reportOf(serve(1, 600, 601, 602, 603)), false},
	} {
		t.Run(name, func(t *testing.T) {
			tr := NewTracker(TrackerConfig{})
			tr.Observe(at(0), tc.before)
			tr.Observe(at(1), tc.before)
			tr.Observe(at(2), tc.after)
			restarts := tr.Restarts()
			if (len(restarts) == 1) != tc.restart {
				t.Fatalf("restarts %v, want a restart: %v", restarts, tc.restart)
			}
			if !tc.restart {
				return
			}
			if !restarts[0].Equal(at(2)) {
				t.Errorf("restart at %v, want %v", restarts[0], at(2))
			}
			for _, g := range tr.Groups() {
				if len(g.History) != 1 || !g.FirstSeen.Equal(at(2)) || g.Growth != 0 {
					t.Errorf("after the restart %s kept history %v (first seen %v)", g.Key, g.History, g.FirstSeen)
				}
			}
		})
	}
}

// TestTrackerProcess: a new process is a restart even when its report
// looks like the last one's, as when a service restarts between two
// samples and rebuilds the same goroutines; an unknown process is not.
func TestTrackerProcess(t *testing.T) {
	same := reportOf(finding(classify.SendNoReceiver, "app.lookup", 34, 3))
	tr := NewTracker(TrackerConfig{})
	for i, p := range []string{"A", "A", "", "A", "B", "B", ""} {
		tr.ObserveProcess(at(i), p, same)
	}
	if r := tr.Restarts(); len(r) != 1 || !r[0].Equal(at(4)) {
		t.Errorf("Restarts() = %v, want one at %v", r, at(4))
	}
	if g := tr.Groups()[0]; len(g.History) != 3 || !g.FirstSeen.Equal(at(4)) {
		t.Errorf("after the restart: history %v, first seen %v", g.History, g.FirstSeen)
	}
	// Reset forgets the process too: the one seen next is not compared
	// with the one before the outage, or one restart would count twice.
	tr.Reset(at(7))
	tr.ObserveProcess(at(8), "C", same)
	if r := tr.Restarts(); len(r) != 2 {
		t.Errorf("Restarts() = %v after Reset and a new process, want two", r)
	}
}

func TestTrackerReset(t *testing.T) {
	tr := NewTracker(TrackerConfig{})
	for i := range 4 {
		tr.Observe(at(i), reportOf(finding(classify.SendNoReceiver, "app.lookup", 34, i+1)))
	}
	tr.Reset(at(4))
	if gs := tr.Groups(); len(gs) != 0 {
		t.Errorf("groups after Reset: %v", gs)
	}
	tr.Observe(at(5), reportOf(finding(classify.SendNoReceiver, "app.lookup", 34, 1)))
	if g := tr.Groups()[0]; g.Growing || g.Growth != 0 || len(g.History) != 1 {
		t.Errorf("after Reset: %+v", g)
	}
	if r := tr.Restarts(); len(r) != 1 || !r[0].Equal(at(4)) {
		t.Errorf("Restarts() = %v", r)
	}
	tr.Observe(at(6), nil)
	if tr.Samples() != 5 {
		t.Errorf("Samples() = %d after a nil report, want 5", tr.Samples())
	}
}

// blockForever parks in a send nobody receives; release lets it go.
func blockForever(ch chan int) { ch <- 1 }

// TestTrackerProfileJoinsDump feeds a full dump and then a profile of the
// same real goroutines: the profile cannot name the creation site, and must
// still count towards the group the dump named.
func TestTrackerProfileJoinsDump(t *testing.T) {
	ch := make(chan int)
	defer func() {
		for range 6 {
			<-ch
		}
	}()
	for range 3 {
		go blockForever(ch)
	}
	waitFor(t, "3 goroutines in blockForever", func() bool { return countBlocked(t, "blockForever") == 3 })

	tr := NewTracker(TrackerConfig{})
	tr.Observe(at(0), classifyDump(t))
	for range 3 {
		go blockForever(ch)
	}
	waitFor(t, "6 goroutines in blockForever", func() bool { return countBlocked(t, "blockForever") == 6 })
	tr.Observe(at(1), classifyProfile(t))

	var found []Group
	for _, g := range tr.Groups() {
		if g.Key.Blocked.Func == pkgPath+".blockForever" {
			found = append(found, g)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d groups for blockForever, want 1: %v", len(found), found)
	}
	g := found[0]
	if g.Key.Class != classify.SendNoReceiver || g.Key.Created.Func != pkgPath+".TestTrackerProfileJoinsDump" {
		t.Errorf("key %s: want send-no-receiver created by the test", g.Key)
	}
	if len(g.History) != 2 || g.History[0].Count != 3 || g.History[1].Count != 6 || g.Growth != 3 {
		t.Errorf("history %v growth %d, want 3 then 6", g.History, g.Growth)
	}
}

func classifyDump(t *testing.T) *classify.Report {
	t.Helper()
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	gs, err := stack.Parse(bytes.NewReader(buf), stack.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := classify.New(classify.Config{})
	for _, g := range gs {
		c.Add(g)
	}
	return c.Report()
}

func classifyProfile(t *testing.T) *classify.Report {
	t.Helper()
	var buf bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&buf, 0); err != nil {
		t.Fatal(err)
	}
	gs, err := pprofstack.Parse(&buf)
	if err != nil {
		t.Fatal(err)
	}
	c := classify.New(classify.Config{})
	for _, g := range gs {
		c.Add(g)
	}
	return c.Report()
}

func TestTrackerConcurrent(t *testing.T) {
	tr := NewTracker(TrackerConfig{History: 8})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range 200 {
			tr.Observe(at(i), reportOf(finding(classify.SendNoReceiver, "app.lookup", 34, i+1)))
		}
	})
	wg.Go(func() {
		for range 200 {
			for _, g := range tr.Groups() {
				if len(g.History) > 8 {
					t.Errorf("history of %d points", len(g.History))
				}
			}
			tr.Latest()
		}
	})
	wg.Wait()
	if g := tr.Groups()[0]; !g.Growing || g.Count != 200 {
		t.Errorf("after 200 rising samples: Growing %v Count %d", g.Growing, g.Count)
	}
}

func TestSummaryHasNoHistory(t *testing.T) {
	tr := NewTracker(TrackerConfig{})
	for i := 1; i <= 3; i++ {
		tr.Observe(time.Now(), &classify.Report{Findings: []*classify.Finding{{Class: classify.SendNoReceiver, Count: i,
			BlockedAt: classify.Location{Func: "main.w", File: "/x.go", Line: 3}}}})
	}
	g, s := tr.Groups(), tr.Summary()
	if len(g) != 1 || len(s) != 1 || len(g[0].History) != 3 || s[0].History != nil || s[0].Count != 3 || s[0].Key != g[0].Key {
		t.Errorf("Groups %+v, Summary %+v", g, s)
	}
}

// TestTrackerKeepsLearned: a profile's finding (no creation site, a
// vaguer class) joins the group a dump named at its line and keeps the
// dump's class, creation site and fix, with the profile's count.
func TestTrackerKeepsLearned(t *testing.T) {
	tr := NewTracker(TrackerConfig{})
	dump := finding(classify.ReceiveNoSender, "app.consume", 12, 4)
	dump.Fix = "At app.go:5 close the channel."
	dump.Evidence = []classify.Evidence{{Kind: classify.SourceTrap, Detail: "No close( appears near the go statement."}}
	tr.Observe(at(0), reportOf(dump))
	profile := finding(classify.Waiting, "app.consume", 12, 6)
	profile.CreatedAt = classify.Location{}
	profile.Verdict, profile.Fix, profile.Explanation = classify.OK, "", "6 goroutines wait."
	tr.Observe(at(1), reportOf(profile))
	gs := tr.Groups()
	if len(gs) != 1 {
		t.Fatalf("%d groups, want 1: %v", len(gs), gs)
	}
	g := gs[0]
	if g.Key.Class != classify.ReceiveNoSender || g.Key.Created.Func != "app.serve" || g.Count != 6 || len(g.History) != 2 {
		t.Errorf("group %s, count %d, history %v", g.Key, g.Count, g.History)
	}
	f := g.Finding
	if f.Class != classify.ReceiveNoSender || f.Fix != dump.Fix || f.Count != 6 || f.Verdict != classify.Suspect ||
		len(f.Evidence) != 1 || f.Evidence[0].Kind != classify.SourceTrap ||
		f.CreatedAt.Func != "app.serve" || !strings.Contains(f.Explanation, "from the full dump of") || !g.Learned.Equal(at(0)) {
		t.Errorf("finding %+v, learned %v", f, g.Learned)
	}
	// A running goroutine at the same line is another group.
	running := finding(classify.Running, "app.consume", 12, 1)
	running.CreatedAt = classify.Location{}
	tr.Observe(at(2), reportOf(profile, running))
	if n := len(tr.Groups()); n != 2 {
		t.Errorf("%d groups with a running goroutine at the line, want 2", n)
	}
}

// TestTrackerNotesGrowth: a parked group that grows gets growth as its
// evidence and becomes suspect, in the group and in the report, whose
// counts follow; one that stops growing and falls back keeps none anew.
func TestTrackerNotesGrowth(t *testing.T) {
	tr := NewTracker(TrackerConfig{})
	var last *classify.Report
	for i, n := range []int{2, 4, 6, 8} {
		f := finding(classify.ReceiveNoSender, "app.consume", 12, n)
		f.Verdict = classify.Parked
		last = reportOf(f)
		last.Parked = n
		tr.Observe(at(i), last)
		if i < 3 && f.Verdict != classify.Parked {
			t.Fatalf("sample %d: verdict %s before the group grew", i, f.Verdict)
		}
	}
	f := last.Findings[0]
	if f.Verdict != classify.Suspect || len(f.Evidence) != 1 || f.Evidence[0].Kind != classify.Growth ||
		!strings.Contains(f.Evidence[0].Detail, "from 2 to 8") {
		t.Errorf("growing finding: %s %+v", f.Verdict, f.Evidence)
	}
	if last.Suspects != 8 || last.Parked != 0 {
		t.Errorf("report counts: %d suspects, %d parked; want 8 and 0", last.Suspects, last.Parked)
	}
	if g := tr.Groups()[0]; g.Finding.Verdict != classify.Suspect || !g.Growing {
		t.Errorf("group: %s, growing %v", g.Finding.Verdict, g.Growing)
	}
	// Steady goroutines of a class that cannot grow get no evidence.
	for i := range 5 {
		s := finding(classify.Sleeping, "app.nap", 3, 1+i)
		s.Verdict = classify.OK
		r := reportOf(s)
		tr.Observe(at(10+i), r)
		if len(s.Evidence) != 0 {
			t.Fatalf("a sleeping group got evidence: %+v", s.Evidence)
		}
	}
}

// TestTrackerPartlyProven: proven and unproven goroutines at one place are
// two findings; the group holds both, counts each verdict, and is proven
// whichever part is larger.
func TestTrackerPartlyProven(t *testing.T) {
	tr := NewTracker(TrackerConfig{})
	unproven := finding(classify.SendNoReceiver, "app.lookup", 34, 55)
	proven := finding(classify.SendNoReceiver, "app.lookup", 34, 45)
	proven.Verdict, proven.Proven = classify.Leak, 45
	tr.Observe(at(0), reportOf(unproven, proven))
	gs := tr.Groups()
	if len(gs) != 1 {
		t.Fatalf("%d groups, want 1", len(gs))
	}
	g := gs[0]
	if g.Count != 100 || !g.Proven || g.ProvenCount != 45 || g.Verdicts[classify.Leak] != 45 || g.Verdicts[classify.Suspect] != 55 || len(g.Verdicts) != 2 {
		t.Errorf("group: count %d, proven %v (%d), verdicts %v", g.Count, g.Proven, g.ProvenCount, g.Verdicts)
	}
	c := newCard(g)
	if c.Verdict != "leak" || c.Split != "45 leak, 55 suspect" || !slices.Contains(c.Tags, "45 proven") {
		t.Errorf("card: verdict %s, split %q, tags %v", c.Verdict, c.Split, c.Tags)
	}
	d := groupDoc(g)
	if d.ProvenCount != 45 || d.Verdicts[classify.Suspect] != 55 {
		t.Errorf("JSON group: %+v", d)
	}
	// A sample without the proof (a remote profile taken between proofs)
	// still has as many goroutines at the place: not a restart, and
	// nothing is called proven that this sample did not prove.
	tr.Observe(at(1), reportOf(finding(classify.SendNoReceiver, "app.lookup", 34, 100)))
	g = tr.Groups()[0]
	if len(tr.Restarts()) != 0 || g.Proven || g.ProvenCount != 0 || g.Verdicts[classify.Suspect] != 100 || len(g.History) != 2 {
		t.Errorf("without the proof: restarts %v, proven %v (%d), verdicts %v", tr.Restarts(), g.Proven, g.ProvenCount, g.Verdicts)
	}
}
