package fleet

import (
	"cmp"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/leakhound/leakhound/classify"
	"github.com/leakhound/leakhound/report"
)

// Group is one group a watch reports on one instance: a group that grew,
// waited long or was proven, or a suspect of the last sample.
type Group struct {
	Finding *classify.Finding
	Growing bool // grew in each of the last samples
	Growth  int  // goroutines gained since first seen
}

// Instance is what a watch found on one target.
type Instance struct {
	Job      string
	URL      string // without credentials
	Restarts int    // times the watch saw it restart: its counts are since the last
	Groups   []Group
}

// Finding is one leak across a fleet: the groups of one job with the same
// class, blocking place and creation place, on every instance that holds
// them.
type Finding struct {
	Job       string            `json:"job"`
	Class     classify.Class    `json:"class"`
	Verdict   classify.Verdict  `json:"verdict"` // the strongest of the instances'
	BlockedAt classify.Location `json:"blocked_at"`
	CreatedAt classify.Location `json:"created_at"`
	// Instances are the target URLs that hold the leak, largest count
	// first.
	Instances []string `json:"instances"`
	// JobInstances is how many instances of the job were watched.
	JobInstances int `json:"job_instances"`
	Count        int `json:"count"`  // goroutines held, summed over Instances
	Proven       int `json:"proven"` // of Count, proven leaked by the runtime
	// Growth is the goroutines gained over the watch, summed; Growing is
	// how many instances grew in each of their last samples.
	Growth      int           `json:"growth"`
	Growing     int           `json:"growing"`
	PerInstance []PerInstance `json:"per_instance"`
	Explanation string        `json:"explanation,omitempty"`
	Fix         string        `json:"fix,omitempty"`
	// Series is the leakhound_goroutines series that counts the leak's
	// goroutines on services that export promleak's metrics, GroupSeries
	// the per-group series that follows its blocking function, and Alert
	// the rule of deploy/prometheus/alerts.yml that fires on GroupSeries.
	Series      string `json:"series"`
	GroupSeries string `json:"group_series"`
	Alert       string `json:"alert"`
}

// PerInstance is a fleet finding's share on one instance.
type PerInstance struct {
	URL     string           `json:"url"`
	Count   int              `json:"count"`
	Proven  int              `json:"proven"`
	Growth  int              `json:"growth"`
	Growing bool             `json:"growing"`
	Verdict classify.Verdict `json:"verdict"`
	// Restarts is how often the instance restarted during the watch; its
	// counts and growth are since the last restart.
	Restarts int `json:"restarts,omitempty"`
}

// The alerts of deploy/prometheus/alerts.yml a fleet finding names.
const (
	AlertProven  = "GoroutineLeakProven"
	AlertGrowing = "GoroutineLeakGrowing"
)

// AlertsFile is where the alerts are shipped, relative to the repository.
const AlertsFile = "deploy/prometheus/alerts.yml"

type key struct {
	job              string
	class            classify.Class
	blocked, created classify.Location // without Source
}

// strength orders verdicts: a fleet finding takes its strongest.
func strength(v classify.Verdict) int {
	switch v {
	case classify.Leak:
		return 3
	case classify.Suspect:
		return 2
	case classify.Parked:
		return 1
	}
	return 0
}

