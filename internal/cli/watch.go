package cli

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/leakhound/leakhound/classify"
	"github.com/leakhound/leakhound/internal/fleet"
	"github.com/leakhound/leakhound/internal/remote"
	"github.com/leakhound/leakhound/monitor"
	"github.com/leakhound/leakhound/report"
)

// target is one service under watch.
type target struct {
	url         string // as given, credentials and all, for the requests
	shown       string // without credentials, for people and JSON
	tracker     *monitor.Tracker
	samples     int
	errs        int
	lastErr     error // of the last round; nil when it answered
	input       string
	total       int
	outages     int  // times it stopped answering and came back
	noProof     bool // it has no goroutineleak profile
	toldNoProof bool
	memory      remote.Memory // so that a 404 for that profile is not asked again each round
	// Of a target found through Prometheus (fleet.go): its job, its
	// health in Prometheus's eyes, and whether it left Prometheus's list.
	job, health string
	gone        bool
	totals      []report.Point // goroutines per answered sample, for --html
}

// maxTotals bounds the history of totals kept for --html, as the tracker
// bounds each group's.
const maxTotals = 1000

// watch polls services on an interval, shows their goroutine groups over
// time, and ends with the groups that grew.
func watch(e *env, args []string) int {
	var a analyzeFlags
	fs := a.register("watch", e)
	interval := fs.Duration("interval", 10*time.Second, "time between samples of each service")
	forDur := fs.Duration("for", 5*time.Minute, "how long to watch; 0 watches until interrupted")
	rise := fs.Int("rise", 3, "samples in a row a group must grow in to be reported as growing")
	top := fs.Int("top", 8, "groups shown per service in the live view")
	htmlFile := fs.String("html", "", "also keep `file` as a page with charts of every service and group over time, replaced whole after each sample and at the end")
	parallel := fs.Int("parallel", 32, "read at most `n` services at once")
	var ff fleetFlags
	ff.register(fs)
	urls, err := parseFlags(fs, args)
	if err != nil {
		return flagExit(fs, err)
	}
	if err := a.check(); err != nil {
		return e.fail("watch", err)
	}
	var fl *fleetSource
	switch {
	case ff.prometheus != "" && len(urls) > 0:
		return e.fail("watch", fmt.Errorf("--prometheus finds the services: name no URL beside it"))
	case ff.prometheus == "" && ff.others():
		return e.fail("watch", fmt.Errorf("--job, --match, --pprof-port and the other Prometheus flags need --prometheus URL"))
	case ff.prometheus == "" && len(urls) == 0:
		return e.fail("watch", fmt.Errorf("name at least one service URL, e.g. http://127.0.0.1:6060, or --prometheus URL with --job NAME"))
	}
	if a.format == "html" {
		return e.fail("watch", fmt.Errorf("--format html: watch writes its page with --html FILE, beside text or json"))
	}
	if *interval <= 0 || *rise < 1 || *parallel < 1 {
		return e.fail("watch", fmt.Errorf("--interval must be positive, --rise and --parallel at least 1"))
	}
	if ff.prometheus != "" {
		if fl, err = newFleetSource(&ff, min(a.timeout, *interval), *rise); err != nil {
			return e.fail("watch", err)
		}
		// A fleet is read at the cheap profile's cost unless asked:
		// a full dump stops each replica's world.
		if !flagSet(fs, "full") {
			a.full = "never"
		}
	}
	targets := make([]*target, len(urls))
	for i, raw := range urls {
		u, ok := a.asURL(raw)
		if !ok {
			return e.fail("watch", fmt.Errorf("%s: not an http(s) URL", remote.Redact(raw)))
		}
		targets[i] = &target{url: u, shown: remote.Redact(u), tracker: monitor.NewTracker(monitor.TrackerConfig{Rise: *rise})}
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
	if fl != nil && *htmlFile != "" {
		fl.history = fleet.NewHistory(maxFleetCharts, maxTotals)
	}
	var leaks []fleet.Finding // the fleet's, after the last round
	page := func(final bool) {
		if *htmlFile == "" {
			return
		}
		// A page that cannot be written is said once a round; the watch
		// goes on.
		if err := writeWatchHTML(*htmlFile, &a, targets, fl, leaks, start, *interval, final); err != nil {
			fmt.Fprintf(e.stderr, "leakhound watch: %s\n", report.Escape(err.Error()))
		}
	}
	for round := 1; ; round++ {
		if fl != nil {
			targets = fl.refresh(e, targets)
		}
		sampleAll(e, &a, opt, targets, *parallel)
		if fl != nil && (live || fl.history != nil) {
			leaks = fleetNow(&a, targets)
			if fl.history != nil {
				fl.history.Observe(time.Now(), leaks)
			}
		}
		page(false)
		if fl != nil && !live && a.format == "text" {
			fleetProgress(e.stderr, fl, targets, round)
		} else if live && fl != nil {
			fmt.Fprint(e.stdout, "\x1b[H\x1b[2J")
			fleetView(e.stdout, fl, targets, leaks, *top, time.Since(start))
		} else if live {
			fmt.Fprint(e.stdout, "\x1b[H\x1b[2J")
			view(e.stdout, targets, *top, time.Since(start), color)
		} else if a.format == "text" {
			progress(e.stderr, targets, round)
		}
		if e.nextRound != nil {
			if e.nextRound(round) {
				continue
			}
			break
		}
		select {
		case <-tick.C:
			continue
		case <-deadline:
		case <-e.ctx.Done():
		}
		break
	}
	page(true)
	if a.output == "" {
		return finish(e, &a, targets, color, fl)
	}
	// -o takes the final report; the live view stays on the terminal.
	var buf bytes.Buffer
	fe := *e
	fe.stdout = &buf
	code := finish(&fe, &a, targets, false, fl)
	if err := replaceFile(a.output, buf.Bytes()); err != nil {
		return e.fail("watch", err)
	}
	return code
}

// flagSet reports whether the flag name was given.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// sampleAll reads every target once, at most parallel at a time, so that
// a fleet's round holds that many answers in memory, not one per target.
// Targets gone from Prometheus's list are left alone.
func sampleAll(e *env, a *analyzeFlags, opt remote.Options, targets []*target, parallel int) {
	var wg sync.WaitGroup
	slots := make(chan struct{}, parallel)
	for _, t := range targets {
		if t.gone {
			continue
		}
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			res, r, err := sample(e, a, opt, t)
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
			t.noProof = res.NoProof
			t.total = r.Total
			t.totals = append(t.totals, report.Point{Time: now, Count: r.Total})
			if len(t.totals) > maxTotals {
				t.totals = slices.Delete(t.totals, 0, len(t.totals)-maxTotals)
			}
			// A new process between two answered samples shows in the
			// profile's process identity.
			t.tracker.ObserveProcess(now, res.Process, r)
		})
	}
	wg.Wait()
}

