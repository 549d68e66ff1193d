package cli

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/leakhound/leakhound/classify"
	"github.com/leakhound/leakhound/internal/fleet"
	"github.com/leakhound/leakhound/internal/remote"
	"github.com/leakhound/leakhound/monitor"
	"github.com/leakhound/leakhound/report"
)

// fleetFlags are watch's flags for targets found through Prometheus.
type fleetFlags struct {
	prometheus   string
	jobs         listFlag
	match        string
	pprofPort    int
	pprofLabel   string
	tokenFile    string
	user         string
	passwordFile string
	caFile       string
	maxTargets   int
}

func (f *fleetFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.prometheus, "prometheus", "", "watch the targets this Prometheus `URL` knows (with --job or --match), followed between rounds, reading only their goroutine profiles unless --full is given")
	fs.Var(&f.jobs, "job", "with --prometheus, watch the targets of this job `name` (repeatable)")
	fs.StringVar(&f.match, "match", "", "with --prometheus, watch the targets whose labels match this `selector`, e.g. '{job=\"api\",env=~\"prod.*\"}'")
	fs.IntVar(&f.pprofPort, "pprof-port", 0, "with --prometheus, read pprof on this `port` of each target instead of its scrape port")
	fs.StringVar(&f.pprofLabel, "pprof-label", fleet.DefaultPprofLabel, "with --prometheus, the target `label` that says where pprof is (a port, host:port or URL); wins over --pprof-port")
	fs.StringVar(&f.tokenFile, "prometheus-token-file", "", "bearer token `file` for Prometheus, read at each request")
	fs.StringVar(&f.user, "prometheus-user", "", "basic auth `user` for Prometheus")
	fs.StringVar(&f.passwordFile, "prometheus-password-file", "", "basic auth password `file` for Prometheus")
	fs.StringVar(&f.caFile, "prometheus-ca-file", "", "PEM `file` of the CA that signed Prometheus's certificate (the instances': --pprof-ca-file)")
	fs.IntVar(&f.maxTargets, "max-targets", fleet.DefaultMaxTargets, "with --prometheus, watch at most `n` targets")
}

// set reports whether any fleet flag but --prometheus was given.
func (f *fleetFlags) others() bool {
	return len(f.jobs) > 0 || f.match != "" || f.pprofPort != 0 || f.pprofLabel != fleet.DefaultPprofLabel ||
		f.tokenFile != "" || f.user != "" || f.passwordFile != "" || f.caFile != "" || f.maxTargets != fleet.DefaultMaxTargets
}

// fleetSource is a watch's source of targets when they come from
// Prometheus: each round it asks again and follows the instances that
// came, left and came back.
type fleetSource struct {
	d       *fleet.Discovery
	shown   string
	rise    int
	byURL   map[string]*target
	answers int      // discoveries that succeeded
	fails   int      // discoveries that failed
	lastErr string   // of the last discovery; "" when it succeeded
	warned  []string // the warnings last printed, printed again only when they change
	// forgotten counts the gone instances dropped to keep at most
	// maxGone: pods come and go with every rollout, and a long watch must
	// not keep each one's history for ever.
	forgotten int
	// history is each top fleet finding's count over the rounds, for
	// --html; nil without it.
	history *fleet.History
}

// maxFleetCharts bounds the fleet findings charted on the --html page,
// and so those whose history is kept.
const maxFleetCharts = 24

// maxGone bounds the instances kept after they left Prometheus's list.
var maxGone = 1000 // a variable for a test

func newFleetSource(f *fleetFlags, timeout time.Duration, rise int) (*fleetSource, error) {
	d, err := fleet.New(fleet.Config{
		Prometheus: f.prometheus, Jobs: f.jobs, Match: f.match,
		PprofPort: f.pprofPort, PprofLabel: f.pprofLabel,
		BearerTokenFile: f.tokenFile, BasicUser: f.user, BasicPasswordFile: f.passwordFile, CAFile: f.caFile,
		Timeout: timeout, MaxTargets: f.maxTargets,
	})
	if err != nil {
		return nil, err
	}
	return &fleetSource{d: d, shown: remote.Redact(f.prometheus), rise: rise, byURL: make(map[string]*target)}, nil
}

