package monitor

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"

	"github.com/leakhound/leakhound/classify"
)

// stopTheWorlds counts the stop-the-world pauses of the process that were
// not a GC's: runtime.Stack, the goroutine profile and ReadMemStats.
func stopTheWorlds() uint64 {
	s := []metrics.Sample{{Name: "/sched/pauses/total/other:seconds"}}
	metrics.Read(s)
	var n uint64
	for _, c := range s[0].Value.Float64Histogram().Counts {
		n += c
	}
	return n
}

// TestHandlerAnswersFromLastSample sends many concurrent requests for
// both formats: none takes a sample or stops the world.
func TestHandlerAnswersFromLastSample(t *testing.T) {
	m := New(Config{Interval: interval})
	s := newService(t, m)
	for range 3 {
		if err := get(t.Context(), s.URL+"/leak"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := m.Sample(false); err != nil {
		t.Fatal(err)
	}
	samples, last, stops := m.Tracker().Samples(), m.Last(), stopTheWorlds()

	var wg sync.WaitGroup
	for i := range 200 {
		url := s.URL + "/debug/leaks/"
		if i%2 == 1 {
			url += "?format=json"
		}
		wg.Go(func() {
			resp, err := http.Get(url)
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			if _, err := io.Copy(io.Discard, resp.Body); err != nil || resp.StatusCode != http.StatusOK {
				t.Errorf("GET %s: %s %v", url, resp.Status, err)
			}
		})
	}
	wg.Wait()
	if got := m.Tracker().Samples(); got != samples || m.Last() != last {
		t.Errorf("200 requests took %d samples", got-samples)
	}
	if got := stopTheWorlds(); got != stops {
		t.Errorf("200 requests stopped the world %d times", got-stops)
	}
}

func TestHandlerRequests(t *testing.T) {
	m := New(Config{Interval: interval})
	deny := "no"
	h := m.Handler(Authorize(func(r *http.Request) bool { return r.Header.Get("X-Allow") != deny }))
	do := func(method, target string, allow string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, target, nil)
		r.Header.Set("X-Allow", allow)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s %s: no nosniff", method, target)
		}
		return w
	}
	if w := do("GET", "/debug/leaks/", "yes"); w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
		t.Errorf("before the first sample: %d, Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}
	if _, err := m.Sample(false); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		method, target, allow string
		code                  int
		contentType, body     string
	}{
		{"GET", "/debug/leaks/", "yes", 200, "text/html; charset=utf-8", "<!doctype html>"},
		{"GET", "/debug/leaks/?format=html", "yes", 200, "text/html; charset=utf-8", "Goroutine leaks"},
		{"GET", "/debug/leaks/?format=json", "yes", 200, "application/json", `"schema": "leakhound/v1"`},
		{"HEAD", "/debug/leaks/", "yes", 200, "text/html; charset=utf-8", ""},
		{"GET", "/debug/leaks/", deny, 403, "text/plain; charset=utf-8", "forbidden"},
		{"POST", "/debug/leaks/", "yes", 405, "text/plain; charset=utf-8", "use GET"},
		{"GET", "/debug/leaks/?format=xml", "yes", 400, "text/plain; charset=utf-8", `format="xml": want html or json`},
		{"GET", "/debug/leaks/?all=maybe", "yes", 400, "text/plain; charset=utf-8", "all: "},
		{"GET", "/debug/leaks/?format=json&limit=0", "yes", 400, "text/plain; charset=utf-8", `limit="0": want a number from 1 to 1000`},
		{"GET", "/debug/leaks/?format=json&limit=1001", "yes", 400, "text/plain; charset=utf-8", `limit="1001": want a number from 1 to 1000`},
		{"GET", "/debug/leaks/?format=json&limit=ten", "yes", 400, "text/plain; charset=utf-8", `limit="ten"`},
		{"GET", "/debug/leaks/?format=json&offset=-1", "yes", 400, "text/plain; charset=utf-8", `offset="-1": want a number from 0`},
		{"GET", "/debug/leaks/?format=json&offset=99999999&limit=1", "yes", 200, "application/json", `"findings_omitted": `},
		{"GET", "/debug/leaks/?format=json&offset=9223372036854775807", "yes", 200, "application/json", `"offset": 9223372036854775807`},
	} {
		w := do(tc.method, tc.target, tc.allow)
		if w.Code != tc.code || w.Header().Get("Content-Type") != tc.contentType || !strings.Contains(w.Body.String(), tc.body) {
			t.Errorf("%s %s: %d %q %.100q; want %d %q containing %q", tc.method, tc.target, w.Code,
				w.Header().Get("Content-Type"), w.Body.String(), tc.code, tc.contentType, tc.body)
		}
		if tc.method == "HEAD" && (w.Body.Len() != 0 || w.Header().Get("Content-Length") == "") {
			t.Errorf("HEAD: body of %d bytes, Content-Length %q", w.Body.Len(), w.Header().Get("Content-Length"))
		}
	}
}