// sample reads one target once. Whatever a target serves, it costs that
// target alone: even a fault of leakhound's own on its answer is that
// target's error, and the others are watched on.
func sample(e *env, a *analyzeFlags, opt remote.Options, t *target) (res *remote.Result, r *classify.Report, err error) {
	defer func() {
		if p := recover(); p != nil {
			res, r, err = nil, nil, fmt.Errorf("%s: leakhound failed on its answer (a bug, please report it): %v", t.shown, p)
		}
	}()
	c := a.classifier(true)
	opt.Memory = &t.memory
	res, err = remote.Fetch(e.ctx, t.url, opt, c.Add)
	if err != nil {
		return nil, nil, err
	}
	return res, c.Report(), nil
}

// progress prints one line per round when the output is not a terminal.
func progress(w io.Writer, targets []*target, round int) {
	var parts []string
	for _, t := range targets {
		if t.lastErr != nil {
			parts = append(parts, fmt.Sprintf("%s: down (%v)", t.shown, t.lastErr))
			continue
		}
		growing := 0
		for _, g := range t.tracker.Groups() {
			if g.Growing {
				growing++
			}
		}
		parts = append(parts, fmt.Sprintf("%s: %s, %s", t.shown, report.Plural(t.total, "goroutine"), report.Plural(growing, "growing group")))
	}
	fmt.Fprintf(w, "%s sample %d: %s\n", time.Now().Format("15:04:05"), round, report.Escape(strings.Join(parts, "; ")))
	for _, t := range targets {
		if t.noProof && !t.toldNoProof {
			t.toldNoProof = true
			fmt.Fprintf(w, "leakhound watch: %s: %s\n", t.shown, noProofText)
		}
	}
}

