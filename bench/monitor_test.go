package bench

import (
	"fmt"
	"math"
	"net/http/httptest"
	"net/http/pprof"
	"runtime"
	"runtime/metrics"
	rpprof "runtime/pprof"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/leakhound/leakhound/monitor"
)

// The cost of one look at every goroutine of a process, by the monitor and
// by the ways people use today, at 1k, 10k and 100k parked goroutines:
// wall time (ns/op), CPU time of the whole process (cpu-ms/op) and the
// longest stop-the-world pause seen during any operation (max-pause-ms).
//
//	cd bench && go test -run '^$' -bench Sample -benchtime 5x -timeout 30m
//	cd bench && GOEXPERIMENT=goroutineleakprofile go test -run '^$' -bench Sample/.*/monitor-proof -benchtime 5x
//
// monitor-default is Monitor.Sample with the default Config: the goroutine
// profile at these counts (a full dump only below 1000 goroutines).
// monitor-full forces a full dump; monitor-proof adds the runtime's leak
// proof (one leak-detecting GC), which the monitor takes every tenth
// sample when the runtime has it. debug=2 is net/http/pprof's
// /debug/pprof/goroutine?debug=2 handler; runtime.Stack is
// runtime.Stack(buf, true) with a buffer large enough at once;
// runtime.GoroutineProfile, which the pprof profile wraps, is there to show
// what the profile's formatting costs.
func BenchmarkSample(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		b.Run(fmt.Sprintf("goroutines=%d", n), func(b *testing.B) {
			release := parkMix(n)
			defer release()
			ways := []struct {
				name string
				op   func(b *testing.B) func()
			}{
				{"monitor-default", func(b *testing.B) func() {
					m := monitor.New(monitor.Config{ProofEvery: -1})
					return func() { monitorSample(b, m, false) }
				}},
				{"monitor-full", func(b *testing.B) func() {
					m := monitor.New(monitor.Config{ProofEvery: -1})
					return func() { monitorSample(b, m, true) }
				}},
				{"monitor-proof", func(b *testing.B) func() {
					if rpprof.Lookup("goroutineleak") == nil {
						b.Skip("no goroutineleak profile (Go 1.26 needs GOEXPERIMENT=goroutineleakprofile)")
					}
					m := monitor.New(monitor.Config{ProofEvery: 1})
					return func() { monitorSample(b, m, false) }
				}},
				{"debug=2", func(b *testing.B) func() {
					h := pprof.Handler("goroutine")
					return func() {
						w := httptest.NewRecorder()
						h.ServeHTTP(w, httptest.NewRequest("GET", "/debug/pprof/goroutine?debug=2", nil))
						if w.Code != 200 || w.Body.Len() < n*100 {
							b.Fatalf("debug=2: %d, %d bytes", w.Code, w.Body.Len())
						}
					}
				}},
				{"runtime.GoroutineProfile", func(b *testing.B) func() {
					recs := make([]runtime.StackRecord, 2*n)
					return func() {
						if k, ok := runtime.GoroutineProfile(recs); !ok || k < n {
							b.Fatalf("runtime.GoroutineProfile: %d records", k)
						}
					}
				}},
				{"runtime.Stack", func(b *testing.B) func() {
					buf := make([]byte, 4096*n+1<<20)
					return func() {
						if k := runtime.Stack(buf, true); k == len(buf) || k < n*100 {
							b.Fatalf("runtime.Stack: %d bytes", k)
						}
					}
				}},
			}
			for _, w := range ways {
				b.Run(w.name, func(b *testing.B) { measureSample(b, w.op(b)) })
			}
		})
	}
}

func monitorSample(b *testing.B, m *monitor.Monitor, full bool) {
	s, err := m.Sample(full)
	if err != nil {
		b.Fatal(err)
	}
	if s.Goroutines < 1000 || s.Full != full && full {
		b.Fatalf("sample of %d goroutines, full %v", s.Goroutines, s.Full)
	}
}

