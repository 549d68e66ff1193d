package nilchan_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/leakhound/leakhound/passes/nilchan"
)

func Test(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, analysistest.TestData(), nilchan.Analyzer, "a", "hook", "seed")
}
