package leakhound_test

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/leakhound/leakhound"
)

// The tests below are written as goleak users write theirs, with only the
// import path changed: they must keep working unchanged.

func TestGoleakStyleDeferVerifyNone(t *testing.T) {
	defer leakhound.VerifyNone(t)

	results := make(chan int, 3)
	for i := range 3 {
		go func() { results <- i }()
	}
	for range 3 {
		<-results
	}
}

func TestGoleakStyleIgnoreCurrent(t *testing.T) {
	release := blockOnSend() // started before: not this test's concern
	defer release()
	defer leakhound.VerifyNone(t, leakhound.IgnoreCurrent())

	done := make(chan struct{})
	go func() {
		time.Sleep(10 * time.Millisecond)
		close(done)
	}()
	<-done
}

func TestGoleakStyleIgnoreTopFunction(t *testing.T) {
	release := blockOnSend()
	defer release()
	defer leakhound.VerifyNone(t,
		leakhound.IgnoreTopFunction("github.com/leakhound/leakhound_test.blockOnSend.func1"))
}

func TestGoleakStyleFindReturnsError(t *testing.T) {
	release := blockOnSend()
	err := leakhound.Find(leakhound.Settle(10 * time.Millisecond))
	release()
	if err == nil {
		t.Fatal("Find did not report a goroutine blocked on a send")
	}
	if err := leakhound.Find(); err != nil {
		t.Fatalf("after release: %v", err)
	}
}

// The test helper pulls nothing into its users' builds but the standard
// library and leakhound's stack and classify packages.
func TestDependencies(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "list", "-deps",
		"-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range strings.Fields(string(out)) {
		switch p {
		case "github.com/leakhound/leakhound", "github.com/leakhound/leakhound/stack", "github.com/leakhound/leakhound/classify":
		default:
			t.Errorf("the root package depends on %s", p)
		}
	}
}
