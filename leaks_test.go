package leakhound_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leakhound/leakhound"
	"github.com/leakhound/leakhound/classify"
)

// fakeT records what a check reports instead of failing the real test.
type fakeT struct {
	mu       sync.Mutex
	name     string
	errs     []string
	failed   bool
	cleanups []func()
}

func (f *fakeT) Error(args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errs = append(f.errs, fmt.Sprint(args...))
	f.failed = true
}
func (f *fakeT) Name() string      { return f.name }
func (f *fakeT) Cleanup(fn func()) { f.cleanups = append(f.cleanups, fn) }
func (f *fakeT) Failed() bool      { f.mu.Lock(); defer f.mu.Unlock(); return f.failed }
func (f *fakeT) Helper()           {}
func (f *fakeT) output() string    { return strings.Join(f.errs, "\n") }
func (f *fakeT) runCleanups() {
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
}

// blockOnSend starts a goroutine blocked sending on an unbuffered channel,
// waits until it is parked there, and returns the function that releases it.
func blockOnSend() (release func()) {
	before := parkedSenders()
	ch := make(chan int)
	go func() {
		ch <- 1
	}()
	for parkedSenders() == before {
		time.Sleep(time.Millisecond)
	}
	return func() { <-ch }
}

// parkedSenders counts the goroutines blockOnSend left parked.
func parkedSenders() int {
	buf := make([]byte, 1<<20)
	n := 0
	for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
		if strings.Contains(g, "[chan send") && strings.Contains(g, "blockOnSend.func1") {
			n++
		}
	}
	return n
}

func asLeak(t *testing.T, err error) *leakhound.LeakError {
	t.Helper()
	var le *leakhound.LeakError
	if !errors.As(err, &le) {
		t.Fatalf("want a *LeakError, got %T: %v", err, err)
	}
	return le
}

func TestFindClean(t *testing.T) {
	done := make(chan struct{})
	go func() { close(done) }()
	<-done
	if err := leakhound.Find(); err != nil {
		t.Fatal(err)
	}
}

func TestFindLeak(t *testing.T) {
	release := blockOnSend()
	defer release()
	err := leakhound.Find(leakhound.Settle(20 * time.Millisecond))
	le := asLeak(t, err)
	if len(le.Findings) != 1 {
		t.Fatalf("want 1 finding, got %d:\n%v", len(le.Findings), err)
	}
	f := le.Findings[0]
	if f.Class != classify.SendNoReceiver || f.Count != 1 || !strings.HasSuffix(f.BlockedAt.Func, "blockOnSend.func1") {
		t.Errorf("finding = %s x%d at %s, want send-no-receiver x1 in blockOnSend.func1", f.Class, f.Count, f.BlockedAt.Func)
	}
	if f.Test != "TestFindLeak" {
		t.Errorf("Test = %q, want TestFindLeak (found through the creator chain? the creator is alive)", f.Test)
	}
	for _, want := range []string{"send-no-receiver", "blockOnSend.func1", "leaks_test.go:", "fix:"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message lacks %q:\n%v", want, err)
		}
	}
}

func TestFindWaitsForSlowGoroutine(t *testing.T) {
	go func() {
		time.Sleep(50 * time.Millisecond)
	}()
	if err := leakhound.Find(); err != nil {
		t.Fatalf("a goroutine that exits after 50ms was reported:\n%v", err)
	}
}

func TestFindSeesGoroutinesWithNoUserFrame(t *testing.T) {
	go time.Sleep(200 * time.Millisecond)
	if leakhound.Find(leakhound.Settle(10*time.Millisecond)) == nil {
		t.Error("go time.Sleep(d) was taken for a runtime goroutine")
	}
	time.Sleep(200 * time.Millisecond)
}

