package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/leakhound/leakhound/classify"
	"github.com/leakhound/leakhound/report"
)

// TestAnalyzeHTML: --format html writes one page, to stdout or to -o FILE,
// with the leak's card and the source line around it.
func TestAnalyzeHTML(t *testing.T) {
	dump := leakyDump(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "dump.txt")
	if err := os.WriteFile(file, dump, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, "", "analyze", "--format", "html", file)
	if code != ExitLeaks || !strings.HasPrefix(out, "<!DOCTYPE html>") {
		t.Fatalf("exit %d, stderr %s, output starts %.80q", code, errOut, out)
	}
	for _, want := range []string{`<span class="class">send-no-receiver</span>`, "internal/cli.leakyDump", `class="line here"`, "the leak under test"} {
		if !strings.Contains(out, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	page := filepath.Join(dir, "report.html")
	code, out, errOut = run(t, "", "analyze", "--format", "html", "-o", page, file)
	if code != ExitLeaks || out != "" {
		t.Fatalf("-o: exit %d, stdout %q, stderr %s", code, out, errOut)
	}
	b, err := os.ReadFile(page)
	if err != nil || !strings.Contains(string(b), `<span class="class">send-no-receiver</span>`) {
		t.Fatalf("-o wrote %d bytes (%v) without the finding", len(b), err)
	}
	if fi, err := os.Stat(page); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("-o file mode %v (%v), want 0644", fi.Mode(), err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".report.html.*")); len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
	code, _, errOut = run(t, "", "analyze", "--format", "html", "-o", filepath.Join(dir, "no", "such", "dir", "r.html"), file)
	if code != ExitError || !strings.Contains(errOut, "r.html") || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
		t.Errorf("-o into a missing directory: exit %d, stderr %q; want 2 and one line naming the file", code, errOut)
	}
	if code, _, errOut := run(t, "", "analyze", "--format", "xml", file); code != ExitError || !strings.Contains(errOut, "want text, json or html") {
		t.Errorf("--format xml: exit %d, %s", code, errOut)
	}
}

var updatePNG = flag.Bool("update-png", false, "write the browser's screenshots to docs/")

// TestWatchHTML: --html keeps a page that is rewritten after every sample
// and ends as the final report, and that Chromium draws with time charts
// with axes, the growing group marked.
func TestWatchHTML(t *testing.T) {
	leaky, _ := startTarget(t, "leak", "127.0.0.1:0")
	page := filepath.Join(t.TempDir(), "watch.html")
	const rounds = 6
	code, _, errOut := runRounds(t, func(round int) bool {
		// The page after round n holds n samples, and is live.
		b, err := os.ReadFile(page)
		if err != nil {
			t.Fatalf("after round %d: %v", round, err)
		}
		if !strings.Contains(string(b), report.Plural(round, "sample")+"") || !strings.Contains(string(b), `http-equiv="refresh"`) {
			t.Errorf("after round %d the page does not show %s, live", round, report.Plural(round, "sample"))
		}
		leakMore(t, leaky, 4)
		return round < rounds
	}, "watch", "--interval", "1h", "--timeout", "1m", "--html", page, leaky)
	if code != ExitLeaks {
		t.Fatalf("exit %d; stderr %s", code, errOut)
	}
	b, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	final := string(b)
	for _, want := range []string{"the final report", report.Plural(rounds, "sample"), "main.fetch.func1", `class="tchart growing"`} {
		if !strings.Contains(final, want) {
			t.Errorf("the final page lacks %s", want)
		}
	}
	// The group's flag: GROWING, or PROVEN where the runtime's proof (Go
	// 1.27, GOEXPERIMENT=goroutineleakprofile) says more than growth.
	if !strings.Contains(final, `class="flag">GROWING</span>`) && !strings.Contains(final, `class="flag">PROVEN</span>`) {
		t.Error("the final page flags no group as growing or proven")
	}
	if strings.Contains(final, `http-equiv="refresh"`) {
		t.Error("the final page still reloads itself")
	}
	// -o takes watch's final report too.
	out := filepath.Join(t.TempDir(), "watch.json")
	code, stdout, errOut := runRounds(t, func(round int) bool { return round < 2 }, "watch", "--interval", "1h", "--timeout", "1m", "--format", "json", "-o", out, leaky)
	if b, err := os.ReadFile(out); code != ExitLeaks || stdout != "" || err != nil || !strings.Contains(string(b), `"schema": "leakhound/v1"`) {
		t.Errorf("watch -o: exit %d, stdout %q, stderr %s, file %.100q (%v)", code, stdout, errOut, b, err)
	}
	if code, _, errOut := run(t, "", "watch", "--format", "html", leaky); code != ExitError || !strings.Contains(errOut, "--html FILE") {
		t.Errorf("watch --format html: exit %d, %s", code, errOut)
	}
	browseWatch(t, b, rounds)
}

