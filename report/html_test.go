package report

import (
	"bytes"
	"flag"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
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

// TestHTMLSourceIndent: the lines around a blocking line keep their
// indentation, tabs as tabs (the page's style gives them a fixed width),
// and whatever else a terminal or a browser would act on is escaped.
func TestHTMLSourceIndent(t *testing.T) {
	dir := t.TempDir()
	code := "package main\n\nfunc serve(ch chan int) {\n\tfor {\n\t\tselect {\n\t\tcase v := <-ch:\n\t\t\tch <- v // \x1b[31mred\n        default:\n\t\t}\n\t}\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(code), 0o644); err != nil {
		t.Fatal(err)
	}
	c := classify.New(classify.Config{})
	c.Add(&stack.Goroutine{ID: 7, State: "chan send", Count: 1,
		Stack:     []stack.Frame{{Func: "main.serve", File: "/build/app/main.go", Line: 7}},
		CreatedBy: stack.Frame{Func: "main.main", File: "/build/app/main.go", Line: 3}, CreatorID: 1})
	var buf bytes.Buffer
	if err := HTML(&buf, "dump", c.Report(), HTMLOptions{Source: &classify.Source{Roots: []string{dir}}}); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	lines := strings.Split(code, "\n")
	tags := regexp.MustCompile(`<[^>]*>`)
	shown := regexp.MustCompile(`<span class="line( here)?"><span class="ln">(\d+)</span><span class="code">(.*?)</span></span>\n`).FindAllStringSubmatch(page, -1)
	if len(shown) < 5 {
		t.Fatalf("%d source lines on the page, want the blocking line and two either side:\n%s", len(shown), page)
	}
	here := 0
	for _, m := range shown {
		n, _ := strconv.Atoi(m[2])
		got := html.UnescapeString(tags.ReplaceAllString(m[3], ""))
		want := strings.TrimRight(Escape(strings.ReplaceAll(lines[n-1], "\t", "\x00")), " ")
		want = strings.ReplaceAll(want, `\x00`, "\t")
		if got != want {
			t.Errorf("line %d on the page is %q, want %q", n, got, want)
		}
		if m[1] == "" {
			continue
		}
		here++
		switch {
		case n == 7 && (!strings.HasPrefix(got, "\t\t\tch <- v") || !strings.Contains(got, `\x1b[31mred`)):
			t.Errorf("the blocking line is %q, want it with its three tabs and the escape escaped", got)
		case n != 7 && n != 3:
			t.Errorf("line %d is marked; want the blocking line 7 and the go statement's line 3", n)
		}
	}
	if here != 2 {
		t.Errorf("%d lines marked, want the blocking line and the go statement's", here)
	}
	if strings.Contains(page, "\x1b") {
		t.Error("the page holds an escape character as it came")
	}
	if !strings.Contains(page, "tab-size:4") {
		t.Error("the page's style gives tabs no fixed width")
	}
	// The text report keeps the line it always showed, trimmed.
	var text bytes.Buffer
	c2 := classify.New(classify.Config{Source: &classify.Source{Roots: []string{dir}}})
	c2.Add(&stack.Goroutine{ID: 7, State: "chan send", Count: 1,
		Stack:     []stack.Frame{{Func: "main.serve", File: "/build/app/main.go", Line: 7}},
		CreatedBy: stack.Frame{Func: "main.main", File: "/build/app/main.go", Line: 3}, CreatorID: 1})
	r := c2.Report()
	if got := r.Findings[0].BlockedAt.Source; got != "ch <- v // \x1b[31mred" {
		t.Errorf("the finding's source line is %q, want it trimmed", got)
	}
	if err := Text(&text, "dump", r, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(text.String(), "\t\t\tch <- v") {
		t.Errorf("the text report shows the line indented:\n%s", text.String())
	}
}

// TestGoVersionOf: the version is read only from a standard-library
// frame's path whose toolchain directory names it, never guessed.
func TestGoVersionOf(t *testing.T) {
	for _, tc := range []struct{ fn, file, want string }{
		{"runtime.gopark", "/root/go/pkg/mod/golang.org/toolchain@v0.0.1-go1.27.3.linux-amd64/src/runtime/proc.go", "go1.27.3"},
		{"runtime.gopark", "/usr/lib/go-1.19/src/runtime/proc.go", "go1.19"},
		{"sync.(*WaitGroup).Wait", "/home/ann/sdk/go1.21.0/src/sync/waitgroup.go", "go1.21.0"},
		{"net/http.(*conn).serve", "/opt/homebrew/Cellar/go/1.22.5/libexec/src/net/http/server.go", "go1.22.5"},
		{"internal/sync.(*Mutex).lockSlow", "/nix/store/0123456789abcdfghijklmnpqrsvwxyz-go-1.23.4/share/go/src/internal/sync/mutex.go", "go1.23.4"},
		{"runtime.gopark", "/usr/lib/go-1.24rc1/src/runtime/proc.go", "go1.24rc1"},
		{"runtime.gopark", `C:\Program Files\Go1.21.0\src\runtime\proc.go`, ""}, // no "go" prefix in lower case: not guessed
		{"runtime.gopark", "/usr/local/go/src/runtime/proc.go", ""},
		{"runtime.gopark", "runtime/proc.go", ""},                                             // -trimpath
		{"main.main", "/home/go1.21.0/src/main/main.go", ""},                                  // not the standard library
		{"example.com/x.f", "/usr/lib/go-1.19/src/example.com/x/x.go", ""},                    // nor this
		{"runtime.gopark", "/usr/lib/go-1.19/src/sync/mutex.go", ""},                          // the path is not the frame's package
		{"runtime.gopark", "/usr/lib/go-1.19.evil/src/runtime/proc.go", ""},                   // not a version
		{"runtime.gopark", "/go-1.20/a/b/c/src/runtime/proc.go", ""},                          // too far above
		{"runtime.gopark", "/x/golang.org/toolchain@v0.0.1-go1.27.3/src/runtime/proc.go", ""}, // no platform
	} {
		if got := goVersionOf(tc.fn, tc.file); got != tc.want {
			t.Errorf("goVersionOf(%q, %q) = %q, want %q", tc.fn, tc.file, got, tc.want)
		}
	}
}

// TestHTMLGoVersion: the page states the version where a runtime frame's
// path tells it, with where it was read; says it is not told where none
// does; and flags paths that name different versions.
func TestHTMLGoVersion(t *testing.T) {
	page := func(runtimeFiles ...string) string {
		c := classify.New(classify.Config{})
		for i, f := range runtimeFiles {
			c.Add(&stack.Goroutine{ID: int64(i + 2), State: "chan receive", Count: 1,
				Stack: []stack.Frame{{Func: "runtime.gopark", File: f, Line: 460},
					{Func: stack.Func(fmt.Sprintf("main.worker%d", i)), File: "/src/main.go", Line: 10 + i}},
				CreatedBy: stack.Frame{Func: "main.main", File: "/src/main.go", Line: 5}, CreatorID: 1})
		}
		var buf bytes.Buffer
		if err := HTML(&buf, "dump", c.Report(), HTMLOptions{}); err != nil {
			t.Fatal(err)
		}
		_, facts, _ := strings.Cut(buf.String(), `<section id="input">`)
		return facts
	}
	got := page("/usr/lib/go-1.19/src/runtime/proc.go")
	if !strings.Contains(got, "<dd>go1.19 <span class=\"dim from\">read from the toolchain's directory in the path of runtime.gopark in /usr/lib/go-1.19/src/runtime/proc.go</span></dd>") {
		t.Errorf("a Debian toolchain's path: the facts read\n%s", got)
	}
	if got := page("/usr/local/go/src/runtime/proc.go"); !strings.Contains(got, "<dd>not told by this input</dd>") || strings.Contains(got, "go1.") {
		t.Errorf("a path with no version: the facts read\n%s", got)
	}
	got = page("/usr/lib/go-1.19/src/runtime/proc.go", "/usr/lib/go-1.20/src/runtime/proc.go")
	if !strings.Contains(got, "other paths name go1.20 (/usr/lib/go-1.20/src/runtime/proc.go)") {
		t.Errorf("two versions: the facts read\n%s", got)
	}
	var buf bytes.Buffer
	if err := HTML(&buf, "dump", sample(), HTMLOptions{GoVersion: "go1.26.8"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "<dd>go1.26.8</dd>") {
		t.Error("the caller's version is not shown")
	}
}

// TestIDsOmitted: a finding whose id list the classifier cut still counts
// every id the text and HTML reports do not print.
func TestIDsOmitted(t *testing.T) {
	c := classify.New(classify.Config{MaxIDs: IDsShown})
	for i := range 60 {
		c.Add(&stack.Goroutine{ID: int64(100 + i), State: "chan send", Count: 1,
			Stack:     []stack.Frame{{Func: "main.send", File: "/src/main.go", Line: 9}},
			CreatedBy: stack.Frame{Func: "main.start", File: "/src/main.go", Line: 4}, CreatorID: int64(1 + i%2)})
	}
	r := c.Report() // suspect: both creators are gone
	if f := r.Findings[0]; len(f.GoroutineIDs) != IDsShown || f.IDsOmitted != 40 || f.Count != 60 {
		t.Fatalf("finding: %d ids, %d omitted, count %d; want %d, 40, 60", len(f.GoroutineIDs), f.IDsOmitted, f.Count, IDsShown)
	}
	var text, page bytes.Buffer
	if err := Text(&text, "dump", r, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "100 101 102 103 104 105 106 107 108 109 ... (+50)") {
		t.Errorf("the text report's ids:\n%s", text.String())
	}
	if err := HTML(&page, "dump", r, HTMLOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(page.String(), "118 119 ... (&#43;40)</dd>") {
		t.Errorf("the page's ids: %s", regexp.MustCompile(`<dd class="ids">[^<]*</dd>`).FindString(page.String()))
	}
}
