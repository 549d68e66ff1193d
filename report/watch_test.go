package report

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"
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
