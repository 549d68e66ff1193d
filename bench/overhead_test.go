package bench

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"runtime"
	"runtime/metrics"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/leakhound/leakhound/monitor"
)

// The overhead the monitor adds to a loaded HTTP service: throughput and
// p99 latency with and without it, in one run. An in-process load
// generator keeps a fixed number of requests in flight against a real
// server on loopback, while 10k other goroutines sit parked in the process
// so that each sample has realistic work. Phases with and without the
// monitor alternate, in pairs whose order alternates too, so that drift in
// the machine's load falls on both.
//
//	cd bench && go test -run '^$' -bench Overhead -benchtime 1x -timeout 30m
//
// Each phase lasts a second less than one monitor interval, or 9 s when the
// interval is shorter. The monitor is started at the beginning of each "on"
// phase, and Start samples at once, so a 29 s phase has the one sample that
// the default interval gives. The 1 s sub-benchmark samples 30 times as
// often: it shows the measurement can see the monitor's cost when there is
// one. The longest stop-the-world pause of each phase is read from
// runtime/metrics, whatever caused it (GCs too).

var (
	overheadPairs   = flag.Int("overhead.pairs", 3, "off/on phase pairs per overhead benchmark")
	overheadClients = flag.Int("overhead.clients", 8, "requests in flight in the overhead benchmark")
	overheadParked  = flag.Int("overhead.parked", 10000, "goroutines parked in the process during the overhead benchmark")
)

