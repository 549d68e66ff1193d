package a

import (
	"sync"
	"testing"
)

// The worker skips Done only after failing the test: wg.Wait hangs a test
// that has already failed (category failed-test).
func TestWorkerFails(t *testing.T) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		if err := step(); err != nil {
			t.Errorf("step: %v", err)
			return // want `waitgroup-never-done: the function literal returns here without calling wg.Done\(\)`
		}
		wg.Done()
	}()
	wg.Wait()
}

// Here the skip is on a path that passes (category test).
func TestWorkerSkips(t *testing.T) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		if step() == nil {
			return // want `waitgroup-never-done: the function literal returns here without calling wg.Done\(\)`
		}
		wg.Done()
	}()
	wg.Wait()
}

func step() error { return nil }