type chartSeen struct {
	W, H     float64
	XAxis    float64 // length of the x axis as drawn
	YAxis    float64
	XLabels  []string
	YLabels  []string
	Points   int
	Growing  bool
	InGroups bool
}

const readCharts = `[...document.querySelectorAll("svg.tchart")].map(svg => {
	const r = svg.getBoundingClientRect();
	const len = sel => { const l = svg.querySelector(sel); if (!l) return 0; const b = l.getBoundingClientRect(); return Math.max(b.width, b.height); };
	const line = svg.querySelector("polyline.line");
	return {
		W: r.width, H: r.height, XAxis: len("line.x-axis"), YAxis: len("line.y-axis"),
		XLabels: [...svg.querySelectorAll("text.xtick")].map(t => t.textContent),
		YLabels: [...svg.querySelectorAll("text.ytick")].map(t => t.textContent),
		Points: line ? line.getAttribute("points").trim().split(/\s+/).length : 0,
		Growing: svg.classList.contains("growing"),
		InGroups: !!svg.closest(".gcard"),
	};
})`

func browseWatch(t *testing.T, page []byte, samples int) {
	tab := openPage(t, page)
	charts, err := chromedp.Run(tab, chromedp.Evaluate[[]chartSeen](readCharts))
	if err != nil {
		t.Fatal(err)
	}
	shoot(t, tab, "watch.png")
	if len(charts) < 2 || charts[0].InGroups {
		t.Fatalf("%d charts, the first in a group: %+v; want the total's chart first, then the groups'", len(charts), charts)
	}
	clock := regexp.MustCompile(`^\d\d:\d\d:\d\d(\.\d+)?$`)
	growing := 0
	for i, c := range charts {
		if c.W <= 0 || c.H <= 0 || c.XAxis < 100 || c.YAxis < 50 || c.Points != samples && !c.InGroups {
			t.Errorf("chart %d: %vx%v, axes %v and %v long, %d points; want a drawn chart with axes and %d points", i, c.W, c.H, c.XAxis, c.YAxis, c.Points, samples)
		}
		if len(c.XLabels) < min(2, c.Points) || len(c.XLabels) == 0 || !clock.MatchString(c.XLabels[0]) || len(c.YLabels) < 2 || c.YLabels[0] != "0" {
			t.Errorf("chart %d: x labels %q, y labels %q; want times and counts from 0", i, c.XLabels, c.YLabels)
		}
		if c.Growing {
			growing++
		}
	}
	if growing == 0 {
		t.Error("no chart marks the growing group")
	}
}

// parkedDump parks n real goroutines on one receive and returns the
// process's dump once all of them show in it.
func parkedDump(t *testing.T, n int) []byte {
	t.Helper()
	release := make(chan struct{})
	defer close(release)
	for range n {
		go parkForIDs(release)
	}
	buf := make([]byte, 4<<20)
	// Parked: the header's wait reason is right above the frame.
	parked := []byte("[chan receive]:\ngithub.com/leakhound/leakhound/internal/cli.parkForIDs(")
	deadline := time.Now().Add(time.Minute)
	for {
		dump := buf[:runtime.Stack(buf, true)]
		if bytes.Count(dump, parked) >= n {
			return bytes.Clone(dump)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d goroutines parked after a minute", bytes.Count(dump, parked), n)
		}
		runtime.Gosched()
	}
}

//go:noinline
func parkForIDs(release chan struct{}) { <-release }

// TestAnalyzeIDs: text and HTML print a few ids a finding and count the
// rest, while JSON lists every one.
func TestAnalyzeIDs(t *testing.T) {
	const n = 60
	file := filepath.Join(t.TempDir(), "dump.txt")
	if err := os.WriteFile(file, parkedDump(t, n), 0o644); err != nil {
		t.Fatal(err)
	}
	_, out, errOut := run(t, "", "analyze", "--format", "json", file)
	var doc report.Document
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, errOut)
	}
	var f *classify.Finding
	for _, x := range doc.Findings {
		if strings.HasSuffix(x.BlockedAt.Func, "internal/cli.parkForIDs") {
			f = x
		}
	}
	if f == nil || f.Count < n || len(f.GoroutineIDs) != f.Count || f.IDsOmitted != 0 || strings.Contains(out, "goroutine_ids_omitted") {
		t.Fatalf("JSON finding %+v: want every one of at least %d ids", f, n)
	}
	_, out, _ = run(t, "", "analyze", "-v", "--color", "never", file)
	if want := fmt.Sprintf("... (+%d)", f.Count-10); !strings.Contains(out, want) {
		t.Errorf("the text report does not count the ids it leaves out as %q:\n%s", want, out)
	}
	_, out, _ = run(t, "", "analyze", "--format", "html", file)
	if want := fmt.Sprintf("... (&#43;%d)</dd>", f.Count-report.IDsShown); !strings.Contains(out, want) {
		t.Errorf("the page does not count the ids it leaves out as %q", want)
	}
}

