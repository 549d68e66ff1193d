package healthy

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/leakhound/leakhound/classify"
	"github.com/leakhound/leakhound/pprofstack"
	"github.com/leakhound/leakhound/stack"
)

// dir holds one folder per server, each with <phase>.<form> fixtures.
const dir = "../../testdata/healthy"

// suspectsOut, when set, receives the list of every suspect and leak group
// the classifier finds in the fixtures: the design input for its rewrite
// (testdata/healthy/SUSPECTS-BEFORE.txt).
var suspectsOut = flag.String("suspects", "", "write every suspect and leak group to this `file`")

// maxSuspects is how many suspect groups one server may show in one form: a
// healthy service can hold one odd group, not a page of them.
const maxSuspects = 1

var (
	phases = []string{"fresh", "loaded"}
	forms  = []string{"debug2.txt", "debug1.txt", "pb.gz"}
	// leakForms are the runtime's goroutineleak profile in debug=2, 1 and 0,
	// which only servers built with Go 1.27 (or 1.26 with the experiment)
	// serve: /debug/pprof/goroutineleak?debug=N.
	leakForms = []string{"leak2.txt", "leak1.txt", "leak.pb.gz"}
)

// fixture is one capture: a server's goroutines in one phase and form.
type fixture struct {
	server, phase, form, path string
}

func (f fixture) name() string { return f.server + "/" + f.phase + "." + f.form }

// fixtures lists every capture, and fails the test when a server lacks one
// of the six (two phases, three forms), when a server with one leak profile
// lacks another, or when fewer than five servers, or no leak profiles, are
// left: a fixture set that shrinks silently would test less and still pass.
func fixtures(t *testing.T) []fixture {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var fs []fixture
	servers, leakServers := 0, 0
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		servers++
		want := forms
		if m, _ := filepath.Glob(filepath.Join(dir, e.Name(), "*.leak*")); len(m) > 0 {
			leakServers++
			want = append(slices.Clone(forms), leakForms...)
		}
		for _, p := range phases {
			for _, form := range want {
				path := filepath.Join(dir, e.Name(), p+"."+form)
				if _, err := os.Stat(path); err != nil {
					t.Errorf("%s: missing fixture: %v", e.Name(), err)
					continue
				}
				fs = append(fs, fixture{server: e.Name(), phase: p, form: form, path: path})
			}
		}
	}
	if servers < 5 {
		t.Fatalf("%s holds %d servers, want at least 5", dir, servers)
	}
	if leakServers == 0 {
		t.Fatalf("%s holds no server with goroutineleak profiles, want at least one", dir)
	}
	return fs
}

// result is what the pipeline made of one fixture.
type result struct {
	goroutines int // goroutines read, counting each profile stack as many as it stands for
	stacks     int // goroutines or profile stacks handed to the classifier
	report     *classify.Report
}

// run feeds a fixture through the pipeline leakhound uses for that form:
// the stack parser for text, pprofstack for protobuf, then the classifier.
func run(f fixture) (*result, error) {
	data, err := os.ReadFile(f.path)
	if err != nil {
		return nil, err
	}
	c := classify.New(classify.Config{})
	r := &result{}
	add := func(g *stack.Goroutine) {
		r.stacks++
		r.goroutines += max(g.Count, 1)
		c.Add(g)
	}
	if strings.HasSuffix(f.form, ".gz") {
		gs, err := pprofstack.Parse(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("%s: %v", f.name(), err)
		}
		for _, g := range gs {
			add(g)
		}
	} else {
		p := stack.NewParser(bytes.NewReader(data), stack.Options{})
		for p.Next() {
			add(p.Goroutine())
		}
		if err := p.Err(); err != nil {
			return nil, fmt.Errorf("%s: %v", f.name(), err)
		}
	}
	r.report = c.Report()
	return r, nil
}

var (
	dumpHeader    = regexp.MustCompile(`(?m)^goroutine \d+ \[`)
	profileHeader = regexp.MustCompile(`(?m)^goroutine(?:leak)? profile: total (\d+)$`)
	leakedHeader  = regexp.MustCompile(`(?m)^goroutine \d+ .*\[[^\]]* \(leaked\)`)
	profileStack  = regexp.MustCompile(`(?m)^\d+ @( 0x[0-9a-f]+)+$`)
)

