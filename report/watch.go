package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/leakhound/leakhound/classify"
)

// Point is a count at one sample.
type Point struct {
	Time  time.Time `json:"time"`
	Count int       `json:"count"`
}

// WatchGroup is one goroutine group of a watched service over time.
type WatchGroup struct {
	// Name says what the group is: class, blocking site, creation site.
	Name    string
	Finding *classify.Finding // the latest finding of the group
	History []Point
	// Growing, Old and Proven are the tracker's flags; Growth is the
	// count now less the count when first seen.
	Growing, Old, Proven bool
	Growth               int
}

// WatchTarget is one watched service.
type WatchTarget struct {
	URL      string // without credentials
	Job      string // the Prometheus job it was found in, if any
	Input    string // what the last sample was
	Samples  int
	Errors   int
	LastErr  string // "" when the last sample answered
	Restarts []time.Time
	Totals   []Point // goroutines in each answered sample
	// Groups are listed as given: the ones that grew, waited long or
	// were proven first.
	Groups []WatchGroup
	Notes  []string
}

// WatchFleet is the fleet's part of a watch page, for targets found
// through Prometheus: each leak told once across the instances that hold
// it, the most goroutines held first.
type WatchFleet struct {
	Prometheus string // its URL, without credentials
	Summary    string // the instances, in a line
	Leaks      []FleetLeak
	// Read counts the instances that answered at least once, Unread
	// those that never did: no leak says nothing when none was read.
	Read, Unread int
	// AlertsFile is where the alerts the leaks name are defined.
	AlertsFile string
}

// FleetLeak is one leak across a fleet as the page shows it: the same
// class, blocking place and creation place in one job.
type FleetLeak struct {
	Job                  string
	Class                classify.Class
	Verdict              classify.Verdict
	BlockedAt, CreatedAt classify.Location
	// Count is the goroutines held on all Shares, Proven the part the
	// runtime proved, Growth the gain over the watch, Growing how many
	// instances grew in each of their last samples.
	Count, Proven, Growth, Growing int
	JobInstances                   int // instances of the job watched
	Shares                         []FleetShare
	Explanation, Fix               string
	// Series and GroupSeries are the promleak series that count it, Alert
	// the alert that fires on them.
	Series, GroupSeries, Alert string
	// History is Count at each round of the watch.
	History []Point
}

// FleetShare is a fleet leak's part on one instance.
type FleetShare struct {
	URL                   string
	Count, Proven, Growth int
	Growing               bool
	Restarts              int // its counts are since the last
}

// WatchOptions configure WatchHTML.
type WatchOptions struct {
	Started, Updated time.Time
	// Final marks the page of a finished watch; until then the page
	// reloads itself every Refresh.
	Final   bool
	Refresh time.Duration
	// MaxGroups caps the groups charted per service (0 means 24).
	MaxGroups int
	// MaxTargets caps the services charted (0 means 40): a fleet of
	// hundreds would make a page of megabytes. The first are charted.
	MaxTargets int
	// Fleet, when the targets came from Prometheus, heads the page.
	Fleet *WatchFleet
	// MaxLeaks caps the fleet leaks shown (0 means 24), MaxShares the
	// instances listed per leak (0 means 10).
	MaxLeaks, MaxShares int
}

//go:embed watch.tmpl
var watchText string

//go:embed chart.css
var chartCSS string

// TimeChartCSS returns the styles of TimeChart's charts, for a page of
// its own.
func TimeChartCSS() template.CSS { return template.CSS(chartCSS) }

// TimeChart draws counts over time as an SVG line chart with axes, counts
// from 0 and time labels; restarts within its span are marked, and a
// growing series is drawn in red. Other pages (the monitor's) show their
// series with it, so that every page draws time the same way.
func TimeChart(pts []Point, restarts []time.Time, growing bool) (template.HTML, error) {
	var buf bytes.Buffer
	if err := watchTmpl.ExecuteTemplate(&buf, "chart", timeChart(pts, restarts, growing)); err != nil {
		return "", err
	}
	// The template escaped every string in it.
	return template.HTML(buf.String()), nil
}

var watchTmpl = template.Must(template.New("watch").Funcs(template.FuncMap{
	"plural": Plural,
}).Parse(watchText))

// Chart geometry, in SVG units.
const (
	chartW, chartH         = 640, 170
	padL, padR, padT, padB = 52, 16, 12, 30
)

