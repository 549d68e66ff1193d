package monitor

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/leakhound/leakhound/classify"
	"github.com/leakhound/leakhound/report"
)

// HandlerOption configures Handler.
type HandlerOption interface{ apply(*handlerOpts) }

type handlerOpts struct {
	authorize func(*http.Request) bool
}

type handlerOptionFunc func(*handlerOpts)

func (f handlerOptionFunc) apply(o *handlerOpts) { f(o) }

// Authorize makes the handler answer 403 Forbidden to requests for which
// allow returns false. The page names the code and lines of the process,
// so outside an admin port it needs a check.
func Authorize(allow func(*http.Request) bool) HandlerOption {
	return handlerOptionFunc(func(o *handlerOpts) { o.authorize = allow })
}

// Handler returns the monitor's page: HTML for a person, JSON with
// ?format=json. Mount it yourself, on an admin port beside net/http/pprof:
//
//	mux.Handle("/debug/leaks/", m.Handler())
//
// Every request is answered from the last sample: none takes a sample, stops
// the world or runs a GC, however many arrive. Before the first sample it
// answers 503.
func (m *Monitor) Handler(opts ...HandlerOption) http.Handler {
	var o handlerOpts
	for _, opt := range opts {
		opt.apply(&o)
	}
	return &handler{m: m, o: o}
}

type handler struct {
	m *Monitor
	o handlerOpts
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		httpError(w, http.StatusMethodNotAllowed, "use GET")
		return
	}
	if h.o.authorize != nil && !h.o.authorize(r) {
		httpError(w, http.StatusForbidden, "forbidden")
		return
	}
	v, err := parseView(r.URL.Query())
	if err != nil {
		httpError(w, http.StatusBadRequest, err.Error())
		return
	}
	last := h.m.Last()
	if last == nil {
		w.Header().Set("Retry-After", strconv.Itoa(int(h.m.cfg.Interval.Seconds()+1)))
		httpError(w, http.StatusServiceUnavailable, "no sample yet: the monitor has not started or is taking its first")
		return
	}
	body, err := h.m.encoded(last, v)
	if err != nil {
		httpError(w, http.StatusInternalServerError, err.Error())
		return
	}
	if v.json {
		w.Header().Set("Content-Type", "application/json")
	} else {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method == http.MethodGet {
		_, _ = w.Write(body)
	}
}

// Bounds of a JSON response, in findings and in groups.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// view is what a request asks for; requests for the same view of the same
// sample share one encoding.
type view struct {
	json          bool
	all           bool // html: list the groups that are not leaks
	still         bool // html: refresh=0, the page does not reload itself
	offset, limit int  // json: the page of findings and of groups
}

func parseView(q url.Values) (view, error) {
	v := view{limit: DefaultLimit}
	switch format := q.Get("format"); format {
	case "", "html":
	case "json":
		v.json = true
	default:
		return v, fmt.Errorf("format=%q: want html or json", format)
	}
	var err error
	if v.all, err = boolParam(q.Get("all")); err != nil {
		return v, fmt.Errorf("all: %v", err)
	}
	if s := q.Get("refresh"); s != "" {
		on, err := boolParam(s)
		if err != nil {
			return v, fmt.Errorf("refresh: %v", err)
		}
		v.still = !on
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxLimit {
			return v, fmt.Errorf("limit=%q: want a number from 1 to %d", s, MaxLimit)
		}
		v.limit = n
	}
	if s := q.Get("offset"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return v, fmt.Errorf("offset=%q: want a number from 0", s)
		}
		v.offset = n
	}
	if !v.json {
		v.offset, v.limit = 0, 0 // the page is one view however asked
	}
	return v, nil
}

// maxViews and maxCached bound the encodings cached per sample: past
// them, a request for yet another page is encoded for itself, at the cost
// of one page, and the memory kept stays that of a few encodings.
const (
	maxViews  = 16
	maxCached = 16 << 20
)

// bodies caches the encoded responses of one sample.
type bodies struct {
	sample *Sample
	views  map[view]*encoding
	bytes  int // of the encodings in views
}

// encoding is one response, encoded once by the first request that needs it;
// the others wait for it and share the bytes.
type encoding struct {
	once sync.Once
	b    []byte
	err  error
}