// Aggregate folds the instances' groups into fleet findings, the most
// goroutines held first, as LeakProf ranks them: what a leak costs a fleet
// is the memory its goroutines pin on every replica together.
func Aggregate(instances []Instance) []Finding {
	perJob := make(map[string]int)
	byKey := make(map[key]*Finding)
	big := make(map[key]int) // the count of the finding whose fix and explanation stand for the group
	var order []key
	for _, in := range instances {
		perJob[in.Job]++
		for _, g := range in.Groups {
			f := g.Finding
			if f == nil || f.Count <= 0 {
				continue
			}
			k := key{in.Job, f.Class, f.BlockedAt, f.CreatedAt}
			k.blocked.Source, k.created.Source = "", ""
			ff := byKey[k]
			if ff == nil {
				ff = &Finding{Job: in.Job, Class: f.Class, Verdict: f.Verdict, BlockedAt: k.blocked, CreatedAt: k.created}
				byKey[k] = ff
				order = append(order, k)
			}
			if strength(f.Verdict) > strength(ff.Verdict) {
				ff.Verdict = f.Verdict
			}
			if f.Count > big[k] || ff.Fix == "" && f.Fix != "" {
				big[k] = f.Count
				ff.Fix, ff.Explanation = f.Fix, f.Explanation
			}
			ff.Count += f.Count
			ff.Proven += f.Proven
			ff.Growth += g.Growth
			if g.Growing {
				ff.Growing++
			}
			// One instance can hold a group twice (proven and unproven
			// parts): one share.
			if n := len(ff.PerInstance); n > 0 && ff.PerInstance[n-1].URL == in.URL {
				p := &ff.PerInstance[n-1]
				p.Count += f.Count
				p.Proven += f.Proven
				if strength(f.Verdict) > strength(p.Verdict) {
					p.Verdict = f.Verdict
				}
				continue
			}
			ff.PerInstance = append(ff.PerInstance, PerInstance{URL: in.URL, Count: f.Count, Proven: f.Proven, Growth: g.Growth, Growing: g.Growing, Verdict: f.Verdict, Restarts: in.Restarts})
		}
	}
	order = foldProfiles(byKey, order)
	out := make([]Finding, 0, len(order))
	for _, k := range order {
		f := byKey[k]
		f.JobInstances = perJob[f.Job]
		slices.SortStableFunc(f.PerInstance, func(a, b PerInstance) int {
			return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.URL, b.URL))
		})
		f.Instances = make([]string, len(f.PerInstance))
		for i, p := range f.PerInstance {
			f.Instances[i] = p.URL
		}
		f.Series, f.GroupSeries, f.Alert = series(f)
		out = append(out, *f)
	}
	slices.SortFunc(out, func(a, b Finding) int {
		return cmp.Or(
			cmp.Compare(b.Count, a.Count),
			cmp.Compare(b.Proven, a.Proven),
			cmp.Compare(b.Growth, a.Growth),
			strings.Compare(a.Job, b.Job),
			strings.Compare(string(a.Class), string(b.Class)),
			strings.Compare(a.BlockedAt.Func, b.BlockedAt.Func),
			cmp.Compare(a.BlockedAt.Line, b.BlockedAt.Line),
			strings.Compare(a.CreatedAt.Func, b.CreatedAt.Func),
		)
	})
	return out
}

// foldProfiles merges each finding with no creation site (read from a
// profile, which names none) into the one finding of its job, class and
// blocking place that a full dump of another instance gave a creation
// site, when there is exactly one: the same goroutines, told better. With
// two or more, which one they belong to cannot be told, and they stay
// apart. It returns the keys left.
func foldProfiles(byKey map[key]*Finding, order []key) []key {
	type place struct {
		job     string
		class   classify.Class
		blocked classify.Location
	}
	named := make(map[place][]key)
	for _, k := range order {
		if k.created.Func != "" {
			p := place{k.job, k.class, k.blocked}
			named[p] = append(named[p], k)
		}
	}
	kept := order[:0]
	for _, k := range order {
		to := named[place{k.job, k.class, k.blocked}]
		if k.created.Func != "" || len(to) != 1 {
			kept = append(kept, k)
			continue
		}
		from, into := byKey[k], byKey[to[0]]
		if strength(from.Verdict) > strength(into.Verdict) {
			into.Verdict = from.Verdict
		}
		into.Count += from.Count
		into.Proven += from.Proven
		into.Growth += from.Growth
		into.Growing += from.Growing
		for _, p := range from.PerInstance {
			i := slices.IndexFunc(into.PerInstance, func(q PerInstance) bool { return q.URL == p.URL })
			if i < 0 {
				into.PerInstance = append(into.PerInstance, p)
				continue
			}
			q := &into.PerInstance[i]
			q.Count += p.Count
			q.Proven += p.Proven
			q.Growth += p.Growth
			q.Growing = q.Growing || p.Growing
			if strength(p.Verdict) > strength(q.Verdict) {
				q.Verdict = p.Verdict
			}
		}
		delete(byKey, k)
	}
	return kept
}