// noProofText says once why a target's groups are never proven.
var noProofText = "none proven: no goroutineleak profile, which needs Go 1.27, or Go 1.26 built with GOEXPERIMENT=goroutineleakprofile"

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
		fmt.Fprintf(w, "%s", p("1", report.Escape(t.shown)))
		switch {
		case t.lastErr != nil:
			fmt.Fprintf(w, "  %s %s\n\n", p("1;31", "DOWN"), report.Escape(t.lastErr.Error()))
			continue
		default:
			fmt.Fprintf(w, "  %s, %s", report.Plural(t.total, "goroutine"), report.Plural(t.samples, "sample"))
			if n := len(t.tracker.Restarts()); n > 0 {
				fmt.Fprintf(w, ", %s", report.Plural(n, "restart"))
			}
			fmt.Fprintln(w)
			if t.noProof {
				fmt.Fprintf(w, "  %s\n", noProofText)
			}
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
			fmt.Fprintf(w, "  %s %-22s %-40s %s %d", tag, report.Escape(string(g.Key.Class)), place(g.Key.Blocked), spark(g.History), g.Count)
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
	s = report.Escape(s)
	if r := []rune(s); len(r) > 40 {
		s = string(r[:39]) + "…"
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
	Job      string         `json:"job,omitempty"`    // found through --prometheus
	Health   string         `json:"health,omitempty"` // Prometheus's, of its scrapes
	Gone     bool           `json:"gone,omitempty"`   // no longer in Prometheus's list
	Input    string         `json:"input,omitempty"`
	Samples  int            `json:"samples"`
	Errors   int            `json:"errors"`
	LastErr  string         `json:"last_error,omitempty"`
	Restarts []time.Time    `json:"restarts,omitempty"`
	Groups   []watchedGroup `json:"groups"`
	// Suspects are the suspect findings of the last sample that did not
	// grow, wait long or get proven over the watch.
	Suspects []*classify.Finding `json:"suspects,omitempty"`
	// Parked counts the goroutines of the last sample parked in a leak
	// class with no evidence of a leak, and their groups.
	Parked       int  `json:"parked,omitempty"`
	ParkedGroups int  `json:"parked_groups,omitempty"`
	NoProof      bool `json:"no_proof,omitempty"`
}

type watchedGroup struct {
	*classify.Finding
	Growing bool            `json:"growing"`
	Old     bool            `json:"old"`
	Growth  int             `json:"growth"`
	History []monitor.Point `json:"history"`
	// count and proven are the whole group's in the last sample: the
	// Finding is its largest part where the runtime proved some of its
	// goroutines and not the others.
	count, proven int
}

// finish prints the report of what grew and returns the exit code: 1 when a
// group grew, stayed blocked for long or was proven, or the last sample
// held suspects; 2 when a service never answered; else 0.
func finish(e *env, a *analyzeFlags, targets []*target, color bool, fl *fleetSource) int {
	code := ExitOK
	var docs []watched
	for _, t := range targets {
		w, r := watchedOf(a, t)
		if t.samples == 0 && !t.gone {
			code = ExitError
		}
		if (len(w.Groups) > 0 || len(w.Suspects) > 0) && code == ExitOK {
			code = ExitLeaks
		}
		docs = append(docs, w)
		// A fleet's leaks are told once across its instances, below.
		if a.format == "text" && fl == nil {
			finishText(e.stdout, t, w, r, color)
		}
	}
	doc := map[string]any{"schema": report.Schema, "targets": docs}
	if fl != nil {
		if fl.answers == 0 {
			code = ExitError
		}
		fs := fleetFindings(targets, docs)
		doc["fleet"] = fs
		doc["prometheus"] = fleetDoc{URL: fl.shown, Rounds: fl.answers, Errors: fl.fails, LastError: fl.lastErr, Forgotten: fl.forgotten}
		if a.format == "text" {
			fleetInstancesText(e.stdout, fl, targets, docs)
			read, unread := answered(targets)
			fleet.Text(e.stdout, fs, read, unread)
		}
	}
	if a.format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(doc); err != nil {
			return ExitError
		}
	}
	return code
}

