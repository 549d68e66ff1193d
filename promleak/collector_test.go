package promleak

import (
	"fmt"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/leakhound/leakhound/classify"
	"github.com/leakhound/leakhound/monitor"
)

const demoLookup = "github.com/leakhound/leakhound/internal/demo.lookup"

func finding(v classify.Verdict, c classify.Class, blocked, created string, count, proven int) *classify.Finding {
	return &classify.Finding{Verdict: v, Class: c, Count: count, Proven: proven,
		BlockedAt: classify.Location{Func: blocked}, CreatedAt: classify.Location{Func: created}}
}

// report is a service with a send leak from two handlers (started with
// leak goroutines), a proven mutex deadlock, a shrinking worker group
// parked with no evidence of a leak, an idle server that grows with load,
// and sleepers.
func report(leak, workers, conns int) *classify.Report {
	r := &classify.Report{Findings: []*classify.Finding{
		finding(classify.Leak, classify.MutexDeadlock, "example.com/bank.(*account).audit", "example.com/bank.h", 3, 3),
		finding(classify.Suspect, classify.SendNoReceiver, demoLookup, "example.com/a.h1", 3*leak/4, 0),
		finding(classify.Suspect, classify.SendNoReceiver, demoLookup, "example.com/a.h2", leak/4, 0),
		finding(classify.Parked, classify.ReceiveNoSender, "example.com/w.worker", "example.com/w.start", workers, 0),
		finding(classify.OK, classify.Idle, "net/http.(*conn).serve", "net/http.(*Server).Serve", conns, 0),
		finding(classify.OK, classify.Sleeping, "time.Sleep", "example.com/a.tick", 6, 0),
	}}
	for _, f := range r.Findings {
		r.Total += f.Count
	}
	return r
}

// fixed is a Source whose tracker observed the given reports a second apart;
// its last sample holds the last report.
type fixed struct {
	last    *monitor.Sample
	tracker *monitor.Tracker
}

func (f *fixed) Last() *monitor.Sample     { return f.last }
func (f *fixed) Tracker() *monitor.Tracker { return f.tracker }

func source(reports ...*classify.Report) *fixed {
	t := monitor.NewTracker(monitor.TrackerConfig{})
	at := time.Unix(1700000000, 250_000_000)
	for i, r := range reports {
		if i > 0 {
			at = at.Add(time.Second)
		}
		t.Observe(at, r)
	}
	return &fixed{tracker: t, last: &monitor.Sample{Seq: len(reports), Time: at, Wall: 42 * time.Millisecond,
		Pause: 80 * time.Microsecond, Proof: true, Report: reports[len(reports)-1]}}
}

// leaking is a service seen twice: the send leak grew from 8 to 40, the
// workers shrank from 3 to 2 and the server's connections rose with load.
func leaking() *fixed { return source(report(8, 3, 5), report(40, 2, 20)) }

