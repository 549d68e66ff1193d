// Package leaky holds parallel tests that leak one goroutine of each class
// and tests that do not leak at all. leakhound's own tests run it with go
// test and check that exactly the leaking tests fail, each with its class.
// Every test name says what it expects: TestClean* pass, TestLeak<Class>
// fail with that class.
package leaky

import (
	"context"
	"net/http/httptest"
	"runtime/pprof"
	"sync"
	"testing"
	"time"

	"github.com/leakhound/leakhound"
)

// held keeps a few objects reachable so that the runtime cannot prove their
// waiters leaked: those leaks must still be found, as suspects.
var held struct {
	sync.Mutex
	v []any
}

func hold(v any) {
	held.Lock()
	held.v = append(held.v, v)
	held.Unlock()
}

func TestCleanWorkers(t *testing.T) {
	leakhound.Track(t)
	t.Parallel()
	results := make(chan int)
	for i := range 10 {
		go func() { results <- i * i }()
	}
	sum := 0
	for range 10 {
		sum += <-results
	}
	if sum != 285 {
		t.Fatalf("sum = %d", sum)
	}
}

// A goroutine that exits 50ms after the test: it settles, no leak.
func TestCleanSlowExit(t *testing.T) {
	leakhound.Track(t)
	t.Parallel()
	go func() {
		time.Sleep(50 * time.Millisecond)
	}()
}

// The same, with no frame of user code in the goroutine.
func TestCleanSlowExitNoUserFrame(t *testing.T) {
	leakhound.Track(t)
	t.Parallel()
	go time.Sleep(50 * time.Millisecond)
}

func TestCleanBufferedResult(t *testing.T) {
	leakhound.Track(t)
	t.Parallel()
	done := make(chan int, 1)
	go func() {
		time.Sleep(20 * time.Millisecond)
		done <- 1 // the buffer lets it finish after the timeout
	}()
	select {
	case <-done:
	case <-time.After(time.Millisecond):
	}
}

func TestCleanSubtests(t *testing.T) {
	leakhound.Track(t)
	t.Parallel()
	for _, name := range []string{"a", "b", "c"} {
		t.Run(name, func(t *testing.T) {
			leakhound.Track(t)
			t.Parallel()
			ch := make(chan string)
			go func() { ch <- name }()
			if got := <-ch; got != name {
				t.Fatal(got)
			}
		})
	}
}

func TestLeakSendNoReceiver(t *testing.T) {
	leakhound.Track(t)
	t.Parallel()
	ch := make(chan int)
	go func() {
		ch <- 1
	}()
}

func TestLeakReceiveNoSender(t *testing.T) {
	leakhound.Track(t)
	t.Parallel()
	ch := make(chan int)
	go func() {
		<-ch
	}()
}

func TestLeakNilChannelSend(t *testing.T) {
	leakhound.Track(t)
	t.Parallel()
	var ch chan int
	go func() {
		ch <- 1
	}()
}

func TestLeakNilChannelReceive(t *testing.T) {
	leakhound.Track(t)
	t.Parallel()
	var ch chan int
	go func() {
		<-ch
	}()
}

func TestLeakSelectForever(t *testing.T) {
	leakhound.Track(t)
	t.Parallel()
	a, b := make(chan int), make(chan string)
	go func() {
		select {
		case <-a:
		case <-b:
		}
	}()
}

func TestLeakRangeNeverClosed(t *testing.T) {
	leakhound.Track(t)
	t.Parallel()
	ch := make(chan int)
	go func() {
		for v := range ch {
			_ = v
		}
	}()
	ch <- 1
}

func TestLeakContextNeverDone(t *testing.T) {
	leakhound.Track(t)
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	hold(cancel) // kept, never called
	go func() {
		<-ctx.Done()
	}()
}

func TestLeakMutexDeadlock(t *testing.T) {
	leakhound.Track(t)
	t.Parallel()
	var mu sync.Mutex
	mu.Lock()
	go func() {
		mu.Lock()
		mu.Unlock()
	}()
}

func TestLeakWaitGroupNeverDone(t *testing.T) {
	leakhound.Track(t)
	t.Parallel()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		wg.Wait()
	}()
}

func TestLeakCondNeverSignalled(t *testing.T) {
	leakhound.Track(t)
	t.Parallel()
	c := sync.NewCond(new(sync.Mutex))
	go func() {
		c.L.Lock()
		c.Wait()
		c.L.Unlock()
	}()
}

// The leak is two go statements away from the test.
func TestLeakGrandchildSendNoReceiver(t *testing.T) {
	leakhound.Track(t)
	t.Parallel()
	started := make(chan struct{})
	go func() {
		ch := make(chan int)
		go func() {
			ch <- 1
		}()
		close(started)
	}()
	<-started
}

// Only the subtest that leaks reports a leak; its sibling passes, and the
// parent fails only because a subtest failed.
func TestParentOfLeakySubtest(t *testing.T) {
	leakhound.Track(t)
	t.Parallel()
	t.Run("TestCleanSibling", func(t *testing.T) {
		leakhound.Track(t)
		t.Parallel()
	})
	t.Run("TestLeakSubtestReceiveNoSender", func(t *testing.T) {
		leakhound.Track(t)
		t.Parallel()
		ch := make(chan int)
		go func() {
			<-ch
		}()
	})
}

func FuzzCleanTracked(f *testing.F) {
	f.Add(3)
	f.Add(7)
	f.Fuzz(func(t *testing.T, n int) {
		leakhound.Track(t)
		done := make(chan int)
		go func() { done <- n }()
		<-done
	})
}

func FuzzLeakSendNoReceiver(f *testing.F) {
	f.Add(1)
	f.Fuzz(func(t *testing.T, n int) {
		leakhound.Track(t)
		ch := make(chan int)
		go func() {
			ch <- n
		}()
	})
}

// Track(f) checks the whole target: the seeds run as subtests that inherit
// its label.
func FuzzLeakWholeTargetReceiveNoSender(f *testing.F) {
	leakhound.Track(f)
	f.Add(1)
	f.Fuzz(func(t *testing.T, n int) {
		ch := make(chan int)
		go func() {
			<-ch
		}()
	})
}

func BenchmarkCleanTracked(b *testing.B) {
	leakhound.Track(b)
	for b.Loop() {
		done := make(chan struct{})
		go func() { close(done) }()
		<-done
	}
}

func BenchmarkLeakReceiveNoSender(b *testing.B) {
	leakhound.Track(b)
	for b.Loop() {
	}
	ch := make(chan int)
	go func() {
		<-ch
	}()
}

// The code under test replaces the labels Track put on the goroutine:
// pprof.Do with a fresh context drops them for the goroutines it starts.
func TestLeakPprofDoSendNoReceiver(t *testing.T) {
	leakhound.Track(t)
	t.Parallel()
	pprof.Do(context.Background(), pprof.Labels("worker", "fetch"), func(context.Context) {
		ch := make(chan int)
		go func() {
			ch <- 1
		}()
	})
}

// A test server never closed is a leak in a test, as goleak says.
func TestLeakServerNeverClosed(t *testing.T) {
	leakhound.Track(t)
	t.Parallel()
	srv := httptest.NewServer(nil)
	hold(srv)
}

// Unless the test says such goroutines are idle by design.
func TestCleanServerIgnoreIdle(t *testing.T) {
	leakhound.Track(t, leakhound.IgnoreIdle())
	t.Parallel()
	srv := httptest.NewServer(nil)
	hold(srv)
}
