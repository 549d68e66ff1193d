package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/leakhound/leakhound/classify"
	"github.com/leakhound/leakhound/stack"
)

// HTMLOptions configure HTML.
type HTMLOptions struct {
	// Notes say what the input could not show or what a filter hid, one
	// sentence each, as for Text.
	Notes []string
	// Source reads the lines around the blocking line and the go
	// statement; nil shows only the line the classifier read, if any.
	Source *classify.Source
	// GoVersion is the Go version of the program, when the caller knows
	// it; else the page reads it from the paths of the standard library's
	// frames, where the toolchain's directory names it, and says which.
	GoVersion string
	// MaxCards caps the findings drawn as cards (0 means 100); the rest
	// are counted, and still listed in the table of groups.
	MaxCards int
	// MaxRows caps the rows of the table of groups (0 means 1000).
	MaxRows int
}

// Budget of the page: with the default caps, a report of 1000 groups
// stays under 1 MB (TestHTMLBudget measures it). The icicle draws at
// most maxNodes frames, each at least minNodeWidth of its width.
const (
	maxNodes     = 1500
	minNodeWidth = 1.5
	iciWidth     = 1200.0
	iciRow       = 18
	maxDepth     = 64
	sourceAround = 2 // lines shown before and after a line of code
)

// IDsShown is the most goroutine ids a finding shows in the text and HTML
// reports: a classifier that feeds only them can set classify.Config.MaxIDs
// to it and keep no more.
const IDsShown = 20

//go:embed html.tmpl
var htmlText string

//go:embed html.css
var htmlCSS string

//go:embed html.js
var htmlJS string

var htmlTmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"plural": Plural,
	"pct": func(n, total int) string {
		if total == 0 {
			return "0"
		}
		return strconv.FormatFloat(float64(n)*100/float64(total), 'f', 1, 64)
	},
}).Parse(htmlText))

// verdicts lists the verdicts in the order the page shows them.
var verdicts = []classify.Verdict{classify.Leak, classify.Suspect, classify.Parked, classify.OK}

func verdictIndex(v classify.Verdict) int {
	if i := slices.Index(verdicts, v); i >= 0 {
		return i
	}
	return len(verdicts) - 1
}

