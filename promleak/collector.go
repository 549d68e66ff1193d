package promleak

import (
	"cmp"
	"errors"
	"slices"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/leakhound/leakhound/classify"
	"github.com/leakhound/leakhound/monitor"
)

// Collector is a prometheus.Collector that exports a Source's last sample.
// Collect only reads what the monitor stored: however often scrapes come,
// none samples, stops the world or runs a GC.
type Collector struct {
	src  Source
	opts options
}

// The metrics, by name. Every name starts with leakhound_; the rules in
// deploy/prometheus/alerts.yml and the dashboard in deploy/grafana use these
// names, and a test checks them against this list.
var (
	goroutinesDesc = prometheus.NewDesc("leakhound_goroutines",
		"Goroutines in the last sample, by class (see leakhound's docs/classes.md) and verdict (leak: proven by the runtime; suspect: with evidence of a leak; parked: in a leak class with no evidence of one; ok).",
		[]string{"class", "verdict"}, nil)
	suspectGroupsDesc = prometheus.NewDesc("leakhound_suspect_groups",
		"Groups of goroutines (same class, blocking line and creation site) with verdict suspect in the last sample.",
		nil, nil)
	leakedDesc = prometheus.NewDesc("leakhound_leaked_goroutines",
		"Goroutines the runtime's goroutineleak profile proved leaked in the last sample; always 0 where the runtime has no such profile.",
		nil, nil)
	groupGoroutinesDesc = prometheus.NewDesc("leakhound_group_goroutines",
		"Goroutines in each of the top groups of a leak class, by class and the function they block in.",
		[]string{"class", "blocked_at"}, nil)
	groupGrowthDesc = prometheus.NewDesc("leakhound_group_growth",
		"Goroutines each of the top groups of a leak class gained since the monitor first saw it (negative when it shrank), by class and the function they block in.",
		[]string{"class", "blocked_at"}, nil)
	groupLeakedDesc = prometheus.NewDesc("leakhound_group_leaked_goroutines",
		"Goroutines of each of the top groups that the runtime proved leaked, by class and the function they block in.",
		[]string{"class", "blocked_at"}, nil)
	samplesDesc = prometheus.NewDesc("leakhound_samples_total",
		"Samples the monitor has taken.",
		nil, nil)
	proofDesc = prometheus.NewDesc("leakhound_leak_proof",
		"1 when the last sample had the runtime's leak proof (the goroutineleak profile), else 0: then no goroutine can be proven leaked.",
		nil, nil)
	timestampDesc = prometheus.NewDesc("leakhound_last_sample_timestamp_seconds",
		"When the last sample started, in seconds since the Unix epoch.",
		nil, nil)
	durationDesc = prometheus.NewDesc("leakhound_sample_duration_seconds",
		"How long the last sample took: capture of the goroutine profile or dump, the leak proof when it ran, and classification.",
		nil, nil)
	pauseDesc = prometheus.NewDesc("leakhound_sample_max_pause_seconds",
		"The longest stop-the-world pause the process had while the last sample ran (the upper bound of its runtime/metrics bucket), whatever caused it.",
		nil, nil)
)

var allDescs = []*prometheus.Desc{
	goroutinesDesc, suspectGroupsDesc, leakedDesc,
	groupGoroutinesDesc, groupGrowthDesc, groupLeakedDesc,
	samplesDesc, proofDesc, timestampDesc, durationDesc, pauseDesc,
}

// New returns a Collector of src's samples. Register it with a
// prometheus.Registerer; to tell services apart, wrap the registerer
// (prometheus.WrapRegistererWith) rather than renaming the metrics, which
// the shipped rules and dashboard expect as they are.
func New(src Source, opts ...Option) (*Collector, error) {
	if src == nil {
		return nil, errors.New("promleak: New: nil Source")
	}
	o, err := buildOptions(opts)
	if err != nil {
		return nil, err
	}
	return &Collector{src: src, opts: o}, nil
}

// Describe sends the descriptors of every metric the collector can export.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range allDescs {
		ch <- d
	}
}