func TestCollect(t *testing.T) {
	c, err := New(leaking())
	if err != nil {
		t.Fatal(err)
	}
	want := `
# HELP leakhound_group_goroutines Goroutines in each of the top groups of a leak class, by class and the function they block in.
# TYPE leakhound_group_goroutines gauge
leakhound_group_goroutines{blocked_at="example.com/bank.(*account).audit",class="mutex-deadlock"} 3
leakhound_group_goroutines{blocked_at="example.com/w.worker",class="receive-no-sender"} 2
leakhound_group_goroutines{blocked_at="github.com/leakhound/leakhound/internal/demo.lookup",class="send-no-receiver"} 40
# HELP leakhound_group_growth Goroutines each of the top groups of a leak class gained since the monitor first saw it (negative when it shrank), by class and the function they block in.
# TYPE leakhound_group_growth gauge
leakhound_group_growth{blocked_at="example.com/bank.(*account).audit",class="mutex-deadlock"} 0
leakhound_group_growth{blocked_at="example.com/w.worker",class="receive-no-sender"} -1
leakhound_group_growth{blocked_at="github.com/leakhound/leakhound/internal/demo.lookup",class="send-no-receiver"} 32
# HELP leakhound_group_leaked_goroutines Goroutines of each of the top groups that the runtime proved leaked, by class and the function they block in.
# TYPE leakhound_group_leaked_goroutines gauge
leakhound_group_leaked_goroutines{blocked_at="example.com/bank.(*account).audit",class="mutex-deadlock"} 3
# HELP leakhound_last_sample_timestamp_seconds When the last sample started, in seconds since the Unix epoch.
# TYPE leakhound_last_sample_timestamp_seconds gauge
leakhound_last_sample_timestamp_seconds 1.70000000125e+09
# HELP leakhound_leaked_goroutines Goroutines the runtime's goroutineleak profile proved leaked in the last sample; always 0 where the runtime has no such profile.
# TYPE leakhound_leaked_goroutines gauge
leakhound_leaked_goroutines 3
# HELP leakhound_sample_duration_seconds How long the last sample took: capture of the goroutine profile or dump, the leak proof when it ran, and classification.
# TYPE leakhound_sample_duration_seconds gauge
leakhound_sample_duration_seconds 0.042
# HELP leakhound_sample_max_pause_seconds The longest stop-the-world pause the process had while the last sample ran (the upper bound of its runtime/metrics bucket), whatever caused it.
# TYPE leakhound_sample_max_pause_seconds gauge
leakhound_sample_max_pause_seconds 8e-05
# HELP leakhound_suspect_groups Groups of goroutines (same class, blocking line and creation site) with verdict suspect in the last sample.
# TYPE leakhound_suspect_groups gauge
leakhound_suspect_groups 2
# HELP leakhound_samples_total Samples the monitor has taken.
# TYPE leakhound_samples_total counter
leakhound_samples_total 2
# HELP leakhound_leak_proof 1 when the last sample had the runtime's leak proof (the goroutineleak profile), else 0: then no goroutine can be proven leaked.
# TYPE leakhound_leak_proof gauge
leakhound_leak_proof 1
`
	names := []string{"leakhound_group_goroutines", "leakhound_group_growth", "leakhound_group_leaked_goroutines",
		"leakhound_last_sample_timestamp_seconds", "leakhound_leaked_goroutines", "leakhound_sample_duration_seconds",
		"leakhound_sample_max_pause_seconds", "leakhound_suspect_groups", "leakhound_samples_total", "leakhound_leak_proof"}
	if err := testutil.CollectAndCompare(c, strings.NewReader(want), names...); err != nil {
		t.Error(err)
	}
}

// TestCollectGoroutines checks the counts by class and verdict, and that
// every class has its series even when empty, so rules see 0, not nothing.
func TestCollectGoroutines(t *testing.T) {
	c, err := New(leaking())
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	got := map[string]float64{}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "leakhound_goroutines" {
			continue
		}
		for _, m := range mf.GetMetric() {
			var class, verdict string
			for _, l := range m.GetLabel() {
				switch l.GetName() {
				case "class":
					class = l.GetValue()
				case "verdict":
					verdict = l.GetValue()
				}
			}
			got[class+"/"+verdict] = m.GetGauge().GetValue()
		}
	}
	want := map[string]float64{
		"mutex-deadlock/leak":        3,
		"send-no-receiver/suspect":   40,
		"receive-no-sender/parked":   2,
		"receive-no-sender/suspect":  0,
		"send-no-receiver/parked":    0,
		"idle/ok":                    20,
		"sleeping/ok":                6,
		"select-forever/suspect":     0,
		"select-forever/leak":        0,
		"select-forever/ok":          0,
		"io-without-deadline/ok":     0,
		"running/ok":                 0,
		"cond-never-signalled/leak":  0,
		"waitgroup-never-done/ok":    0,
		"nil-channel-send/suspect":   0,
		"context-never-done/suspect": 0,
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("leakhound_goroutines{%s} = %v (present %v), want %v", k, g, ok, v)
		}
	}
	sum := 0.0
	for _, v := range got {
		sum += v
	}
	if sum != 71 {
		t.Errorf("leakhound_goroutines adds up to %v, want the report's 71", sum)
	}
	if _, ok := got["running/suspect"]; ok {
		t.Error("a class that is never a leak has a suspect series")
	}
	if n := len(got); n != 12*4+6 {
		t.Errorf("%d leakhound_goroutines series, want %d: 4 verdicts for each leak class, ok for the rest", n, 12*4+6)
	}
}

