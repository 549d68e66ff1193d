package monitor

import (
	"net/http"
	"strings"
	"testing"
)

// TestPageCharts: the page charts the total and each group over time with
// axes, links each group to its stack and to /debug/pprof/goroutine, and
// reloads itself unless refresh=0.
func TestPageCharts(t *testing.T) {
	m := New(Config{Interval: interval, Full: FullAlways})
	s := newService(t, m)
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
	total, cards, ok := strings.Cut(page, "<h2>Needs attention")
	if !ok {
		t.Fatalf("no attention section:\n%s", page)
	}
	for _, want := range []string{`<meta http-equiv="refresh" content="5">`, `<div id="total">`, `<svg class="tchart"`, `class="axis x-axis"`, `class="xtick"`, `href="?refresh=0"`, `href="../pprof/goroutine?debug=1"`} {
		if !strings.Contains(total, want) {
			t.Errorf("the head of the page lacks %s", want)
		}
	}
	if n := strings.Count(total, `<circle class="dot"`); n != 4 {
		t.Errorf("the total's chart has %d points, want one per sample (4)", n)
	}
	for _, want := range []string{`<svg class="tchart growing"`, `class="axis y-axis"`, `<details class="stacks">`, pkgPath + ".fetch", `href="../pprof/goroutine?debug=1"`} {
		if !strings.Contains(cards, want) {
			t.Errorf("the cards lack %s", want)
		}
	}
	still := body(t, s.URL+"/debug/leaks/?refresh=0", "text/html; charset=utf-8")
	if strings.Contains(still, `http-equiv="refresh"`) || !strings.Contains(still, "does not reload") {
		t.Error("refresh=0 still reloads")
	}
	resp, err := http.Get(s.URL + "/debug/leaks/?refresh=often")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("refresh=often: %s, want 400", resp.Status)
	}
}
