package demo

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/leakhound/leakhound/classify"
	"github.com/leakhound/leakhound/monitor"
	"github.com/leakhound/leakhound/stack"
)

// goroutines fetches the service's own goroutine dump over HTTP, the way
// leakhound analyze reads it.
func goroutines(t *testing.T, url string) []*stack.Goroutine {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	gs, err := stack.Parse(resp.Body, stack.Options{})
	if err != nil || len(gs) < 2 {
		t.Fatalf("GET %s: not a goroutine dump: %d goroutines, %v", url, len(gs), err)
	}
	return gs
}

// counts returns, for each endpoint, how many goroutines its handler
// started that block in its Func with its Wait, and how many of those the
// runtime marked (leaked); and how many goroutines in all it started.
func counts(gs []*stack.Goroutine, eps []Endpoint) (blocked, leaked, started map[string]int) {
	blocked, leaked, started = map[string]int{}, map[string]int{}, map[string]int{}
	for _, g := range gs {
		for _, e := range eps {
			if string(g.CreatedBy.Func) != e.Handler {
				continue
			}
			started[e.Path]++
			inFunc := slices.ContainsFunc(g.Stack, func(f stack.Frame) bool { return string(f.Func) == e.Func })
			if inFunc && g.State == e.Wait {
				blocked[e.Path]++
				if g.Leaked {
					leaked[e.Path]++
				}
			}
		}
	}
	return blocked, leaked, started
}

func TestLeaksAndFixes(t *testing.T) {
	s, err := Start("")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	eps := s.Endpoints()
	dumpURL := s.URL() + "/debug/pprof/goroutine?debug=2"
	before, _, _ := counts(goroutines(t, dumpURL), eps)

	const n = 4
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Drive(ctx, n); err != nil {
		t.Fatal(err)
	}

	blocked, _, started := counts(goroutines(t, dumpURL), eps)
	for _, e := range eps {
		if e.Leak {
			if got := blocked[e.Path] - before[e.Path]; got != n {
				t.Errorf("%s: %d new goroutines blocked in %s [%s], want %d", e.Path, got, e.Func, e.Wait, n)
			}
		} else if started[e.Path] != 0 {
			t.Errorf("%s: %d goroutines started by %s are left, want none", e.Path, started[e.Path], e.Handler)
		}
	}

	if !hasLeakProfile() {
		t.Log("no goroutineleak profile in this runtime: proofs not checked (run with GOEXPERIMENT=goroutineleakprofile)")
		return
	}
	// One leak-detecting GC does not always prove a small mutex deadlock.
	leakURL := s.URL() + "/debug/pprof/goroutineleak?debug=2"
	goroutines(t, leakURL)
	blocked, leaked, _ := counts(goroutines(t, leakURL), eps)
	for _, e := range eps {
		if !e.Leak {
			continue
		}
		want := blocked[e.Path] // every leak in this process, earlier tests' too
		if e.Class == classify.IOWithoutDeadline {
			want = 0 // the runtime proves no I/O wait
		}
		if leaked[e.Path] != want {
			t.Errorf("%s: %d goroutines marked (leaked), want %d", e.Path, leaked[e.Path], want)
		}
	}
}

func TestEndpoints(t *testing.T) {
	s := New()
	eps := s.Endpoints()
	classes := map[classify.Class]bool{}
	for i, e := range eps {
		if classify.Lookup(e.Class) == nil || !e.Class.IsLeak() {
			t.Errorf("%s: class %q is not a leak class", e.Path, e.Class)
		}
		classes[e.Class] = true
		twin := eps[i^1]
		if e.Twin != twin.Path || twin.Twin != e.Path || e.Leak == twin.Leak || e.Leak != (i%2 == 0) {
			t.Errorf("%s and %s are not a leak and its fixed twin", e.Path, twin.Path)
		}
		if e.Doc == "" || e.Handler == twin.Handler {
			t.Errorf("%s: incomplete: %+v", e.Path, e)
		}
	}
	for _, c := range []classify.Class{classify.SendNoReceiver, classify.ReceiveNoSender, classify.NilChannelSend,
		classify.SelectForever, classify.RangeNeverClosed, classify.ContextNeverDone, classify.MutexDeadlock,
		classify.WaitGroupNeverDone, classify.CondNeverSignalled, classify.IOWithoutDeadline} {
		if !classes[c] {
			t.Errorf("no endpoint leaks in class %s", c)
		}
	}
}

func TestIndexAndPprof(t *testing.T) {
	s, err := Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	get := func(path string) (string, http.Header) {
		t.Helper()
		resp, err := http.Get(s.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s", path, resp.Status)
		}
		return string(body), resp.Header
	}
	index, h := get("/")
	if h.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		t.Errorf("index headers: %v", h)
	}
	for _, e := range s.Endpoints() {
		if !strings.Contains(index, `href="`+e.Path+`"`) {
			t.Errorf("index does not link %s", e.Path)
		}
	}
	pp, _ := get("/debug/pprof/")
	if !strings.Contains(pp, "goroutine") {
		t.Errorf("/debug/pprof/ is not the pprof index: %.200q", pp)
	}
	if got := strings.Contains(pp, "goroutineleak"); got != hasLeakProfile() {
		t.Errorf("/debug/pprof/ lists goroutineleak: %v, runtime has it: %v", got, hasLeakProfile())
	}
	if hasLeakProfile() {
		get("/debug/pprof/goroutineleak?debug=1")
	}
	resp, err := http.Get(s.URL() + "/no/such/path")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /no/such/path: %s, want 404", resp.Status)
	}
}

func TestErrors(t *testing.T) {
	if _, err := Start("0.0.0.0:0"); err == nil || !strings.Contains(err.Error(), "not loopback") {
		t.Errorf("Start(0.0.0.0:0): err = %v, want a refusal", err)
	}
	if _, err := Start("nonsense"); err == nil {
		t.Error("Start(nonsense): no error")
	}
	if err := New().Drive(context.Background(), 1); err == nil {
		t.Error("Drive on a service that is not serving: no error")
	}
	s, err := Start("")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Drive(context.Background(), 0); err == nil {
		t.Error("Drive with 0 requests: no error")
	}
}

// TestMonitorPage: the service's own monitor reports every leak it was
// driven into, on its page and in its JSON.
func TestMonitorPage(t *testing.T) {
	s, err := Start("")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Drive(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if _, err := s.monitor.Sample(false); err != nil {
		t.Fatal(err)
	}
	read := func(path string) string {
		t.Helper()
		resp, err := http.Get(s.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s: %s", path, resp.Status, body)
		}
		return string(body)
	}
	if index := read("/"); !strings.Contains(index, `href="/debug/leaks/"`) {
		t.Error("the index does not link the monitor's page")
	}
	var doc monitor.Document
	if err := json.Unmarshal([]byte(read("/debug/leaks/?format=json")), &doc); err != nil {
		t.Fatal(err)
	}
	for _, e := range s.Endpoints() {
		if !e.Leak {
			continue
		}
		n := 0
		for _, f := range doc.Findings {
			if f.Class == e.Class && slices.ContainsFunc(f.Stack, func(l classify.Location) bool { return l.Func == e.Func }) {
				n += f.Count
			}
		}
		if n < 3 {
			t.Errorf("%s: the monitor reports %d goroutines of class %s in %s, want 3", e.Path, n, e.Class, e.Func)
		}
	}
	page := read("/debug/leaks/")
	for _, want := range []string{"send-no-receiver", "mutex-deadlock", "demo.lookup"} {
		if !strings.Contains(page, want) {
			t.Errorf("the monitor's page lacks %q", want)
		}
	}
}
