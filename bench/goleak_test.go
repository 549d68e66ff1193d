package bench

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leakhound/leakhound"
	"go.uber.org/goleak"
)

// Time to verdict, leakhound beside goleak v1.3.0. Each iteration runs one
// "test" on a goroutine of its own, as testing.tRunner does, and ends with
// the tool's check; the time is the test's body plus the check.
//
//	cd bench && GOEXPERIMENT=goroutineleakprofile go test -run '^$' -bench Verdict -benchtime 5x
//
// Without the experiment (Go 1.26) leakhound has no proof and a leak costs
// its settle budget, like goleak's retries.

// benchT records a check's verdict; it stands for *testing.T.
type benchT struct {
	name     string
	mu       sync.Mutex
	errs     []string
	cleanups []func()
}

func (t *benchT) Error(args ...any) {
	t.mu.Lock()
	t.errs = append(t.errs, fmt.Sprint(args...))
	t.mu.Unlock()
}
func (t *benchT) Name() string     { return t.name }
func (t *benchT) Cleanup(f func()) { t.cleanups = append(t.cleanups, f) }
func (t *benchT) Failed() bool     { t.mu.Lock(); defer t.mu.Unlock(); return len(t.errs) > 0 }
func (t *benchT) leaked() bool     { return t.Failed() }
func (t *benchT) runCleanups() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}

// waitFor is where the benchmark waits for its test, as testing.(*T).Run
// does; the checks that look at every goroutine ignore it as they ignore
// the testing package.
func waitFor(done chan struct{}) { <-done }

var (
	// goleak's test-runner list lacks the benchmark runner's wait.
	goleakRunner    = goleak.IgnoreTopFunction("github.com/leakhound/leakhound/bench.waitFor")
	goleakBench     = goleak.IgnoreTopFunction("testing.(*B).run1")
	leakhoundRunner = leakhound.IgnoreTopFunction("github.com/leakhound/leakhound/bench.waitFor")
)

// tool runs body as a test and checks it for leaks at its end.
type tool struct {
	name string
	run  func(t *benchT, body func())
}

var tools = []tool{
	{"goleak", func(t *benchT, body func()) {
		defer goleak.VerifyNone(t, goleakRunner, goleakBench)
		body()
	}},
	{"goleak-IgnoreCurrent", func(t *benchT, body func()) {
		defer goleak.VerifyNone(t, goleakRunner, goleakBench, goleak.IgnoreCurrent())
		body()
	}},
	{"leakhound-VerifyNone", func(t *benchT, body func()) {
		defer leakhound.VerifyNone(t, leakhoundRunner)
		body()
	}},
	{"leakhound-IgnoreCurrent", func(t *benchT, body func()) {
		defer leakhound.VerifyNone(t, leakhoundRunner, leakhound.IgnoreCurrent())
		body()
	}},
	{"leakhound-Track", func(t *benchT, body func()) {
		leakhound.Track(t)
		body()
		t.runCleanups()
	}},
}

// lastErrs is what the last check reported, for failures.
var lastErrs string

// runTest runs one test on its own goroutine and returns whether the check
// reported a leak.
func runTest(tl tool, body func()) bool {
	t := &benchT{name: "BenchTest"}
	done := make(chan struct{})
	go func() {
		defer close(done)
		tl.run(t, body)
	}()
	waitFor(done)
	lastErrs = strings.Join(t.errs, "\n")
	return t.leaked()
}

func benchVerdict(b *testing.B, tools []tool, body func(), wantLeak bool) {
	for _, tl := range tools {
		b.Run(tl.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if got := runTest(tl, body); got != wantLeak {
					b.Fatalf("leak reported: %v, want %v\n%s", got, wantLeak, lastErrs)
				}
			}
		})
	}
}

// (a) a test that leaves nothing behind.
func BenchmarkVerdictClean(b *testing.B) {
	benchVerdict(b, tools, func() {
		done := make(chan int)
		go func() { done <- 1 }()
		<-done
	}, false)
}

// (c) a goroutine that exits 50ms after the test: not a leak.
func BenchmarkVerdictSlowExit(b *testing.B) {
	benchVerdict(b, tools, func() {
		go func() {
			time.Sleep(50 * time.Millisecond)
		}()
	}, false)
}

// (d) a test that starts 10 goroutines while 0 or 10k unrelated goroutines
// (other tests', a server's) are blocked.
func BenchmarkVerdictBusyProcess(b *testing.B) {
	body := func() {
		results := make(chan int)
		for i := range 10 {
			go func() { results <- i }()
		}
		for range 10 {
			<-results
		}
	}
	for _, others := range []int{0, 10000} {
		b.Run(fmt.Sprintf("others=%d", others), func(b *testing.B) {
			stop := make(chan struct{})
			var wg sync.WaitGroup
			for range others {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-stop
				}()
			}
			defer func() {
				close(stop)
				wg.Wait()
			}()
			// Plain goleak and VerifyNone see the others as leaks.
			benchVerdict(b, []tool{tools[1], tools[3], tools[4]}, body, false)
		})
	}
}

// (b) a test that leaks one goroutine, blocked forever on a send to a
// channel nothing else holds. The leaks pile up over iterations: only the
// checks that tell tests apart (Track, IgnoreCurrent) stay correct.
func BenchmarkVerdictOneLeak(b *testing.B) {
	benchVerdict(b, []tool{tools[1], tools[3], tools[4]}, func() {
		ch := make(chan int)
		go func() { ch <- 1 }()
	}, true)
}