func TestLint(t *testing.T) {
	c, err := New(leaking())
	if err != nil {
		t.Fatal(err)
	}
	problems, err := testutil.CollectAndLint(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("%s: %s", p.Metric, p.Text)
	}
}

func TestBeforeFirstSample(t *testing.T) {
	c, err := New(&fixed{tracker: monitor.NewTracker(monitor.TrackerConfig{})})
	if err != nil {
		t.Fatal(err)
	}
	if n := testutil.CollectAndCount(c); n != 0 {
		t.Errorf("%d metrics before the first sample, want none", n)
	}
}

// TestTopGroups checks that the per-group series stay at the bound however
// many groups there are, and that proven leaks and growth win the places.
func TestTopGroups(t *testing.T) {
	var fs []*classify.Finding
	for i := range 200 {
		fs = append(fs, finding(classify.Suspect, classify.ReceiveNoSender, fmt.Sprintf("example.com/p.f%03d", i), "example.com/p.start", 1000+i, 0))
	}
	grows := finding(classify.Suspect, classify.SendNoReceiver, "example.com/p.grows", "example.com/p.h", 1, 0)
	fs = append(fs, grows,
		finding(classify.Leak, classify.Idle, "example.com/p.leaked", "example.com/p.h", 1, 1))
	first := &classify.Report{Findings: fs}
	second := &classify.Report{Findings: slices.Clone(fs)}
	second.Findings[200] = finding(classify.Suspect, classify.SendNoReceiver, "example.com/p.grows", "example.com/p.h", 5, 0)
	src := source(first, second)
	for _, n := range []int{0, 1, 3, DefaultTopGroups} {
		var opts []Option
		if n != DefaultTopGroups {
			opts = append(opts, TopGroups(n))
		}
		c, err := New(src, opts...)
		if err != nil {
			t.Fatal(err)
		}
		if got := testutil.CollectAndCount(c, "leakhound_group_goroutines"); got != n {
			t.Errorf("TopGroups(%d): %d leakhound_group_goroutines series", n, got)
		}
		if got := testutil.CollectAndCount(c, "leakhound_group_growth"); got != n {
			t.Errorf("TopGroups(%d): %d leakhound_group_growth series", n, got)
		}
	}
	top := topGroups(src.tracker.Groups(), 3)
	want := []string{"example.com/p.leaked", "example.com/p.grows", "example.com/p.f199"}
	for i, g := range top {
		if g.blockedAt != want[i] {
			t.Errorf("top group %d is %s, want %s", i, g.blockedAt, want[i])
		}
	}
}

func TestNewErrors(t *testing.T) {
	src := leaking()
	for _, tt := range []struct {
		name string
		src  Source
		opts []Option
		want string
	}{
		{"nil source", nil, nil, "promleak: New: nil Source"},
		{"negative top", src, []Option{TopGroups(-1)}, "promleak: TopGroups(-1): want 0 or more"},
		{"nil option", src, []Option{nil}, "promleak: nil Option"},
	} {
		_, err := New(tt.src, tt.opts...)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s: New error %v, want %q", tt.name, err, tt.want)
		}
	}
}

// TestScrapeCostsNoPause scrapes a real monitor many times with the GC off
// and checks with runtime/metrics that no scrape ran a GC or stopped the
// world, and that the monitor took no sample: a scrape reads the last one.
func TestScrapeCostsNoPause(t *testing.T) {
	m := monitor.New(monitor.Config{Interval: time.Hour})
	if _, err := m.Sample(false); err != nil {
		t.Fatal(err)
	}
	c, err := New(m)
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)

	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	before := pauses()
	const scrapes = 200
	for range scrapes {
		if _, err := reg.Gather(); err != nil {
			t.Fatal(err)
		}
	}
	after := pauses()
	if n := m.Tracker().Samples(); n != 1 {
		t.Errorf("after %d scrapes the monitor took %d samples, want the 1 taken before", scrapes, n)
	}
	if d := after.gcs - before.gcs; d != 0 {
		t.Errorf("%d scrapes with the GC off ran %d GC cycles", scrapes, d)
	}
	if d := after.stops - before.stops; d != 0 {
		t.Errorf("%d scrapes stopped the world %d times", scrapes, d)
	}
}

