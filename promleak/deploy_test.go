package promleak

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"go.yaml.in/yaml/v3"
)

// The files shipped for operators, relative to this package.
var (
	alertsFile    = filepath.Join("..", "deploy", "prometheus", "alerts.yml")
	dashboardFile = filepath.Join("..", "deploy", "grafana", "leakhound.json")
)

var metricName = regexp.MustCompile(`leakhound_[a-z_]+`)

// exported returns the names of the metrics the collector exports, from a
// scrape of a sample where every metric has a value.
func exported(t *testing.T) map[string]bool {
	t.Helper()
	c, err := New(leaking())
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	names := make(map[string]bool)
	for _, mf := range mfs {
		names[mf.GetName()] = true
	}
	if len(names) != len(allDescs) {
		t.Fatalf("the scrape has %d metrics, the collector describes %d", len(names), len(allDescs))
	}
	return names
}

type rulesFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []rule `yaml:"rules"`
	} `yaml:"groups"`
}

type rule struct {
	Alert       string            `yaml:"alert"`
	Record      string            `yaml:"record"`
	Expr        string            `yaml:"expr"`
	For         string            `yaml:"for"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

func readRules(t *testing.T, path string) []rule {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f rulesFile
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var rules []rule
	for _, g := range f.Groups {
		rules = append(rules, g.Rules...)
	}
	if len(rules) == 0 {
		t.Fatalf("%s: no rules", path)
	}
	return rules
}

// TestAlertsUseExportedMetrics checks every metric name in the shipped
// rules' expressions and annotations against the collector, and that each
// alert has what an on-call engineer needs: a wait, a severity, a summary
// and description naming the class, and the way to /debug/leaks/.
func TestAlertsUseExportedMetrics(t *testing.T) {
	names := exported(t)
	for _, r := range readRules(t, alertsFile) {
		if r.Alert == "" {
			t.Errorf("%s: a rule with no alert name (recording rules belong elsewhere)", alertsFile)
			continue
		}
		used := metricName.FindAllString(r.Expr, -1)
		if len(used) == 0 {
			t.Errorf("alert %s: its expression %q uses no leakhound metric", r.Alert, r.Expr)
		}
		for _, text := range r.Annotations {
			used = append(used, metricName.FindAllString(text, -1)...)
		}
		for _, n := range used {
			if !names[n] {
				t.Errorf("alert %s uses %s, which the collector does not export", r.Alert, n)
			}
		}
		if r.For == "" {
			t.Errorf("alert %s has no for: duration", r.Alert)
		}
		if r.Labels["severity"] == "" {
			t.Errorf("alert %s has no severity label", r.Alert)
		}
		for _, a := range []string{"summary", "description", "runbook"} {
			if r.Annotations[a] == "" {
				t.Errorf("alert %s has no %s annotation", r.Alert, a)
			}
		}
		if !strings.Contains(r.Annotations["runbook"], "/debug/leaks/") {
			t.Errorf("alert %s: its runbook does not point to /debug/leaks/", r.Alert)
		}
		byClass := strings.Contains(r.Expr, "leakhound_goroutines") || strings.Contains(r.Expr, "leakhound_group_")
		if byClass && (!strings.Contains(r.Annotations["summary"], "{{ $labels.class }}") ||
			!strings.Contains(r.Annotations["description"], "{{ $labels.class }}")) {
			t.Errorf("alert %s: summary and description should name the class", r.Alert)
		}
		if strings.Contains(r.Expr, "leakhound_group_") && !strings.Contains(r.Annotations["description"], "{{ $labels.blocked_at }}") {
			t.Errorf("alert %s: the description should name the blocking function", r.Alert)
		}
	}
}

// TestDashboardUsesExportedMetrics checks every query of the shipped
// dashboard (panels, variables, annotations) against the collector, and
// that the dashboard shows every metric.
func TestDashboardUsesExportedMetrics(t *testing.T) {
	names := exported(t)
	data, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	var dash map[string]any
	if err := json.Unmarshal(data, &dash); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	var queries []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && (k == "expr" || k == "query" || k == "definition") {
					queries = append(queries, s)
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(dash)
	seen := make(map[string]bool)
	for _, q := range queries {
		for _, n := range metricName.FindAllString(q, -1) {
			seen[n] = true
			if !names[n] {
				t.Errorf("%s: query %q uses %s, which the collector does not export", dashboardFile, q, n)
			}
		}
	}
	for n := range names {
		if !seen[n] {
			t.Errorf("%s shows no panel of %s", dashboardFile, n)
		}
	}

	panels, _ := dash["panels"].([]any)
	if len(panels) == 0 {
		t.Fatalf("%s: no panels", dashboardFile)
	}
	ids := make(map[float64]bool)
	for _, p := range panels {
		p := p.(map[string]any)
		id, _ := p["id"].(float64)
		if ids[id] {
			t.Errorf("%s: panel id %v twice", dashboardFile, id)
		}
		ids[id] = true
		if targets, _ := p["targets"].([]any); len(targets) == 0 {
			t.Errorf("%s: panel %q has no query", dashboardFile, p["title"])
		}
	}
}

func promtool(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool is not installed (Debian package prometheus; .ci/run installs it)")
	}
	return path
}

// TestRulesUnderPromtool runs promtool's own check of the rules, then its
// unit tests in testdata/alerts_test.yml: each alert fires on its series at
// the time it should, with its labels and annotations as rendered, and not
// on the look-alikes.
func TestRulesUnderPromtool(t *testing.T) {
	tool := promtool(t)
	for _, args := range [][]string{
		{"check", "rules", alertsFile},
		{"test", "rules", filepath.Join("testdata", "alerts_test.yml")},
	} {
		out, err := exec.Command(tool, args...).CombinedOutput()
		if err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	// A rules file promtool must reject, so that the check above can fail.
	bad := filepath.Join(t.TempDir(), "bad.yml")
	data, err := os.ReadFile(alertsFile)
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(data), "leakhound_group_leaked_goroutines > 0", "leakhound_group_leaked_goroutines >", 1)
	if broken == string(data) || !slices.Contains(strings.Split(broken, "\n"), "        expr: leakhound_group_leaked_goroutines >") {
		t.Fatal("the proven-leak rule's expression moved; update this test")
	}
	if err := os.WriteFile(bad, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(tool, "check", "rules", bad).CombinedOutput(); err == nil {
		t.Errorf("promtool check rules accepted a broken expression:\n%s", out)
	}
}
