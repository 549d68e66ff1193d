// Package direct checks leaks with leakhound.VerifyTestMain and no Track:
// leakhound's tests run it and check that the leak is blamed on the test
// that started it.
package direct

import (
	"os"
	"testing"

	"github.com/leakhound/leakhound"
)

func TestMain(m *testing.M) {
	leakhound.VerifyTestMain(m, leakhound.Cleanup(func(code int) {
		os.Exit(code)
	}))
}

func TestPasses(t *testing.T) {
	done := make(chan bool)
	go func() { done <- true }()
	<-done
}

func TestLeaksWithoutTrack(t *testing.T) {
	t.Parallel()
	ch := make(chan int)
	go func() {
		ch <- 1
	}()
}

func TestAlsoPasses(t *testing.T) {
	t.Parallel()
}

// startWorker is a helper: the go statement is not in a test function, and
// the test's goroutine is gone by the time TestMain checks. Only
// GODEBUG=tracebackancestors=N lets the leak be traced to its test.
func startWorker() {
	jobs := make(chan int)
	go func() {
		for range jobs {
		}
	}()
}

func TestLeaksThroughHelper(t *testing.T) {
	startWorker()
}
