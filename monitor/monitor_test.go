package monitor

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leakhound/leakhound"
	"github.com/leakhound/leakhound/classify"
	"github.com/leakhound/leakhound/report"
)

// service is a real HTTP service on loopback: /leak leaves one goroutine
// blocked on a send nobody receives per request (the timeout pattern),
// /work does like work without leaking, and the monitor's page is mounted
// at /debug/leaks/.
type service struct {
	*httptest.Server
	m *Monitor

	worked atomic.Int64 // /work requests answered

	mu     sync.Mutex
	leaked []chan string
}

func newService(t *testing.T, m *Monitor) *service {
	s := &service{m: m}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /leak", s.leak)
	mux.HandleFunc("GET /work", s.work)
	mux.Handle("/debug/leaks/", m.Handler())
	s.Server = httptest.NewServer(mux)
	t.Cleanup(func() {
		s.Close()
		s.release()
	})
	return s
}

// fetch stands for a backend whose answer comes only once its caller has
// stopped waiting for it: ready is closed when the caller gave up.
func fetch(result chan<- string, ready <-chan struct{}) {
	<-ready
	result <- "done"
}

// leak gives up on fetch after a millisecond; the unbuffered result
// channel then has no receiver and fetch blocks on its send for good.
// fetch cannot answer before the timeout, so every request leaks one
// goroutine however loaded the machine is.
func (s *service) leak(w http.ResponseWriter, r *http.Request) {
	ready := make(chan struct{})
	result := make(chan string)
	go fetch(result, ready)
	select {
	case v := <-result:
		fmt.Fprintln(w, v)
	case <-time.After(time.Millisecond):
		close(ready)
		s.mu.Lock()
		s.leaked = append(s.leaked, result)
		s.mu.Unlock()
		fmt.Fprintln(w, "timed out")
	}
}

// compute is a backend call that takes a while.
func compute(result chan<- string, work time.Duration) {
	time.Sleep(work)
	result <- "done"
}

// work is leak's fixed twin: the buffered channel lets compute finish.
func (s *service) work(w http.ResponseWriter, r *http.Request) {
	defer s.worked.Add(1)
	result := make(chan string, 1)
	go compute(result, 2*time.Millisecond)
	select {
	case v := <-result:
		fmt.Fprintln(w, v)
	case <-time.After(time.Millisecond):
		fmt.Fprintln(w, "timed out")
	}
}

// release receives the result of every leaked fetch, so the test leaves
// nothing behind.
func (s *service) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ch := range s.leaked {
		<-ch
	}
	s.leaked = nil
}

// load calls url every period from clients goroutines until the test ends.
func load(t *testing.T, url string, clients int, period time.Duration) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})
	for range clients {
		wg.Go(func() {
			tick := time.NewTicker(period)
			defer tick.Stop()
			for {
				if err := get(ctx, url); err != nil && ctx.Err() == nil {
					t.Errorf("GET %s: %v", url, err)
					return
				}
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
				}
			}
		})
	}
}

func get(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s", resp.Status)
	}
	return err
}

// waitSamples waits until the monitor has taken n samples in all.
func waitSamples(t *testing.T, m *Monitor, n int) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%d samples", n), func() bool { return m.Tracker().Samples() >= n })
}

const interval = 50 * time.Millisecond

// sampleAfterWork takes a sample once the service has answered n more
// /work requests, so that load ran between samples.
func sampleAfterWork(t *testing.T, s *service, n int64) *Sample {
	t.Helper()
	from := s.worked.Load()
	waitFor(t, "more /work requests", func() bool { return s.worked.Load() >= from+n })
	sample, err := s.m.Sample(false)
	if err != nil {
		t.Fatal(err)
	}
	return sample
}

