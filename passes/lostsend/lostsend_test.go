package lostsend_test

import (
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/leakhound/leakhound/passes/lostsend"
)

func Test(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, analysistest.TestData(), lostsend.Analyzer, "a", "t", "prog")
}

// TestCategory checks where each leak is said to happen: production code,
// a test path that passes, or a path on which the test has already failed,
// whichever way the test failed.
func TestCategory(t *testing.T) {
	want := map[string]string{
		"TestErrorfReturn ":        "failed-test",
		"TestFatal ":               "failed-test",
		"TestFailNow ":             "failed-test",
		"TestRequireFail ":         "failed-test",
		"TestAssertFailNow ":       "failed-test",
		"TestGoexit ":              "failed-test",
		"TestDialsThenGivesUp ":    "failed-test",
		"TestRequireDialFails ":    "failed-test",
		"TestRequireNewDialFails ": "failed-test",
		"TestPhases ":              "test",
		"TestErrOrFatal ":          "failed-test",
		"TestRequireNoError ":      "test",
		"TestSuccessFirst ":        "test",
		"gated ":                   "test", // a helper in a _test.go file
		"timeout ":                 "production",
		"eventLoop ":               "production",
	}
	seen := make(map[string]bool)
	for _, r := range analysistest.Run(t, analysistest.TestData(), lostsend.Analyzer, "a", "t") {
		for _, d := range r.Diagnostics {
			file := filepath.Base(r.Pass.Fset.Position(d.Pos).Filename)
			for fn, cat := range want {
				if !strings.Contains(d.Message, " when "+fn) {
					continue
				}
				seen[fn] = true
				if d.Category != cat {
					t.Errorf("%s: %s: category %q, want %q", file, fn, d.Category, cat)
				}
			}
			if d.Category == "" {
				t.Errorf("%s: no category: %s", file, d.Message)
			}
		}
	}
	for fn := range want {
		if !seen[fn] {
			t.Errorf("no diagnostic for %s", fn)
		}
	}
}
