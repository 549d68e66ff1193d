package unreleased_test

import (
	"path/filepath"
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/leakhound/leakhound/passes/unreleased"
)

func Test(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), unreleased.Analyzer, "a")
}

// TestCategory: a return reached only after t.Errorf is on a failed
// test's path; one in a test that passes is a test's; the rest are
// production code.
func TestCategory(t *testing.T) {
	want := map[int]string{16: "failed-test", 29: "test", 17: "production"}
	got := make(map[int]string)
	for _, r := range analysistest.Run(t, analysistest.TestData(), unreleased.Analyzer, "a") {
		for _, d := range r.Diagnostics {
			pos := r.Pass.Fset.Position(d.Pos)
			line := pos.Line
			if filepath.Base(pos.Filename) == "a.go" && line != 17 {
				continue
			}
			got[line] = d.Category
		}
	}
	for line, cat := range want {
		if got[line] != cat {
			t.Errorf("line %d: category %q, want %q", line, got[line], cat)
		}
	}
}