// TestMonitorFindsGrowingLeak runs a service that leaks goroutines on
// /leak beside steady /work traffic, and samples it after each step of
// the leak: the monitor reports the leak's group as growing, with its
// class, after Rise+1 samples of it, and only that group. Samples are
// taken by the test, each once the step's leaked goroutines have parked,
// so the result does not depend on the machine's load.
func TestMonitorFindsGrowingLeak(t *testing.T) {
	for _, full := range []Full{FullNever, FullAlways} {
		t.Run(map[Full]string{FullNever: "profile", FullAlways: "full dump"}[full], func(t *testing.T) {
			m := New(Config{Interval: interval, Full: full})
			s := newService(t, m)
			load(t, s.URL+"/work", 4, 2*time.Millisecond)
			for range 3 {
				sampleAfterWork(t, s, 4)
			}

			start, rise := m.Tracker().Samples(), m.Tracker().Config().Rise
			var leak Group
			for step := 1; leak.Key.Class == ""; step++ {
				if step > rise+1 {
					t.Fatalf("no growing group after %d steps of the leak", step-1)
				}
				for range 2 {
					if err := get(t.Context(), s.URL+"/leak"); err != nil {
						t.Fatal(err)
					}
				}
				waitFor(t, "the leaked goroutines to park", func() bool { return countBlocked(t, "fetch") == 2*step })
				sampleAfterWork(t, s, 4)
				for _, g := range m.Tracker().Groups() {
					if g.Growing {
						leak = g
					}
				}
			}
			if took := m.Tracker().Samples() - start; took != rise+1 {
				t.Errorf("the leak was found after %d samples, want %d", took, rise+1)
			}
			if leak.Key.Class != classify.SendNoReceiver || leak.Key.Blocked.Func != pkgPath+".fetch" {
				t.Errorf("growing group %s, want send-no-receiver in fetch", leak.Key)
			}
			if full == FullAlways && leak.Key.Created.Func != pkgPath+".(*service).leak" {
				t.Errorf("full dumps: created at %+v, want (*service).leak", leak.Key.Created)
			}
			if leak.Finding.Verdict == classify.OK || leak.Growth != 2*rise || leak.Count != 2*(rise+1) {
				t.Errorf("verdict %s, count %d, growth %d", leak.Finding.Verdict, leak.Count, leak.Growth)
			}
			if last := m.Last(); last.Full != (full == FullAlways) || last.Wall <= 0 {
				t.Errorf("last sample: Full %v, Wall %v", last.Full, last.Wall)
			}
			for _, g := range m.Tracker().Groups() {
				if g.Growing && g.Key != leak.Key {
					t.Errorf("%s is growing too: %v", g.Key, g.History)
				}
			}

			// The page and the JSON, over HTTP from the same service.
			page := body(t, s.URL+"/debug/leaks/", "text/html; charset=utf-8")
			if !strings.Contains(page, `<span class="tag">growing</span>`) {
				t.Error("the page does not tag the leak as growing")
			}
			for _, want := range []string{"send-no-receiver", "fetch", "monitor_test.go:", "<svg", "<polyline points=\""} {
				if !strings.Contains(page, want) {
					t.Errorf("the page lacks %q", want)
				}
			}
			var doc Document
			if err := json.Unmarshal([]byte(body(t, s.URL+"/debug/leaks/?format=json", "application/json")), &doc); err != nil {
				t.Fatal(err)
			}
			if doc.Schema != report.Schema || doc.Report == nil || doc.Total == 0 || doc.Monitor.Samples != start+rise+1 {
				t.Fatalf("document: schema %q, samples %d", doc.Schema, doc.Monitor.Samples)
			}
			var found bool
			for _, g := range doc.Groups {
				if g.BlockedAt.Func == pkgPath+".fetch" && g.Class == classify.SendNoReceiver {
					found = g.Growing && g.GrewAt != nil && len(g.History) == rise+1 && g.Leaking
				}
			}
			if !found {
				t.Errorf("no growing send-no-receiver group with its history in the JSON: %+v", doc.Groups)
			}
		})
	}
}

// TestMonitorSteadyLoad: a service under steady load, whose goroutines
// come and go, shows no growing group over 30 samples, each taken once
// more requests were answered.
func TestMonitorSteadyLoad(t *testing.T) {
	m := New(Config{Interval: interval})
	s := newService(t, m)
	load(t, s.URL+"/work", 6, time.Millisecond)
	seen := map[Key]bool{}
	for range 30 {
		sampleAfterWork(t, s, 6)
		for _, g := range m.Tracker().Groups() {
			seen[g.Key] = true
			// The leaks TestProof and TestModesKeepGroups leave for good
			// live on in this process, and the runtime may prove them.
			left := g.Key.Blocked.Func == pkgPath+".abandoned" || g.Key.Blocked.Func == pkgPath+".(*notifier).notify"
			if g.Leaking() && !left {
				t.Fatalf("sample %d: %s reported as leaking: %v", m.Tracker().Samples(), g.Key, g.History)
			}
		}
	}
	// The load was seen: goroutines of compute came and went.
	var computed bool
	for k := range seen {
		computed = computed || k.Blocked.Func == pkgPath+".compute"
	}
	if !computed {
		t.Errorf("no sample saw the load's goroutines in compute: %v", seen)
	}
}

// body GETs url and returns its body, checking the status and content type.
func body(t *testing.T, url, contentType string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s: %s", url, resp.Status, b)
	}
	if got := resp.Header.Get("Content-Type"); got != contentType {
		t.Errorf("GET %s: Content-Type %q, want %q", url, got, contentType)
	}
	if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("GET %s: X-Content-Type-Options %q", url, got)
	}
	return string(b)
}

