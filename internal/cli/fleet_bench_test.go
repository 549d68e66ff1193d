//go:build unix

package cli

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// benchTargets is the fleet the scale benchmark watches.
const benchTargets = 500

// BenchmarkFleetRound measures one round of a fleet watch over 500
// targets on loopback: one fleetreplica process serves them on 500 ports,
// each with 100 leaked goroutines of two kinds, and a loopback server
// answers /api/v1/targets with them in Prometheus's format (the real
// Prometheus is in TestFleetPrometheus; here it would only add its own
// load to the two cores). A round asks for the targets, reads each one's
// cheap profile (and, in the first round only, its goroutineleak profile,
// absent here: remote.Memory), classifies and tracks it.
//
// It reports the time per round, the CPU leakhound spent per round (the
// time also counts the replica process serving 500 profile requests a
// round, 1000 in the first, on the same cores), the peak heap during the
// rounds above the heap before them, and the heap that stays per target between rounds
// (its tracker and last report).
//
//	go test ./internal/cli -run XXX -bench FleetRound -benchtime 5x
func BenchmarkFleetRound(b *testing.B) {
	r := startReplica(b, "127.0.0.1:0", benchTargets)
	client := &http.Client{Timeout: time.Minute}
	resp, err := client.Get("http://" + r.addrs[0] + "/leak?n=100")
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	var body bytes.Buffer
	body.WriteString(`{"status":"success","data":{"activeTargets":[`)
	for i, a := range r.addrs {
		if i > 0 {
			body.WriteByte(',')
		}
		fmt.Fprintf(&body, `{"labels":{"job":"api","instance":%q},"scrapeUrl":"http://%s/metrics","health":"up"}`, a, a)
	}
	body.WriteString(`]}}`)
	prom := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write(body.Bytes()) }))
	defer prom.Close()

	heap := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(heap); return heap[0].Value.Uint64() }
	runtime.GC()
	base := read()
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			if h := read(); h > peak.Load() {
				peak.Store(h)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	})
	// The CPU the kernel charged this process: on a shared machine the
	// runtime's own estimate counts a descheduled thread as busy.
	busy := func() float64 {
		var ru syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
	}
	var retained uint64
	var roundsRun int
	var cpuUsed float64     // seconds, this process's: the replicas' serving is not in it
	var replicaUsed float64 // seconds, the replica process's, where /proc tells
	b.ReportAllocs()
	b.ResetTimer()
	start, busyStart, replicaStart := time.Now(), busy(), procCPU(r.cmd.Process.Pid)
	var stdout, stderr bytes.Buffer
	e := &env{ctx: b.Context(), stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr}
	e.nextRound = func(round int) bool {
		roundsRun = round
		if round < b.N {
			return true
		}
		b.StopTimer()
		cpuUsed = busy() - busyStart
		replicaUsed = procCPU(r.cmd.Process.Pid) - replicaStart
		runtime.GC()
		retained = read() - min(base, read())
		if path := os.Getenv("FLEET_HEAPPROFILE"); path != "" {
			if f, err := os.Create(path); err == nil {
				pprof.WriteHeapProfile(f)
				f.Close()
			}
		}
		return false
	}
	code := e.main([]string{"watch", "--prometheus", prom.URL, "--job", "api", "--format", "json", "--interval", "1h", "--timeout", "1m"})
	out, errOut := stdout.String(), stderr.String()
	elapsed := time.Since(start)
	close(stop)
	wg.Wait()
	if code != ExitOK && code != ExitLeaks {
		b.Fatalf("exit %d: %s", code, errOut)
	}
	if n := strings.Count(out, `"samples": `+fmt.Sprint(roundsRun)); n != benchTargets {
		b.Fatalf("%d of %d targets sampled %d times; stderr:\n%s", n, benchTargets, roundsRun, errOut)
	}
	b.ReportMetric(float64(elapsed.Milliseconds())/float64(roundsRun), "ms/round")
	b.ReportMetric(cpuUsed*1000/float64(roundsRun), "cpu-ms/round")
	if replicaUsed > 0 {
		b.ReportMetric(replicaUsed*1000/float64(roundsRun), "replica-cpu-ms/round")
	}
	b.ReportMetric(float64(peak.Load()-min(base, peak.Load()))/(1<<20), "peak-MiB")
	b.ReportMetric(float64(retained)/benchTargets/1024, "KiB/target")
}

// procCPU is the CPU time a process has used, from /proc (Linux; 0
// elsewhere), in seconds at the usual 100 ticks a second.
func procCPU(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The fields after the command's closing parenthesis: utime and stime
	// are the 12th and 13th.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	var utime, stime float64
	fmt.Sscan(f[11], &utime)
	fmt.Sscan(f[12], &stime)
	return (utime + stime) / 100
}
