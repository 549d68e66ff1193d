package report

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/leakhound/leakhound/classify"
)

func TestNiceMax(t *testing.T) {
	for _, c := range []struct{ hi, top, step int }{{0, 1, 1}, {3, 3, 1}, {5, 6, 2}, {20, 20, 5}, {26, 30, 10}, {999, 1000, 500}, {12345, 15000, 5000}} {
		if top, step := niceMax(c.hi); top != c.top || step != c.step || top < c.hi {
			t.Errorf("niceMax(%d) = %d, %d; want %d, %d", c.hi, top, step, c.top, c.step)
		}
	}
}

// TestWatchHTML: the page charts each service and group with axes, marks
// growth and restarts, escapes what services sent, and reloads only while
// the watch runs.
func TestWatchHTML(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)
	var pts []Point
	for i := range 5 {
		pts = append(pts, Point{t0.Add(time.Duration(i) * 10 * time.Second), 10 + 3*i})
	}
	targets := []WatchTarget{
		{URL: `http://a/<script>x</script>`, Samples: 5, Totals: pts, Restarts: []time.Time{t0.Add(15 * time.Second)},
			Groups: []WatchGroup{{Name: "send-no-receiver at <b>main.go:1</b>", Growing: true, Growth: 12, History: pts}}},
		{URL: "http://b", Errors: 5, LastErr: "connection refused"},
	}
	var live, final bytes.Buffer
	if err := WatchHTML(&live, targets, WatchOptions{Started: t0, Updated: t0, Refresh: 10 * time.Second}); err != nil {
		t.Fatal(err)
	}
	if err := WatchHTML(&final, targets, WatchOptions{Started: t0, Updated: t0, Final: true, Refresh: 10 * time.Second}); err != nil {
		t.Fatal(err)
	}
	page := final.String()
	for _, want := range []string{`class="tchart growing"`, `class="axis x-axis"`, `class="axis y-axis"`, ">10:00:00<", ">10:00:40<",
		`class="mark"`, "restart 10:00:15", "&lt;script&gt;x&lt;/script&gt;", "&lt;b&gt;main.go:1&lt;/b&gt;", "no sample answered yet", "connection refused", "(+12 since first seen)"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if strings.Contains(page, "<script>x") || strings.Contains(page, "<b>main") || strings.Contains(page, "refresh") {
		t.Error("the final page holds markup from a service, or reloads itself")
	}
	if !strings.Contains(live.String(), `<meta http-equiv="refresh" content="10">`) {
		t.Error("the live page does not reload itself")
	}
}

// TestTimeChart: the chart alone is one SVG element with its axes.
func TestTimeChart(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)
	h, err := TimeChart([]Point{{t0, 1}, {t0.Add(time.Minute), 7}}, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	s := string(h)
	if !strings.HasPrefix(strings.TrimSpace(s), `<svg class="tchart growing"`) || !strings.HasSuffix(strings.TrimSpace(s), "</svg>") ||
		!strings.Contains(s, "x-axis") || !strings.Contains(s, ">10:01:00<") || !strings.Contains(string(TimeChartCSS()), ".tchart") {
		t.Errorf("chart:\n%s", s)
	}
}

// TestWatchHTMLBudget: a service at the histories' bounds (1000 totals,
// 120 points a group, more groups than are charted) costs the page under
// 150 KB.
func TestWatchHTMLBudget(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)
	series := func(n int) []Point {
		pts := make([]Point, n)
		for i := range pts {
			pts[i] = Point{t0.Add(time.Duration(i) * 10 * time.Second), 1000 + i*37%500}
		}
		return pts
	}
	w := WatchTarget{URL: "http://a", Samples: 1000, Totals: series(1000)}
	for i := range 100 {
		w.Groups = append(w.Groups, WatchGroup{Name: strings.Repeat("x", 120) + strconv.Itoa(i), Growing: i%2 == 0, History: series(120)})
	}
	var buf bytes.Buffer
	if err := WatchHTML(&buf, []WatchTarget{w}, WatchOptions{Final: true}); err != nil {
		t.Fatal(err)
	}
	if buf.Len() > 150<<10 {
		t.Errorf("one service costs %d bytes, over 150 KB", buf.Len())
	}
	if !strings.Contains(buf.String(), "76 more groups") {
		t.Error("the page does not count the groups it left out")
	}
	t.Logf("%d bytes", buf.Len())
}

