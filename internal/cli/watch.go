package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/leakhound/leakhound/classify"
	"github.com/leakhound/leakhound/internal/remote"
	"github.com/leakhound/leakhound/monitor"
	"github.com/leakhound/leakhound/report"
)

// target is one service under watch.
type target struct {
	url     string
	tracker *monitor.Tracker
	samples int
	errs    int
	lastErr error // of the last round; nil when it answered
	input   string
	total   int
	outages int // times it stopped answering and came back
}

// watch polls services on an interval, shows their goroutine groups over
// time, and ends with the groups that grew.
func watch(e *env, args []string) int {
	var a analyzeFlags
	fs := a.register("watch", e)
	interval := fs.Duration("interval", 10*time.Second, "time between samples of each service")
	forDur := fs.Duration("for", 5*time.Minute, "how long to watch; 0 watches until interrupted")
	rise := fs.Int("rise", 3, "samples in a row a group must grow in to be reported as growing")
	top := fs.Int("top", 8, "groups shown per service in the live view")
	urls, err := parseFlags(fs, args)
	if err != nil {
		return flagExit(fs, err)
	}
	if err := a.check(); err != nil {
		fmt.Fprintf(e.stderr, "leakhound watch: %v\n", err)
		return ExitError
	}
	if len(urls) == 0 {
		fmt.Fprintf(e.stderr, "leakhound watch: name at least one service URL, e.g. http://127.0.0.1:6060\n")
		return ExitError
	}
	if *interval <= 0 || *rise < 1 {
		fmt.Fprintf(e.stderr, "leakhound watch: --interval must be positive and --rise at least 1\n")
		return ExitError
	}
	targets := make([]*target, len(urls))
	for i, u := range urls {
		if p, err := url.Parse(u); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			fmt.Fprintf(e.stderr, "leakhound watch: %s: not an http(s) URL\n", u)
			return ExitError
		}
		targets[i] = &target{url: u, tracker: monitor.NewTracker(monitor.TrackerConfig{Rise: *rise})}
	}
	opt := a.remoteOptions(e)
	// A request may not outlast the interval, or one slow service would
	// stall the view of all.
	opt.Timeout = min(opt.Timeout, *interval)
	live := a.format == "text" && report.Color(e.stdout)
	color := a.color == "always" || (a.color == "auto" && live)

	var deadline <-chan time.Time
	if *forDur > 0 {
		timer := time.NewTimer(*forDur)
		defer timer.Stop()
		deadline = timer.C
	}
	tick := time.NewTicker(*interval)
	defer tick.Stop()
	start := time.Now()
	for round := 1; ; round++ {
		sampleAll(e, &a, opt, targets)
		if live {
			fmt.Fprint(e.stdout, "\x1b[H\x1b[2J")
			view(e.stdout, targets, *top, time.Since(start), color)
		} else if a.format == "text" {
			progress(e.stderr, targets, round)
		}
		select {
		case <-tick.C:
			continue
		case <-deadline:
		case <-e.ctx.Done():
		}
		break
	}
	return finish(e, &a, targets, color)
}

// sampleAll reads every target once, concurrently.
func sampleAll(e *env, a *analyzeFlags, opt remote.Options, targets []*target) {
	var wg sync.WaitGroup
	for _, t := range targets {
		wg.Go(func() {
			c := a.classifier()
			res, err := remote.Fetch(e.ctx, t.url, opt, c.Add)
			now := time.Now()
			if err != nil {
				if t.lastErr == nil && t.samples > 0 {
					t.outages++
				}
				t.errs++
				t.lastErr = err
				return
			}
			if t.lastErr != nil && t.samples > 0 {
				// It stopped answering and came back: most likely a new
				// process, whose groups start from nothing.
				t.tracker.Reset(now)
			}
			t.lastErr = nil
			t.samples++
			t.input = describe(t.url, res)
			r := c.Report()
			t.total = r.Total
			// A new process between two answered samples shows in the
			// profile's process identity.
			t.tracker.ObserveProcess(now, res.Process, r)
		})
	}
	wg.Wait()
}

// progress prints one line per round when the output is not a terminal.
func progress(w io.Writer, targets []*target, round int) {
	var parts []string
	for _, t := range targets {
		if t.lastErr != nil {
			parts = append(parts, fmt.Sprintf("%s: down (%v)", t.url, t.lastErr))
			continue
		}
		growing := 0
		for _, g := range t.tracker.Groups() {
			if g.Growing {
				growing++
			}
		}
		parts = append(parts, fmt.Sprintf("%s: %d goroutines, %d growing groups", t.url, t.total, growing))
	}
	fmt.Fprintf(w, "%s sample %d: %s\n", time.Now().Format("15:04:05"), round, strings.Join(parts, "; "))
}

