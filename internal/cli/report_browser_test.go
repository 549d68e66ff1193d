package cli

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/leakhound/leakhound/classify"
	"github.com/leakhound/leakhound/internal/input"
	"github.com/leakhound/leakhound/internal/scenario/scenariotest"
	"github.com/leakhound/leakhound/report"
	"github.com/leakhound/leakhound/stack"
)

// chromium is Debian's package.
const chromium = "/usr/bin/chromium"

// hostile is a label value and a function name that would run script if
// the page wrote them as markup.
const (
	hostileLabel = `<img src=x onerror="window.pwned=1">`
	hostileFunc  = `main.(*T).<script>window.pwned=2</script>`
)

// realReport classifies a real dump of the leaker's scenarios (labels
// format, so pprof labels are in it), plus one goroutine whose label and
// function are markup.
func realReport(t *testing.T) *classify.Report {
	t.Helper()
	dump := scenariotest.Dump(t, "labels")
	c := classify.New(classify.Config{Source: &classify.Source{UseDumpPaths: true}})
	n, err := input.Read(bytes.NewReader(dump), input.Options{}, c.Add)
	if err != nil || n == 0 {
		t.Fatalf("reading the leaker's dump: %d goroutines, %v", n, err)
	}
	c.Add(&stack.Goroutine{ID: 999999, State: "chan receive", Minutes: 3, Count: 1,
		Labels:    []stack.Label{{Key: "tenant", Value: hostileLabel}},
		Stack:     []stack.Frame{{Func: "runtime.gopark", File: "/go/src/runtime/proc.go", Line: 460}, {Func: hostileFunc, File: "/src/x.go", Line: 7}},
		CreatedBy: stack.Frame{Func: "main.main", File: "/src/x.go", Line: 3}, CreatorID: 1})
	return c.Report()
}

// browser starts Chromium and returns a tab, or skips without it.
func browser(t *testing.T) context.Context {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a browser")
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Skipf("no browser: %v", err)
	}
	// Not t.Context: it ends before the cleanups, and the allocator must
	// be closed by closeBrowser alone.
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	alloc, closeBrowser := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	t.Cleanup(closeBrowser)
	tab, closeTab := chromedp.NewContext(alloc, chromedp.WithLogf(t.Logf))
	t.Cleanup(closeTab)
	// Start the browser now, before anything listens on the tab, so that
	// only one start is ever under way.
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("starting %s: %v", chromium, err)
	}
	return tab
}

// console collects the tab's console messages from now on.
func console(t *testing.T, tab context.Context) func() []string {
	ctx, stop := context.WithCancel(tab)
	var (
		mu   sync.Mutex
		msgs []string
	)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for msg, err := range chromedp.Console(ctx) {
			if err != nil {
				return
			}
			mu.Lock()
			msgs = append(msgs, string(msg.Type)+": "+msg.Text)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() { stop(); <-done })
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), msgs...)
	}
}

type cardSeen struct {
	Class   string `json:"class"`
	Fix     string `json:"fix"`
	Visible bool   `json:"visible"`
}

type pageSeen struct {
	Cards     []cardSeen `json:"cards"`
	RowsShown int        `json:"rowsShown"`
	Rows      int        `json:"rows"`
	ClassW    float64    `json:"classW"`
	ClassH    float64    `json:"classH"`
	ClassBars int        `json:"classBars"`
	IcicleW   float64    `json:"icicleW"`
	IcicleH   float64    `json:"icicleH"`
	Nodes     int        `json:"nodes"`
	Hits      int        `json:"hits"`
	Tools     bool       `json:"tools"`
	Text      string     `json:"text"`
	Imgs      int        `json:"imgs"`
	Scripts   int        `json:"scripts"`
	Pwned     any        `json:"pwned"`
	Resources []string   `json:"resources"`
	Here      []string   `json:"here"`
	Indent    indentSeen `json:"indent"`
}

// indentSeen is where the code of each source line starts, in pixels
// right of its line number, and the width of a character.
type indentSeen struct {
	CharW float64 `json:"charW"`
	Lines []struct {
		Code string  `json:"code"`
		X    float64 `json:"x"`
	} `json:"lines"`
}