// work is the service's handler: it decodes a small JSON body, hashes a
// few KB and answers in JSON, some tens of microseconds of CPU.
func work(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ID    int    `json:"id"`
		Token string `json:"token"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var page [8 << 10]byte
	for i := range page {
		page[i] = byte(req.ID + i)
	}
	sum := sha256.Sum256(page[:])
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"id": req.ID, "sum": fmt.Sprintf("%x", sum[:8])})
}

// park leaves n goroutines blocked until release is closed, in a few
// shapes a real service has: idle workers in a select, consumers of a
// channel, waiters on a context. Some sit a few frames deep.
func park(n int, release chan struct{}) *sync.WaitGroup {
	var wg sync.WaitGroup
	jobs := make(chan int)
	ctx, cancel := context.WithCancel(context.Background())
	wg.Add(n)
	for i := range n {
		switch i % 4 {
		case 0:
			go func() { defer wg.Done(); idleWorker(jobs, release) }()
		case 1:
			go func() { defer wg.Done(); consume(jobs, release) }()
		case 2:
			go func() { defer wg.Done(); waitCtx(ctx, release) }()
		default:
			go func() { defer wg.Done(); deep(5, release) }()
		}
	}
	go func() { <-release; cancel() }()
	return &wg
}

func idleWorker(jobs <-chan int, release <-chan struct{}) {
	for {
		select {
		case <-jobs:
		case <-release:
			return
		}
	}
}

func consume(jobs <-chan int, release <-chan struct{}) {
	select {
	case <-jobs:
	case <-release:
	}
}

func waitCtx(ctx context.Context, release <-chan struct{}) {
	select {
	case <-ctx.Done():
	case <-release:
	}
}

func deep(n int, release <-chan struct{}) {
	if n > 0 {
		deep(n-1, release)
		return
	}
	<-release
}

// phase is what one phase of load measured.
type phase struct {
	requests  int
	errors    int
	elapsed   time.Duration
	latencies []time.Duration
	// The longest stop-the-world pauses: for a GC, and for anything else
	// (a goroutine profile or dump among them).
	maxGCPause, maxOtherPause time.Duration
	cpu                       time.Duration // the process's CPU time, user and system
}

// cpuTime returns the CPU time the process has used. Per request it is a
// steadier measure than throughput on a machine shared with other work.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

var pauseMetrics = []string{"/sched/pauses/total/gc:seconds", "/sched/pauses/total/other:seconds"}

// pauseCounts reads the stop-the-world pause histograms. The counts are
// copied: runtime/metrics reuses the histogram on the next Read.
func pauseCounts() (counts [][]uint64, buckets [][]float64) {
	s := make([]metrics.Sample, len(pauseMetrics))
	for i, n := range pauseMetrics {
		s[i].Name = n
	}
	metrics.Read(s)
	for _, x := range s {
		h := x.Value.Float64Histogram()
		counts = append(counts, slices.Clone(h.Counts))
		buckets = append(buckets, h.Buckets)
	}
	return counts, buckets
}

// longestSince returns, for GC pauses and for the others, the upper bound
// of the highest bucket that gained a pause since before was read.
func longestSince(before [][]uint64) (gc, other time.Duration) {
	after, buckets := pauseCounts()
	var longest [2]float64
	for i := range after {
		for j := len(after[i]) - 1; j >= 0; j-- {
			if after[i][j] > before[i][j] {
				hi := buckets[i][j+1]
				if math.IsInf(hi, 1) {
					hi = buckets[i][j]
				}
				longest[i] = hi
				break
			}
		}
	}
	return time.Duration(longest[0] * float64(time.Second)), time.Duration(longest[1] * float64(time.Second))
}

func (p *phase) rate() float64 { return float64(p.requests) / p.elapsed.Seconds() }

func (p *phase) cpuPerRequest() float64 { return float64(p.cpu.Microseconds()) / float64(p.requests) }

// load keeps clients requests in flight against url for d and records each
// request's latency.
func load(client *http.Client, url string, clients int, d time.Duration) phase {
	var mu sync.Mutex
	var all phase
	var wg sync.WaitGroup
	pauses, _ := pauseCounts()
	cpu0 := cpuTime()
	start := time.Now()
	deadline := start.Add(d)
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := make([]time.Duration, 0, 1<<16)
			errs := 0
			for i := 0; time.Now().Before(deadline); i++ {
				body := fmt.Sprintf(`{"id":%d,"token":"client-%d"}`, i, c)
				t0 := time.Now()
				resp, err := client.Post(url, "application/json", strings.NewReader(body))
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if err == nil && resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("status %s", resp.Status)
					}
				}
				if err != nil {
					errs++
					continue
				}
				lat = append(lat, time.Since(t0))
			}
			mu.Lock()
			all.requests += len(lat)
			all.errors += errs
			all.latencies = append(all.latencies, lat...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	all.elapsed = time.Since(start)
	all.cpu = cpuTime() - cpu0
	all.maxGCPause, all.maxOtherPause = longestSince(pauses)
	return all
}

// p99 returns the 99th percentile of the latencies of all phases.
func p99(phases []phase) time.Duration {
	var all []time.Duration
	for _, p := range phases {
		all = append(all, p.latencies...)
	}
	if len(all) == 0 {
		return 0
	}
	slices.Sort(all)
	return all[len(all)*99/100]
}

func BenchmarkOverhead(b *testing.B) {
	for _, interval := range []time.Duration{0, time.Second} {
		name := "interval=default"
		if interval != 0 {
			name = "interval=" + interval.String()
		}
		b.Run(name, func(b *testing.B) {
			for range b.N {
				overhead(b, interval)
			}
		})
	}
}

func overhead(b *testing.B, interval time.Duration) {
	release := make(chan struct{})
	parked := park(*overheadParked, release)
	defer func() { close(release); parked.Wait() }()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(work), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	url := "http://" + ln.Addr().String() + "/work"
	client := &http.Client{Timeout: 10 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: *overheadClients}}
	defer client.CloseIdleConnections()

	cfg := monitor.Config{Interval: interval}
	m := monitor.New(cfg)
	// A phase a little shorter than the interval: the sample at Start is
	// the only one, as at the default rate.
	length := max(m.Config().Interval, 10*time.Second) - time.Second
	load(client, url, *overheadClients, 2*time.Second) // warm up connections and caches

	// The CPU one sample costs, measured with no load: the parked
	// goroutines use none, so the process's CPU time is the sample's.
	// Spread over the interval and the cores, it bounds the loss under a
	// load that saturates them.
	var idleCPU time.Duration
	const idleSamples = 5
	for range idleSamples {
		c0 := cpuTime()
		if _, err := m.Sample(false); err != nil {
			b.Fatal(err)
		}
		idleCPU += cpuTime() - c0
	}
	idleCPU /= idleSamples

	var off, on []phase
	samples := 0
	var sampleWall time.Duration
	withMonitor := func() phase {
		m = monitor.New(cfg)
		if err := m.Start(context.Background()); err != nil {
			b.Fatal(err)
		}
		p := load(client, url, *overheadClients, length)
		m.Stop()
		if err := m.Err(); err != nil {
			b.Fatal(err)
		}
		for _, s := range m.Costs() {
			samples++
			sampleWall += s.Wall
		}
		return p
	}
	// Pairs alternate their order (off-on, on-off, ...), so that a drift
	// in the machine's speed over the run favours neither side.
	for i := range *overheadPairs {
		if i%2 == 0 {
			off = append(off, load(client, url, *overheadClients, length))
			on = append(on, withMonitor())
		} else {
			on = append(on, withMonitor())
			off = append(off, load(client, url, *overheadClients, length))
		}
	}
	if samples == 0 {
		b.Fatal("the monitor took no sample")
	}

	total := func(ps []phase) (reqs, errs int, elapsed, cpu time.Duration) {
		for _, p := range ps {
			reqs += p.requests
			errs += p.errors
			elapsed += p.elapsed
			cpu += p.cpu
		}
		return
	}
	offReqs, offErrs, offTime, offCPU := total(off)
	onReqs, onErrs, onTime, onCPU := total(on)
	if offErrs+onErrs > 0 {
		b.Fatalf("%d requests failed without the monitor, %d with it", offErrs, onErrs)
	}
	offRate := float64(offReqs) / offTime.Seconds()
	onRate := float64(onReqs) / onTime.Seconds()
	loss := 100 * (offRate - onRate) / offRate
	b.ReportMetric(offRate, "req/s-off")
	b.ReportMetric(onRate, "req/s-on")
	b.ReportMetric(loss, "%loss")
	// The median of the pairs' losses: one pair disturbed by the machine
	// moves it less than it moves the totals.
	losses := make([]float64, len(off))
	for i := range off {
		losses[i] = 100 * (off[i].rate() - on[i].rate()) / off[i].rate()
	}
	slices.Sort(losses)
	b.ReportMetric((losses[(len(losses)-1)/2]+losses[len(losses)/2])/2, "%loss-median")
	offCost := float64(offCPU.Nanoseconds()) / float64(offReqs) / 1e3
	onCost := float64(onCPU.Nanoseconds()) / float64(onReqs) / 1e3
	b.ReportMetric(offCost, "cpu-µs/req-off")
	b.ReportMetric(onCost, "cpu-µs/req-on")
	b.ReportMetric(100*(onCost-offCost)/offCost, "%cpu/req")
	b.ReportMetric(float64(p99(off).Microseconds()), "p99-µs-off")
	b.ReportMetric(float64(p99(on).Microseconds()), "p99-µs-on")
	b.ReportMetric(float64(samples), "samples")
	b.ReportMetric(float64(sampleWall.Milliseconds())/float64(samples), "wall-ms/sample")
	longest := func(ps []phase) (gc, other time.Duration) {
		for _, p := range ps {
			gc, other = max(gc, p.maxGCPause), max(other, p.maxOtherPause)
		}
		return gc, other
	}
	offGC, offOther := longest(off)
	onGC, onOther := longest(on)
	b.ReportMetric(float64(offGC.Microseconds()), "gc-pause-µs-off")
	b.ReportMetric(float64(onGC.Microseconds()), "gc-pause-µs-on")
	b.ReportMetric(float64(offOther.Microseconds()), "other-pause-µs-off")
	b.ReportMetric(float64(onOther.Microseconds()), "other-pause-µs-on")
	b.ReportMetric(float64(idleCPU.Microseconds())/1e3, "cpu-ms/sample")
	b.ReportMetric(100*idleCPU.Seconds()/(m.Config().Interval.Seconds()*float64(runtime.GOMAXPROCS(0))), "%capacity")
	b.Logf("%d goroutines parked, %d clients, %d pairs of %v phases, monitor every %v", *overheadParked, *overheadClients, *overheadPairs, length, m.Config().Interval)
	for i := range off {
		b.Logf("pair %d: %.0f req/s off, %.0f req/s on; %.1f CPU µs/req off, %.1f on; longest GC pause %v off, %v on; other %v off, %v on",
			i+1, off[i].rate(), on[i].rate(), off[i].cpuPerRequest(), on[i].cpuPerRequest(),
			off[i].maxGCPause, on[i].maxGCPause, off[i].maxOtherPause, on[i].maxOtherPause)
	}
}