// openPage shows page in Chromium, served from loopback, and returns its
// tab once a chart is drawn; it skips the test where there is no browser.
func openPage(t *testing.T, page []byte) context.Context {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Skipf("no browser: %v", err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	}))
	t.Cleanup(srv.Close)
	// Not t.Context: it ends before the cleanups, and the allocator must
	// be closed by closeBrowser alone.
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	alloc, closeBrowser := chromedp.NewExecAllocator(ctx, chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.NoFirstRun, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900))
	tab, closeTab := chromedp.NewContext(alloc, chromedp.WithLogf(t.Logf))
	t.Cleanup(func() {
		closeTab()
		closeBrowser()
		cancel()
	})
	if err := chromedp.Do(tab, chromedp.Navigate(srv.URL+"/watch.html"), chromedp.WaitVisible(chromedp.CSS("svg.tchart"))); err != nil {
		t.Fatalf("loading the watch page: %v", err)
	}
	return tab
}

// shoot writes the tab's screenshot to docs/name with -update-png.
func shoot(t *testing.T, tab context.Context, name string) {
	if !*updatePNG {
		return
	}
	shot, err := chromedp.Run(tab, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("..", "..", "docs", name), shot, 0o644); err != nil {
		t.Fatal(err)
	}
}

type fleetCardSeen struct {
	Title     string
	ChartW    float64
	XAxis     float64
	Points    int
	Rows      int
	Links     int
	Dangling  []string // links to no element on the page
	AboveTarg bool     // the card is above the first instance's section
}

const readFleet = `[...document.querySelectorAll(".fcard")].map(card => {
	const svg = card.querySelector("svg.tchart");
	const axis = svg && svg.querySelector("line.x-axis");
	const line = svg && svg.querySelector("polyline.line");
	const links = [...card.querySelectorAll("table.shares a")];
	const first = document.querySelector("section.target");
	return {
		Title: card.querySelector("h3").textContent,
		ChartW: svg ? svg.getBoundingClientRect().width : 0,
		XAxis: axis ? axis.getBoundingClientRect().width : 0,
		Points: line ? line.getAttribute("points").trim().split(/\s+/).length : 0,
		Rows: card.querySelectorAll("table.shares tbody tr").length,
		Links: links.length,
		Dangling: links.filter(a => !document.getElementById(a.getAttribute("href").slice(1))).map(a => a.href),
		AboveTarg: !!first && card.getBoundingClientRect().bottom <= first.getBoundingClientRect().top,
	};
})`

// browseFleet draws a fleet watch's page in Chromium: leaks cards, each
// with a drawn chart and its instances linked to sections of the page,
// above the instances; following a link shows that instance.
func browseFleet(t *testing.T, page []byte, leaks int) {
	tab := openPage(t, page)
	cards, err := chromedp.Run(tab, chromedp.Evaluate[[]fleetCardSeen](readFleet))
	if err != nil {
		t.Fatal(err)
	}
	shoot(t, tab, "watch-fleet.png")
	if len(cards) != min(leaks, maxFleetCharts) {
		t.Fatalf("%d fleet cards drawn, want %d", len(cards), min(leaks, maxFleetCharts))
	}
	for _, c := range cards {
		if c.ChartW < 200 || c.XAxis < 100 || c.Points < 1 || c.Rows < 1 || c.Links < 1 || len(c.Dangling) > 0 || !c.AboveTarg {
			t.Errorf("fleet card %q: chart %vpx wide, x axis %vpx, %d points, %d instances, %d links (dangling %q), above the instances %v",
				c.Title, c.ChartW, c.XAxis, c.Points, c.Rows, c.Links, c.Dangling, c.AboveTarg)
		}
	}
	// Following an instance's link brings its section into view.
	const follow = `(() => {
		const a = document.querySelector(".fcard table.shares a");
		a.click();
		const r = document.getElementById(a.getAttribute("href").slice(1)).getBoundingClientRect();
		return r.top >= -1 && r.top < window.innerHeight;
	})()`
	shown, err := chromedp.Run(tab, chromedp.Evaluate[bool](follow))
	if err != nil || !shown {
		t.Errorf("following an instance's link: in view %v, %v", shown, err)
	}
}