// encoded returns the response for view v of sample s, encoding it on the
// first request after the sample: the requests for a view cost one
// encoding per sample, however many arrive at once. A request that still
// holds an older sample than the cache is answered from an encoding of its
// own, rather than turning the cache back.
func (m *Monitor) encoded(s *Sample, v view) ([]byte, error) {
	m.cacheMu.Lock()
	if m.cache.sample == nil || s.Seq > m.cache.sample.Seq {
		m.cache = bodies{sample: s, views: make(map[view]*encoding)}
	}
	var b *encoding
	if m.cache.sample == s {
		b = m.cache.views[v]
	}
	if b == nil {
		b = new(encoding)
		if m.cache.sample == s && len(m.cache.views) < maxViews {
			m.cache.views[v] = b
		}
	}
	m.cacheMu.Unlock()
	b.once.Do(func() {
		m.encodes.Add(1)
		var buf bytes.Buffer
		if v.json {
			enc := json.NewEncoder(&buf)
			enc.SetIndent("", "  ")
			b.err = enc.Encode(m.document(s, v.offset, v.limit))
		} else {
			p := m.page(s, v.all)
			p.Still = v.still
			b.err = pageTemplate.Execute(&buf, p)
		}
		b.b = buf.Bytes()
		m.cacheMu.Lock()
		defer m.cacheMu.Unlock()
		if m.cache.views[v] == b {
			if m.cache.bytes+len(b.b) > maxCached {
				delete(m.cache.views, v) // served to those waiting, not kept
			} else {
				m.cache.bytes += len(b.b)
			}
		}
	})
	return b.b, b.err
}

func boolParam(s string) (bool, error) {
	if s == "" {
		return false, nil
	}
	return strconv.ParseBool(s)
}

func httpError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	fmt.Fprintf(w, "leakhound monitor: %s\n", msg)
}

// Document is the handler's JSON: the document analyze writes (schema
// leakhound/v1, docs/json.md) for the last sample, plus the monitor's state
// and every group's history.
type Document struct {
	report.Document
	Monitor Status     `json:"monitor"`
	Groups  []GroupDoc `json:"groups"`
	// Page says which findings and groups this response holds and what it
	// left out: the report's totals (total, leaks, suspects) count them all.
	Page PageDoc `json:"page"`
}

// PageDoc is the window of findings and groups a JSON response holds.
type PageDoc struct {
	Offset int `json:"offset"`
	Limit  int `json:"limit"`
	// Findings and Groups are how many the sample has; the Omitted counts
	// are those left out of this response, before and after the window.
	Findings          int `json:"findings"`
	FindingsOmitted   int `json:"findings_omitted"`
	GoroutinesOmitted int `json:"goroutines_omitted"` // in the findings left out
	Groups            int `json:"groups"`
	GroupsOmitted     int `json:"groups_omitted"`
	// Next is the query of the next page; empty on the last.
	Next string `json:"next,omitempty"`
}

// Status is the monitor's state in the JSON document.
type Status struct {
	IntervalSeconds float64     `json:"interval_seconds"`
	Samples         int         `json:"samples"`
	Last            SampleDoc   `json:"last_sample"`
	Recent          []SampleDoc `json:"recent_samples"` // oldest first
}

// SampleDoc is when a sample ran and what it cost.
type SampleDoc struct {
	Seq          int       `json:"seq"`
	Time         time.Time `json:"time"`
	Goroutines   int       `json:"goroutines"`
	Full         bool      `json:"full"`
	Proof        bool      `json:"proof"`
	ProofTaken   bool      `json:"proof_taken"`
	WallSeconds  float64   `json:"wall_seconds"`
	PauseSeconds float64   `json:"pause_seconds"`
}

