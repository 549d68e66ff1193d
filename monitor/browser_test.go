package monitor_test

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/leakhound/leakhound/classify"
	"github.com/leakhound/leakhound/monitor"
)

// chromium is Debian's package, which .ci/run installs.
const chromium = "/usr/bin/chromium"

// lookupFunc is where the leaked goroutines of leakyService block.
const lookupFunc = "github.com/leakhound/leakhound/monitor_test.slowLookup"

// slowLookup stands for a backend call that outlasts its caller's patience.
func slowLookup(result chan<- string) {
	time.Sleep(5 * time.Millisecond)
	result <- "found"
}

// leakyService leaks one goroutine per request on /lookup: the handler
// gives up after a millisecond and slowLookup blocks on its send forever.
// It keeps the channels so that release can let the goroutines end.
type leakyService struct {
	mu     sync.Mutex
	leaked []chan string
}

func (s *leakyService) lookup(w http.ResponseWriter, r *http.Request) {
	result := make(chan string)
	go slowLookup(result)
	select {
	case v := <-result:
		fmt.Fprintln(w, v)
	case <-time.After(time.Millisecond):
		s.mu.Lock()
		s.leaked = append(s.leaked, result)
		s.mu.Unlock()
		http.Error(w, "lookup timed out", http.StatusGatewayTimeout)
	}
}

func (s *leakyService) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.leaked)
}

// release receives every leaked result, so that later tests of the
// package do not see these goroutines.
func (s *leakyService) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ch := range s.leaked {
		<-ch
	}
	s.leaked = nil
}

// cardView is what a person sees of one finding's card, read from the
// rendered DOM.
type cardView struct {
	Section  string            `json:"section"` // the h2 above the card
	Class    string            `json:"class"`
	Text     string            `json:"text"` // innerText: only rendered text
	Visible  bool              `json:"visible"`
	Fields   map[string]string `json:"fields"` // dt -> innerText of its visible dd
	SparkW   float64           `json:"sparkW"`
	SparkH   float64           `json:"sparkH"`
	Points   string            `json:"points"`
	SparkMsg string            `json:"sparkMsg"`
}

// readCards returns the cards of the page as the browser laid them out.
const readCards = `(() => {
	const shown = el => {
		const r = el.getBoundingClientRect(), s = getComputedStyle(el);
		return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && s.display !== "none" && s.opacity !== "0";
	};
	return [...document.querySelectorAll("div.card")].map(card => {
		let h = card.previousElementSibling;
		while (h && h.tagName !== "H2") h = h.previousElementSibling;
		const fields = {};
		for (const dt of card.querySelectorAll("dt")) {
			const dd = dt.nextElementSibling;
			if (dd && shown(dd) && shown(dt)) fields[dt.innerText.trim()] = dd.innerText;
		}
		const svg = card.querySelector(".spark svg");
		const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
		const line = svg && svg.querySelector("polyline");
		return {
			section: h ? h.innerText : "",
			class: (card.querySelector(".class") || {innerText: ""}).innerText,
			text: card.innerText,
			visible: shown(card),
			fields: fields,
			sparkW: svg && shown(svg) ? box.width : 0,
			sparkH: svg && shown(svg) ? box.height : 0,
			points: line ? line.getAttribute("points") : "",
			sparkMsg: (card.querySelector(".spark") || {innerText: ""}).innerText,
		};
	});
})()`

var updatePNG = flag.Bool("update-png", false, "write the page's screenshot to docs/monitor.png")

// pageChart is one time chart of the page as the browser drew it.
type pageChart struct {
	Total        bool
	W, H         float64
	XAxis, YAxis float64
	XLabels      []string
	YLabels      []string
}

const readPageCharts = `[...document.querySelectorAll("svg.tchart")].map(svg => {
	const r = svg.getBoundingClientRect();
	const len = sel => { const l = svg.querySelector(sel); if (!l) return 0; const b = l.getBoundingClientRect(); return Math.max(b.width, b.height); };
	return {
		Total: !!svg.closest("#total"), W: r.width, H: r.height, XAxis: len("line.x-axis"), YAxis: len("line.y-axis"),
		XLabels: [...svg.querySelectorAll("text.xtick")].map(t => t.textContent),
		YLabels: [...svg.querySelectorAll("text.ytick")].map(t => t.textContent),
	};
})`

