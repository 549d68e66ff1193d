package leakvet_test

import (
	"path/filepath"
	"testing"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/leakhound/leakhound/passes/leakvet"
)

// TestLostCancel: lostcancel's reports stand, except on a cancel variable
// that a closure made before the assignment captured.
func TestLostCancel(t *testing.T) {
	var lc *analysis.Analyzer
	for _, a := range leakvet.Analyzers() {
		if a.Name == "lostcancel" {
			lc = a
		}
	}
	if lc == nil {
		t.Fatal("no lostcancel among leakvet's analyzers")
	}
	analysistest.Run(t, filepath.Join(analysistest.TestData(), "lostcancel"), lc, "captured")
}