type pauseCounts struct{ gcs, stops uint64 }

// pauses reads the GC cycles and the stop-the-world pauses that were not for
// a GC (goroutine dumps, ReadMemStats, ...) so far.
func pauses() pauseCounts {
	s := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}, {Name: "/sched/pauses/total/other:seconds"}}
	metrics.Read(s)
	var stops uint64
	for _, n := range s[1].Value.Float64Histogram().Counts {
		stops += n
	}
	return pauseCounts{gcs: s[0].Value.Uint64(), stops: stops}
}

// BenchmarkCollect scrapes a monitor whose tracker holds a full history
// (120 samples) of 500 groups: the cost of one scrape.
func BenchmarkCollect(b *testing.B) {
	var reports []*classify.Report
	for i := range 120 {
		r := &classify.Report{}
		for g := range 500 {
			r.Findings = append(r.Findings, finding(classify.Suspect, classify.ReceiveNoSender,
				fmt.Sprintf("example.com/p.f%03d", g), "example.com/p.start", 10+i*(g%3), 0))
		}
		reports = append(reports, r)
	}
	c, err := New(source(reports...))
	if err != nil {
		b.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := reg.Gather(); err != nil {
			b.Fatal(err)
		}
	}
}

// TestPartlyProven: where the runtime proved some goroutines at one place
// and not the others, the classifier gives two findings with a verdict
// each; the series count each part under its verdict, and the group's
// leaked series counts only the proven part, whichever part is larger.
func TestPartlyProven(t *testing.T) {
	r := &classify.Report{Total: 100, Findings: []*classify.Finding{
		finding(classify.Suspect, classify.SendNoReceiver, demoLookup, "example.com/a.h", 55, 0),
		finding(classify.Leak, classify.SendNoReceiver, demoLookup, "example.com/a.h", 45, 45),
	}}
	c, err := New(source(r))
	if err != nil {
		t.Fatal(err)
	}
	want := `
# HELP leakhound_group_goroutines Goroutines in each of the top groups of a leak class, by class and the function they block in.
# TYPE leakhound_group_goroutines gauge
leakhound_group_goroutines{blocked_at="github.com/leakhound/leakhound/internal/demo.lookup",class="send-no-receiver"} 100
# HELP leakhound_group_leaked_goroutines Goroutines of each of the top groups that the runtime proved leaked, by class and the function they block in.
# TYPE leakhound_group_leaked_goroutines gauge
leakhound_group_leaked_goroutines{blocked_at="github.com/leakhound/leakhound/internal/demo.lookup",class="send-no-receiver"} 45
# HELP leakhound_leaked_goroutines Goroutines the runtime's goroutineleak profile proved leaked in the last sample; always 0 where the runtime has no such profile.
# TYPE leakhound_leaked_goroutines gauge
leakhound_leaked_goroutines 45
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want), "leakhound_group_goroutines",
		"leakhound_group_leaked_goroutines", "leakhound_leaked_goroutines"); err != nil {
		t.Error(err)
	}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	for verdict, n := range map[string]float64{"leak": 45, "suspect": 55, "parked": 0} {
		got, err := testutil.GatherAndCount(reg, "leakhound_goroutines")
		if err != nil || got == 0 {
			t.Fatalf("gather: %d series, %v", got, err)
		}
		var v float64
		mfs, _ := reg.Gather()
		for _, mf := range mfs {
			for _, m := range mf.GetMetric() {
				labels := map[string]string{}
				for _, l := range m.GetLabel() {
					labels[l.GetName()] = l.GetValue()
				}
				if mf.GetName() == "leakhound_goroutines" && labels["class"] == "send-no-receiver" && labels["verdict"] == verdict {
					v = m.GetGauge().GetValue()
				}
			}
		}
		if v != n {
			t.Errorf("leakhound_goroutines{class=send-no-receiver,verdict=%s} = %v, want %v", verdict, v, n)
		}
	}
}