// wantCounts reads from a fixture itself how many goroutines and stacks the
// parser must find: goroutine headers in a dump, the total and the "N @"
// lines in a text profile, the samples of a protobuf profile.
func wantCounts(t *testing.T, f fixture) (goroutines, stacks int) {
	t.Helper()
	data, err := os.ReadFile(f.path)
	if err != nil {
		t.Fatal(err)
	}
	switch f.form {
	case "debug2.txt", "leak2.txt":
		n := len(dumpHeader.FindAll(data, -1))
		return n, n
	case "debug1.txt", "leak1.txt":
		m := profileHeader.FindSubmatch(data)
		if m == nil {
			t.Fatalf("%s: no 'goroutine profile: total' or 'goroutineleak profile: total' line", f.name())
		}
		total, _ := strconv.Atoi(string(m[1]))
		return total, len(profileStack.FindAll(data, -1))
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", f.name(), err)
	}
	if _, err := io.Copy(io.Discard, zr); err != nil {
		t.Fatalf("%s: %v", f.name(), err)
	}
	p, err := pprofstack.Read(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", f.name(), err)
	}
	for _, s := range p.Sample {
		goroutines += int(s.Value[0])
	}
	return goroutines, len(p.Sample)
}

// runtimeProven returns how many goroutines a leak profile fixture says the
// runtime proved leaked (total, its goroutine count in debug=1 and 0, the
// "(leaked)" headers in debug=2); 0 for the other forms.
func runtimeProven(t *testing.T, f fixture, total int) int {
	t.Helper()
	switch f.form {
	case "leak1.txt", "leak.pb.gz":
		return total
	case "leak2.txt":
		data, err := os.ReadFile(f.path)
		if err != nil {
			t.Fatal(err)
		}
		return len(leakedHeader.FindAll(data, -1))
	}
	return 0
}

// TestHealthyServers reads every fixture, checks that nothing is lost on the
// way, prints a table of what the classifier makes of each (go test -v), and
// fails on any leak verdict and on more than one suspect group per server
// and form: a healthy service must not cry wolf.
func TestHealthyServers(t *testing.T) {
	fs := fixtures(t)
	var table, list strings.Builder
	fmt.Fprintf(&table, "%-18s %-7s %-10s %6s %6s %6s %8s %9s %6s\n",
		"server", "phase", "form", "gs", "groups", "parked", "suspects", "suspectgs", "leaks")
	for _, f := range fs {
		t.Run(strings.ReplaceAll(f.name(), ".", "_"), func(t *testing.T) {
			r, err := run(f)
			if err != nil {
				t.Fatal(err)
			}
			wantG, wantS := wantCounts(t, f)
			if r.goroutines != wantG || r.stacks != wantS {
				t.Errorf("read %d goroutines in %d stacks, the fixture holds %d in %d", r.goroutines, r.stacks, wantG, wantS)
			}
			if r.report.Total != wantG {
				t.Errorf("report total %d, the fixture holds %d goroutines", r.report.Total, wantG)
			}
			if n := runtimeProven(t, f, wantG); n != 0 {
				t.Errorf("the runtime proves %d goroutines leaked: not a healthy capture", n)
			}
			leaks := verdicts(r.report, classify.Leak)
			suspects := verdicts(r.report, classify.Suspect)
			fmt.Fprintf(&table, "%-18s %-7s %-10s %6d %6d %6d %8d %9d %6d\n", f.server, f.phase, f.form,
				r.goroutines, len(r.report.Findings), len(verdicts(r.report, classify.Parked)),
				len(suspects), r.report.Suspects, len(leaks))
			for _, x := range append(leaks, suspects...) {
				fmt.Fprintf(&list, "%s\t%s\t%s\t%s\n", f.server, f.phase, f.form, row(x))
			}
			if len(leaks) > 0 {
				t.Errorf("%d leak findings on a healthy server, want none:\n%s", len(leaks), describe(leaks))
			}
			if len(suspects) > maxSuspects {
				t.Errorf("%d suspect groups on a healthy server, want at most %d:\n%s", len(suspects), maxSuspects, describe(suspects))
			}
		})
	}
	if *suspectsOut != "" {
		writeSuspects(t, *suspectsOut, table.String(), list.String())
	}
	t.Logf("classifier over healthy servers (gs: goroutines; groups: findings; parked, suspects, leaks: findings with that verdict; suspectgs: goroutines in suspect findings):\n%s", table.String())
}

