package unreleased_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/leakhound/leakhound/passes/unreleased"
)

func Test(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), unreleased.Analyzer, "a")
}