// HTML writes r as one self-contained page: its styles, script and charts
// are inline and it loads nothing. The summary, the findings and the
// stack chart read without JavaScript; the script adds search and
// click-to-filter. Every string that came from the input is escaped by
// html/template after Escape, never written as markup.
func HTML(w io.Writer, input string, r *classify.Report, opt HTMLOptions) error {
	if opt.MaxCards == 0 {
		opt.MaxCards = 100
	}
	if opt.MaxRows == 0 {
		opt.MaxRows = 1000
	}
	p := buildPage(input, r, opt)
	// Buffered so that a failing template leaves no half page behind.
	var buf bytes.Buffer
	if err := htmlTmpl.Execute(&buf, p); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

type page struct {
	Title     string
	Input     string
	Headline  string
	Total     int
	CSS       template.CSS
	JS        template.JS
	Verdicts  []verdictBar
	Classes   classChart
	Biggest   []groupRow
	Cards     []card
	MoreCards int
	Rows      []groupRow
	MoreRows  int
	Icicle    icicle
	Facts     facts
}

type verdictBar struct {
	Verdict string
	Count   int
	X, W    float64 // in percent of the bar
}

type classChart struct {
	Height int
	Bars   []classBar
}

type classBar struct {
	Class  string
	Title  string
	Count  int
	Y      int
	Segs   []seg
	LabelX float64
}

type seg struct {
	Verdict string
	Count   int
	X, W    float64
}

type groupRow struct {
	Index   int
	Anchor  string // "" when the group has no card
	Verdict string
	Class   string
	Count   int
	Minutes int
	Blocked string
	Created string
	// Node is the deepest box of the stack chart on this group's stack,
	// which the script filters by.
	Node int
}

type card struct {
	groupRow
	Proven      int
	WaitReason  string
	Evidence    []classify.Evidence
	BlockedAt   location
	CreatedAt   location
	Creator     string
	Labels      []string
	IDs         string
	Unknown     string
	Explanation string
	Fix         string
	Rule        string
	Frames      []location
}

type location struct {
	Func   string
	Line   int
	Place  string // "file.go:12", "" when unknown
	Path   string
	Source []codeLine
}

type codeLine struct {
	N      int
	Here   bool
	Tokens []token
}

type token struct {
	Kind string // "", "kw", "str", "com", "num"
	Text string
}

type facts struct {
	Form      string
	GoVersion string
	// GoFrom is the frame and path the version was read from, when the
	// page read it; Others are further versions other paths name.
	GoFrom   string
	GoOthers []string
	Proven   bool
	Notes    []string
	Unknowns []unknown
	Groups   int
}

type unknown struct {
	Text       string
	Goroutines int
	Groups     int
}

func buildPage(input string, r *classify.Report, opt HTMLOptions) *page {
	p := &page{
		Input: Escape(input),
		Total: r.Total,
		CSS:   template.CSS(htmlCSS),
		JS:    template.JS(htmlJS),
	}
	p.Title = "leakhound: " + Plural(r.Total, "goroutine")
	if input != "" {
		p.Title += " in " + p.Input
	}
	ok := r.Total - r.Leaks - r.Suspects - r.Parked
	switch {
	case r.Leaks > 0:
		p.Headline = fmt.Sprintf("%d proven leaked, %d suspect", r.Leaks, r.Suspects)
	case r.Suspects > 0:
		p.Headline = fmt.Sprintf("%d suspect, none proven", r.Suspects)
	default:
		p.Headline = "no leak found"
	}
	if r.Parked > 0 {
		p.Headline += fmt.Sprintf("; %d parked with no evidence of a leak", r.Parked)
	}
	x := 0.0
	for i, n := range []int{r.Leaks, r.Suspects, r.Parked, max(ok, 0)} {
		w := 0.0
		if r.Total > 0 {
			w = float64(n) * 100 / float64(r.Total)
		}
		p.Verdicts = append(p.Verdicts, verdictBar{Verdict: string(verdicts[i]), Count: n, X: x, W: w})
		x += w
	}
	p.Classes = classesChart(r)

	rows := make([]groupRow, len(r.Findings))
	for i, f := range r.Findings {
		rows[i] = row(i, f)
	}
	cards := 0
	for i, f := range r.Findings {
		if f.Verdict == classify.OK {
			continue
		}
		if cards == opt.MaxCards {
			p.MoreCards++
			continue
		}
		cards++
		rows[i].Anchor = "g" + strconv.Itoa(i)
		p.Cards = append(p.Cards, makeCard(rows[i], f, opt.Source))
	}
	biggest := slices.Clone(rows)
	slices.SortStableFunc(biggest, func(a, b groupRow) int { return b.Count - a.Count })
	p.Biggest = biggest[:min(10, len(biggest))]
	p.Rows = rows[:min(opt.MaxRows, len(rows))]
	p.MoreRows = len(rows) - len(p.Rows)
	var leaf []int
	p.Icicle, leaf = buildIcicle(r)
	for i := range p.Rows {
		p.Rows[i].Node = leaf[p.Rows[i].Index]
	}
	for i := range p.Cards {
		p.Cards[i].Node = leaf[p.Cards[i].Index]
	}
	p.Facts = inputFacts(r, opt)
	return p
}

func classesChart(r *classify.Report) classChart {
	type tally struct {
		class classify.Class
		by    [4]int
		total int
	}
	m := map[classify.Class]*tally{}
	var order []*tally
	for _, f := range r.Findings {
		t := m[f.Class]
		if t == nil {
			t = &tally{class: f.Class}
			m[f.Class] = t
			order = append(order, t)
		}
		t.by[verdictIndex(f.Verdict)] += f.Count
		t.total += f.Count
	}
	slices.SortStableFunc(order, func(a, b *tally) int { return b.total - a.total })
	hi := 1
	if len(order) > 0 {
		hi = max(order[0].total, 1)
	}
	const left, width, row = 190.0, 470.0, 22
	var c classChart
	for i, t := range order {
		b := classBar{Class: Escape(string(t.class)), Count: t.total, Y: i * row}
		if info := classify.Lookup(t.class); info != nil {
			b.Title = info.Title
		}
		x := left
		for v, n := range t.by {
			if n == 0 {
				continue
			}
			w := float64(n) * width / float64(hi)
			b.Segs = append(b.Segs, seg{Verdict: string(verdicts[v]), Count: n, X: round(x), W: round(max(w, 1))})
			x += w
		}
		b.LabelX = round(x + 6)
		c.Bars = append(c.Bars, b)
	}
	c.Height = max(len(order)*row, row)
	return c
}

func row(i int, f *classify.Finding) groupRow {
	return groupRow{Index: i, Verdict: string(f.Verdict), Class: Escape(string(f.Class)), Count: f.Count, Minutes: f.MaxMinutes,
		Blocked: Escape(f.BlockedAt.Func), Created: Escape(f.CreatedAt.Func)}
}

func makeCard(g groupRow, f *classify.Finding, src *classify.Source) card {
	c := card{groupRow: g, Proven: f.Proven, WaitReason: Escape(f.WaitReason), Evidence: make([]classify.Evidence, len(f.Evidence)),
		BlockedAt: loc(f.BlockedAt, src), CreatedAt: loc(f.CreatedAt, src), Unknown: Escape(f.Unknown),
		Explanation: Escape(f.Explanation), Fix: Escape(f.Fix), Rule: Escape(f.Rule), IDs: ids(f, IDsShown)}
	for i, e := range f.Evidence {
		c.Evidence[i] = classify.Evidence{Kind: classify.EvidenceKind(Escape(string(e.Kind))), Detail: Escape(e.Detail)}
	}
	if f.CreatedAt.Func != "" {
		c.Creator = strings.TrimSpace(creators(f))
	}
	for k, v := range f.Labels {
		c.Labels = append(c.Labels, Escape(k)+"="+Escape(v))
	}
	slices.Sort(c.Labels)
	for _, l := range f.Stack {
		c.Frames = append(c.Frames, loc(classify.Location{Func: l.Func, File: l.File, Line: l.Line}, nil))
	}
	return c
}

// loc prepares a location for the page, with the lines around it when src
// can read them.
func loc(l classify.Location, src *classify.Source) location {
	out := location{Func: Escape(l.Func), Path: Escape(l.File), Line: l.Line}
	if l.File != "" {
		out.Place = Escape(filepath.Base(l.File)) + ":" + strconv.Itoa(l.Line)
	}
	if src != nil && l.File != "" && l.Line > 0 {
		for n := max(l.Line-sourceAround, 1); n <= l.Line+sourceAround; n++ {
			text, ok := src.Indented(l.File, n)
			if !ok {
				if n >= l.Line {
					break
				}
				continue
			}
			out.Source = append(out.Source, codeLine{N: n, Here: n == l.Line, Tokens: highlight(escapeCode(text))})
		}
		if !slices.ContainsFunc(out.Source, func(c codeLine) bool { return c.Here }) {
			out.Source = nil
		}
	}
	if out.Source == nil && l.Source != "" {
		out.Source = []codeLine{{N: l.Line, Here: true, Tokens: highlight(Escape(l.Source))}}
	}
	return out
}

// escapeCode is Escape for a line of code: its tabs stay tabs, which the
// page shows at a fixed width, so that the indentation keeps its shape.
func escapeCode(s string) string {
	if !strings.Contains(s, "\t") {
		return Escape(s)
	}
	parts := strings.Split(s, "\t")
	for i, p := range parts {
		parts[i] = Escape(p)
	}
	return strings.Join(parts, "\t")
}

var goKeywords = map[string]bool{
	"break": true, "case": true, "chan": true, "const": true, "continue": true, "default": true, "defer": true,
	"else": true, "fallthrough": true, "for": true, "func": true, "go": true, "goto": true, "if": true,
	"import": true, "interface": true, "map": true, "package": true, "range": true, "return": true,
	"select": true, "struct": true, "switch": true, "type": true, "var": true,
}

// highlight splits one line of Go into tokens for colour: keywords,
// strings, comments and numbers. It only marks text; the template
// escapes each token.
func highlight(s string) []token {
	var out []token
	emit := func(kind, text string) {
		if text == "" {
			return
		}
		if n := len(out); n > 0 && out[n-1].Kind == kind {
			out[n-1].Text += text
			return
		}
		out = append(out, token{kind, text})
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case strings.HasPrefix(s[i:], "//"):
			emit("com", s[i:])
			return out
		case c == '"' || c == '`' || c == '\'':
			j := i + 1
			for j < len(s) && s[j] != c {
				if s[j] == '\\' && c != '`' {
					j++
				}
				j++
			}
			j = min(j+1, len(s))
			emit("str", s[i:j])
			i = j
		case isIdent(c):
			j := i
			for j < len(s) && (isIdent(s[j]) || s[j] >= '0' && s[j] <= '9') {
				j++
			}
			if goKeywords[s[i:j]] {
				emit("kw", s[i:j])
			} else {
				emit("", s[i:j])
			}
			i = j
		case c >= '0' && c <= '9':
			j := i
			for j < len(s) && (isIdent(s[j]) || s[j] >= '0' && s[j] <= '9' || s[j] == '.') {
				j++
			}
			emit("num", s[i:j])
			i = j
		default:
			emit("", s[i:i+1])
			i++
		}
	}
	return out
}

