package leakhound_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/leakhound/leakhound"
	"github.com/leakhound/leakhound/classify"
)

// testEvent is a line of go test -json.
type testEvent struct {
	Action  string
	Test    string
	Output  string
	Elapsed float64
}

// testRun is what one go test -json run said about each test.
type testRun struct {
	result  map[string]string // test -> pass, fail, skip
	elapsed map[string]time.Duration
	output  map[string]string // test -> its output lines
	all     string            // all output, the tests' and the binary's
	code    int
}

// goTest runs the go command that built this test on a package under
// testdata, in this module.
func goTest(t *testing.T, env []string, args ...string) *testRun {
	t.Helper()
	if testing.Short() {
		t.Skip("runs go test in a subprocess")
	}
	goCmd := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goCmd); err != nil {
		t.Skipf("no go command at %s", goCmd)
	}
	cmd := exec.Command(goCmd, append([]string{"test", "-json", "-count=1"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	r := &testRun{result: map[string]string{}, output: map[string]string{}, elapsed: map[string]time.Duration{}}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		t.Fatalf("go test: %v\n%s", err, stderr.String())
	}
	for _, line := range bytes.Split(out, []byte("\n")) {
		var e testEvent
		if len(line) == 0 || json.Unmarshal(line, &e) != nil {
			continue
		}
		r.all += e.Output
		if e.Test == "" {
			continue
		}
		switch e.Action {
		case "pass", "fail", "skip":
			r.result[e.Test] = e.Action
			r.elapsed[e.Test] = time.Duration(e.Elapsed * float64(time.Second))
		case "output":
			r.output[e.Test] += e.Output
		}
	}
	if len(r.result) == 0 && !strings.Contains(strings.Join(args, " "), "-bench") {
		t.Fatalf("go test %s ran no test (exit %d):\n%s\n%s", args, r.code, out, stderr.String())
	}
	return r
}

// leaks lists the tests of testdata/leaky that leak, with the class each
// must be reported with. Every other test there must pass.
var leaks = map[string]classify.Class{
	"TestLeakSendNoReceiver":                                  classify.SendNoReceiver,
	"TestLeakReceiveNoSender":                                 classify.ReceiveNoSender,
	"TestLeakNilChannelSend":                                  classify.NilChannelSend,
	"TestLeakNilChannelReceive":                               classify.NilChannelReceive,
	"TestLeakSelectForever":                                   classify.SelectForever,
	"TestLeakRangeNeverClosed":                                classify.RangeNeverClosed,
	"TestLeakContextNeverDone":                                classify.ContextNeverDone,
	"TestLeakMutexDeadlock":                                   classify.MutexDeadlock,
	"TestLeakWaitGroupNeverDone":                              classify.WaitGroupNeverDone,
	"TestLeakCondNeverSignalled":                              classify.CondNeverSignalled,
	"TestLeakGrandchildSendNoReceiver":                        classify.SendNoReceiver,
	"TestLeakPprofDoSendNoReceiver":                           classify.SendNoReceiver,
	"TestLeakServerNeverClosed":                               classify.IOWithoutDeadline,
	"TestParentOfLeakySubtest/TestLeakSubtestReceiveNoSender": classify.ReceiveNoSender,
	"FuzzLeakSendNoReceiver/seed#0":                           classify.SendNoReceiver,
	"FuzzLeakWholeTargetReceiveNoSender":                      classify.ReceiveNoSender,
}

// checkLeaky checks that exactly the leaking tests failed, each named in
// its own report with its class; parents of leaking subtests fail without
// a report of their own.
func checkLeaky(t *testing.T, r *testRun, want map[string]classify.Class) {
	t.Helper()
	for test, class := range want {
		out := r.output[test]
		if r.result[test] != "fail" {
			t.Errorf("%s: %q, want fail", test, r.result[test])
		}
		for _, s := range []string{"leakhound: found 1 leaked goroutine", "] " + string(class) + " (", "test:       " + test + "\n", "fix:"} {
			if !strings.Contains(out, s) {
				t.Errorf("%s: report lacks %q:\n%s", test, s, out)
			}
		}
	}
	for test, res := range r.result {
		if _, ok := want[test]; ok {
			continue
		}
		parent := false
		for leaky := range want {
			parent = parent || strings.HasPrefix(leaky, test+"/")
		}
		if strings.Contains(r.output[test], "leakhound:") {
			t.Errorf("%s was reported:\n%s", test, r.output[test])
		}
		if !parent && res != "pass" {
			t.Errorf("%s: %q, want pass:\n%s", test, res, r.output[test])
		}
	}
}

func TestLeakyPackage(t *testing.T) {
	r := goTest(t, nil, "./testdata/leaky")
	if r.code != 1 {
		t.Errorf("exit code %d, want 1", r.code)
	}
	checkLeaky(t, r, leaks)
	// The failure is reported at the test's call of Track.
	src, err := os.ReadFile("testdata/leaky/leaky_test.go")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(src), "\n")
	i := slices.Index(lines, "func TestLeakSendNoReceiver(t *testing.T) {")
	if i < 0 || strings.TrimSpace(lines[i+1]) != "leakhound.Track(t)" {
		t.Fatal("testdata/leaky: TestLeakSendNoReceiver does not start with Track")
	}
	if at := fmt.Sprintf("    leaky_test.go:%d: found unexpected goroutines:\n", i+2); !strings.Contains(r.output["TestLeakSendNoReceiver"], at) {
		t.Errorf("the failure is not reported at the call of Track (want %q):\n%s", at, r.output["TestLeakSendNoReceiver"])
	}
	for _, clean := range []string{"TestCleanWorkers", "TestCleanSlowExit", "TestCleanSubtests/b", "FuzzCleanTracked/seed#1", "TestCleanServerIgnoreIdle"} {
		if r.result[clean] != "pass" {
			t.Errorf("%s did not pass", clean)
		}
	}
	// Under GOEXPERIMENT=goroutineleakprofile (inherited by the
	// subprocess) a send on a channel nothing else holds is proven.
	if pprof.Lookup("goroutineleak") != nil {
		if out := r.output["TestLeakSendNoReceiver"]; !strings.Contains(out, "send-no-receiver (proven)") {
			t.Errorf("not proven:\n%s", out)
		}
	}
}