const readPage = `(() => {
	const shown = el => { const r = el.getBoundingClientRect(), s = getComputedStyle(el); return r.width > 0 && r.height > 0 && s.display !== "none" && s.visibility !== "hidden"; };
	const box = sel => { const el = document.querySelector(sel); return el ? el.getBoundingClientRect() : {width: 0, height: 0}; };
	const rows = [...document.querySelectorAll("#groups tbody tr")];
	return {
		cards: [...document.querySelectorAll("article.card")].map(c => {
			let fix = "";
			for (const dt of c.querySelectorAll("dt")) if (dt.innerText.trim() === "fix") fix = dt.nextElementSibling.innerText;
			return {class: c.querySelector(".class").innerText, fix: fix, visible: shown(c)};
		}),
		rows: rows.length,
		rowsShown: rows.filter(shown).length,
		classW: box("svg.class-chart").width, classH: box("svg.class-chart").height,
		classBars: document.querySelectorAll("svg.class-chart rect").length,
		icicleW: box("#icicle").width, icicleH: box("#icicle").height,
		nodes: [...document.querySelectorAll("#icicle g.n")].filter(shown).length,
		hits: document.querySelectorAll("#icicle g.n.hit").length,
		tools: shown(document.getElementById("tools")),
		text: document.body.innerText,
		imgs: document.querySelectorAll("img").length,
		scripts: document.querySelectorAll("script").length,
		pwned: window.pwned === undefined ? null : window.pwned,
		resources: performance.getEntriesByType("resource").map(e => e.name),
		here: [...document.querySelectorAll("pre.src .here")].filter(shown).map(e => e.innerText),
		indent: (() => {
			const lines = [], code = document.querySelector("pre.src .code");
			if (!code) return {charW: 0, lines};
			const probe = document.createElement("span");
			probe.textContent = "0".repeat(40);
			code.appendChild(probe);
			const charW = probe.getBoundingClientRect().width / 40;
			probe.remove();
			for (const line of document.querySelectorAll("pre.src .line")) {
				const ln = line.querySelector(".ln"), c = line.querySelector(".code");
				if (!shown(line) || !c) continue;
				const walk = document.createTreeWalker(c, NodeFilter.SHOW_TEXT);
				let text = "", x = null;
				for (let n = walk.nextNode(); n; n = walk.nextNode()) {
					const i = n.data.search(/[^\t ]/);
					if (x === null && i >= 0) {
						const r = document.createRange();
						r.setStart(n, i);
						r.setEnd(n, i + 1);
						x = r.getBoundingClientRect().left - c.getBoundingClientRect().left;
					}
					text += n.data;
				}
				if (x !== null) lines.push({code: text, x});
			}
			return {charW, lines};
		})(),
	};
})()`

