package report

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/leakhound/leakhound/classify"
	"github.com/leakhound/leakhound/stack"
)

var update = flag.Bool("update", false, "rewrite testdata/html.golden")

// outline reduces a page to its structure: one line per element with its
// id and classes and a little of its own text, indented by nesting, with
// repeats counted. The golden file holds this, not the page, so a change
// of style or script does not touch it and a lost section does.
func outline(page string) string {
	page = regexp.MustCompile(`(?s)<(style|script)>.*?</(style|script)>`).ReplaceAllString(page, "<$1></$1>")
	tag := regexp.MustCompile(`<(/?)([a-zA-Z0-9]+)([^>]*)>`)
	attr := regexp.MustCompile(`(?:^|\s)(id|class)="([^"]*)"`)
	void := map[string]bool{"meta": true, "link": true, "input": true, "br": true}
	var lines []string
	depth, last := 0, 0
	for _, m := range tag.FindAllStringSubmatchIndex(page, -1) {
		if text := strings.Join(strings.Fields(page[last:m[0]]), " "); text != "" && len(lines) > 0 {
			if len(text) > 60 {
				text = text[:60] + "..."
			}
			lines[len(lines)-1] += fmt.Sprintf(" %q", text)
		}
		last = m[1]
		name := page[m[4]:m[5]]
		if page[m[2]:m[3]] == "/" {
			depth--
			continue
		}
		line := strings.Repeat("  ", depth) + name
		for _, a := range attr.FindAllStringSubmatch(page[m[6]:m[7]], -1) {
			if a[1] == "id" {
				line += "#" + a[2]
			} else {
				line += "." + strings.ReplaceAll(a[2], " ", ".")
			}
		}
		lines = append(lines, line)
		if !void[name] && !strings.HasSuffix(page[m[6]:m[7]], "/") {
			depth++
		}
	}
	// Count repeats, so that the golden file says "rect.v-ok x3".
	var out []string
	for i := 0; i < len(lines); {
		j := i
		for j < len(lines) && lines[j] == lines[i] {
			j++
		}
		if j-i > 1 {
			out = append(out, fmt.Sprintf("%s x%d", lines[i], j-i))
		} else {
			out = append(out, lines[i])
		}
		i = j
	}
	return strings.Join(out, "\n") + "\n"
}

// TestHTMLGolden checks the structure of the page of sample() against
// testdata/html.golden; go test -run HTMLGolden -update rewrites it.
func TestHTMLGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := HTML(&buf, "dump.txt", sample(), HTMLOptions{Notes: []string{"2 goroutines hidden by --class send-no-receiver"}}); err != nil {
		t.Fatal(err)
	}
	got := outline(buf.String())
	golden := filepath.Join("testdata", "html.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test -run HTMLGolden -update writes it)", err)
	}
	if got != string(want) {
		t.Errorf("the page's structure changed; if on purpose, go test -run HTMLGolden -update.\ngot:\n%s", got)
	}
	for _, s := range []string{"section#summary", "section#findings", "article.card.v-card-leak#g0", "svg.chart.class-chart", "svg#icicle.chart.icicle", "section#input", "table#groups.groups"} {
		if !strings.Contains(got, s) {
			t.Errorf("the outline lacks %s", s)
		}
	}
}

// TestHTMLHostile: markup and terminal controls in anything the input
// names come out as text.
func TestHTMLHostile(t *testing.T) {
	c := classify.New(classify.Config{})
	c.Add(&stack.Goroutine{ID: 5, State: "chan send", Count: 1, Minutes: 9,
		Labels:    []stack.Label{{Key: `k"><b>`, Value: "<script>alert(1)</script>\x1b]52;c;aGk=\x07\u202e"}},
		Stack:     []stack.Frame{{Func: "main.<img/src/onerror=alert(1)>", File: "/src/<x>.go", Line: 3}},
		CreatedBy: stack.Frame{Func: "main.</title><svg/onload=alert(1)>", File: "/src/a.go", Line: 1}, CreatorID: 1})
	var buf bytes.Buffer
	if err := HTML(&buf, `dump"><script>alert(2)</script>`, c.Report(), HTMLOptions{Notes: []string{"<i>note</i>"}}); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, bad := range []string{"<script>alert", "<img/src", "<svg/onload", `k"><b>`, "<i>note", "\x1b", "\u202e", `"><script`} {
		if strings.Contains(page, bad) {
			t.Errorf("the page holds %q as it came", bad)
		}
	}
	for _, want := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;\\x1b]52;c;aGk=\\a\\u202e", "main.&lt;img/src/onerror=alert(1)&gt;", "&lt;i&gt;note&lt;/i&gt;"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks the escaped text %q", want)
		}
	}
	if n := strings.Count(page, "<script"); n != 1 {
		t.Errorf("%d script elements, want only the page's own", n)
	}
}