// watchedOf is what the watch found on t so far: the groups that grew,
// waited long or were proven, the suspects and the parked goroutines of
// the last sample; and the report of those groups, for the text.
func watchedOf(a *analyzeFlags, t *target) (watched, *classify.Report) {
	w := watched{URL: t.shown, Job: t.job, Health: t.health, Gone: t.gone, Input: t.input, Samples: t.samples, Errors: t.errs, Restarts: t.tracker.Restarts(), Groups: []watchedGroup{}, NoProof: t.noProof}
	if t.lastErr != nil {
		w.LastErr = t.lastErr.Error()
	}
	// The header counts what the last sample held; the findings are
	// the groups that grew, waited long or were proven over the watch.
	r := &classify.Report{Total: t.total}
	reported := map[monitor.Key]bool{}
	for _, g := range t.tracker.Groups() {
		if !g.Leaking() || !a.keep(g.Finding) {
			continue
		}
		reported[g.Key] = true
		w.Groups = append(w.Groups, watchedGroup{g.Finding, g.Growing, g.Old, g.Growth, g.History, g.Count, g.ProvenCount})
		r.Findings = append(r.Findings, g.Finding)
		if g.Proven {
			r.Leaks += g.Count
		} else {
			r.Suspects += g.Count
		}
	}
	if _, last := t.tracker.Latest(); last != nil {
		for _, f := range last.Findings {
			switch {
			case reported[monitor.KeyOf(f)] || !a.keep(f):
			case f.Verdict == classify.Suspect || f.Verdict == classify.Leak:
				w.Suspects = append(w.Suspects, f)
			case f.Verdict == classify.Parked:
				w.Parked += f.Count
				w.ParkedGroups++
			}
		}
	}
	return w, r
}

// maxSuspectLines bounds the suspects listed per target at the end.
const maxSuspectLines = 10

func finishText(out io.Writer, t *target, w watched, r *classify.Report, color bool) {
	fmt.Fprintf(out, "\n== %s: %s", report.Escape(t.shown), report.Plural(t.samples, "sample"))
	if t.errs > 0 {
		fmt.Fprintf(out, ", %d failed (last: %s)", t.errs, report.Escape(fmt.Sprint(t.lastErr)))
	}
	if n := len(w.Restarts); n > 0 {
		fmt.Fprintf(out, ", %s", report.Plural(n, "restart"))
	}
	fmt.Fprintln(out)
	var notes []string
	if t.noProof {
		notes = append(notes, noProofText)
	}
	switch {
	case t.samples == 0:
		fmt.Fprintf(out, "it never answered: nothing is known of its goroutines\n")
		return
	case len(r.Findings) == 0:
		fmt.Fprintf(out, "no group grew, waited long or was proven leaked over %s\n", report.Plural(t.samples, "sample"))
	default:
		for _, g := range w.Groups {
			fmt.Fprintf(out, "%s: %d -> %d goroutines over %s\n", report.Escape(monitor.KeyOf(g.Finding).String()), g.History[0].Count, g.Finding.Count, report.Plural(len(g.History), "sample"))
		}
		fmt.Fprintln(out)
		report.Text(out, t.input, r, report.TextOptions{Color: color, Notes: notes})
		notes = nil
	}
	for _, n := range notes {
		fmt.Fprintln(out, report.Escape(n))
	}
	if w.Parked > 0 {
		fmt.Fprintf(out, "the last sample holds %s parked in %s: waiting in a leak class with no evidence of a leak yet; a longer watch shows whether they grow\n",
			report.Plural(w.Parked, "goroutine"), report.Plural(w.ParkedGroups, "group"))
	}
	if len(w.Suspects) == 0 {
		return
	}
	n := 0
	for _, f := range w.Suspects {
		n += f.Count
	}
	fmt.Fprintf(out, "the last sample also holds %s in %s that did not grow (leakhound analyze %s explains them):\n",
		report.Plural(n, "suspect goroutine"), report.Plural(len(w.Suspects), "group"), report.Escape(t.shown))
	for i, f := range w.Suspects {
		if i == maxSuspectLines {
			fmt.Fprintf(out, "  ... and %s more\n", report.Plural(len(w.Suspects)-i, "group"))
			break
		}
		fmt.Fprintf(out, "  %-8s %-22s %-40s %s\n", strings.ToUpper(string(f.Verdict)), report.Escape(string(f.Class)), place(f.BlockedAt), report.Plural(f.Count, "goroutine"))
	}
}