// GroupDoc is one group of the tracker in the JSON document.
type GroupDoc struct {
	Class   classify.Class   `json:"class"`
	Verdict classify.Verdict `json:"verdict"` // of the group's latest finding
	// Verdicts counts the group's goroutines by verdict in the last
	// sample: where the runtime proved some and not the others, each part
	// has its own. Verdict is that of the largest part.
	Verdicts map[classify.Verdict]int `json:"verdicts,omitempty"`
	// ProvenCount is how many of Count the runtime proved leaked.
	ProvenCount int `json:"proven_count"`
	// Evidence is the latest finding's: why the group is a suspect or a
	// leak, growth across samples included.
	Evidence   []classify.Evidence `json:"evidence,omitempty"`
	BlockedAt  classify.Location   `json:"blocked_at"`
	CreatedAt  classify.Location   `json:"created_at"`
	Count      int                 `json:"count"`
	FirstCount int                 `json:"first_count"`
	Growth     int                 `json:"growth"`
	Growing    bool                `json:"growing"`
	Grown      bool                `json:"grown"`
	Old        bool                `json:"old"`
	Proven     bool                `json:"proven"`
	Leaking    bool                `json:"leaking"`
	FirstSeen  time.Time           `json:"first_seen"`
	LastSeen   time.Time           `json:"last_seen"`
	GrewAt     *time.Time          `json:"grew_at,omitempty"`
	History    []Point             `json:"history"`
}

func sampleDoc(s *Sample) SampleDoc {
	return SampleDoc{Seq: s.Seq, Time: s.Time, Goroutines: s.Goroutines, Full: s.Full, Proof: s.Proof,
		ProofTaken: s.ProofTaken, WallSeconds: s.Wall.Seconds(), PauseSeconds: s.Pause.Seconds()}
}

// document is the JSON of the last sample: the findings and the groups
// from offset on, at most limit of each.
func (m *Monitor) document(last *Sample, offset, limit int) *Document {
	r := *last.Report // a copy: the report is shared with other requests
	if r.Goroutines == nil {
		r.Goroutines = []classify.GoroutineInfo{}
	}
	all := r.Findings
	r.Findings = window(all, offset, limit)
	d := &Document{
		Document: report.Document{Schema: report.Schema, Input: last.Input(), Report: &r},
		Monitor: Status{IntervalSeconds: m.cfg.Interval.Seconds(), Samples: m.tracker.Samples(),
			Last: sampleDoc(last), Recent: []SampleDoc{}},
		Groups: []GroupDoc{},
		Page:   PageDoc{Offset: offset, Limit: limit, Findings: len(all)},
	}
	d.Page.FindingsOmitted = len(all) - len(r.Findings)
	for _, f := range all {
		d.Page.GoroutinesOmitted += f.Count
	}
	for _, f := range r.Findings {
		d.Page.GoroutinesOmitted -= f.Count
	}
	for _, s := range m.Costs() {
		d.Monitor.Recent = append(d.Monitor.Recent, sampleDoc(&s))
	}
	groups := m.tracker.Groups()
	d.Page.Groups = len(groups)
	page := window(groups, offset, limit)
	d.Page.GroupsOmitted = len(groups) - len(page)
	for _, g := range page {
		d.Groups = append(d.Groups, groupDoc(g))
	}
	if max(len(all), len(groups))-offset > limit { // not offset+limit, which can overflow
		d.Page.Next = fmt.Sprintf("?format=json&offset=%d&limit=%d", offset+limit, limit)
	}
	return d
}

// window returns s[offset:offset+limit], cut to s's bounds.
func window[T any](s []T, offset, limit int) []T {
	offset = min(offset, len(s))
	return s[offset:min(len(s), offset+limit)]
}

func groupDoc(g Group) GroupDoc {
	gd := GroupDoc{Class: g.Key.Class, Verdict: g.Finding.Verdict, Verdicts: g.Verdicts, ProvenCount: g.ProvenCount,
		Evidence: g.Finding.Evidence, BlockedAt: g.Finding.BlockedAt,
		CreatedAt: g.Finding.CreatedAt, Count: g.Count, FirstCount: g.FirstCount, Growth: g.Growth,
		Growing: g.Growing, Grown: g.Grown, Old: g.Old, Proven: g.Proven, Leaking: g.Leaking(),
		FirstSeen: g.FirstSeen, LastSeen: g.LastSeen, History: g.History}
	if gd.CreatedAt.Func == "" {
		gd.CreatedAt = g.Key.Created
	}
	if !g.GrewAt.IsZero() {
		gd.GrewAt = &g.GrewAt
	}
	return gd
}