// Runs repeated and shuffled: a leak of one run is not blamed on the next.
func TestLeakyPackageCountShuffle(t *testing.T) {
	r := goTest(t, nil, "-count=3", "-shuffle=on", "-run", "^(TestCleanWorkers|TestLeakSendNoReceiver|TestCleanSubtests)$", "./testdata/leaky")
	checkLeaky(t, r, map[string]classify.Class{"TestLeakSendNoReceiver": classify.SendNoReceiver})
	if n := strings.Count(r.output["TestLeakSendNoReceiver"], "leakhound: found 1 leaked goroutine"); n != 3 {
		t.Errorf("want 3 reports of 1 goroutine each, got %d:\n%s", n, r.output["TestLeakSendNoReceiver"])
	}
}

func TestLeakyBenchmarks(t *testing.T) {
	r := goTest(t, nil, "-run=^$", "-bench=.", "-benchtime=2x", "./testdata/leaky")
	checkLeaky(t, r, map[string]classify.Class{"BenchmarkLeakReceiveNoSender": classify.ReceiveNoSender})
	if strings.Contains(r.output["BenchmarkCleanTracked"], "FAIL") {
		t.Errorf("BenchmarkCleanTracked failed:\n%s", r.output["BenchmarkCleanTracked"])
	}
}