// measureSample runs op b.N times and reports, beside the wall time, the
// process's CPU time per op and the longest pause of the world during an
// op: the median over the ops and the maximum. A pause counts from the
// request to stop to the restart; max-stopping-ms is its longest first
// part, waiting for every running thread to stop, which on a busy machine
// is mostly the OS's delay in running them.
func measureSample(b *testing.B, op func()) {
	b.ReportAllocs()
	runtime.GC()
	before, after := stwHistograms(), stwHistograms()
	var longest []float64
	stopping, gc, other := 0.0, 0.0, 0.0
	cpu := processCPU()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		metrics.Read(before)
		op()
		metrics.Read(after)
		g := highestPause(before[0].Value.Float64Histogram(), after[0].Value.Float64Histogram())
		o := highestPause(before[1].Value.Float64Histogram(), after[1].Value.Float64Histogram())
		gc, other = math.Max(gc, g), math.Max(other, o)
		longest = append(longest, math.Max(g, o))
		for j := 2; j < 4; j++ {
			stopping = math.Max(stopping, highestPause(before[j].Value.Float64Histogram(), after[j].Value.Float64Histogram()))
		}
	}
	b.StopTimer()
	slices.Sort(longest)
	b.ReportMetric(float64(processCPU()-cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
	b.ReportMetric(longest[len(longest)/2]*1e3, "p50-pause-ms")
	b.ReportMetric(longest[len(longest)-1]*1e3, "max-pause-ms")
	b.ReportMetric(stopping*1e3, "max-stopping-ms")
	// Apart: the pauses of the garbage collector, which any allocation
	// brings on, and the others, which the capture itself asks for.
	b.ReportMetric(gc*1e3, "max-gc-pause-ms")
	b.ReportMetric(other*1e3, "max-other-pause-ms")
}

func stwHistograms() []metrics.Sample {
	return []metrics.Sample{
		{Name: "/sched/pauses/total/gc:seconds"}, {Name: "/sched/pauses/total/other:seconds"},
		{Name: "/sched/pauses/stopping/gc:seconds"}, {Name: "/sched/pauses/stopping/other:seconds"},
	}
}

// highestPause returns the upper bound, in seconds, of the highest bucket
// that gained a pause.
func highestPause(before, after *metrics.Float64Histogram) float64 {
	for i := len(after.Counts) - 1; i >= 0; i-- {
		if after.Counts[i] > before.Counts[i] {
			if math.IsInf(after.Buckets[i+1], 1) {
				return after.Buckets[i]
			}
			return after.Buckets[i+1]
		}
	}
	return 0
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// parkMix starts n goroutines parked in a mix of waits (channel receive,
// select, mutex, WaitGroup, Cond) at depths 2 to 13, and returns the
// function that releases them and waits until they are gone.
func parkMix(n int) (release func()) {
	done := make(chan struct{})
	var mu sync.Mutex
	var wg sync.WaitGroup
	wg.Add(1)
	cond := sync.NewCond(&sync.Mutex{})
	released := false
	shapes := []func(){
		func() { <-done },
		func() {
			select {
			case <-done:
			case <-time.After(time.Hour):
			}
		},
		func() { mu.Lock(); mu.Unlock() },
		func() { wg.Wait() },
		func() {
			cond.L.Lock()
			for !released {
				cond.Wait()
			}
			cond.L.Unlock()
		},
	}
	var all sync.WaitGroup
	mu.Lock()
	base := runtime.NumGoroutine()
	for i := range n {
		all.Add(1)
		go func() {
			defer all.Done()
			descendThen(2+i%12, shapes[i%len(shapes)])
		}()
	}
	for runtime.NumGoroutine() < base+n {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // let them park
	return func() {
		close(done)
		mu.Unlock()
		wg.Done()
		cond.L.Lock()
		released = true
		cond.L.Unlock()
		cond.Broadcast()
		all.Wait()
	}
}

//go:noinline
func descendThen(depth int, f func()) {
	if depth == 0 {
		f()
		return
	}
	descendThen(depth-1, f)
}