// fleetHistory is the samples each group of an instance keeps: a quarter
// of a lone watch's, as the history is kept per group on every instance
// and is most of what an instance costs between rounds.
const fleetHistory = 30

// maxEventNames bounds the URLs a round's message names per kind.
const maxEventNames = 5

// refresh asks Prometheus for the targets and returns the watch's list:
// every target ever found, those gone marked. When Prometheus does not
// answer, the list stays as it was and the error is told in one line; the
// next round asks again.
func (s *fleetSource) refresh(e *env, targets []*target) []*target {
	found, warn, err := s.d.Targets(e.ctx)
	if err != nil {
		s.fails++
		s.lastErr = err.Error()
		fmt.Fprintf(e.stderr, "leakhound watch: %s; the targets stay as they were, asking again next round\n", report.Escape(s.lastErr))
		return targets
	}
	s.answers++
	s.lastErr = ""
	if !slices.Equal(warn, s.warned) {
		for _, w := range warn {
			fmt.Fprintf(e.stderr, "leakhound watch: %s\n", report.Escape(w))
		}
		s.warned = warn
	}
	var added, back, gone []string
	present := make(map[string]bool, len(found))
	for _, ft := range found {
		present[ft.URL] = true
		t := s.byURL[ft.URL]
		switch {
		case t == nil:
			t = &target{url: ft.URL, shown: ft.URL, tracker: monitor.NewTracker(monitor.TrackerConfig{Rise: s.rise, History: fleetHistory})}
			s.byURL[ft.URL] = t
			targets = append(targets, t)
			if s.answers > 1 {
				added = append(added, ft.URL)
			}
		case t.gone:
			t.gone = false
			back = append(back, ft.URL)
		}
		t.job, t.health = ft.Job, ft.Health
	}
	nGone := 0
	for _, t := range targets {
		if !present[t.url] && !t.gone {
			t.gone = true
			gone = append(gone, t.shown)
		}
		if t.gone {
			nGone++
		}
	}
	// The earliest found go first: targets is in the order found.
	if drop := nGone - maxGone; drop > 0 {
		targets = slices.DeleteFunc(targets, func(t *target) bool {
			if drop > 0 && t.gone {
				drop--
				s.forgotten++
				delete(s.byURL, t.url)
				return true
			}
			return false
		})
	}
	for _, ev := range []struct {
		what string
		urls []string
	}{{"new", added}, {"gone from Prometheus", gone}, {"back in Prometheus", back}} {
		if len(ev.urls) > 0 {
			fmt.Fprintf(e.stderr, "leakhound watch: %s %s: %s\n", report.Plural(len(ev.urls), "instance"), ev.what, report.Escape(names(ev.urls)))
		}
	}
	return targets
}

func names(urls []string) string {
	if len(urls) <= maxEventNames {
		return strings.Join(urls, ", ")
	}
	return strings.Join(urls[:maxEventNames], ", ") + fmt.Sprintf(" and %d more", len(urls)-maxEventNames)
}

// fleetProgress is the one line per round of a fleet watch when the output
// is not a terminal: a line per target would be hundreds.
func fleetProgress(w io.Writer, s *fleetSource, targets []*target, round int) {
	fmt.Fprintf(w, "%s sample %d: %s\n", time.Now().Format("15:04:05"), round, fleetSummary(s, targets))
}