// TestVerifyTestMainNamesTest runs a package whose only leak comes from a
// helper whose goroutines outlive the test that called it: the report
// names that test and no other, with goleak's first line and exit code, and
// the tests and their child processes see the GODEBUG they were given.
func TestVerifyTestMainNamesTest(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go test in a subprocess")
	}
	for _, godebug := range []string{"unset", "=", "=panicnil=0"} {
		t.Run(godebug, func(t *testing.T) {
			cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "test", "-count=1", "./testdata/testmain")
			for _, kv := range os.Environ() {
				if !strings.HasPrefix(kv, "GODEBUG=") {
					cmd.Env = append(cmd.Env, kv)
				}
			}
			if v, ok := strings.CutPrefix(godebug, "="); ok {
				cmd.Env = append(cmd.Env, "GODEBUG="+v)
			}
			cmd.Env = append(cmd.Env, "TESTMAIN_GODEBUG="+godebug)
			out, err := cmd.CombinedOutput()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 1 {
				t.Fatalf("want exit code 1, got %v:\n%s", err, out)
			}
			s := string(out)
			for _, want := range []string{
				"goleak: Errors on successful test run: found unexpected goroutines:\n",
				"created by github.com/leakhound/leakhound/testdata/testmain.startPipeline.func1 in goroutine ",
				"    test:       TestLeaksThroughHelper\n",
			} {
				if !strings.Contains(s, want) {
					t.Errorf("output lacks %q:\n%s", want, s)
				}
			}
			for _, other := range []string{"TestPasses", "TestSeesItsOwnEnvironment", "unknown"} {
				if strings.Contains(s, other) {
					t.Errorf("output names %s:\n%s", other, s)
				}
			}
			if n := strings.Count(s, "    test:  "); n != 1 {
				t.Errorf("%d findings, want 1:\n%s", n, s)
			}
		})
	}
}

// TestVerifyTestMainDirect: goroutines a test function starts itself are
// named from their "created by" line without a re-run; so is the helper's
// under a GODEBUG=tracebackancestors the user set.
func TestVerifyTestMainDirect(t *testing.T) {
	r := goTest(t, nil, "./testdata/testmain/direct")
	if r.code != 1 {
		t.Errorf("exit code %d, want 1", r.code)
	}
	// On a loaded machine a goroutine may still be runnable when the
	// budget ends: the class may vary, the test it is blamed on may not.
	for _, want := range []string{"test:       TestLeaksWithoutTrack\n", "test:       TestLeaksThroughHelper\n", "direct_test.go:"} {
		if !strings.Contains(r.all, want) {
			t.Errorf("output lacks %q:\n%s", want, r.all)
		}
	}
	for _, test := range []string{"TestPasses", "TestAlsoPasses", "TestLeaksWithoutTrack", "TestLeaksThroughHelper"} {
		if r.result[test] != "pass" {
			t.Errorf("%s: %q; the tests themselves pass, the binary fails", test, r.result[test])
		}
	}
	r = goTest(t, []string{"GODEBUG=" + os.Getenv("GODEBUG") + ",tracebackancestors=5"}, "./testdata/testmain/direct")
	for _, want := range []string{"test:       TestLeaksThroughHelper\n", "created at: github.com/leakhound/leakhound/testdata/testmain/direct.startWorker\n"} {
		if !strings.Contains(r.all, want) {
			t.Errorf("with tracebackancestors, output lacks %q:\n%s", want, r.all)
		}
	}
	r = goTest(t, nil, "-run=^TestPasses$", "./testdata/testmain/direct")
	if r.code != 0 || strings.Contains(r.all, "leakhound:") {
		t.Errorf("-run of a clean test: exit %d:\n%s", r.code, r.all)
	}
}

// TestProofIsImmediate needs the goroutineleak profile: Go 1.26 built with
// GOEXPERIMENT=goroutineleakprofile (.ci/run does), Go 1.27 and later. It
// runs in a subprocess because a proven leak can never be released and
// would stay in this test binary for good.
func TestProofIsImmediate(t *testing.T) {
	if pprof.Lookup("goroutineleak") == nil {
		t.Skip("no goroutineleak profile: build with GOEXPERIMENT=goroutineleakprofile")
	}
	r := goTest(t, []string{leakhound.SettleEnv + "=10m"}, "-run=^TestLeakSendNoReceiver$", "./testdata/leaky")
	const test = "TestLeakSendNoReceiver"
	checkLeaky(t, r, map[string]classify.Class{test: classify.SendNoReceiver})
	if out := r.output[test]; !strings.Contains(out, "send-no-receiver (proven)") || !strings.Contains(out, "proven by the runtime") {
		t.Errorf("want a proven send-no-receiver:\n%s", out)
	}
	// Generous for a loaded 2-core machine, far below the budget.
	if took := r.elapsed[test]; took > 30*time.Second {
		t.Errorf("a proven leak took %v to report with a 10m settle budget", took)
	}
	t.Logf("proven leak reported after %v", r.elapsed[test])
}
