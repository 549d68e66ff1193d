package leakvet_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leakhound/leakhound/passes/leakvet"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// run runs leakvet in testdata/mod.
func run(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	if testing.Short() {
		t.Skip("loads packages with go list")
	}
	var out, errw bytes.Buffer
	code = leakvet.Run(append([]string{"--dir", filepath.Join("testdata", "mod")}, args...), &out, &errw)
	return out.String(), errw.String(), code
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (go test -update rewrites it):\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

func TestText(t *testing.T) {
	out, errw, code := run(t, "./leaky", "./clean")
	if code != leakvet.ExitFound {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, leakvet.ExitFound, errw)
	}
	golden(t, "text.golden", out)

	out, errw, code = run(t, "./clean")
	if code != leakvet.ExitClean || out != "" {
		t.Errorf("clean package: exit %d, stdout %q, stderr %q", code, out, errw)
	}
}

func TestJSON(t *testing.T) {
	out, errw, code := run(t, "--format", "json", "./leaky")
	if code != leakvet.ExitFound {
		t.Fatalf("exit %d; stderr:\n%s", code, errw)
	}
	var r leakvet.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	if len(r.Findings) != 2 {
		t.Fatalf("got %d findings, want 2: %+v", len(r.Findings), r.Findings)
	}
	f := r.Findings[0]
	if f.Analyzer != "lostsend" || f.Class != "send-no-receiver" || f.File != filepath.Join("leaky", "leaky.go") || f.Line != 12 {
		t.Errorf("first finding = %+v", f)
	}
	if len(f.Fixes) != 1 || f.Fixes[0].Edits[0].NewText != ", 1" {
		t.Errorf("first finding's fix = %+v, want a buffer of 1", f.Fixes)
	}
	if g := r.Findings[1]; g.Analyzer != "lostcancel" || g.Class != "context-never-done" {
		t.Errorf("second finding = %+v, want lostcancel's context-never-done", g)
	}
	golden(t, "json.golden", out)

	out, _, code = run(t, "--format", "json", "./clean")
	if code != leakvet.ExitClean || strings.TrimSpace(out) != `{
  "findings": []
}` {
		t.Errorf("clean package: exit %d, output %s", code, out)
	}
}

func TestSARIF(t *testing.T) {
	out, errw, code := run(t, "--format", "sarif", "./leaky")
	if code != leakvet.ExitFound {
		t.Fatalf("exit %d; stderr:\n%s", code, errw)
	}
	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string `json:"name"`
					Rules []struct {
						ID string `json:"id"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex int    `json:"ruleIndex"`
				Message   struct {
					Text string `json:"text"`
				} `json:"message"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI       string `json:"uri"`
							URIBaseID string `json:"uriBaseId"`
						} `json:"artifactLocation"`
						Region struct {
							StartLine int `json:"startLine"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(out), &log); err != nil {
		t.Fatalf("output is not JSON: %v", err)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 || log.Runs[0].Tool.Driver.Name != "leakvet" {
		t.Fatalf("not a SARIF 2.1.0 log from leakvet: %s", out)
	}
	run0 := log.Runs[0]
	if len(run0.Results) != 2 {
		t.Fatalf("got %d results, want 2", len(run0.Results))
	}
	for _, r := range run0.Results {
		if rule := run0.Tool.Driver.Rules[r.RuleIndex].ID; rule != r.RuleID {
			t.Errorf("result's ruleIndex points at %q, ruleId is %q", rule, r.RuleID)
		}
		loc := r.Locations[0].PhysicalLocation
		if loc.ArtifactLocation.URI != "leaky/leaky.go" || loc.ArtifactLocation.URIBaseID != "SRCROOT" || loc.Region.StartLine == 0 {
			t.Errorf("location = %+v, want leaky/leaky.go under SRCROOT", loc)
		}
	}
	abs, _ := filepath.Abs(filepath.Join("testdata", "mod"))
	golden(t, "sarif.golden", strings.ReplaceAll(out, filepath.ToSlash(abs), "$MOD"))
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown format", []string{"--format", "xml", "./leaky"}, `unknown --format "xml"`},
		{"unknown flag", []string{"--nope"}, "flag provided but not defined: -nope"},
		{"type error", []string{"./broken"}, `broken.go:3:23: cannot use "not an int"`},
		{"no such package", []string{"./nosuch"}, "nosuch"},
		{"broken dependency", []string{"./usesbroken"}, `example.com/mod/broken does not build, so 1 package that imports it was not analyzed: `},
		{"missing dependency", []string{"./usesmissing"}, `example.com/mod/missing does not build, so 1 package that imports it was not analyzed: usesmissing/usesmissing.go:5:8: no required module provides package example.com/mod/missing`},
		{"unknown analyzer", []string{"--disable", "lostsend,nope", "./leaky"}, `--disable: no analyzer "nope"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, errw, code := run(t, tc.args...)
			if code != leakvet.ExitError {
				t.Errorf("exit %d, want %d", code, leakvet.ExitError)
			}
			if !strings.Contains(errw, tc.want) {
				t.Errorf("stderr lacks %q:\n%s", tc.want, errw)
			}
			// What follows from a broken import is not repeated.
			if strings.Contains(errw, "could not import") {
				t.Errorf("stderr repeats the consequences of a broken import:\n%s", errw)
			}
		})
	}
}

