package blockforever_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/leakhound/leakhound/passes/blockforever"
)

func Test(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), blockforever.Analyzer, "a", "main")
}