// loops counts the monitor sampling goroutines alive. classify lists them
// as idle, so the leak check alone would not see one left running.
func loops(t *testing.T) int {
	t.Helper()
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	return strings.Count(string(buf), pkgPath+".(*Monitor).loop(")
}

// TestStartStop: the monitor's goroutine ends with Stop and with its
// context, and a second Start while running is refused.
func TestStartStop(t *testing.T) {
	leakhound.Track(t)
	m := New(Config{Interval: interval})
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the sampling goroutine", func() bool { return loops(t) == 1 })
	if err := m.Start(context.Background()); err != ErrRunning {
		t.Errorf("second Start: %v, want ErrRunning", err)
	}
	waitSamples(t, m, 2)
	m.Stop()
	m.Stop()
	// Stop returned after the loop did, so no sample can follow: the
	// sampling goroutine is gone from a dump taken right after.
	if n := loops(t); n != 0 {
		t.Errorf("%d sampling goroutines after Stop, want 0", n)
	}
	n := m.Tracker().Samples()

	ctx, cancel := context.WithCancel(context.Background())
	if err := m.Start(ctx); err != nil {
		t.Fatalf("Start after Stop: %v", err)
	}
	waitSamples(t, m, n+1)
	cancel()
	waitFor(t, "the loop to end with its context", func() bool { return loops(t) == 0 })
	m.Stop()
}

// TestSampleCost: a full dump stops the world, and the sample says for how
// long; both kinds record their wall time.
func TestSampleCost(t *testing.T) {
	m := New(Config{})
	full, err := m.Sample(true)
	if err != nil {
		t.Fatal(err)
	}
	if !full.Full || full.Pause <= 0 || full.Wall <= 0 || full.Goroutines < 2 || full.Seq != 1 {
		t.Errorf("full dump: %+v", full)
	}
	m = New(Config{Full: FullNever})
	profile, err := m.Sample(false)
	if err != nil {
		t.Fatal(err)
	}
	if profile.Full || profile.Wall <= 0 || profile.Goroutines < 2 {
		t.Errorf("profile: %+v", profile)
	}
	if c := m.Costs(); len(c) != 1 || c[0].Report != nil || c[0].Wall != profile.Wall {
		t.Errorf("Costs() = %+v", c)
	}
}

// abandoned blocks on a channel nothing else can reach: the runtime's leak
// GC can prove it never runs again.
func abandoned(ch chan int) { ch <- 1 }

// TestProof takes the runtime's leak proof where it exists: the proven
// goroutines' group is a leak in full dumps and in profiles, where the
// proof carries over to samples that do not take it.
func TestProof(t *testing.T) {
	if pprof.Lookup("goroutineleak") == nil {
		t.Skip("no goroutineleak profile in this runtime (Go 1.26 needs GOEXPERIMENT=goroutineleakprofile)")
	}
	total := countBlocked(t, "abandoned") // proven leaks of earlier runs (-count) never leave
	for _, full := range []Full{FullNever, FullAlways} {
		for range 3 {
			go abandoned(make(chan int))
		}
		total += 3
		waitFor(t, "the abandoned goroutines to park", func() bool { return countBlocked(t, "abandoned") == total })
		m := New(Config{Full: full, ProofEvery: 100})
		proven := func(s *Sample) int {
			for _, f := range s.Report.Findings {
				if f.BlockedAt.Func == pkgPath+".abandoned" {
					if f.Verdict != classify.Leak && f.Proven > 0 {
						t.Errorf("verdict %s with %d proven", f.Verdict, f.Proven)
					}
					return f.Proven
				}
			}
			return 0
		}
		first, err := m.Sample(false)
		if err != nil {
			t.Fatal(err)
		}
		if !first.Proof || !first.ProofTaken || proven(first) != total {
			t.Errorf("full %v, first sample: Proof %v, ProofTaken %v, %d proven, want %d", full == FullAlways, first.Proof, first.ProofTaken, proven(first), total)
		}
		second, err := m.Sample(false)
		if err != nil {
			t.Fatal(err)
		}
		if !second.Proof || second.ProofTaken || proven(second) != total {
			t.Errorf("full %v, second sample: Proof %v, ProofTaken %v, %d proven, want %d", full == FullAlways, second.Proof, second.ProofTaken, proven(second), total)
		}
		var g Group
		for _, g = range m.Tracker().Groups() {
			if g.Key.Blocked.Func == pkgPath+".abandoned" {
				break
			}
		}
		if !g.Proven || !g.Leaking() {
			t.Errorf("group %s: Proven %v", g.Key, g.Proven)
		}
	}
}