// writeWatchHTML replaces file with the page of the watch so far: every
// service's total and groups over time, the groups that grew, waited long
// or were proven first.
func writeWatchHTML(file string, a *analyzeFlags, targets []*target, fl *fleetSource, leaks []fleet.Finding, start time.Time, interval time.Duration, final bool) error {
	var ws []report.WatchTarget
	for _, t := range targets {
		w := report.WatchTarget{URL: t.shown, Job: t.job, Input: t.input, Samples: t.samples, Errors: t.errs,
			Restarts: t.tracker.Restarts(), Totals: t.totals}
		if t.lastErr != nil {
			w.LastErr = t.lastErr.Error()
		}
		if t.noProof {
			w.Notes = append(w.Notes, noProofText)
		}
		if t.gone {
			w.Notes = append(w.Notes, "gone from Prometheus's list: no longer watched")
		}
		var rest []report.WatchGroup
		for _, g := range t.tracker.Groups() {
			if !a.keep(g.Finding) || (g.Count == 0 && !slices.ContainsFunc(g.History, func(p monitor.Point) bool { return p.Count > 0 })) {
				continue
			}
			wg := report.WatchGroup{Name: g.Key.String(), Finding: g.Finding, Growing: g.Growing, Old: g.Old, Proven: g.Proven, Growth: g.Growth}
			for _, p := range g.History {
				wg.History = append(wg.History, report.Point{Time: p.Time, Count: p.Count})
			}
			if g.Leaking() {
				w.Groups = append(w.Groups, wg)
			} else {
				rest = append(rest, wg)
			}
		}
		slices.SortStableFunc(rest, func(x, y report.WatchGroup) int { return last(y.History) - last(x.History) })
		w.Groups = append(w.Groups, rest...)
		ws = append(ws, w)
	}
	// The page charts the first services (report.WatchOptions.MaxTargets):
	// those with the most goroutines in groups that grew, waited long or
	// were proven come first.
	leaking := func(w report.WatchTarget) int {
		n := 0
		for _, g := range w.Groups {
			if g.Growing || g.Old || g.Proven {
				n += last(g.History)
			}
		}
		return n
	}
	slices.SortStableFunc(ws, func(x, y report.WatchTarget) int { return leaking(y) - leaking(x) })
	var buf bytes.Buffer
	opt := report.WatchOptions{Started: start, Updated: time.Now(), Final: final, Refresh: interval, MaxLeaks: maxFleetCharts}
	if fl != nil {
		opt.Fleet = fleetPage(fl, targets, leaks)
	}
	if err := report.WatchHTML(&buf, ws, opt); err != nil {
		return err
	}
	return replaceFile(file, buf.Bytes())
}

func last(pts []report.Point) int {
	if len(pts) == 0 {
		return 0
	}
	return pts[len(pts)-1].Count
}