// page is what the HTML template shows.
type page struct {
	Sample    *Sample
	Interval  time.Duration
	Samples   int
	Growing   int
	Attention []card // leaking or proven: what a person should look at
	Steady    []card // suspect by the evidence, not growing
	Parked    []card // waiting in a leak class with no evidence of a leak
	Others    []card // not leaks, listed with all=1
	OKByClass []classCount
	All       bool
	// More counts the groups of each section past maxCards, left out of
	// the page and listed in the JSON.
	AttentionMore, SteadyMore, ParkedMore, OthersMore int
	ParkedCount                                       int // goroutines
	// TotalChart is the goroutines of the recent samples over time.
	TotalChart template.HTML
	ChartCSS   template.CSS
	// Refresh is the page's reload period in seconds; Still turns it off.
	Refresh int
	Still   bool
}

// maxCards bounds each section of the page, so that its size and cost do
// not follow the number of groups.
const maxCards = 100

// addCard appends c to cards unless maxCards are there, counting it in more.
func addCard(cards []card, more *int, g Group) []card {
	if len(cards) >= maxCards {
		*more++
		return cards
	}
	return append(cards, newCard(g))
}

type card struct {
	Group
	Verdict   string // leak, suspect, parked, ok: the badge and the CSS class
	Split     string // "55 leak, 45 suspect" where the goroutines' verdicts differ
	Tags      []string
	Blocked   classify.Location
	Created   classify.Location
	Chart     template.HTML // counts over time, with axes
	Stack     []classify.Location
	Spark     string // polyline points
	SparkMax  int
	SparkDots string // the last point
}

type classCount struct {
	Class classify.Class
	Count int
}

func (m *Monitor) page(last *Sample, all bool) *page {
	p := &page{Sample: last, Interval: m.cfg.Interval, Samples: m.tracker.Samples(), All: all,
		ChartCSS: report.TimeChartCSS(), Refresh: max(int(m.cfg.Interval.Round(time.Second)/time.Second), 5)}
	restarts := m.tracker.Restarts()
	var totals []report.Point
	for _, s := range m.Costs() {
		totals = append(totals, report.Point{Time: s.Time, Count: s.Goroutines})
	}
	p.TotalChart, _ = report.TimeChart(totals, restarts, false)
	okCount := map[classify.Class]int{}
	for _, g := range m.tracker.Groups() {
		if g.Count == 0 {
			continue
		}
		if g.Growing {
			p.Growing++
		}
		switch {
		case g.Leaking() || g.Finding.Verdict == classify.Leak:
			p.Attention = addCard(p.Attention, &p.AttentionMore, g)
		case g.Finding.Verdict == classify.Suspect:
			p.Steady = addCard(p.Steady, &p.SteadyMore, g)
		case g.Finding.Verdict == classify.Parked:
			p.Parked = addCard(p.Parked, &p.ParkedMore, g)
			p.ParkedCount += g.Count
		default:
			okCount[g.Key.Class] += g.Count
			if all {
				p.Others = addCard(p.Others, &p.OthersMore, g)
			}
		}
	}
	for _, cards := range [][]card{p.Attention, p.Steady, p.Parked, p.Others} {
		for i := range cards {
			g := &cards[i]
			pts := make([]report.Point, len(g.History))
			for j, pt := range g.History {
				pts[j] = report.Point{Time: pt.Time, Count: pt.Count}
			}
			g.Chart, _ = report.TimeChart(pts, restarts, g.Growing)
		}
	}
	for _, info := range classify.Classes {
		if n := okCount[info.Class]; n > 0 {
			p.OKByClass = append(p.OKByClass, classCount{info.Class, n})
		}
	}
	return p
}

func newCard(g Group) card {
	c := card{Group: g, Verdict: string(g.Finding.Verdict), Blocked: g.Finding.BlockedAt, Created: g.Finding.CreatedAt, Stack: g.Finding.Stack}
	if c.Created.Func == "" {
		c.Created = g.Key.Created
	}
	// The badge is the gravest verdict; where the group's goroutines have
	// more than one, the count says how many have each.
	var split []string
	for _, v := range []classify.Verdict{classify.Leak, classify.Suspect, classify.Parked, classify.OK} {
		if n := g.Verdicts[v]; n > 0 {
			if len(split) == 0 {
				c.Verdict = string(v)
			}
			split = append(split, fmt.Sprintf("%d %s", n, v))
		}
	}
	if len(split) > 1 {
		c.Split = strings.Join(split, ", ")
	}
	if g.Proven {
		c.Tags = append(c.Tags, fmt.Sprintf("%d proven", g.ProvenCount))
	}
	switch {
	case g.Growing:
		c.Tags = append(c.Tags, "growing")
	case g.Grown:
		c.Tags = append(c.Tags, "grew until "+g.GrewAt.Format("15:04:05"))
	}
	if g.Old {
		c.Tags = append(c.Tags, fmt.Sprintf("waiting %d min", g.Finding.MaxMinutes))
	}
	if (c.Verdict == string(classify.OK) || c.Verdict == string(classify.Parked)) && g.Leaking() {
		c.Verdict = "suspect"
	}
	c.Spark, c.SparkDots, c.SparkMax = sparkline(g.History)
	return c
}