func verdicts(r *classify.Report, v classify.Verdict) []*classify.Finding {
	var out []*classify.Finding
	for _, f := range r.Findings {
		if f.Verdict == v {
			out = append(out, f)
		}
	}
	return out
}

// describe prints what an engineer needs to judge a finding: its class,
// where it blocks, how many goroutines, how long, and what it says.
func describe(fs []*classify.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		at := f.BlockedAt.Func
		if f.BlockedAt.File != "" {
			at += " " + filepath.Base(f.BlockedAt.File) + ":" + strconv.Itoa(f.BlockedAt.Line)
		}
		fmt.Fprintf(&b, "  %s %s x%d wait=%q minutes=%d at %s\n    %s\n",
			f.Verdict, f.Class, f.Count, f.WaitReason, f.MaxMinutes, at, f.Explanation)
	}
	return b.String()
}

// row is one finding on one tab-separated line.
func row(f *classify.Finding) string {
	created := f.CreatedAt.Func
	if created == "" {
		created = "-"
	}
	return fmt.Sprintf("%s\t%s\t%s\t%d\t%s\t%d\t%s", f.Verdict, f.Class, at(f.BlockedAt), f.Count,
		cmp.Or(f.WaitReason, "-"), f.MaxMinutes, created)
}

func at(l classify.Location) string {
	if l.File == "" {
		return l.Func
	}
	return l.Func + " (" + filepath.Base(l.File) + ":" + strconv.Itoa(l.Line) + ")"
}

// writeSuspects writes the summary table, one line per suspect or leak
// group, and what each class's explanation says.
func writeSuspects(t *testing.T, path, table, list string) {
	var b strings.Builder
	b.WriteString("# Suspect and leak groups the classifier finds on healthy servers\n")
	b.WriteString("# Written by: go test ./internal/healthy -run TestHealthyServers -suspects=FILE\n")
	b.WriteString("# Fixtures: testdata/healthy (see README.md). Every group below is on a healthy server,\n")
	b.WriteString("# so every one is a false alarm. minutes: the longest wait the dump prints (0: under a\n")
	b.WriteString("# minute, or a profile, which has none). created_at: \"-\" in profiles, which have none.\n")
	b.WriteString("\n")
	b.WriteString("## Per fixture (gs: goroutines; groups: findings; parked, suspects, leaks: findings with that verdict; suspectgs: goroutines in suspect findings)\n\n")
	b.WriteString(table)
	b.WriteString("\n## Groups\n\n")
	b.WriteString("server\tphase\tform\tverdict\tclass\tblocked_at\tcount\twait_reason\tminutes\tcreated_at\n")
	lines := strings.Split(strings.TrimSpace(list), "\n")
	b.WriteString(strings.Join(lines, "\n") + "\n")
	b.WriteString("\n## Distinct blocked functions called suspect, with how many fixtures call them so\n\n")
	seen := map[string]int{}
	for _, l := range lines {
		c := strings.Split(l, "\t")
		if len(c) > 5 {
			seen[c[0]+"\t"+c[4]+"\t"+c[5]]++
		}
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "%d\t%s\n", seen[k], k)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestFixturesAreSmall keeps the fixture set cheap to clone and read.
func TestFixturesAreSmall(t *testing.T) {
	for _, f := range fixtures(t) {
		st, err := os.Stat(f.path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Size() > 1<<20 {
			t.Errorf("%s is %d bytes, want at most 1 MiB", f.name(), st.Size())
		}
	}
}
