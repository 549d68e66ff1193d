package verdicts

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/leakhound/leakhound/classify"
	"github.com/leakhound/leakhound/internal/input"
	"github.com/leakhound/leakhound/internal/scenario/scenariotest"
	"github.com/leakhound/leakhound/report"
)

// TestJSONSchema: the JSON document of a report, from a full dump and from
// each kind of profile, is valid against docs/json.schema.json, which
// docs/json.md points users to.
func TestJSONSchema(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "..", "docs", "json.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("docs/json.schema.json: %v", err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("leakhound.json", doc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile("leakhound.json")
	if err != nil {
		t.Fatalf("docs/json.schema.json does not compile: %v", err)
	}
	forms := []string{"debug2", "debug1", "proto"}
	if scenariotest.HasLeakProfile() {
		forms = append(forms, "leak2", "leakproto")
	}
	for _, form := range forms {
		cl := classify.New(classify.Config{Source: &classify.Source{UseDumpPaths: true}, KeepGoroutines: true})
		if _, err := input.Read(bytes.NewReader(scenariotest.Dump(t, form)), input.Options{}, cl.Add); err != nil {
			t.Fatalf("%s: %v", form, err)
		}
		r := cl.Report()
		var out bytes.Buffer
		if err := report.JSON(&out, form, r); err != nil {
			t.Fatal(err)
		}
		v, err := jsonschema.UnmarshalJSON(strings.NewReader(out.String()))
		if err != nil {
			t.Fatalf("%s: not JSON: %v", form, err)
		}
		if err := schema.Validate(v); err != nil {
			t.Errorf("%s: the JSON is not valid against docs/json.schema.json: %v", form, err)
		}
		if r.Suspects+r.Leaks == 0 || !strings.Contains(out.String(), `"evidence": [`) {
			t.Errorf("%s: no finding with evidence in the scenario program's report", form)
		}
	}
	// A classifier that keeps one id a finding (a library's choice; the
	// command lists them all) says in each finding how many it left out.
	finding, err := c.Compile("leakhound.json#/$defs/finding")
	if err != nil {
		t.Fatal(err)
	}
	cl := classify.New(classify.Config{MaxIDs: 1})
	if _, err := input.Read(bytes.NewReader(scenariotest.Dump(t, "debug2")), input.Options{}, cl.Add); err != nil {
		t.Fatal(err)
	}
	cut := 0
	for _, f := range cl.Report().Findings {
		b, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if err := finding.Validate(v); err != nil {
			t.Errorf("ids cut: a finding is not valid against docs/json.schema.json: %v\n%s", err, b)
		}
		if f.IDsOmitted > 0 && bytes.Contains(b, []byte(`"goroutine_ids_omitted":`)) {
			cut++
		}
	}
	if cut == 0 {
		t.Error("ids cut: no finding says how many ids it left out")
	}
}