func TestSettleBudgetIsSpent(t *testing.T) {
	go func() {
		time.Sleep(300 * time.Millisecond) // sleeping: never proven
	}()
	start := time.Now()
	err := leakhound.Find(leakhound.Settle(50 * time.Millisecond))
	took := time.Since(start)
	le := asLeak(t, err)
	if le.Findings[0].Class != classify.Sleeping || !le.Settled {
		t.Errorf("want a settled sleeping finding, got %s settled=%v", le.Findings[0].Class, le.Settled)
	}
	if took < 50*time.Millisecond {
		t.Errorf("gave up after %v, before the 50ms budget", took)
	}
	time.Sleep(300 * time.Millisecond)
}

func TestSettleFromEnvironment(t *testing.T) {
	t.Setenv(leakhound.SettleEnv, "10ms")
	release := blockOnSend()
	defer release()
	le := asLeak(t, leakhound.Find())
	if le.Settled && le.Took > 2*time.Second {
		t.Errorf("took %v with %s=10ms", le.Took, leakhound.SettleEnv)
	}
	t.Setenv(leakhound.SettleEnv, "soon")
	err := leakhound.Find()
	if err == nil || !strings.Contains(err.Error(), leakhound.SettleEnv) {
		t.Errorf("bad %s: err = %v", leakhound.SettleEnv, err)
	}
	if errors.As(err, new(*leakhound.LeakError)) {
		t.Errorf("a configuration error is not a leak: %v", err)
	}
}

func TestIgnoreOptions(t *testing.T) {
	release := blockOnSend()
	defer release()
	const top = "github.com/leakhound/leakhound_test.blockOnSend.func1"
	for _, opt := range []leakhound.Option{
		leakhound.IgnoreTopFunction(top),
		leakhound.IgnoreAnyFunction(top),
		leakhound.IgnoreCreatedBy("github.com/leakhound/leakhound_test.blockOnSend"),
		leakhound.Ignore("top:github.com/leakhound/leakhound_test.blockOn*"),
		leakhound.Ignore(`created:/leakhound_test\.block/`),
		leakhound.Ignore("state:chan send"),
	} {
		if err := leakhound.Find(opt, leakhound.Settle(0)); err != nil {
			t.Errorf("%#v did not ignore it:\n%v", opt, err)
		}
	}
	// Near misses ignore nothing.
	for _, opt := range []leakhound.Option{
		leakhound.IgnoreTopFunction("github.com/leakhound/leakhound_test.blockOnSend"),
		leakhound.IgnoreCreatedBy(top),
		leakhound.Ignore("top:example.com/*"),
	} {
		if err := leakhound.Find(opt, leakhound.Settle(0)); err == nil {
			t.Errorf("%#v ignored a goroutine it does not match", opt)
		}
	}
}

func TestIgnoreCurrent(t *testing.T) {
	release := blockOnSend()
	defer release()
	opt := leakhound.IgnoreCurrent()
	if err := leakhound.Find(opt, leakhound.Settle(0)); err != nil {
		t.Fatalf("a goroutine that existed before IgnoreCurrent was reported:\n%v", err)
	}
	release2 := blockOnSend()
	defer release2()
	le := asLeak(t, leakhound.Find(opt, leakhound.Settle(0)))
	if n, _ := le.Count(); n != 1 {
		t.Errorf("want only the new goroutine, got %d:\n%v", n, le)
	}
}

func TestWrongEntryPoint(t *testing.T) {
	cleanup := leakhound.Cleanup(func(int) {})
	for name, err := range map[string]error{
		"Find+Cleanup":      leakhound.Find(cleanup),
		"Find+RunOnFailure": leakhound.Find(leakhound.RunOnFailure()),
		"Find+nil":          leakhound.Find(nil),
		"bad regexp":        leakhound.Find(leakhound.Ignore("any:/(/")),
		"empty name":        leakhound.Find(leakhound.IgnoreBlockedIn("")),
		"negative settle":   leakhound.Find(leakhound.Settle(-time.Second)),
	} {
		if err == nil || errors.As(err, new(*leakhound.LeakError)) {
			t.Errorf("%s: want a configuration error, got %v", name, err)
		}
	}
	ft := &fakeT{name: "TestX"}
	leakhound.VerifyNone(ft, leakhound.RunOnFailure())
	if !strings.Contains(ft.output(), "RunOnFailure can only be passed to Track or VerifyTestMain, not VerifyNone") {
		t.Errorf("VerifyNone+RunOnFailure: %q", ft.output())
	}
}