// WatchHTML writes the page of a watch: per service, its goroutines over
// time and each group's counts over time on charts with axes and times,
// growing groups marked. Like HTML it is one self-contained page and
// escapes everything the services sent.
func WatchHTML(w io.Writer, targets []WatchTarget, opt WatchOptions) error {
	if opt.MaxGroups == 0 {
		opt.MaxGroups = 24
	}
	if opt.MaxTargets == 0 {
		opt.MaxTargets = 40
	}
	p := watchPage{CSS: template.CSS(htmlCSS + chartCSS), Final: opt.Final, Started: stamp(opt.Started), Updated: stamp(opt.Updated)}
	if !opt.Final && opt.Refresh > 0 {
		p.Refresh = max(int(opt.Refresh.Round(time.Second)/time.Second), 2)
	}
	if len(targets) > opt.MaxTargets {
		p.MoreTargets = len(targets) - opt.MaxTargets
		targets = targets[:opt.MaxTargets]
	}
	anchors := make(map[string]string, len(targets))
	for i, t := range targets {
		anchors[t.URL] = "t" + strconv.Itoa(i)
	}
	if opt.Fleet != nil {
		p.Fleet = fleetOf(opt, anchors)
	}
	for _, t := range targets {
		v := watchView{URL: Escape(t.URL), Job: Escape(t.Job), Input: Escape(t.Input), Samples: t.Samples, Errors: t.Errors, LastErr: Escape(t.LastErr)}
		for _, r := range t.Restarts {
			v.Restarts = append(v.Restarts, stamp(r))
		}
		for _, n := range t.Notes {
			v.Notes = append(v.Notes, Escape(n))
		}
		if len(t.Totals) > 0 {
			v.Now = t.Totals[len(t.Totals)-1].Count
		}
		v.Total = timeChart(t.Totals, t.Restarts, false)
		for i, g := range t.Groups {
			if i == opt.MaxGroups {
				v.More = len(t.Groups) - i
				break
			}
			gv := groupView{Name: Escape(g.Name), Growing: g.Growing, Old: g.Old, Proven: g.Proven, Growth: g.Growth,
				Chart: timeChart(g.History, t.Restarts, g.Growing)}
			if f := g.Finding; f != nil {
				gv.Verdict, gv.Class, gv.Count = string(f.Verdict), Escape(string(f.Class)), f.Count
				gv.Blocked = Escape(f.BlockedAt.Func)
				gv.Fix = Escape(f.Fix)
			}
			if n := len(g.History); n > 0 {
				gv.Count = g.History[n-1].Count
			}
			v.Groups = append(v.Groups, gv)
		}
		p.Targets = append(p.Targets, v)
	}
	var buf bytes.Buffer
	if err := watchTmpl.Execute(&buf, p); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// fleetOf lays out the fleet's section: the first leaks, each with its
// chart and its first instances, linked to their sections on the page.
func fleetOf(opt WatchOptions, anchors map[string]string) *fleetView {
	if opt.MaxLeaks == 0 {
		opt.MaxLeaks = 24
	}
	if opt.MaxShares == 0 {
		opt.MaxShares = 10
	}
	f := opt.Fleet
	v := &fleetView{Prometheus: Escape(f.Prometheus), Summary: Escape(f.Summary), Leaks: len(f.Leaks), AlertsFile: f.AlertsFile, Read: f.Read, Unread: f.Unread}
	for i, l := range f.Leaks {
		v.Held += l.Count
		if i >= opt.MaxLeaks {
			v.More++
			continue
		}
		lv := leakView{Rank: i + 1, Job: Escape(l.Job), Class: Escape(string(l.Class)), Verdict: string(l.Verdict),
			Blocked: place(l.BlockedAt), Created: place(l.CreatedAt),
			Count: l.Count, Proven: l.Proven, Growth: l.Growth, Growing: l.Growing, On: len(l.Shares), Of: l.JobInstances,
			Explanation: Escape(l.Explanation), Fix: Escape(l.Fix), Series: Escape(l.Series), GroupSeries: Escape(l.GroupSeries), Alert: Escape(l.Alert),
			Chart: timeChart(l.History, nil, l.Growing > 0)}
		for j, s := range l.Shares {
			if j == opt.MaxShares {
				lv.MoreShares = len(l.Shares) - j
				break
			}
			lv.Shares = append(lv.Shares, shareView{URL: Escape(s.URL), Anchor: anchors[s.URL], Count: s.Count, Proven: s.Proven,
				Growth: s.Growth, Growing: s.Growing, Restarts: s.Restarts})
		}
		v.List = append(v.List, lv)
	}
	return v
}

type watchPage struct {
	CSS              template.CSS
	Final            bool
	Refresh          int
	Started, Updated string
	Fleet            *fleetView
	Targets          []watchView
	MoreTargets      int
}

type fleetView struct {
	Prometheus, Summary string
	Leaks, Held, More   int
	Read, Unread        int
	List                []leakView
	AlertsFile          string
}

type leakView struct {
	Rank                                   int
	Job, Class, Verdict, Blocked, Created  string
	Count, Proven, Growth, Growing, On, Of int
	Explanation, Fix, Series, GroupSeries  string
	Alert                                  string
	Chart                                  chart
	Shares                                 []shareView
	MoreShares                             int
}

type shareView struct {
	URL, Anchor                     string
	Count, Proven, Growth, Restarts int
	Growing                         bool
}

type watchView struct {
	URL, Job, Input string
	Samples, Errors int
	LastErr         string
	Restarts        []string
	Notes           []string
	Now             int
	Total           chart
	Groups          []groupView
	More            int
}

type groupView struct {
	Name, Verdict, Class, Blocked, Fix string
	Count, Growth                      int
	Growing, Old, Proven               bool
	Chart                              chart
}

// chart is a line chart of counts over time with its axes.
type chart struct {
	W, H           int
	X0, X1, Y0, Y1 int // the plot area
	YT             int // where the ticks below the x axis end
	Line           string
	Dots           []dot
	XTicks, YTicks []tick
	Marks          []tick // restarts
	Growing        bool
	Empty          bool
	Last           dot
}

type dot struct {
	X, Y  float64
	Count int
	Time  string
}

type tick struct {
	Pos    float64
	Label  string
	Anchor string // text-anchor of the label
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2006-01-02 15:04:05 MST")
}

// timeChart lays out pts: time along x, from the first sample to the
// last; counts along y from 0 to a round number above the highest.
func timeChart(pts []Point, restarts []time.Time, growing bool) chart {
	c := chart{W: chartW, H: chartH, X0: padL, X1: chartW - padR, Y0: padT, Y1: chartH - padB, YT: chartH - padB + 5, Growing: growing}
	if len(pts) == 0 {
		c.Empty = true
		return c
	}
	t0, t1 := pts[0].Time, pts[len(pts)-1].Time
	span := t1.Sub(t0)
	hi := 0
	for _, p := range pts {
		hi = max(hi, p.Count)
	}
	top, step := niceMax(hi)
	x := func(t time.Time) float64 {
		if span <= 0 {
			return float64(c.X0+c.X1) / 2
		}
		return float64(c.X0) + float64(c.X1-c.X0)*float64(t.Sub(t0))/float64(span)
	}
	y := func(n int) float64 { return float64(c.Y1) - float64(c.Y1-c.Y0)*float64(n)/float64(top) }
	var line strings.Builder
	for i, p := range pts {
		d := dot{X: round(x(p.Time)), Y: round(y(p.Count)), Count: p.Count, Time: p.Time.Format("15:04:05")}
		if i > 0 {
			line.WriteByte(' ')
		}
		fmt.Fprintf(&line, "%s,%s", strconv.FormatFloat(d.X, 'f', -1, 64), strconv.FormatFloat(d.Y, 'f', -1, 64))
		// Dots only where they stay apart; the line shows the rest.
		if len(pts) <= 60 {
			c.Dots = append(c.Dots, d)
		}
		c.Last = d
	}
	c.Line = line.String()
	for v := 0; v <= top; v += step {
		c.YTicks = append(c.YTicks, tick{Pos: round(y(v)), Label: strconv.Itoa(v)})
	}
	// Labels as fine as the span needs to tell its ticks apart.
	layout := "15:04:05"
	switch {
	case span < 5*time.Second:
		layout = "15:04:05.000"
	case span >= 24*time.Hour:
		layout = "Jan 2 15:04"
	}
	n := 4
	if span <= 0 {
		n = 0
	}
	for i := 0; i <= n; i++ {
		t := t0.Add(span * time.Duration(i) / time.Duration(max(n, 1)))
		anchor := "middle"
		if i == n && n > 0 {
			anchor = "end" // stays inside the chart
		}
		c.XTicks = append(c.XTicks, tick{Pos: round(x(t)), Label: t.Format(layout), Anchor: anchor})
	}
	for _, r := range restarts {
		if !r.Before(t0) && !r.After(t1) {
			c.Marks = append(c.Marks, tick{Pos: round(x(r)), Label: "restart " + r.Format("15:04:05")})
		}
	}
	return c
}

// niceMax returns a round top for an axis that must reach hi, and the
// step between its ticks: 1, 2 or 5 times a power of ten.
func niceMax(hi int) (top, step int) {
	if hi <= 4 {
		return max(hi, 1), 1
	}
	raw := float64(hi) / 4
	pow := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*pow >= raw {
			step = int(m * pow)
			break
		}
	}
	top = (hi + step - 1) / step * step
	return top, step
}
