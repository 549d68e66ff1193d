package monitor

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/metrics"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leakhound/leakhound/classify"
)

// loadService starts n goroutines with distinct stacks, takes a full
// sample of them and serves the monitor's handler on loopback. It returns
// the server's URL and a client that keeps a connection per client.
func loadService(tb testing.TB, n int) (*Monitor, string, *http.Client) {
	tb.Helper()
	release := distinctStacks(tb, n)
	tb.Cleanup(release)
	m := New(Config{Full: FullAlways, ProofEvery: -1})
	// Every goroutine must be parked at its line before the sample counts
	// them: one that has not parked yet is another finding.
	deadline := time.Now().Add(30 * time.Second)
	for parked(tb, m) < n {
		if time.Now().After(deadline) {
			tb.Fatalf("the %d goroutines did not all park", n)
		}
	}
	srv := httptest.NewServer(m.Handler())
	tb.Cleanup(srv.Close)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	tb.Cleanup(client.CloseIdleConnections)
	return m, srv.URL, client
}

// parked takes a sample and counts the findings of goroutines parked in
// parkAt, each of which must hold one goroutine.
func parked(tb testing.TB, m *Monitor) int {
	s, err := m.Sample(true)
	if err != nil {
		tb.Fatal(err)
	}
	n := 0
	for _, f := range s.Report.Findings {
		if f.BlockedAt.Func == pkgPath+".parkAt" && f.Class != classify.Runnable && f.Class != classify.Running {
			n++
		}
	}
	return n
}

// fetchBody GETs url with c and returns the body.
func fetchBody(c *http.Client, url string) ([]byte, error) {
	resp, err := c.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %s: %.200s", url, resp.Status, b)
	}
	return b, err
}

// stacksUnderTest is how many distinct stacks the load test serves: the
// race detector allows 8128 live goroutines.
func stacksUnderTest() int {
	if raceEnabled {
		return 4000
	}
	return 20000
}