// TestBrowserReport opens the HTML report of a real dump in Chromium and
// checks what a person sees: a card with the class and fix of every
// finding that has one, charts with a size, search that filters the
// stack view, click-to-filter, and hostile input shown as text.
func TestBrowserReport(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	r := realReport(t)
	tab := browser(t)
	var buf bytes.Buffer
	if err := report.HTML(&buf, "leaker labels dump", r, report.HTMLOptions{Source: &classify.Source{UseDumpPaths: true}}); err != nil {
		t.Fatal(err)
	}
	// Served from loopback as a file server would; the page must ask for
	// nothing more.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(buf.Bytes())
	}))
	t.Cleanup(srv.Close)
	messages := console(t, tab)
	resp, err := chromedp.RunResponse(tab, chromedp.Navigate(srv.URL+"/report.html"))
	if err != nil {
		t.Fatalf("loading the report: %v", err)
	}
	if resp.Status != http.StatusOK {
		t.Fatalf("the report answered %d", resp.Status)
	}
	t.Logf("loaded")
	if err := chromedp.Do(tab, chromedp.WaitVisible(chromedp.CSS("#tools"))); err != nil {
		t.Fatalf("waiting for the script: %v", err)
	}
	seen, err := chromedp.Run(tab, chromedp.Evaluate[pageSeen](readPage))
	if err != nil {
		t.Fatal(err)
	}
	if *updatePNG {
		// The top of the page as a reader first sees it: the full page
		// of a real dump is several megabytes of PNG.
		shot, err := chromedp.Run(tab, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		writePNG(t, "report.png", shot)
	}

	// Every finding but the ok ones has a card with its class and fix.
	var want []*classify.Finding
	for _, f := range r.Findings {
		if f.Verdict != classify.OK {
			want = append(want, f)
		}
	}
	if len(want) < 10 || len(seen.Cards) != len(want) {
		t.Fatalf("%d cards for %d leak, suspect or parked findings (want at least 10 from the leaker)", len(seen.Cards), len(want))
	}
	for i, f := range want {
		c := seen.Cards[i]
		if !c.Visible || c.Class != string(f.Class) || strings.TrimSpace(c.Fix) != report.Escape(f.Fix) {
			t.Errorf("card %d: visible %v, class %q, fix %q; want %s with fix %q", i, c.Visible, c.Class, c.Fix, f.Class, f.Fix)
		}
	}
	if seen.Rows != len(r.Findings) || seen.RowsShown != seen.Rows {
		t.Errorf("groups table: %d rows, %d shown; want all %d", seen.Rows, seen.RowsShown, len(r.Findings))
	}
	if seen.ClassW <= 0 || seen.ClassH <= 0 || seen.ClassBars == 0 {
		t.Errorf("class chart %vx%v with %d bars", seen.ClassW, seen.ClassH, seen.ClassBars)
	}
	if seen.IcicleW <= 0 || seen.IcicleH <= 0 || seen.Nodes < 10 {
		t.Errorf("stack chart %vx%v with %d boxes", seen.IcicleW, seen.IcicleH, seen.Nodes)
	}
	// The leaker's source is on this machine: the blocking lines and go
	// statements are shown, marked.
	gos := 0
	for _, h := range seen.Here {
		if strings.Contains(h, "go ") {
			gos++
		}
	}
	if len(seen.Here) < len(want) || gos == 0 {
		t.Errorf("%d marked source lines (%d go statements) for %d cards: %q", len(seen.Here), gos, len(want), seen.Here)
	}
	// The code keeps its indentation: a line indented by n tabs starts n
	// tab widths (four characters each) right of one with none.
	byTabs := map[int]int{}
	for _, l := range seen.Indent.Lines {
		body := strings.TrimLeft(l.Code, "\t")
		if strings.HasPrefix(body, " ") {
			continue // aligned with spaces after the tabs
		}
		n := len(l.Code) - len(body)
		byTabs[n]++
		if want := float64(n) * 4 * seen.Indent.CharW; seen.Indent.CharW <= 0 || l.X < want-1 || l.X > want+1 {
			t.Errorf("%q starts %.1fpx into its line; want %d tabs of 4 characters of %.1fpx, %.1fpx", l.Code, l.X, n, seen.Indent.CharW, want)
		}
	}
	if byTabs[1] == 0 || byTabs[2] == 0 {
		t.Errorf("source lines by tabs of indentation: %v; want some with one and some with two", byTabs)
	}
	if !seen.Tools {
		t.Error("the search box is hidden: the script did not run")
	}
	// Hostile input is text: the literal markup is on the page, and no
	// element or script came of it.
	if !strings.Contains(seen.Text, "tenant="+hostileLabel) || !strings.Contains(seen.Text, hostileFunc) {
		t.Errorf("the hostile label or function is not shown as text")
	}
	if seen.Imgs != 0 || seen.Scripts != 1 || seen.Pwned != nil {
		t.Errorf("hostile input became markup: %d img, %d script elements, window.pwned=%v", seen.Imgs, seen.Scripts, seen.Pwned)
	}
	if len(seen.Resources) != 0 {
		t.Errorf("the page loaded %q; it must load nothing", seen.Resources)
	}

	// Search: the rows left are those whose stack or text holds the query.
	query := "selectForever"
	if !strings.Contains(buf.String(), query) {
		t.Fatalf("the leaker's dump has no %s; pick another query", query)
	}
	wantRows := 0
	for _, f := range r.Findings {
		for _, l := range f.Stack {
			if strings.Contains(strings.ToLower(l.Func), strings.ToLower(query)) {
				wantRows++
				break
			}
		}
	}
	if err := chromedp.Do(tab, chromedp.SendKeys(chromedp.CSS("#search"), query)); err != nil {
		t.Fatal(err)
	}
	after, err := chromedp.Run(tab, chromedp.Evaluate[pageSeen](readPage))
	if err != nil {
		t.Fatal(err)
	}
	if *updatePNG {
		shot, err := chromedp.Run(tab, chromedp.Screenshot(chromedp.CSS("#icicle")))
		if err != nil {
			t.Fatal(err)
		}
		writePNG(t, "report-stacks.png", shot)
	}
	if after.RowsShown == 0 || after.RowsShown >= seen.Rows || after.RowsShown < wantRows || after.Hits == 0 {
		t.Errorf("search %q: %d of %d rows shown (want at least the %d whose stack holds it, and fewer than all), %d boxes marked",
			query, after.RowsShown, seen.Rows, wantRows, after.Hits)
	}

	// Click-to-filter: a click on the box of a frame leaves the groups
	// whose stacks pass through it.
	if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS("#reset"))); err != nil {
		t.Fatal(err)
	}
	clickFirstDeep := `(() => { const g = [...document.querySelectorAll("#icicle g.n")].find(g => g.getAttribute("data-n").includes("` + query + `")); g.dispatchEvent(new MouseEvent("click", {bubbles: true})); return g.getAttribute("data-n"); })()`
	if _, err := chromedp.Run(tab, chromedp.Evaluate[string](clickFirstDeep)); err != nil {
		t.Fatal(err)
	}
	zoomed, err := chromedp.Run(tab, chromedp.Evaluate[pageSeen](readPage))
	if err != nil {
		t.Fatal(err)
	}
	if zoomed.RowsShown == 0 || zoomed.RowsShown >= seen.Rows || zoomed.Nodes >= seen.Nodes {
		t.Errorf("after a click on a %s box: %d of %d rows, %d of %d boxes shown", query, zoomed.RowsShown, seen.Rows, zoomed.Nodes, seen.Nodes)
	}
	for _, m := range messages() {
		if strings.HasPrefix(m, "error") || strings.HasPrefix(m, "exception") || strings.HasPrefix(m, "assert") {
			t.Errorf("console: %s", m)
		}
	}
}

// writePNG stores a screenshot under docs/ for the README.
func writePNG(t *testing.T, name string, png []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join("..", "..", "docs", name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