// TestWatchHTMLManyTargets: a fleet's page charts the first services and
// counts the rest.
func TestWatchHTMLManyTargets(t *testing.T) {
	ws := make([]WatchTarget, 45)
	for i := range ws {
		ws[i].URL = "http://replica-" + strconv.Itoa(i)
	}
	var buf bytes.Buffer
	if err := WatchHTML(&buf, ws, WatchOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(buf.String(), `<section class="target"`); n != 40 || !strings.Contains(buf.String(), "5 more services") {
		t.Errorf("%d services charted, want 40 and 5 counted", n)
	}
}

// TestWatchHTMLFleet: a fleet's page opens with its leaks, each once with
// its chart over the rounds, its instances linked to their sections and
// the series and alert that track it; what the targets sent is escaped
// and the lists are bounded.
func TestWatchHTMLFleet(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)
	var hist []Point
	for i := range 4 {
		hist = append(hist, Point{t0.Add(time.Duration(i) * time.Minute), 30 * (i + 1)})
	}
	leak := FleetLeak{Job: `api<i>`, Class: classify.SendNoReceiver, Verdict: classify.Leak,
		BlockedAt: classify.Location{Func: "main.send.func1", File: "/src/main.go", Line: 12},
		CreatedAt: classify.Location{Func: "main.send", File: "/src/main.go", Line: 10},
		Count:     120, Proven: 40, Growth: 90, Growing: 2, JobInstances: 14, Fix: "buffer <the> channel",
		Series: `leakhound_goroutines{job="api"}`, GroupSeries: `leakhound_group_goroutines{job="api"}`, Alert: "GoroutineLeakProven", History: hist}
	for i := range 12 {
		leak.Shares = append(leak.Shares, FleetShare{URL: "http://replica-" + strconv.Itoa(i), Count: 10, Growing: i < 2, Restarts: i % 2})
	}
	fl := &WatchFleet{Prometheus: "http://prom", Summary: "14 instances from http://prom", AlertsFile: "deploy/prometheus/alerts.yml"}
	for range 3 {
		fl.Leaks = append(fl.Leaks, leak)
	}
	targets := []WatchTarget{{URL: "http://replica-0", Job: "api"}, {URL: "http://replica-1", Job: "api"}}
	var buf bytes.Buffer
	if err := WatchHTML(&buf, targets, WatchOptions{Final: true, Fleet: fl, MaxLeaks: 2}); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, want := range []string{
		"Fleet: 3 leaks holding 360 goroutines, the most held first",
		`in job api&lt;i&gt;: 120 goroutines on 12 of 14 instances, 40 proven, +90 over the watch`,
		"growing on 2", "blocked at main.go:12  main.send.func1", "created at main.go:10  main.send",
		`<a href="#t0">http://replica-0</a>`, `<a href="#t1">http://replica-1</a>`, "since its restart",
		"and 2 more instances", "and 1 more leak", "buffer &lt;the&gt; channel",
		"GoroutineLeakProven", "deploy/prometheus/alerts.yml", `<span class="dim">job api</span>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if n := strings.Count(page, `class="card fcard v-card-leak"`); n != 2 {
		t.Errorf("%d fleet leaks shown, want 2", n)
	}
	// Instances not charted on the page are named, not linked.
	if strings.Contains(page, `href="#t2"`) || !strings.Contains(page, "<td class=\"fn\">http://replica-2</td>") {
		t.Error("an instance without a section is linked, or not named")
	}
	if i, j := strings.Index(page, `id="fleet"`), strings.Index(page, `id="t0"`); i < 0 || j < i {
		t.Error("the fleet's section does not come before the instances")
	}
	if strings.Count(page, `class="tchart growing"`) != 2 {
		t.Error("the growing leaks' charts are not marked")
	}

	// No leak yet: said, on a live page.
	buf.Reset()
	if err := WatchHTML(&buf, targets, WatchOptions{Fleet: &WatchFleet{Summary: "2 instances", Read: 2}}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "No leak on the 2 instances that answered so far.") {
		t.Error("an empty fleet is not said to be so")
	}
	// None answered: nothing is known, which is not "no leak".
	buf.Reset()
	if err := WatchHTML(&buf, targets, WatchOptions{Final: true, Fleet: &WatchFleet{Summary: "2 instances", Unread: 2}}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "No instance has answered: nothing is known of their leaks.") || strings.Contains(buf.String(), "No leak") {
		t.Error("a fleet that never answered is said to have no leak")
	}
}

// TestWatchHTMLFleetBudget: a fleet's section at its bounds (24 leaks
// shown, each with 1000 rounds and more instances than are listed) costs
// the page under 600 KB.
func TestWatchHTMLFleetBudget(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)
	fl := &WatchFleet{Summary: "500 instances"}
	for i := range 100 {
		l := FleetLeak{Job: "api", Class: classify.SendNoReceiver, Verdict: classify.Suspect, Count: 500,
			BlockedAt:   classify.Location{Func: strings.Repeat("pkg.f", 20) + strconv.Itoa(i), File: "/src/x.go", Line: 1},
			Explanation: strings.Repeat("e", 300), Fix: strings.Repeat("f", 200), Series: strings.Repeat("s", 120), GroupSeries: strings.Repeat("g", 160)}
		for j := range 1000 {
			l.History = append(l.History, Point{t0.Add(time.Duration(j) * 10 * time.Second), 1000 + j*37%500})
		}
		for j := range 500 {
			l.Shares = append(l.Shares, FleetShare{URL: "http://10.0.0." + strconv.Itoa(j) + ":6060", Count: 1})
		}
		fl.Leaks = append(fl.Leaks, l)
	}
	var buf bytes.Buffer
	if err := WatchHTML(&buf, nil, WatchOptions{Final: true, Fleet: fl}); err != nil {
		t.Fatal(err)
	}
	if buf.Len() > 600<<10 {
		t.Errorf("the fleet's section costs %d bytes, over 600 KB", buf.Len())
	}
	if !strings.Contains(buf.String(), "76 more leaks") || !strings.Contains(buf.String(), "490 more instances") {
		t.Error("the page does not count the leaks and instances it left out")
	}
	t.Logf("%d bytes", buf.Len())
}