// fleetSummary says in a line how many instances are watched and how they
// fare.
func fleetSummary(s *fleetSource, targets []*target) string {
	watched, down, growing, goroutines := 0, 0, 0, 0
	for _, t := range targets {
		if t.gone {
			continue
		}
		watched++
		if t.lastErr != nil {
			down++
			continue
		}
		goroutines += t.total
		for _, g := range t.tracker.Summary() {
			if g.Growing {
				growing++
			}
		}
	}
	return fmt.Sprintf("%s from %s, %d not answering, %s, %s",
		report.Plural(watched, "instance"), report.Escape(s.shown), down, report.Plural(goroutines, "goroutine"), report.Plural(growing, "growing group"))
}

// fleetInstancesText says, before the fleet findings, what the instances
// did: how many were watched, and by name the few that stopped answering,
// restarted, left or never answered, with the reason. Their leaks are in
// the fleet findings, not repeated per instance.
func fleetInstancesText(w io.Writer, s *fleetSource, targets []*target, docs []watched) {
	watched, noProof := 0, 0
	var notes []string
	for i, t := range targets {
		d := docs[i]
		switch {
		case t.gone:
			notes = append(notes, fmt.Sprintf("%s (job %s): gone from Prometheus, %s before", t.shown, t.job, report.Plural(t.samples, "sample")))
			continue
		case t.samples == 0:
			notes = append(notes, fmt.Sprintf("%s (job %s): never answered: %v", t.shown, t.job, t.lastErr))
		case t.lastErr != nil:
			notes = append(notes, fmt.Sprintf("%s (job %s): not answering: %v", t.shown, t.job, t.lastErr))
		case len(d.Restarts) > 0:
			notes = append(notes, fmt.Sprintf("%s (job %s): %s, %s failed; its counts are since %s", t.shown, t.job,
				report.Plural(len(d.Restarts), "restart"), report.Plural(t.errs, "sample"), d.Restarts[len(d.Restarts)-1].Format("15:04:05")))
		case t.errs > 0:
			notes = append(notes, fmt.Sprintf("%s (job %s): %s failed", t.shown, t.job, report.Plural(t.errs, "sample")))
		}
		watched++
		if t.noProof {
			noProof++
		}
	}
	fmt.Fprintf(w, "\n== %s from %s", report.Plural(watched, "instance"), report.Escape(s.shown))
	if s.forgotten > 0 {
		fmt.Fprintf(w, "; %d more left Prometheus's list and are forgotten", s.forgotten)
	}
	if s.fails > 0 {
		fmt.Fprintf(w, "; Prometheus failed %d of %d rounds", s.fails, s.fails+s.answers)
		if s.lastErr != "" {
			fmt.Fprintf(w, " (last: %s)", report.Escape(s.lastErr))
		}
	}
	fmt.Fprintln(w)
	for i, n := range notes {
		if i == maxInstanceNotes {
			fmt.Fprintf(w, "  ... and %d more (--format json lists every instance)\n", len(notes)-i)
			break
		}
		fmt.Fprintf(w, "  %s\n", report.Escape(n))
	}
	if noProof > 0 {
		fmt.Fprintf(w, "  on %s: %s\n", report.Plural(noProof, "instance"), noProofText)
	}
}

// maxInstanceNotes bounds the instances named at the end of a fleet watch.
const maxInstanceNotes = 20

// fleetView is the live terminal view of a fleet: the instances, then
// the top fleet findings so far, one line each: the findings the report
// would give if the watch ended now.
func fleetView(w io.Writer, s *fleetSource, targets []*target, fs []fleet.Finding, top int, elapsed time.Duration) {
	fmt.Fprintf(w, "leakhound watch  %s elapsed  (Ctrl-C ends with the report)\n\n%s\n", elapsed.Round(time.Second), fleetSummary(s, targets))
	if s.lastErr != "" {
		fmt.Fprintf(w, "%s\n", report.Escape(s.lastErr))
	}
	fmt.Fprintf(w, "\n%s, the most goroutines held first:\n", report.Plural(len(fs), "leak"))
	for i, f := range fs {
		if i == top {
			fmt.Fprintf(w, "  ... and %d more\n", len(fs)-i)
			break
		}
		fmt.Fprintf(w, "  %-8s %-22s %-12s %-40s %6d on %d/%d", strings.ToUpper(string(f.Verdict)), report.Escape(string(f.Class)),
			report.Escape(clipText(f.Job, 12)), place(f.BlockedAt), f.Count, len(f.Instances), f.JobInstances)
		if f.Growth != 0 {
			fmt.Fprintf(w, " (%+d)", f.Growth)
		}
		fmt.Fprintln(w)
	}
}