func TestVerifyNoneCleanup(t *testing.T) {
	ft := &fakeT{name: "TestX"}
	code := -1
	leakhound.VerifyNone(ft, leakhound.Cleanup(func(c int) { code = c }))
	if code != 0 || ft.failed {
		t.Errorf("cleanup got %d, errors %q", code, ft.output())
	}
	release := blockOnSend()
	defer release()
	leakhound.VerifyNone(ft, leakhound.Settle(0))
	if !strings.Contains(ft.output(), "send-no-receiver") {
		t.Errorf("VerifyNone did not report the leak: %q", ft.output())
	}
}

// fakeM stands for testing.M: run is the test run.
type fakeM func() int

func (m fakeM) Run() int { return m() }

func TestVerifyTestMain(t *testing.T) {
	var release func()
	defer func() { release() }()
	for _, tc := range []struct {
		name      string
		run       func() int
		opts      []leakhound.Option
		want      int
		wantInErr string
	}{
		{"clean", func() int { release = func() {}; return 0 }, nil, 0, ""},
		{"leak", func() int { release = blockOnSend(); return 0 }, nil, 1, "send-no-receiver"},
		{"failed tests are not checked", func() int { release = blockOnSend(); return 1 }, nil, 1, ""},
		{"RunOnFailure", func() int { release = blockOnSend(); return 3 },
			[]leakhound.Option{leakhound.RunOnFailure()}, 3, "send-no-receiver"},
		{"bad option", func() int { t.Fatal("tests ran despite a bad option"); return 0 },
			[]leakhound.Option{leakhound.Ignore("any:/(/")}, 2, "missing closing )"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			release = func() {}
			var out strings.Builder
			code := -1
			restore := leakhound.SetTestMainOutput(&out, func(c int) { code = c })
			defer restore()
			leakhound.VerifyTestMain(fakeM(tc.run), append(tc.opts, leakhound.Settle(10*time.Millisecond))...)
			release()
			if code != tc.want {
				t.Errorf("exit code %d, want %d", code, tc.want)
			}
			if tc.wantInErr == "" && out.Len() > 0 || !strings.Contains(out.String(), tc.wantInErr) {
				t.Errorf("output %q, want %q", out.String(), tc.wantInErr)
			}
		})
	}
	t.Run("Cleanup replaces os.Exit", func(t *testing.T) {
		code := -1
		leakhound.VerifyTestMain(fakeM(func() int { return 0 }), leakhound.Cleanup(func(c int) { code = c }))
		if code != 0 {
			t.Errorf("cleanup got %d", code)
		}
	})
}

func TestTrackSeesOnlyItsOwnGoroutines(t *testing.T) {
	// Two "tests" run at once; only one leaks. Each Track must be called
	// on the goroutine that then starts the test's goroutines.
	leaky, clean := &fakeT{name: "TestLeaky"}, &fakeT{name: "TestClean"}
	var wg sync.WaitGroup
	releases := make(chan func(), 1)
	started := make(chan struct{})
	wg.Add(2)
	go func() {
		defer wg.Done()
		leakhound.Track(leaky, leakhound.Settle(20*time.Millisecond))
		releases <- blockOnSend()
		close(started)
		leaky.runCleanups()
	}()
	go func() {
		defer wg.Done()
		leakhound.Track(clean, leakhound.Settle(20*time.Millisecond))
		<-started // the other test's leak exists while this one checks
		done := make(chan struct{})
		go func() { close(done) }()
		<-done
		clean.runCleanups()
	}()
	wg.Wait()
	(<-releases)()
	if clean.failed {
		t.Errorf("the clean test was blamed:\n%s", clean.output())
	}
	out := leaky.output()
	for _, want := range []string{"send-no-receiver", "test:       TestLeaky", "blockOnSend.func1"} {
		if !strings.Contains(out, want) {
			t.Errorf("the leaky test's report lacks %q:\n%s", want, out)
		}
	}
}