// TestHandlerLoad serves a sample of 20k distinct stacks to many
// concurrent JSON and HTML clients, and pages through every finding: each
// view is encoded once per sample, whatever the number of clients, and
// the pages hold every finding once, with totals that add up.
func TestHandlerLoad(t *testing.T) {
	n := stacksUnderTest()
	m, url, client := loadService(t, n)
	last := m.Last()
	findings := len(last.Report.Findings)
	if findings < n {
		t.Fatalf("%d findings for %d distinct stacks", findings, n)
	}

	const clients, requests = 20, 5
	bodies := make([][][]byte, 2*clients)
	var wg sync.WaitGroup
	for c := range 2 * clients {
		q := "?format=json"
		if c%2 == 1 {
			q = "?all=1"
		}
		wg.Go(func() {
			for range requests {
				b, err := fetchBody(client, url+q)
				if err != nil {
					t.Error(err)
					return
				}
				bodies[c] = append(bodies[c], b)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	if got := m.encodes.Load(); got != 2 {
		t.Errorf("%d clients made %d encodings of one sample, want 2 (one JSON, one HTML)", 2*clients*requests, got)
	}
	for c := range bodies {
		for _, b := range bodies[c] {
			if string(b) != string(bodies[c%2][0]) {
				t.Fatalf("client %d got another body than client %d for the same sample", c, c%2)
			}
		}
	}

	var doc Document
	if err := json.Unmarshal(bodies[0][0], &doc); err != nil {
		t.Fatal(err)
	}
	p := doc.Page
	if len(doc.Findings) != DefaultLimit || p.Findings != findings || p.FindingsOmitted != findings-DefaultLimit ||
		len(doc.Groups) != DefaultLimit || p.GroupsOmitted != p.Groups-DefaultLimit || doc.Total < n || p.Next == "" {
		t.Errorf("first page: %d findings, %d groups, page %+v, total %d", len(doc.Findings), len(doc.Groups), p, doc.Total)
	}
	counted := 0
	for _, f := range doc.Findings {
		counted += f.Count
	}
	if counted+p.GoroutinesOmitted != last.Report.Total {
		t.Errorf("%d goroutines on the page + %d omitted, want the sample's %d", counted, p.GoroutinesOmitted, last.Report.Total)
	}
	if page := string(bodies[1][0]); len(page) > 2<<20 || strings.Count(page, `<div class="card `) > 4*maxCards ||
		!strings.Contains(page, " more groups: see ") {
		t.Errorf("the page with all=1 is %d bytes with %d cards, and says of more groups: %v",
			len(page), strings.Count(page, `<div class="card `), strings.Contains(page, " more groups: see "))
	}

	// Page through every finding at the largest limit, from several
	// clients at once: each finding comes once, in the report's order.
	pages := (findings + MaxLimit - 1) / MaxLimit
	got := make([][]*classify.Finding, pages)
	for i := range pages {
		wg.Go(func() {
			b, err := fetchBody(client, fmt.Sprintf("%s?format=json&limit=%d&offset=%d", url, MaxLimit, i*MaxLimit))
			if err != nil {
				t.Error(err)
				return
			}
			var d Document
			if err := json.Unmarshal(b, &d); err != nil {
				t.Error(err)
				return
			}
			if d.Page.Offset != i*MaxLimit || (i == pages-1) != (d.Page.Next == "" && d.Page.Groups <= (i+1)*MaxLimit) {
				t.Errorf("page %d: %+v", i, d.Page)
			}
			got[i] = d.Findings
		})
	}
	wg.Wait()
	m.cacheMu.Lock()
	cached, views := m.cache.bytes, len(m.cache.views)
	m.cacheMu.Unlock()
	if cached > maxCached || views > maxViews {
		t.Errorf("the cache keeps %d bytes in %d views, over its bounds", cached, views)
	}
	all := slices.Concat(got...)
	if len(all) != findings {
		t.Fatalf("paging gave %d findings, want %d", len(all), findings)
	}
	for i, f := range all {
		w := last.Report.Findings[i]
		if f.Class != w.Class || f.BlockedAt != w.BlockedAt || f.CreatedAt != w.CreatedAt || f.Count != w.Count {
			t.Fatalf("finding %d of the pages is %s at %v, want %s at %v", i, f.Class, f.BlockedAt, w.Class, w.BlockedAt)
		}
	}

	// A new sample is encoded anew.
	before := m.encodes.Load()
	if _, err := m.Sample(true); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := fetchBody(client, url+"?format=json"); err != nil {
			t.Fatal(err)
		}
	}
	if got := m.encodes.Load() - before; got != 1 {
		t.Errorf("3 requests after a new sample made %d encodings, want 1", got)
	}
}

// BenchmarkHandler measures the handler on a sample of 20k distinct
// stacks, answering rounds of 20 concurrent clients on loopback: one op is
// one round. "cold" rounds come right after a sample, when the first
// request encodes and the others wait for it; "warm" ones are served from
// the cache. It reports the median and 99th percentile latency per request
// and the peak growth of the heap over the benchmark.
func BenchmarkHandler(b *testing.B) {
	m, url, client := loadService(b, stacksUnderTest())
	const clients = 20
	for _, bc := range []struct {
		name, query string
		cold        bool
	}{
		{"json/cold", "?format=json", true},
		{"json/warm", "?format=json", false},
		{"json-limit-1000/cold", fmt.Sprintf("?format=json&limit=%d", MaxLimit), true},
		{"html/cold", "", true},
		{"html-all/cold", "?all=1", true},
		{"html/warm", "", false},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			runtime.GC() // the baseline is the live heap
			base := heapBytes()
			peak := watchHeap()
			var lat []time.Duration
			var mu sync.Mutex
			var bytes int
			encodes := m.encodes.Load()
			for b.Loop() {
				if bc.cold {
					m.dropCache()
				}
				var wg sync.WaitGroup
				for range clients {
					wg.Go(func() {
						start := time.Now()
						body, err := fetchBody(client, url+bc.query)
						d := time.Since(start)
						if err != nil {
							b.Error(err)
						}
						mu.Lock()
						lat, bytes = append(lat, d), len(body)
						mu.Unlock()
					})
				}
				wg.Wait()
			}
			top := peak()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2])/1e6, "ms/req-p50")
			b.ReportMetric(float64(lat[len(lat)*99/100])/1e6, "ms/req-p99")
			b.ReportMetric(float64(top-min(top, base))/(1<<20), "MB-peak-growth")
			b.ReportMetric(float64(bytes)/(1<<10), "KB/body")
			b.ReportMetric(float64(m.encodes.Load()-encodes)/float64(b.N), "encodes/op")
		})
	}
}

// dropCache forgets the encoded responses, as a new sample does.
func (m *Monitor) dropCache() {
	m.cacheMu.Lock()
	m.cache = bodies{}
	m.cacheMu.Unlock()
}

// heapBytes is the memory in heap objects, live or not yet swept.
func heapBytes() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// watchHeap polls heapBytes every millisecond until the returned function
// is called, which returns the highest value seen.
func watchHeap() func() uint64 {
	done := make(chan struct{})
	result := make(chan uint64)
	go func() {
		top := heapBytes()
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				result <- max(top, heapBytes())
				return
			case <-tick.C:
				top = max(top, heapBytes())
			}
		}
	}()
	return func() uint64 {
		close(done)
		return <-result
	}
}