func clipText(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// fleetDoc is the JSON of a fleet watch beside its targets.
type fleetDoc struct {
	URL       string `json:"url"`
	Rounds    int    `json:"rounds"` // discoveries that succeeded
	Errors    int    `json:"errors"` // discoveries that failed
	LastError string `json:"last_error,omitempty"`
	// Forgotten counts the instances that left and were dropped from
	// targets, which keeps the last 1000 gone.
	Forgotten int `json:"forgotten,omitempty"`
}

// fleetNow is the fleet findings the watch would report if it ended now.
func fleetNow(a *analyzeFlags, targets []*target) []fleet.Finding {
	docs := make([]watched, len(targets))
	for i, t := range targets {
		if !t.gone {
			docs[i], _ = watchedOf(a, t)
		}
	}
	return fleetFindings(targets, docs)
}

// fleetPage is the fleet's section of the --html page.
func fleetPage(s *fleetSource, targets []*target, fs []fleet.Finding) *report.WatchFleet {
	p := &report.WatchFleet{Prometheus: s.shown, Summary: fleetSummary(s, targets), AlertsFile: fleet.AlertsFile}
	p.Read, p.Unread = answered(targets)
	if s.lastErr != "" {
		p.Summary += "; " + s.lastErr
	}
	for _, f := range fs {
		l := report.FleetLeak{Job: f.Job, Class: f.Class, Verdict: f.Verdict, BlockedAt: f.BlockedAt, CreatedAt: f.CreatedAt,
			Count: f.Count, Proven: f.Proven, Growth: f.Growth, Growing: f.Growing, JobInstances: f.JobInstances,
			Explanation: f.Explanation, Fix: f.Fix, Series: f.Series, GroupSeries: f.GroupSeries, Alert: f.Alert}
		if s.history != nil {
			l.History = s.history.Of(f)
		}
		for _, p := range f.PerInstance {
			l.Shares = append(l.Shares, report.FleetShare{URL: p.URL, Count: p.Count, Proven: p.Proven, Growth: p.Growth, Growing: p.Growing, Restarts: p.Restarts})
		}
		p.Leaks = append(p.Leaks, l)
	}
	return p
}

// fleetFindings renders the targets' reports as fleet findings: the
// present instances' groups that leak and suspects, by job.
func fleetFindings(targets []*target, docs []watched) []fleet.Finding {
	var in []fleet.Instance
	for i, t := range targets {
		if t.gone {
			continue
		}
		w := docs[i]
		inst := fleet.Instance{Job: t.job, URL: t.shown, Restarts: len(w.Restarts)}
		for _, g := range w.Groups {
			f := g.Finding
			if g.count != f.Count || g.proven != f.Proven {
				// A group that is partly proven counts whole, its proof
				// apart, as the fleet counts a share.
				c := *f
				c.Count, c.Proven = g.count, g.proven
				if c.Proven > 0 {
					c.Verdict = classify.Leak
				}
				f = &c
			}
			inst.Groups = append(inst.Groups, fleet.Group{Finding: f, Growing: g.Growing, Growth: g.Growth})
		}
		for _, f := range w.Suspects {
			inst.Groups = append(inst.Groups, fleet.Group{Finding: f})
		}
		in = append(in, inst)
	}
	return fleet.Aggregate(in)
}

// answered counts the instances that answered at least once and those
// still listed that never did.
func answered(targets []*target) (read, unread int) {
	for _, t := range targets {
		switch {
		case t.samples > 0:
			read++
		case !t.gone:
			unread++
		}
	}
	return read, unread
}