// bigReport builds the report of n goroutines in about groups distinct
// stacks of realistic depth, spread over the wait states of a service.
func bigReport(n, groups int) *classify.Report {
	c := classify.New(classify.Config{})
	states := []string{"chan send", "chan receive", "select", "IO wait", "sleep", "sync.Mutex.Lock", "semacquire"}
	for i := 0; i < n; i++ {
		k := i % groups
		st := make([]stack.Frame, 0, 16)
		st = append(st, stack.Frame{Func: "runtime.gopark", File: "/usr/lib/go/src/runtime/proc.go", Line: 435})
		st = append(st, stack.Frame{Func: stack.Func(fmt.Sprintf("example.com/svc/pkg%d.(*Worker%d).wait", k%40, k)), File: fmt.Sprintf("/src/svc/pkg%d/worker.go", k%40), Line: 10 + k})
		for d := 0; d < 6+k%8; d++ {
			st = append(st, stack.Frame{Func: stack.Func(fmt.Sprintf("example.com/svc/pkg%d.step%d", (k/40+d)%25, d)), File: "/src/svc/step.go", Line: 100 + d})
		}
		st = append(st, stack.Frame{Func: stack.Func(fmt.Sprintf("example.com/svc/server.handle%d", k%12)), File: "/src/svc/server.go", Line: 50})
		c.Add(&stack.Goroutine{ID: int64(i + 100), State: states[k%len(states)], Minutes: k % 30, Count: 1, Stack: st,
			Labels:    []stack.Label{{Key: "route", Value: fmt.Sprintf("/api/v%d", k%5)}},
			CreatedBy: stack.Frame{Func: "example.com/svc/server.(*Server).serve", File: "/src/svc/server.go", Line: 20}, CreatorID: int64(1 + i%50)})
	}
	return c.Report()
}

// TestHTMLBudget: the page of 1000 groups stays within the budget the
// README states, and says how much it left out.
func TestHTMLBudget(t *testing.T) {
	r := bigReport(20000, 1000)
	if len(r.Findings) < 900 {
		t.Fatalf("%d groups, want about 1000", len(r.Findings))
	}
	var buf bytes.Buffer
	if err := HTML(&buf, "big", r, HTMLOptions{}); err != nil {
		t.Fatal(err)
	}
	const budget = 1 << 20
	if buf.Len() > budget {
		t.Errorf("the page of %d groups is %d bytes, over the budget of %d", len(r.Findings), buf.Len(), budget)
	}
	if !strings.Contains(buf.String(), "more group") {
		t.Errorf("the page does not say what it left out")
	}
	t.Logf("%d groups: %d bytes", len(r.Findings), buf.Len())
}

// BenchmarkHTML renders the report of a 100k-goroutine dump in 2000 groups.
func BenchmarkHTML(b *testing.B) {
	r := bigReport(100000, 2000)
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := HTML(&buf, "big", r, HTMLOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "page-bytes")
}

// TestHTMLEmpty: a report of nothing is still a whole page that says so.
func TestHTMLEmpty(t *testing.T) {
	var buf bytes.Buffer
	if err := HTML(&buf, "", &classify.Report{}, HTMLOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"0 goroutines", "no leak found", "No leak, suspect or parked group", "<dd>no goroutines</dd>", "</html>"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("the empty page lacks %q", want)
		}
	}
}

// FuzzHighlight: the tokens of any line put back together are the line,
// so highlighting never drops or adds a character of the source.
func FuzzHighlight(f *testing.F) {
	for _, s := range []string{`go func() { ch <- 1 }() // the leak`, `s := "a\"b" + 'c' + ` + "`raw`", `x := 0x1f.5e3`, `"unterminated`, "\xff\xfe", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var b strings.Builder
		for _, tok := range highlight(s) {
			if tok.Text == "" {
				t.Fatalf("empty token in %q", s)
			}
			b.WriteString(tok.Text)
		}
		if b.String() != s {
			t.Fatalf("highlight(%q) put back together is %q", s, b.String())
		}
	})
}
