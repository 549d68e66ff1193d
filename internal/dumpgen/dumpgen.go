// Package dumpgen makes large, realistic goroutine dumps for benchmarks:
// real goroutines parked in a mix of waits at a mix of depths, captured
// with runtime.Stack, then released.
package dumpgen

import (
	"bytes"
	"context"
	"runtime"
	"sync"
	"time"
)

var (
	cacheMu sync.Mutex
	cache   = map[int][]byte{}
)

// Cached returns Dump(n), made once per process: benchmarks of several
// tools must read the same bytes.
func Cached(n int) []byte {
	cacheMu.Lock()
	defer cacheMu.Unlock()
	if cache[n] == nil {
		cache[n] = Dump(n)
	}
	return cache[n]
}

// Dump starts n goroutines, takes a dump of every goroutine of the
// process, releases them and returns the dump. About 1 KB per goroutine.
func Dump(n int) []byte {
	release := make(chan struct{})
	var started sync.WaitGroup
	var mu sync.Mutex
	mu.Lock()
	for i := 0; i < n; i++ {
		started.Add(1)
		shape := shapes[i%len(shapes)]
		depth := 2 + i%12
		go func() {
			started.Done()
			recurse(depth, func() { shape(release, &mu) })
		}()
	}
	started.Wait()
	// The dump is taken once they have all parked: no goroutine but this
	// one is running or runnable in it.
	buf := make([]byte, 2048*n+1<<20)
	deadline := time.Now().Add(time.Minute)
	for pause := time.Millisecond; ; pause = min(2*pause, 20*time.Millisecond) {
		buf = stacks(buf[:cap(buf)])
		if bytes.Count(buf, []byte(" [running]:\n")) == 1 && !bytes.Contains(buf, []byte(" [runnable]:\n")) && runtime.NumGoroutine() >= n {
			break
		}
		if time.Now().After(deadline) {
			panic("dumpgen: the goroutines did not all park within a minute")
		}
		time.Sleep(pause)
	}
	close(release)
	mu.Unlock()
	return buf
}

// stacks returns the dump of every goroutine, in buf if it fits.
func stacks(buf []byte) []byte {
	for {
		m := runtime.Stack(buf, true)
		if m < len(buf) {
			return buf[:m]
		}
		buf = make([]byte, 2*len(buf))
	}
}

//go:noinline
func recurse(n int, f func()) {
	if n == 0 {
		f()
		return
	}
	recurse(n-1, f)
}

var shapes = []func(release chan struct{}, mu *sync.Mutex){
	func(release chan struct{}, _ *sync.Mutex) { <-release },
	func(release chan struct{}, _ *sync.Mutex) {
		select {
		case <-release:
		case <-time.After(time.Hour):
		}
	},
	func(release chan struct{}, _ *sync.Mutex) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() { <-release; cancel() }()
		<-ctx.Done()
	},
	func(_ chan struct{}, mu *sync.Mutex) { mu.Lock(); mu.Unlock() },
	func(release chan struct{}, _ *sync.Mutex) {
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { <-release; wg.Done() }()
		wg.Wait()
	},
	func(release chan struct{}, _ *sync.Mutex) {
		ch := make(chan int)
		go func() { <-release; <-ch }()
		ch <- 1
	},
}