// Collect exports the last sample. Before the first one it exports nothing,
// so that no metric claims a state nobody has seen.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	s := c.src.Last()
	if s == nil {
		return
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		m, err := prometheus.NewConstMetric(d, prometheus.GaugeValue, v, labels...)
		if err != nil {
			m = prometheus.NewInvalidMetric(d, err)
		}
		ch <- m
	}
	ch <- prometheus.MustNewConstMetric(samplesDesc, prometheus.CounterValue, float64(s.Seq))
	gauge(timestampDesc, float64(s.Time.Unix())+float64(s.Time.Nanosecond())/1e9)
	gauge(durationDesc, s.Wall.Seconds())
	gauge(pauseDesc, s.Pause.Seconds())
	proof := 0.0
	if s.Proof {
		proof = 1
	}
	gauge(proofDesc, proof)

	if r := s.Report; r != nil {
		for k, n := range countByClass(r) {
			gauge(goroutinesDesc, float64(n), string(k.class), string(k.verdict))
		}
		suspects, leaked := 0, 0
		for _, f := range r.Findings {
			if f.Verdict == classify.Suspect {
				suspects++
			}
			leaked += f.Proven
		}
		gauge(suspectGroupsDesc, float64(suspects))
		gauge(leakedDesc, float64(leaked))
	}

	if c.opts.topGroups == 0 {
		return
	}
	var groups []monitor.Group
	if t := c.src.Tracker(); t != nil {
		groups = t.Summary()
	}
	for _, g := range topGroups(groups, c.opts.topGroups) {
		gauge(groupGoroutinesDesc, float64(g.count), string(g.class), g.blockedAt)
		gauge(groupGrowthDesc, float64(g.growth), string(g.class), g.blockedAt)
		if g.leaked > 0 {
			gauge(groupLeakedDesc, float64(g.leaked), string(g.class), g.blockedAt)
		}
	}
}

type classVerdict struct {
	class   classify.Class
	verdict classify.Verdict
}

// countByClass sums goroutines by class and verdict. Every class is there
// with the verdicts it usually takes, 0 when empty, so that each series is
// continuous and a rule sees 0 rather than nothing.
func countByClass(r *classify.Report) map[classVerdict]int {
	n := make(map[classVerdict]int, 2*len(classify.Classes))
	for _, info := range classify.Classes {
		n[classVerdict{info.Class, classify.OK}] = 0
		if info.Leak {
			n[classVerdict{info.Class, classify.Parked}] = 0
			n[classVerdict{info.Class, classify.Suspect}] = 0
			n[classVerdict{info.Class, classify.Leak}] = 0
		}
	}
	for _, f := range r.Findings {
		n[classVerdict{f.Class, f.Verdict}] += f.Count
	}
	return n
}

// group is what the per-group metrics say of a group.
type group struct {
	class                 classify.Class
	blockedAt             string
	count, leaked, growth int
}

// topGroups merges the tracker's groups that share a class and blocking
// function (they differ only in the line or creation site, which are not
// labels) and returns the n of a leak class, or with proven leaks, that
// need attention most: proven leaks first, then the groups that grew most,
// then the largest.
func topGroups(groups []monitor.Group, n int) []group {
	type key struct {
		class     classify.Class
		blockedAt string
	}
	index := make(map[key]int, len(groups))
	var merged []group
	for _, g := range groups {
		leaked := g.ProvenCount // of the last sample
		if !g.Key.Class.IsLeak() && leaked == 0 {
			continue
		}
		k := key{g.Key.Class, g.Key.Blocked.Func}
		i, ok := index[k]
		if !ok {
			index[k] = len(merged)
			merged = append(merged, group{class: k.class, blockedAt: k.blockedAt})
			i = len(merged) - 1
		}
		m := &merged[i]
		m.count += g.Count
		m.leaked += leaked
		m.growth += g.Growth
	}
	slices.SortFunc(merged, func(a, b group) int {
		return cmp.Or(
			cmp.Compare(b.leaked, a.leaked),
			cmp.Compare(b.growth, a.growth),
			cmp.Compare(b.count, a.count),
			cmp.Compare(a.class, b.class),
			cmp.Compare(a.blockedAt, b.blockedAt),
		)
	})
	return merged[:min(n, len(merged))]
}