// TestPatternErrors checks that a pattern matching nothing loadable is one
// line naming it, not a package error and a count of packages left out.
func TestPatternErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"outside a module", []string{"--dir", t.TempDir(), "./..."}, "leakvet: pattern ./...: directory prefix . does not contain main module"},
		{"no such directory", []string{"./nosuch/..."}, "leakvet: pattern ./nosuch/...: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, errw, code := run(t, tc.args...)
			if code != leakvet.ExitError || !strings.HasPrefix(errw, tc.want) || strings.Count(errw, "\n") != 1 {
				t.Errorf("exit %d, want %d and one line starting %q; stderr:\n%s", code, leakvet.ExitError, tc.want, errw)
			}
		})
	}
}

func TestDisable(t *testing.T) {
	out, errw, code := run(t, "--disable", "lostcancel", "./leaky")
	if code != leakvet.ExitFound || strings.Contains(out, "cancel") || !strings.Contains(out, "send-no-receiver") {
		t.Errorf("--disable lostcancel: exit %d, stdout:\n%s\nstderr:\n%s", code, out, errw)
	}
	out, _, code = run(t, "--disable", "lostcancel,lostsend", "./leaky")
	if code != leakvet.ExitClean || out != "" {
		t.Errorf("--disable lostcancel,lostsend: exit %d, stdout %q", code, out)
	}
}

func TestTags(t *testing.T) {
	out, errw, code := run(t, "./tagged")
	if code != leakvet.ExitClean || out != "" {
		t.Errorf("without tags: exit %d, stdout %q, stderr %q", code, out, errw)
	}
	out, errw, code = run(t, "--tags", "integration", "./tagged")
	if code != leakvet.ExitFound || !strings.Contains(out, "integration.go:10") || !strings.Contains(out, "send-no-receiver") {
		t.Errorf("--tags integration: exit %d, stdout:\n%s\nstderr:\n%s", code, out, errw)
	}
}

func TestVetTool(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want bool
	}{
		{[]string{"-V=full"}, true},
		{[]string{"-flags"}, true},
		{[]string{"-lostsend", "/tmp/go-build1/vet.cfg"}, true},
		{[]string{"./..."}, false},
		{[]string{"--format", "json", "std"}, false},
		{nil, false},
	} {
		if got := leakvet.VetTool(tc.args); got != tc.want {
			t.Errorf("VetTool(%q) = %v, want %v", tc.args, got, tc.want)
		}
	}
}

func TestAnalyzersDocumented(t *testing.T) {
	for _, a := range leakvet.Analyzers() {
		if a.Doc == "" || a.URL == "" && a.Name != "lostcancel" {
			t.Errorf("analyzer %s lacks Doc or URL", a.Name)
		}
	}
}

// TestNolint: findings on lines whose //nolint names leakvet, the
// analyzer, or govet for lostcancel are dropped; others stay.
func TestNolint(t *testing.T) {
	out, errw, code := run(t, "./silenced")
	if code != leakvet.ExitFound {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, leakvet.ExitFound, errw)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "silenced/silenced.go:30:") {
		t.Errorf("want only the finding at line 30, got:\n%s", out)
	}
}

