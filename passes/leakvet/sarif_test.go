package leakvet_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestSARIFSchema: leakvet's SARIF output, with findings, fixes and rules,
// is valid against the SARIF 2.1.0 JSON schema, as code-scanning upload
// tools check it; so is the output of a clean run.
func TestSARIFSchema(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "sarif-schema", "sarif-2.1.0-rtm.5.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("sarif.json", doc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile("sarif.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range []string{"./leaky", "./silenced", "./clean", "./ranked"} {
		out, errw, _ := run(t, "--show", "all", "--format", "sarif", pkg)
		v, err := jsonschema.UnmarshalJSON(strings.NewReader(out))
		if err != nil {
			t.Fatalf("%s: not JSON: %v\n%s", pkg, err, errw)
		}
		if err := schema.Validate(v); err != nil {
			t.Errorf("%s: SARIF output is not valid against the 2.1.0 schema: %v", pkg, err)
		}
	}
}
