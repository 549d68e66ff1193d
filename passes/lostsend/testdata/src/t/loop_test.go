package t

import (
	"testing"
	"time"
)

// A loop that takes one event a phase, from events or from errs,
// whichever comes: on a run that passes every phase takes an event, errs
// is never read, and the watcher blocks on its send once the test ends
// (held-out round 17: tailscale's config_test.go:135 and :200).
func TestPhases(t *testing.T) {
	events := make(chan int)
	watch(events)
	errs := make(chan error)
	go func() { errs <- work() }() // want `when TestPhases returns at line 29, after its loop at line 17 took other cases than errs on every pass, without receiving from errs; give errs a buffer of 1`
	for i := range 3 {
		select {
		case ev := <-events:
			if ev != i {
				t.Errorf("event %d, want %d", ev, i)
			}
		case err := <-errs:
			t.Fatalf("unexpected error: %v", err)
		case <-time.After(time.Second):
			t.Fatalf("timed out in phase %d", i)
		}
	}
}

// Its twin: each of two goroutines sends once on a channel of its own,
// and a loop of two takes whichever comes first, then the other.
func TestEitherFirst(t *testing.T) {
	a := make(chan error)
	b := make(chan error)
	go func() { a <- work() }()
	go func() { b <- work() }()
	for range 2 {
		select {
		case err := <-a:
			_ = err
		case err := <-b:
			_ = err
		}
	}
}

// Nor when the other case is the same goroutine's other way out.
func TestResultOrError(t *testing.T) {
	res := &results{c: make(chan int)}
	errs := make(chan error)
	go func() {
		if err := work(); err != nil {
			errs <- err
			return
		}
		res.c <- 1
	}()
	for range 1 {
		select {
		case <-res.c:
		case err := <-errs:
			t.Fatal(err)
		}
	}
}

type results struct{ c chan int }

// Nor when the other case ends the test: the loop goes round only
// through errs, and the leak is on the failed test's path alone.
func TestErrOrFatal(t *testing.T) {
	events := make(chan int)
	watch(events)
	errs := make(chan error)
	go func() { errs <- work() }() // want `when TestErrOrFatal ends the test at line 82 \(t.Fatal\) through the <-events case without receiving from errs`
	for range 1 {
		select {
		case err := <-errs:
			_ = err
		case <-events:
			t.Fatal("an event before the error")
		}
	}
}