func isIdent(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

func inputFacts(r *classify.Report, opt HTMLOptions) facts {
	fx := facts{GoVersion: Escape(opt.GoVersion), Groups: len(r.Findings)}
	if opt.GoVersion == "" {
		if told := goVersions(r); len(told) > 0 {
			fx.GoVersion = told[0].version
			fx.GoFrom = Escape(told[0].fn) + " in " + Escape(told[0].file)
			for _, t := range told[1:] {
				fx.GoOthers = append(fx.GoOthers, t.version+" ("+Escape(t.file)+")")
			}
		}
	}
	ids, profile := false, false
	byText := map[string]*unknown{}
	var order []*unknown
	for _, f := range r.Findings {
		if len(f.GoroutineIDs) > 0 {
			ids = true
		} else {
			profile = true
		}
		if f.Proven > 0 {
			fx.Proven = true
		}
		if f.Unknown == "" {
			continue
		}
		u := byText[f.Unknown]
		if u == nil {
			u = &unknown{Text: Escape(f.Unknown)}
			byText[f.Unknown] = u
			order = append(order, u)
		}
		u.Goroutines += f.Count
		u.Groups++
	}
	for _, u := range order {
		fx.Unknowns = append(fx.Unknowns, *u)
	}
	switch {
	case ids && profile:
		fx.Form = "a goroutine dump with ids, and profile stacks without"
	case ids:
		fx.Form = "a goroutine dump (debug=2 or runtime.Stack): ids, wait reasons, wait minutes and creators"
	case profile:
		fx.Form = "a goroutine profile (debug=0 or debug=1): stacks with counts, no ids, wait minutes or creators"
	default:
		fx.Form = "no goroutines"
	}
	for _, n := range opt.Notes {
		fx.Notes = append(fx.Notes, Escape(n))
	}
	return fx
}

// goTold is a Go version a frame's path names.
type goTold struct {
	version  string // "go1.27.3"
	fn, file string // the frame it was read from
}

// goVersions reads the Go version from the file paths of the standard
// library's frames: a dump names them by the toolchain's directory on the
// machine that built the program, and some of those directories carry the
// version (/usr/lib/go-1.19, ~/sdk/go1.21.0, the module cache's
// golang.org/toolchain@v0.0.1-go1.27.3.linux-amd64, Homebrew's
// Cellar/go/1.21.0/libexec, Nix's ...-go-1.21.5/share/go). Most do not
// (/usr/local/go, -trimpath), and then it returns nothing: the version is
// never guessed. A program has one, so more than one means the input is
// not what it seems; each distinct one is returned, the first first, at
// most three.
func goVersions(r *classify.Report) []goTold {
	var out []goTold
	seen := map[string]bool{}
	look := func(l classify.Location) {
		if len(out) == 3 || l.File == "" {
			return
		}
		v := goVersionOf(l.Func, l.File)
		if v == "" || seen[v] {
			return
		}
		seen[v] = true
		out = append(out, goTold{version: v, fn: l.Func, file: l.File})
	}
	for _, f := range r.Findings {
		for _, l := range f.Stack {
			look(l)
		}
		look(f.CreatedAt)
	}
	return out
}

// stdRoots are the top directories of the standard library's packages.
var stdRoots = map[string]bool{
	"archive": true, "bufio": true, "bytes": true, "cmp": true, "compress": true, "container": true, "context": true,
	"crypto": true, "database": true, "debug": true, "embed": true, "encoding": true, "errors": true, "expvar": true,
	"flag": true, "fmt": true, "go": true, "hash": true, "html": true, "image": true, "index": true, "internal": true,
	"io": true, "iter": true, "log": true, "maps": true, "math": true, "mime": true, "net": true, "os": true, "path": true,
	"plugin": true, "reflect": true, "regexp": true, "runtime": true, "slices": true, "sort": true, "strconv": true,
	"strings": true, "structs": true, "sync": true, "syscall": true, "testing": true, "text": true, "time": true,
	"unicode": true, "unique": true, "unsafe": true, "vendor": true, "weak": true,
}

// The directory names that carry a Go version; goVer is the version.
const goVer = `(1\.[0-9]{1,3}(?:\.[0-9]{1,3})?(?:(?:rc|beta)[0-9]{1,2})?)`

var (
	goDirVersion       = regexp.MustCompile(`^go-?` + goVer + `$`)                                       // go-1.19, go1.21.0
	goToolchainVersion = regexp.MustCompile(`^toolchain@v0\.0\.1-go` + goVer + `\.[a-z0-9]+-[a-z0-9]+$`) // after golang.org
	goNixVersion       = regexp.MustCompile(`^[a-z0-9]{32}-go-` + goVer + `$`)
	goBareVersion      = regexp.MustCompile(`^` + goVer + `$`) // after go, as Homebrew's Cellar/go/1.21.0
)

// goVersionOf returns the Go version that the path of fn's file names, or
// "" when fn is not the standard library's or its path names none.
func goVersionOf(fn, file string) string {
	pkg := stack.Func(fn).PkgPath()
	top, _, _ := strings.Cut(pkg, "/")
	if !stdRoots[top] {
		return ""
	}
	file = filepath.ToSlash(file)
	i := strings.LastIndex(file, "/src/"+pkg+"/")
	if i <= 0 {
		return ""
	}
	dirs := strings.Split(file[:i], "/")
	// The version is in the toolchain's directory or at most two above it
	// (Homebrew's libexec, Nix's share/go).
	for j := len(dirs) - 1; j >= 1 && j >= len(dirs)-3; j-- {
		d, up := dirs[j], dirs[j-1]
		var m []string
		switch {
		case up == "golang.org":
			m = goToolchainVersion.FindStringSubmatch(d)
		case up == "go":
			m = goBareVersion.FindStringSubmatch(d)
		}
		if m == nil {
			m = goDirVersion.FindStringSubmatch(d)
		}
		if m == nil {
			m = goNixVersion.FindStringSubmatch(d)
		}
		if m != nil {
			return "go" + m[1]
		}
	}
	return ""
}

// icicle is the stack chart: one box per frame, outermost at the top,
// each as wide as the goroutines whose stacks pass through it.
type icicle struct {
	Height  int
	Nodes   []iciNode
	Hidden  int // frames too narrow to draw, or past the cap
	MaxDeep bool
}

type iciNode struct {
	ID, Parent int
	Func       string
	Label      string
	Count      int
	Verdict    string // the worst verdict among its goroutines
	Tip        string
	X, W       float64
	Y, Depth   int
}

type frameNode struct {
	fn     string
	count  int
	by     [4]int
	kids   map[string]*frameNode
	order  []*frameNode
	x, w   float64
	depth  int
	parent *frameNode
	id     int
}

// buildIcicle returns the chart and, for each finding, the id of the
// deepest drawn box on its stack.
func buildIcicle(r *classify.Report) (icicle, []int) {
	root := &frameNode{fn: "all goroutines", id: -1}
	var ic icicle
	leaves := make([]*frameNode, len(r.Findings))
	for i, f := range r.Findings {
		v := verdictIndex(f.Verdict)
		n := root
		n.count += f.Count
		n.by[v] += f.Count
		frames := f.Stack
		if len(frames) == 0 {
			frames = []classify.Location{{Func: cmpOr(f.BlockedAt.Func, "(no frames)")}}
		}
		d := 0
		for j := len(frames) - 1; j >= 0; j-- {
			fn := frames[j].Func
			if j < len(frames)-1 && fn == frames[j+1].Func {
				continue // recursion draws one box
			}
			if d++; d > maxDepth {
				ic.MaxDeep = true
				break
			}
			k := n.kids[fn]
			if k == nil {
				if n.kids == nil {
					n.kids = map[string]*frameNode{}
				}
				k = &frameNode{fn: fn, depth: d, parent: n, id: -1}
				n.kids[fn] = k
				n.order = append(n.order, k)
			}
			k.count += f.Count
			k.by[v] += f.Count
			n = k
		}
		leaves[i] = n
	}
	// Lay out breadth first, widest first, so that the cap keeps the
	// frames that stand for the most goroutines and every parent of a
	// drawn frame is drawn.
	root.w = iciWidth
	queue := []*frameNode{root}
	var drawn []*frameNode
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		if n.w < minNodeWidth || len(drawn) == maxNodes {
			ic.Hidden++
			continue
		}
		n.id = len(drawn)
		drawn = append(drawn, n)
		slices.SortStableFunc(n.order, func(a, b *frameNode) int { return b.count - a.count })
		x := n.x
		for _, k := range n.order {
			k.x = x
			k.w = n.w * float64(k.count) / float64(max(n.count, 1))
			x += k.w
			queue = append(queue, k)
		}
	}
	deepest := 0
	for _, n := range drawn {
		deepest = max(deepest, n.depth)
		worst := 3
		for v := range n.by {
			if n.by[v] > 0 {
				worst = v
				break
			}
		}
		parent := -1
		if n.parent != nil {
			parent = n.parent.id
		}
		fn := Escape(n.fn)
		var parts []string
		for v, c := range n.by {
			if c > 0 {
				parts = append(parts, fmt.Sprintf("%s %d", verdicts[v], c))
			}
		}
		ic.Nodes = append(ic.Nodes, iciNode{ID: n.id, Parent: parent, Func: fn, Label: fit(short(fn), n.w), Count: n.count,
			Verdict: string(verdicts[worst]), Tip: fmt.Sprintf("%s\n%s: %s", fn, Plural(n.count, "goroutine"), strings.Join(parts, ", ")),
			X: round(n.x), W: round(n.w), Y: n.depth * iciRow, Depth: n.depth})
	}
	ic.Height = (deepest + 1) * iciRow
	leaf := make([]int, len(leaves))
	for i, n := range leaves {
		for n.id < 0 {
			n = n.parent
		}
		leaf[i] = n.id
	}
	return ic, leaf
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func round(f float64) float64 { return float64(int(f*10+0.5)) / 10 }

// short drops the import path of a function name.
func short(fn string) string {
	i := strings.LastIndexByte(fn, '/')
	return fn[i+1:]
}

// fit cuts s to what a box w wide shows at about 7 units a character,
// dropping the package name first.
func fit(s string, w float64) string {
	n := int((w - 6) / 7)
	r := []rune(s)
	switch {
	case n < 3:
		return ""
	case len(r) <= n:
		return s
	}
	if _, name, ok := strings.Cut(s, "."); ok && len([]rune(name)) <= n {
		return name
	}
	return string(r[:n-1]) + "…"
}