// view draws the live terminal view: per target, its top groups with
// their counts over time.
func view(w io.Writer, targets []*target, top int, elapsed time.Duration, color bool) {
	p := func(code, s string) string {
		if !color {
			return s
		}
		return "\x1b[" + code + "m" + s + "\x1b[0m"
	}
	fmt.Fprintf(w, "leakhound watch  %s elapsed  (Ctrl-C ends with the report)\n\n", elapsed.Round(time.Second))
	for _, t := range targets {
		fmt.Fprintf(w, "%s", p("1", t.url))
		switch {
		case t.lastErr != nil:
			fmt.Fprintf(w, "  %s %v\n\n", p("1;31", "DOWN"), t.lastErr)
			continue
		default:
			fmt.Fprintf(w, "  %d goroutines, %d samples", t.total, t.samples)
			if n := len(t.tracker.Restarts()); n > 0 {
				fmt.Fprintf(w, ", %d restarts", n)
			}
			fmt.Fprintln(w)
		}
		shown := 0
		for _, g := range t.tracker.Groups() {
			if shown == top {
				break
			}
			if g.Count == 0 && !g.Leaking() {
				continue
			}
			shown++
			tag := "       "
			switch {
			case g.Proven:
				tag = p("1;31", "PROVEN ")
			case g.Growing:
				tag = p("1;33", "GROWING")
			case g.Old:
				tag = p("33", "OLD    ")
			}
			fmt.Fprintf(w, "  %s %-22s %-40s %s %d", tag, g.Key.Class, place(g.Key.Blocked), spark(g.History), g.Count)
			if g.Growth != 0 {
				fmt.Fprintf(w, " (%+d)", g.Growth)
			}
			fmt.Fprintln(w)
		}
		fmt.Fprintln(w)
	}
}

func place(l classify.Location) string {
	s := l.Func[strings.LastIndexByte(l.Func, '/')+1:]
	if l.File != "" {
		s = fmt.Sprintf("%s:%d %s", filepath.Base(l.File), l.Line, s)
	}
	if len(s) > 40 {
		s = s[:39] + "…"
	}
	return s
}

// spark draws counts as a line of block characters, last 20 samples.
func spark(pts []monitor.Point) string {
	if len(pts) > 20 {
		pts = pts[len(pts)-20:]
	}
	hi := 0
	for _, p := range pts {
		hi = max(hi, p.Count)
	}
	bars := []rune("▁▂▃▄▅▆▇█")
	var b strings.Builder
	for _, p := range pts {
		i := 0
		if hi > 0 {
			i = p.Count * (len(bars) - 1) / hi
		}
		b.WriteRune(bars[i])
	}
	return fmt.Sprintf("%-20s", b.String())
}

// watched is the JSON of one target at the end of a watch.
type watched struct {
	URL      string         `json:"url"`
	Input    string         `json:"input,omitempty"`
	Samples  int            `json:"samples"`
	Errors   int            `json:"errors"`
	LastErr  string         `json:"last_error,omitempty"`
	Restarts []time.Time    `json:"restarts,omitempty"`
	Groups   []watchedGroup `json:"groups"`
}

type watchedGroup struct {
	*classify.Finding
	Growing bool            `json:"growing"`
	Old     bool            `json:"old"`
	Growth  int             `json:"growth"`
	History []monitor.Point `json:"history"`
}

// finish prints the report of what grew and returns the exit code: 1 when a
// group grew, stayed blocked for long or was proven, 2 when a service never
// answered, else 0.
func finish(e *env, a *analyzeFlags, targets []*target, color bool) int {
	code := ExitOK
	var docs []watched
	for _, t := range targets {
		w := watched{URL: t.url, Input: t.input, Samples: t.samples, Errors: t.errs, Restarts: t.tracker.Restarts(), Groups: []watchedGroup{}}
		if t.lastErr != nil {
			w.LastErr = t.lastErr.Error()
		}
		if t.samples == 0 {
			code = ExitError
		}
		r := &classify.Report{}
		for _, g := range t.tracker.Groups() {
			if !g.Leaking() || !a.keep(g.Finding) {
				continue
			}
			if code == ExitOK {
				code = ExitLeaks
			}
			w.Groups = append(w.Groups, watchedGroup{g.Finding, g.Growing, g.Old, g.Growth, g.History})
			r.Findings = append(r.Findings, g.Finding)
			r.Total += g.Count
			if g.Proven {
				r.Leaks += g.Count
			} else {
				r.Suspects += g.Count
			}
		}
		docs = append(docs, w)
		if a.format == "text" {
			fmt.Fprintf(e.stdout, "\n== %s: %d samples", t.url, t.samples)
			if t.errs > 0 {
				fmt.Fprintf(e.stdout, ", %d failed (last: %v)", t.errs, t.lastErr)
			}
			if n := len(w.Restarts); n > 0 {
				fmt.Fprintf(e.stdout, ", %d restarts", n)
			}
			fmt.Fprintln(e.stdout)
			if len(r.Findings) == 0 {
				fmt.Fprintf(e.stdout, "no group grew\n")
				continue
			}
			for _, g := range w.Groups {
				fmt.Fprintf(e.stdout, "%s: %d -> %d goroutines over %d samples\n", monitor.KeyOf(g.Finding), g.History[0].Count, g.Finding.Count, len(g.History))
			}
			fmt.Fprintln(e.stdout)
			report.Text(e.stdout, t.url, r, report.TextOptions{Color: color})
		}
	}
	if a.format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(map[string]any{"schema": report.Schema, "targets": docs}); err != nil {
			return ExitError
		}
	}
	return code
}