// TestBrowserPage loads the monitor's page in Chromium after real leaks
// and checks what a person sees: the finding, its blocking function, the
// explanation and fix, a drawn sparkline, and no console errors.
func TestBrowserPage(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Skipf("no browser: %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()

	m := monitor.New(monitor.Config{Interval: 50 * time.Millisecond})
	svc := &leakyService{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /lookup", svc.lookup)
	mux.Handle("/debug/leaks/", m.Handler())
	srv := httptest.NewServer(mux) // 127.0.0.1
	t.Cleanup(func() {
		m.Stop()
		srv.Close()
		svc.release()
	})
	if err := m.Start(ctx); err != nil {
		t.Fatal(err)
	}

	// Three rounds of leaks, each seen by a sample, draw a rising line.
	for round := 1; round <= 3; round++ {
		for want := svc.count() + round; svc.count() < want; {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/lookup", nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}
		waitSampled(ctx, t, m, svc.count())
	}
	// The page answers from the last sample; stopping here keeps the
	// browser driver's own goroutines, which run in this process, off it.
	m.Stop()

	browserCtx, closeBrowser := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1200, 900),
	)
	defer closeBrowser() // kills the browser if closing the tab did not end it
	tab, closeTab := chromedp.NewContext(browserCtx, chromedp.WithLogf(t.Logf))
	defer closeTab()

	// Collect the console from before the page loads.
	consoleCtx, stopConsole := context.WithCancel(tab)
	messages := chromedp.Console(consoleCtx)
	var (
		consoleMu sync.Mutex
		console   []chromedp.ConsoleMessage
	)
	consoleDone := make(chan struct{})
	go func() {
		defer close(consoleDone)
		for msg, err := range messages {
			if err != nil {
				return
			}
			consoleMu.Lock()
			console = append(console, msg)
			consoleMu.Unlock()
		}
	}()
	defer func() { stopConsole(); <-consoleDone }()

	// refresh=0: a reload in the middle of the checks would read half a page.
	resp, err := chromedp.RunResponse(tab, chromedp.Navigate(srv.URL+"/debug/leaks/?refresh=0"))
	if err != nil {
		t.Fatalf("loading the page: %v", err)
	}
	if resp.Status != http.StatusOK {
		t.Fatalf("the page answered %d %s", resp.Status, resp.StatusText)
	}
	if err := chromedp.Do(tab, chromedp.WaitVisible(chromedp.CSS("div.card"))); err != nil {
		t.Fatal(err)
	}
	title, err := chromedp.Run(tab, chromedp.Title())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(title, "goroutine leaks") {
		t.Errorf("title %q", title)
	}
	cards, err := chromedp.Run(tab, chromedp.Evaluate[[]cardView](readCards))
	if err != nil {
		t.Fatal(err)
	}
	shot, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(t.TempDir(), "leaks-page.png"), shot, 0o644); err != nil {
		t.Fatal(err)
	}
	// LEAKHOUND_SCREENSHOT=/tmp/leaks.png keeps a copy to look at.
	if out := os.Getenv("LEAKHOUND_SCREENSHOT"); out != "" {
		if err := os.WriteFile(out, shot, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	var card *cardView
	for i := range cards {
		if strings.Contains(cards[i].Text, lookupFunc) {
			card = &cards[i]
		}
	}
	if card == nil {
		t.Fatalf("no card names %s; the cards read:\n%+v", lookupFunc, cards)
	}
	info := classify.Lookup(classify.SendNoReceiver)
	if !card.Visible || card.Class != string(classify.SendNoReceiver) {
		t.Errorf("card of %s: visible %v, class %q, want a visible %s card", lookupFunc, card.Visible, card.Class, classify.SendNoReceiver)
	}
	if card.Section == "" || strings.HasPrefix(card.Section, "Not leaks") {
		t.Errorf("the card is under %q, not a section of leaks", card.Section)
	}
	if !strings.Contains(card.Text, fmt.Sprintf("%d goroutines", svc.count())) {
		t.Errorf("the card does not show %d goroutines:\n%s", svc.count(), card.Text)
	}
	if b := card.Fields["blocked"]; !strings.Contains(b, lookupFunc) || !strings.Contains(b, "browser_test.go:") || !strings.Contains(b, `result <- "found"`) {
		t.Errorf("blocked shows %q, want %s, its line and its source", b, lookupFunc)
	}
	if c := card.Fields["created"]; !strings.Contains(c, "leakyService).lookup") {
		t.Errorf("created shows %q, want the handler that started it", c)
	}
	if why := card.Fields["why"]; !strings.Contains(why, info.Cause) || !strings.Contains(why, "slowLookup") {
		t.Errorf("why shows %q, want the class's cause and the function", why)
	}
	if fix := card.Fields["fix"]; !strings.Contains(fix, info.Fix) {
		t.Errorf("fix shows %q, want %q", fix, info.Fix)
	}
	if card.SparkW <= 0 || card.SparkH <= 0 || strings.Count(card.Points, ",") < 2 {
		t.Errorf("sparkline drawn %vx%v with points %q, want a visible line of several samples", card.SparkW, card.SparkH, card.Points)
	}
	if !strings.Contains(card.SparkMsg, fmt.Sprintf("max %d", svc.count())) {
		t.Errorf("sparkline caption %q, want max %d", card.SparkMsg, svc.count())
	}

	// The total's chart and the card's have axes with times and counts.
	charts, err := chromedp.Run(tab, chromedp.Evaluate[[]pageChart](readPageCharts))
	if err != nil {
		t.Fatal(err)
	}
	clock := regexp.MustCompile(`^\d\d:\d\d:\d\d(\.\d+)?$`)
	if len(charts) < 2 || !charts[0].Total {
		t.Fatalf("charts %+v; want the total's first, then a card's", charts)
	}
	for i, c := range charts {
		if c.W <= 0 || c.H <= 0 || c.XAxis < 100 || c.YAxis < 50 || len(c.XLabels) == 0 || !clock.MatchString(c.XLabels[0]) || len(c.YLabels) < 2 || c.YLabels[0] != "0" {
			t.Errorf("chart %d: %+v; want a drawn chart with axes, times and counts from 0", i, c)
		}
	}
	if *updatePNG {
		if err := os.WriteFile(filepath.Join("..", "docs", "monitor.png"), shot, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// A probe shows that the console is read, so that no errors means none.
	const probe = "leakhound-console-probe"
	if err := chromedp.Do(tab, chromedp.Evaluate[chromedp.Void](`console.error("`+probe+`")`)); err != nil {
		t.Fatal(err)
	}
	var errs []string
	for seen := false; !seen; {
		consoleMu.Lock()
		errs = errs[:0]
		for _, msg := range console {
			switch {
			case strings.Contains(msg.Text, probe):
				seen = true
			case msg.Type == chromedp.ConsoleError || msg.IsException():
				errs = append(errs, fmt.Sprintf("%s (%s:%d)", msg, msg.URL, msg.Line))
			}
		}
		consoleMu.Unlock()
		if !seen {
			select {
			case <-ctx.Done():
				t.Fatal("the console probe never arrived: the console is not read")
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
	if len(errs) > 0 {
		t.Errorf("console errors on the page:\n%s", strings.Join(errs, "\n"))
	}

	// Close the browser now, not in a defer after a t.Fatal's report.
	if err := chromedp.Cancel(tab); err != nil {
		t.Logf("closing the browser: %v", err)
	}
}

// waitSampled waits for a sample whose finding at slowLookup counts n
// goroutines.
func waitSampled(ctx context.Context, t *testing.T, m *monitor.Monitor, n int) {
	t.Helper()
	for {
		if s := m.Last(); s != nil {
			for _, f := range s.Report.Findings {
				if f.BlockedAt.Func == lookupFunc && f.Count == n {
					return
				}
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no sample counted %d goroutines in %s: %v (monitor error: %v)", n, lookupFunc, ctx.Err(), m.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
}
