// Package testmain checks leaks with leakhound.VerifyTestMain alone: three
// tests, one of which leaks through a helper whose goroutines outlive it,
// so that nothing in the leaked goroutine's stack names the test.
// leakhound's tests run it and check that the report names that test and
// no other, and that the tests and their child processes see the GODEBUG
// they were started with.
package testmain

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/leakhound/leakhound"
)

func TestMain(m *testing.M) {
	leakhound.VerifyTestMain(m)
}

func TestPasses(t *testing.T) {
	done := make(chan bool)
	go func() { done <- true }()
	<-done
}

// startPipeline starts a stage that starts a worker and returns at once:
// when TestMain checks, neither the test's goroutine nor the stage is
// alive, and the worker's stack and "created by" name only this helper.
func startPipeline() {
	started := make(chan struct{})
	go func() {
		jobs := make(chan int)
		go func() {
			for range jobs {
			}
		}()
		close(started)
	}()
	<-started
}

func TestLeaksThroughHelper(t *testing.T) {
	startPipeline()
}

// TestSeesItsOwnEnvironment checks GODEBUG in the test and in a child
// process against what the runner says it started the binary with
// (TESTMAIN_GODEBUG: "=" and the value, or "unset").
func TestSeesItsOwnEnvironment(t *testing.T) {
	t.Parallel()
	want, ok := os.LookupEnv("TESTMAIN_GODEBUG")
	if !ok {
		t.Skip("TESTMAIN_GODEBUG not set")
	}
	got, had := os.LookupEnv("GODEBUG")
	if g := describe(got, had); g != want {
		t.Errorf("GODEBUG in the test: %s, want %s", g, want)
	}
	out, err := exec.Command("env").Output()
	if err != nil {
		t.Fatal(err)
	}
	got, had = "", false
	for line := range strings.SplitSeq(string(out), "\n") {
		if v, ok := strings.CutPrefix(line, "GODEBUG="); ok {
			got, had = v, true
		}
	}
	if g := describe(got, had); g != want {
		t.Errorf("GODEBUG in a child process: %s, want %s", g, want)
	}
}

func describe(v string, set bool) string {
	if !set {
		return "unset"
	}
	return "=" + v
}