// series names the promleak series of f and the alert on them: their
// labels are those promleak exports and the job Prometheus adds. Go's
// quoting is PromQL's for these strings.
func series(f *Finding) (count, group, alert string) {
	job, class := strconv.Quote(f.Job), strconv.Quote(string(f.Class))
	count = fmt.Sprintf("leakhound_goroutines{job=%s,class=%s,verdict=%s}", job, class, strconv.Quote(string(f.Verdict)))
	metric, alert := "leakhound_group_goroutines", AlertGrowing
	if f.Proven > 0 {
		metric, alert = "leakhound_group_leaked_goroutines", AlertProven
	}
	group = fmt.Sprintf("%s{job=%s,class=%s,blocked_at=%s}", metric, job, class, strconv.Quote(f.BlockedAt.Func))
	return count, group, alert
}

// maxInstanceLines bounds the instances a text finding lists.
const maxInstanceLines = 10

// Text writes the fleet findings for people, escaped: every name in them
// came from a remote target. read is how many instances answered at
// least once and unread how many never did: with none read, no finding
// means nothing is known, not that there is no leak.
func Text(w io.Writer, fs []Finding, read, unread int) error {
	held := 0
	for _, f := range fs {
		held += f.Count
	}
	if len(fs) == 0 {
		var err error
		switch {
		case read == 0:
			_, err = fmt.Fprintf(w, "\n== fleet: no instance answered, so nothing is known of their leaks\n")
		case unread > 0:
			_, err = fmt.Fprintf(w, "\n== fleet: no leak on the %s that answered; %d never did\n", report.Plural(read, "instance"), unread)
		default:
			_, err = fmt.Fprintf(w, "\n== fleet: no leak on any of the %s\n", report.Plural(read, "instance"))
		}
		return err
	}
	fmt.Fprintf(w, "\n== fleet: %s holding %s, the most goroutines held first\n", report.Plural(len(fs), "leak"), report.Plural(held, "goroutine"))
	for i, f := range fs {
		fmt.Fprintf(w, "\n%d. %s %s in job %s: %s on %d of %d instances",
			i+1, strings.ToUpper(string(f.Verdict)), report.Escape(string(f.Class)), report.Escape(strconv.Quote(f.Job)),
			report.Plural(f.Count, "goroutine"), len(f.Instances), f.JobInstances)
		if f.Proven > 0 {
			fmt.Fprintf(w, ", %d proven", f.Proven)
		}
		if f.Growth != 0 {
			fmt.Fprintf(w, ", %+d over the watch", f.Growth)
		}
		if f.Growing > 0 {
			fmt.Fprintf(w, ", growing on %d", f.Growing)
		}
		fmt.Fprintln(w)
		fmt.Fprintf(w, "   blocked at %s\n", report.Escape(where(f.BlockedAt)))
		if f.CreatedAt.Func != "" {
			fmt.Fprintf(w, "   created at %s\n", report.Escape(where(f.CreatedAt)))
		}
		var parts []string
		for j, p := range f.PerInstance {
			if j == maxInstanceLines {
				parts = append(parts, fmt.Sprintf("and %d more", len(f.PerInstance)-j))
				break
			}
			part := fmt.Sprintf("%s %d", p.URL, p.Count)
			if p.Restarts > 0 {
				part += " (since its restart)"
			}
			parts = append(parts, part)
		}
		fmt.Fprintf(w, "   instances: %s\n", report.Escape(strings.Join(parts, ", ")))
		if f.Fix != "" {
			fmt.Fprintf(w, "   fix: %s\n", report.Escape(f.Fix))
		}
		if _, err := fmt.Fprintf(w, "   tracked by %s, %s and the alert %s (%s)\n", report.Escape(f.Series), report.Escape(f.GroupSeries), f.Alert, AlertsFile); err != nil {
			return err
		}
	}
	return nil
}

func where(l classify.Location) string {
	if l.File == "" {
		return l.Func
	}
	return fmt.Sprintf("%s:%d %s", filepath.Base(l.File), l.Line, l.Func)
}