// TestPage checks what the page shows of a real leak: escaped source, the
// sections, and the ok groups only with all=1.
func TestPage(t *testing.T) {
	m := New(Config{Interval: interval, Full: FullAlways})
	s := newService(t, m)
	done := make(chan struct{})
	go awaitDone(done)
	defer close(done)
	for i := range 4 {
		for range i + 1 {
			if err := get(t.Context(), s.URL+"/leak"); err != nil {
				t.Fatal(err)
			}
		}
		waitFor(t, "the leaks to park", func() bool { return countBlocked(t, "fetch") >= (i+1)*(i+2)/2 })
		if _, err := m.Sample(false); err != nil {
			t.Fatal(err)
		}
	}
	page := body(t, s.URL+"/debug/leaks/", "text/html; charset=utf-8")
	attention, rest, ok := strings.Cut(page, "Suspect, not yet growing")
	if !ok {
		t.Fatalf("no suspect section in the page:\n%s", page)
	}
	for _, want := range []string{
		`<span class="class">send-no-receiver</span>`,
		`<span class="tag">growing</span>`,
		`10 goroutines, +9 since`,
		`result &lt;- &#34;done&#34;`, // the source line, escaped
		`go fetch(result, ready)`,
		`make(chan string, 1)`, // the fix names the line to change
		`<b>source</b>:`,       // the evidence
		`<polyline points="3.0,`,
	} {
		if !strings.Contains(attention, want) {
			t.Errorf("the attention section lacks %q", want)
		}
	}
	if strings.Contains(page, `result <- "done"`) {
		t.Error("the source line is not escaped")
	}
	if strings.Contains(rest, `<div class="card`) && !strings.Contains(rest, "List them all") {
		t.Error("ok groups listed without all=1")
	}
	if !strings.Contains(rest, "<td>idle</td>") {
		t.Error("the summary of groups that are not leaks lacks the idle HTTP server")
	}
	_, parked, ok := strings.Cut(rest, "<h2>Parked")
	if !ok || !strings.Contains(parked, `<div class="card parked">`) || !strings.Contains(parked, "awaitDone") {
		t.Errorf("the parked section lacks the goroutine in awaitDone:\n%s", parked)
	}
	all := body(t, s.URL+"/debug/leaks/?all=1", "text/html; charset=utf-8")
	if !strings.Contains(all, "an HTTP server") || strings.Contains(all, "List them all") {
		t.Error("all=1 does not list the idle groups")
	}

	var doc Document
	if err := json.Unmarshal([]byte(body(t, s.URL+"/debug/leaks/?format=json", "application/json")), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Monitor.Recent) != 4 || doc.Monitor.Last.Seq != 4 || !doc.Monitor.Last.Full || doc.Monitor.Last.WallSeconds <= 0 {
		t.Errorf("monitor status %+v", doc.Monitor)
	}
	var f *classify.Finding
	for _, f = range doc.Findings {
		if f.BlockedAt.Func == pkgPath+".fetch" {
			break
		}
	}
	if f == nil || f.Class != classify.SendNoReceiver || f.Count != 10 || len(f.GoroutineIDs) != 10 {
		t.Errorf("the finding of fetch: %+v", f)
	}
	if doc.Parked == 0 {
		t.Error("the JSON counts no parked goroutine")
	}
	var parkedGroup bool
	for _, g := range doc.Groups {
		parkedGroup = parkedGroup || (g.BlockedAt.Func == pkgPath+".awaitDone" && g.Verdict == classify.Parked && len(g.Evidence) == 0)
	}
	if !parkedGroup {
		t.Error("no parked group in awaitDone in the JSON")
	}
	var g GroupDoc
	for _, g = range doc.Groups {
		if g.Growing {
			break
		}
	}
	if !g.Growing || g.GrewAt == nil || len(g.History) != 4 || g.History[3].Count != 10 || g.CreatedAt.Func != pkgPath+".(*service).leak" {
		t.Errorf("first group %+v", g)
	}
}

// awaitDone waits for its owner to close done: a goroutine parked in a
// leak class with no evidence of a leak.
func awaitDone(done <-chan struct{}) {
	<-done
}

func TestSparkline(t *testing.T) {
	line, last, top := sparkline([]Point{{Count: 0}, {Count: 5}, {Count: 10}})
	if line != "3.0,33.0 90.0,18.0 177.0,3.0" || last != "177.0,3.0" || top != 10 {
		t.Errorf("sparkline = %q %q %d", line, last, top)
	}
	if line, _, _ := sparkline([]Point{{Count: 0}}); line != "" {
		t.Errorf("all zeros: %q", line)
	}
	if line, _, _ := sparkline([]Point{{Count: 4}}); line != "3.0,3.0" {
		t.Errorf("one point: %q", line)
	}
}