func TestTrackFollowsGrandchildren(t *testing.T) {
	ft := &fakeT{name: "TestParent"}
	rel := make(chan func(), 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		leakhound.Track(ft, leakhound.Settle(20*time.Millisecond))
		inner := make(chan struct{})
		go func() { // child exits, grandchild stays
			rel <- blockOnSend()
			close(inner)
		}()
		<-inner
		ft.runCleanups()
	}()
	<-done
	(<-rel)()
	if !strings.Contains(ft.output(), "test:       TestParent") {
		t.Errorf("the grandchild was not blamed on its test:\n%s", ft.output())
	}
}

func TestTrackRestoresLabels(t *testing.T) {
	done := make(chan struct{})
	go pprof.Do(t.Context(), pprof.Labels("team", "storage"), func(ctx2 context.Context) {
		defer close(done)
		ft := &fakeT{name: "TestLabels"}
		leakhound.Track(ft)
		child := make(chan string)
		go func() {
			l, _ := leakhound.CurrentLabels()
			child <- l
		}()
		during := <-child
		ft.runCleanups()
		after, _ := leakhound.CurrentLabels()
		if !strings.Contains(during, "team=storage") || !strings.Contains(during, leakhound.LabelTest+"=TestLabels") {
			t.Errorf("child labels %q: want the user's and Track's", during)
		}
		if after != "team=storage" {
			t.Errorf("labels after cleanup %q, want team=storage", after)
		}
		if ft.failed {
			t.Error(ft.output())
		}
	})
	<-done
}

// A subtest's Track replaces its parent's labels while it runs and gives
// them back, Track's own included, at its cleanup.
func TestTrackNested(t *testing.T) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		parent := &fakeT{name: "TestParent"}
		leakhound.Track(parent)
		before, _ := leakhound.CurrentLabels()
		sub := &fakeT{name: "TestParent/sub"}
		leakhound.Track(sub)
		during, _ := leakhound.CurrentLabels()
		sub.runCleanups()
		after, _ := leakhound.CurrentLabels()
		parent.runCleanups()
		if !strings.HasSuffix(before, leakhound.LabelTest+"=TestParent") || !strings.Contains(during, leakhound.LabelTest+"=TestParent/sub") || after != before {
			t.Errorf("labels: before %q, during %q, after %q", before, during, after)
		}
		if parent.failed || sub.failed {
			t.Error(parent.output(), sub.output())
		}
	}()
	<-done
}

func TestTrackSkipsFailedTest(t *testing.T) {
	for _, runOnFailure := range []bool{false, true} {
		ft := &fakeT{name: "TestFailing"}
		var rel func()
		done := make(chan struct{})
		go func() {
			defer close(done)
			opts := []leakhound.Option{leakhound.Settle(0)}
			if runOnFailure {
				opts = append(opts, leakhound.RunOnFailure())
			}
			leakhound.Track(ft, opts...)
			rel = blockOnSend()
			ft.Error("the test's own failure")
			ft.runCleanups()
		}()
		<-done
		rel()
		if got := strings.Contains(ft.output(), "send-no-receiver"); got != runOnFailure {
			t.Errorf("RunOnFailure=%v: leak reported=%v:\n%s", runOnFailure, got, ft.output())
		}
	}
}

func TestLeakErrorGroups(t *testing.T) {
	var rels []func()
	for range 3 {
		rels = append(rels, blockOnSend())
	}
	defer func() {
		for _, r := range rels {
			r()
		}
	}()
	le := asLeak(t, leakhound.Find(leakhound.Settle(0)))
	if len(le.Findings) != 1 || le.Findings[0].Count != 3 || len(le.Findings[0].GoroutineIDs) != 3 {
		t.Fatalf("want one finding of 3 goroutines:\n%v", le)
	}
	if !strings.Contains(le.Error(), "found 3 leaked goroutines") || !strings.Contains(le.Error(), "3 goroutines in \"chan send\"") {
		t.Errorf("message:\n%v", le)
	}
}