// TestGoListError: the go command's own complaint, one line, without the
// wrapping go/packages adds.
func TestGoListError(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	dir := t.TempDir()
	for name, text := range map[string]string{
		"go.mod":  "module example.com/gw\n\ngo 1.26\n",
		"go.work": "go 1.26\n\nuse (\n\t.\n\t./missing\n)\n",
		"gw.go":   "package gw\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out, errw bytes.Buffer
	code := leakvet.Run([]string{"--dir", dir, "./..."}, &out, &errw)
	msg := errw.String()
	if code != leakvet.ExitError || !strings.HasPrefix(msg, "leakvet: go: ") || !strings.Contains(msg, "missing") ||
		strings.Contains(msg, "exit status") || strings.Count(msg, "\n") != 1 {
		t.Errorf("exit %d, stderr %q", code, msg)
	}
}

// TestShow: findings carry their category; the default leaves out those
// only on a failed test's path and says how many; production comes first
// although its file sorts last; --show picks categories.
func TestShow(t *testing.T) {
	out, errw, code := run(t, "./ranked")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != leakvet.ExitFound || len(lines) != 2 ||
		!strings.HasPrefix(lines[0], "ranked/wait.go:13:") || strings.HasSuffix(lines[0], "]") ||
		!strings.HasPrefix(lines[1], "ranked/ranked_test.go:13:") || !strings.HasSuffix(lines[1], " [test]") {
		t.Errorf("default: exit %d, stdout:\n%s", code, out)
	}
	if !strings.Contains(errw, "1 finding only on a path where a test has already failed not shown") {
		t.Errorf("default: stderr does not count the finding left out:\n%s", errw)
	}

	out, errw, code = run(t, "--show", "all", "--format", "json", "./ranked")
	var r leakvet.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil || code != leakvet.ExitFound {
		t.Fatalf("--show all: exit %d, %v; stderr:\n%s", code, err, errw)
	}
	var got []string
	for _, f := range r.Findings {
		got = append(got, fmt.Sprintf("%s:%d %s", f.File, f.Line, f.Category))
	}
	want := []string{"ranked/wait.go:13 production", "ranked/ranked_test.go:13 test", "ranked/ranked_test.go:20 failed-test"}
	if strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Errorf("--show all: findings\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	out, _, code = run(t, "--show", "failed-test", "./ranked")
	if code != leakvet.ExitFound || strings.Count(out, "\n") != 1 || !strings.Contains(out, "ranked_test.go:20:") || !strings.Contains(out, "[failed-test]") {
		t.Errorf("--show failed-test: exit %d, stdout:\n%s", code, out)
	}
	out, errw, code = run(t, "--show", "production", "./ranked")
	if code != leakvet.ExitFound || strings.Count(out, "\n") != 1 || !strings.Contains(errw, "1 finding on a path where a test passes not shown") {
		t.Errorf("--show production: exit %d, stdout:\n%s\nstderr:\n%s", code, out, errw)
	}
	_, errw, code = run(t, "--show", "prod", "./ranked")
	if code != leakvet.ExitError || !strings.Contains(errw, `--show: no category "prod"`) {
		t.Errorf("--show prod: exit %d, stderr %q", code, errw)
	}

	out, _, _ = run(t, "--show", "all", "--format", "sarif", "./ranked")
	for _, want := range []string{`"category": "failed-test"`, `"level": "note"`, `"category": "production"`} {
		if !strings.Contains(out, want) {
			t.Errorf("SARIF lacks %s", want)
		}
	}
}

// TestOnceEach: a goroutine that sends on a timeout and then its result
// is one leak, reported once by whichever analyzer names it best, and a
// send with a way out is never the one reported.
func TestOnceEach(t *testing.T) {
	out, errw, code := run(t, "--show", "all", "--format", "json", "./twice")
	var r leakvet.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil || code != leakvet.ExitFound {
		t.Fatalf("exit %d, %v; stderr:\n%s", code, err, errw)
	}
	var got []string
	for _, f := range r.Findings {
		got = append(got, fmt.Sprintf("%d %s", f.Line, f.Analyzer))
	}
	want := []string{"20 lostsend", "42 doublesend", "55 doublesend"}
	if strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Errorf("findings\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