// Sparkline geometry, in SVG user units.
const (
	sparkW = 180
	sparkH = 36
	sparkM = 3 // margin, so the line's stroke is not cut
)

// sparkline returns the polyline points of the counts, scaled from 0 to
// their maximum, the last point, and the maximum.
func sparkline(pts []Point) (line, last string, top int) {
	for _, p := range pts {
		top = max(top, p.Count)
	}
	if len(pts) == 0 || top == 0 {
		return "", "", top
	}
	var b strings.Builder
	var x, y float64
	for i, p := range pts {
		x = sparkM
		if len(pts) > 1 {
			x += float64(i) * (sparkW - 2*sparkM) / float64(len(pts)-1)
		}
		y = sparkH - sparkM - float64(p.Count)*(sparkH-2*sparkM)/float64(top)
		fmt.Fprintf(&b, "%.1f,%.1f ", x, y)
	}
	return strings.TrimSpace(b.String()), fmt.Sprintf("%.1f,%.1f", x, y), top
}

var pageTemplate = template.Must(template.New("page").Funcs(template.FuncMap{
	"base": filepath.Base,
	"clock": func(t time.Time) string {
		return t.Format("15:04:05")
	},
	"ms": func(d time.Duration) string {
		if d < time.Millisecond {
			return strconv.FormatFloat(float64(d)/float64(time.Microsecond), 'f', 0, 64) + " µs"
		}
		return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64) + " ms"
	},
	"x": func(s string) string { return strings.Split(s, ",")[0] },
	"y": func(s string) string { return strings.Split(s, ",")[1] },
}).Parse(pageHTML))

const pageHTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>goroutine leaks · leakhound</title>
<link rel="icon" href="data:,">
{{if not .Still}}<meta http-equiv="refresh" content="{{.Refresh}}">{{end}}
<style>{{.ChartCSS}}
:root { --fg:#1d232b; --dim:#5d6773; --line:#dde2e8; --bg:#f6f7f9; --leak:#c62828; --suspect:#b26a00; --parked:#5a6f8a; --ok:#2e7d32; --spark:#3559c7; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); margin: 0; }
main { max-width: 1080px; margin: 0 auto; padding: 20px 24px 48px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h1 small { font-weight: normal; color: var(--dim); font-size: 15px; }
h2 { font-size: 17px; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
.meta { color: var(--dim); margin: 0 0 14px; }
.stats { display: flex; gap: 12px; flex-wrap: wrap; margin: 12px 0 4px; }
.stat { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 8px 14px; min-width: 130px; }
.stat b { display: block; font-size: 24px; }
.stat.leak b { color: var(--leak); } .stat.suspect b { color: var(--suspect); } .stat.ok b { color: var(--ok); }
.card { background: #fff; border: 1px solid var(--line); border-left: 5px solid var(--ok); border-radius: 8px; padding: 12px 16px; margin: 10px 0; }
.card.leak { border-left-color: var(--leak); } .card.suspect { border-left-color: var(--suspect); } .card.parked { border-left-color: var(--parked); }
.head { display: flex; align-items: center; gap: 10px; flex-wrap: wrap; }
.head .class { font-weight: 600; font-size: 16px; }
.badge { font-size: 12px; font-weight: 600; text-transform: uppercase; letter-spacing: .03em; border-radius: 4px; padding: 1px 7px; color: #fff; background: var(--ok); }
.badge.leak { background: var(--leak); } .badge.suspect { background: var(--suspect); } .badge.parked { background: var(--parked); }
.stat.parked b { color: var(--parked); }
ul.evidence { margin: 0; padding-left: 18px; }
summary { cursor: pointer; color: var(--dim); }
.tag { font-size: 12px; border: 1px solid currentColor; border-radius: 4px; padding: 0 6px; color: var(--leak); }
.count { color: var(--dim); }
.spark { margin-left: auto; text-align: right; color: var(--dim); font-size: 12px; }
.spark svg { display: block; background: #f9fafc; border: 1px solid var(--line); border-radius: 4px; }
dl { display: grid; grid-template-columns: 72px 1fr; gap: 3px 12px; margin: 10px 0 0; }
dt { color: var(--dim); }
dd { margin: 0; }
code { font: 13px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
code.src { display: block; color: #0b6e79; }
.fix { background: #f1f8f1; border-radius: 4px; padding: 4px 8px; }
table { border-collapse: collapse; background: #fff; border: 1px solid var(--line); }
td, th { text-align: left; padding: 4px 14px; border-bottom: 1px solid var(--line); }
.none { color: var(--dim); font-style: italic; }
.more { color: var(--dim); }
footer { margin-top: 32px; color: var(--dim); font-size: 13px; }
.card .tchart { margin-top: 8px; }
.links { font-size: 13px; }
ol.stack { margin: 4px 0; padding-left: 24px; font: 13px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
</style>
</head>
<body><main>
<h1>Goroutine leaks <small>leakhound monitor</small></h1>
<p class="meta">{{with .Sample}}Sample {{.Seq}} at <time datetime="{{.Time.Format "2006-01-02T15:04:05Z07:00"}}">{{clock .Time}}</time>
from the {{if .Full}}full dump{{else}}goroutine profile{{end}}{{if .Proof}} with the runtime's leak proof{{end}}:
took {{ms .Wall}}, longest pause {{ms .Pause}}.{{end}} A sample every {{.Interval}}, {{.Samples}} so far.</p>
<div class="stats">
<div class="stat"><b>{{.Sample.Report.Total}}</b>goroutines</div>
<div class="stat leak"><b>{{.Sample.Report.Leaks}}</b>proven leaked</div>
<div class="stat suspect"><b>{{.Sample.Report.Suspects}}</b>suspect</div>
<div class="stat parked"><b>{{.Sample.Report.Parked}}</b>parked</div>
<div class="stat {{if .Growing}}leak{{else}}ok{{end}}"><b>{{.Growing}}</b>growing groups</div>
</div>
<h2>Goroutines over the recent samples</h2>
<div id="total">{{.TotalChart}}</div>
<p class="meta">{{if .Still}}This page does not reload (<a href="?">reload it every {{.Refresh}} s</a>).{{else}}This page reloads every {{.Refresh}} s and keeps your place (<a href="?refresh=0">stop</a>).{{end}}
Every goroutine's stack: <a href="../pprof/goroutine?debug=1">/debug/pprof/goroutine?debug=1</a> (cheap; <code>debug=2</code> stops the world while it prints).</p>

<h2>Needs attention: proven, growing or waiting too long</h2>
{{range .Attention}}{{template "card" .}}{{else}}<p class="none">No group is proven leaked, growing or waiting too long.</p>{{end}}
{{with .AttentionMore}}<p class="more">And {{.}} more group{{if ne . 1}}s{{end}}: see <a href="?format=json">?format=json</a>.</p>{{end}}

<h2>Suspect, not yet growing</h2>
{{range .Steady}}{{template "card" .}}{{else}}<p class="none">None.</p>{{end}}
{{with .SteadyMore}}<p class="more">And {{.}} more group{{if ne . 1}}s{{end}}: see <a href="?format=json">?format=json</a>.</p>{{end}}

<h2>Parked: waiting, with no evidence of a leak</h2>
{{if .Parked}}<details><summary>{{.ParkedCount}} goroutine{{if ne .ParkedCount 1}}s{{end}} in {{len .Parked}}{{with .ParkedMore}}+{{.}}{{end}} group{{if ne (len .Parked) 1}}s{{end}}: a healthy program parks goroutines like these too. Growth, the runtime's proof or a trap in the source would make them suspect.</summary>
{{range .Parked}}{{template "card" .}}{{end}}
{{with .ParkedMore}}<p class="more">And {{.}} more group{{if ne . 1}}s{{end}}: see <a href="?format=json">?format=json</a>.</p>{{end}}
</details>{{else}}<p class="none">None.</p>{{end}}

<h2>Not leaks</h2>
{{if .OKByClass}}<table><tr><th>class</th><th>goroutines</th></tr>
{{range .OKByClass}}<tr><td>{{.Class}}</td><td>{{.Count}}</td></tr>
{{end}}</table>{{else}}<p class="none">None.</p>{{end}}
{{if .All}}{{range .Others}}{{template "card" .}}{{end}}
{{with .OthersMore}}<p class="more">And {{.}} more group{{if ne . 1}}s{{end}}: see <a href="?format=json">?format=json</a>.</p>{{end}}{{else}}<p><a href="?all=1">List them all</a></p>{{end}}

<script>
// Keep the reader's place across reloads: the scroll position and which
// sections are open.
(function () {
  "use strict";
  var key = "leakhound-monitor:" + location.pathname + location.search;
  var details = document.querySelectorAll("details");
  try {
    var saved = JSON.parse(sessionStorage.getItem(key) || "null");
    if (saved) {
      (saved.open || []).forEach(function (i) { if (details[i]) details[i].open = true; });
      window.scrollTo(0, saved.y || 0);
    }
    var save = function () {
      var open = [];
      details.forEach(function (d, i) { if (d.open) open.push(i); });
      sessionStorage.setItem(key, JSON.stringify({y: window.scrollY, open: open}));
    };
    window.addEventListener("scroll", save, {passive: true});
    details.forEach(function (d) { d.addEventListener("toggle", save); });
  } catch (e) { /* storage off: the page still reloads */ }
})();
</script>
<footer>Answered from the last sample; a request never takes one. Machines: <a href="?format=json">?format=json</a> (schema leakhound/v1, as <code>leakhound analyze --format json</code>, with each group's history).</footer>
</main></body></html>
{{define "card"}}<div class="card {{.Verdict}}">
<div class="head"><span class="badge {{.Verdict}}">{{.Verdict}}</span><span class="class">{{.Key.Class}}</span>
<span class="count">{{.Count}} goroutine{{if ne .Count 1}}s{{end}}{{with .Split}} ({{.}}){{end}}{{if .Growth}}, {{if gt .Growth 0}}+{{end}}{{.Growth}} since {{clock .FirstSeen}}{{end}}</span>
{{range .Tags}}<span class="tag">{{.}}</span>{{end}}
<span class="spark">{{if .Spark}}<svg width="180" height="36" viewBox="0 0 180 36" role="img" aria-label="goroutines over the last {{len .History}} samples, at most {{.SparkMax}}"><polyline points="{{.Spark}}" fill="none" stroke="#3559c7" stroke-width="1.8" stroke-linejoin="round"/><circle cx="{{x .SparkDots}}" cy="{{y .SparkDots}}" r="2.5" fill="#3559c7"/></svg>{{end}}max {{.SparkMax}} over {{len .History}} samples</span></div>
<dl>
<dt>blocked</dt><dd><code>{{base .Blocked.File}}:{{.Blocked.Line}}</code> {{.Blocked.Func}}{{with .Blocked.Source}}<code class="src">{{.}}</code>{{end}}</dd>
{{if .Created.Func}}<dt>created</dt><dd><code>{{base .Created.File}}:{{.Created.Line}}</code> {{.Created.Func}}{{with .Created.Source}}<code class="src">{{.}}</code>{{end}}</dd>{{end}}
<dt>why</dt><dd>{{.Finding.Explanation}}</dd>
{{with .Finding.Evidence}}<dt>evidence</dt><dd><ul class="evidence">{{range .}}<li><b>{{.Kind}}</b>: {{.Detail}}</li>{{end}}</ul></dd>{{end}}
{{with .Finding.Unknown}}<dt>unknown</dt><dd>{{.}}</dd>{{end}}
{{with .Finding.Fix}}<dt>fix</dt><dd class="fix">{{.}}</dd>{{end}}
</dl>
{{.Chart}}
<details class="stacks"><summary>stack: {{len .Stack}} frame{{if ne (len .Stack) 1}}s{{end}}</summary>
<ol class="stack">{{range .Stack}}<li>{{.Func}} <span class="count">{{.File}}:{{.Line}}</span></li>{{end}}</ol>
</details>
<p class="links">This group's stack is above; every goroutine's: <a href="../pprof/goroutine?debug=1">/debug/pprof/goroutine?debug=1</a>.</p>
</div>
{{end}}`