func TestNumGoroutineUnchanged(t *testing.T) {
	// The checks start no goroutines of their own.
	before := runtime.NumGoroutine()
	_ = leakhound.Find(leakhound.Settle(0))
	if after := runtime.NumGoroutine(); after > before {
		t.Errorf("%d goroutines after Find, %d before", after, before)
	}
}

// waitOnCond starts a goroutine parked in sync.Cond.Wait, whose first frame
// as runtime.Stack prints it is sync.runtime_notifyListWait, and returns
// the function that releases it.
func waitOnCond(t *testing.T) (release func()) {
	t.Helper()
	var mu sync.Mutex
	c := sync.NewCond(&mu)
	done, exited := false, make(chan struct{})
	go func() {
		defer close(exited)
		mu.Lock()
		for !done {
			c.Wait()
		}
		mu.Unlock()
	}()
	for !hasGoroutine("[sync.Cond.Wait", "waitOnCond.func1") {
		time.Sleep(time.Millisecond)
	}
	return func() {
		mu.Lock()
		done = true
		c.Broadcast()
		mu.Unlock()
		<-exited
	}
}

func hasGoroutine(header, frame string) bool {
	buf := make([]byte, 1<<20)
	for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
		if strings.Contains(g, header) && strings.Contains(g, frame) {
			return true
		}
	}
	return false
}

// IgnoreTopFunction matches the first frame as goleak sees it, library
// frames included; IgnoreBlockedIn skips them.
func TestIgnoreTopFunctionAsGoleak(t *testing.T) {
	release := waitOnCond(t)
	defer release()
	const user = "github.com/leakhound/leakhound_test.waitOnCond.func1"
	for _, tc := range []struct {
		opt    leakhound.Option
		ignore bool
	}{
		{leakhound.IgnoreTopFunction("sync.runtime_notifyListWait"), true},
		{leakhound.IgnoreTopFunction(user), false},
		{leakhound.IgnoreTopFunction(""), false},
		{leakhound.IgnoreBlockedIn(user), true},
		{leakhound.IgnoreBlockedIn("sync.runtime_notifyListWait"), false},
		{leakhound.IgnoreAnyFunction(user), true},
		{leakhound.IgnoreAnyFunction("sync.(*Cond).Wait"), true},
	} {
		err := leakhound.Find(tc.opt, leakhound.Settle(0))
		if tc.ignore != (err == nil) {
			t.Errorf("%#v: ignored %v, want %v: %v", tc.opt, err == nil, tc.ignore, err)
		}
		if err != nil {
			msg := err.Error()
			if !strings.HasPrefix(msg, "found unexpected goroutines:\n[Goroutine ") ||
				!strings.Contains(msg, " in state sync.Cond.Wait, with sync.runtime_notifyListWait on top of the stack:\n") ||
				!strings.Contains(msg, "\ncreated by github.com/leakhound/leakhound_test.waitOnCond in goroutine ") ||
				!strings.Contains(msg, "] cond-never-signalled (") {
				t.Errorf("not goleak's listing then leakhound's findings:\n%s", msg)
			}
		}
	}
}

// A server never closed is reported, as goleak reports it, unless
// IgnoreIdle is given.
func TestIdleIsReportedUnlessIgnored(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- http.Serve(ln, nil) }()
	defer func() { ln.Close(); <-served }()
	for !hasGoroutine("[IO wait", "net/http.(*Server).Serve") {
		time.Sleep(time.Millisecond)
	}
	le := asLeak(t, leakhound.Find(leakhound.Settle(0)))
	if !strings.Contains(le.Error(), "net/http.(*Server).Serve") {
		t.Errorf("the server is not named:\n%v", le)
	}
	if err := leakhound.Find(leakhound.Settle(0), leakhound.IgnoreIdle()); err != nil {
		t.Errorf("IgnoreIdle: %v", err)
	}
}
