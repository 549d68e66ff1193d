// Package leakvet is the suite of goroutine-leak analyzers and the driver
// that runs them for cmd/leakvet and `leakhound vet`: it loads packages,
// runs the analyzers, and prints the findings as text, JSON or SARIF 2.1.0.
package leakvet

import (
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/lostcancel"

	"github.com/leakhound/leakhound/classify"
	"github.com/leakhound/leakhound/passes/blockforever"
	"github.com/leakhound/leakhound/passes/doublesend"
	"github.com/leakhound/leakhound/passes/lostsend"
	"github.com/leakhound/leakhound/passes/nilchan"
	"github.com/leakhound/leakhound/passes/nosender"
	"github.com/leakhound/leakhound/passes/unreleased"
)

// Analyzers returns the analyzers leakvet runs: its own, plus x/tools'
// lostcancel, which catches a cancel function that is never called (less
// its reports on a cancel a closure captured, see lostCancel).
func Analyzers() []*analysis.Analyzer {
	return []*analysis.Analyzer{
		lostsend.Analyzer,
		doublesend.Analyzer,
		nosender.Analyzer,
		nilchan.Analyzer,
		blockforever.Analyzer,
		unreleased.Analyzer,
		lostCancel,
	}
}

// ClassOf returns the leak class of a diagnostic: the class id that starts
// its message, or the class an analyzer reports when it does not say
// (lostcancel: context-never-done).
func ClassOf(analyzer string, message string) classify.Class {
	if id, _, ok := strings.Cut(message, ": "); ok && classify.Class(id).IsLeak() {
		return classify.Class(id)
	}
	if analyzer == lostcancel.Analyzer.Name {
		return classify.ContextNeverDone
	}
	return ""
}

// VetTool reports whether args are those `go vet -vettool` passes to its
// tool (a .cfg file, -V=full or -flags), which the unitchecker protocol of
// x/tools' multichecker must answer.
func VetTool(args []string) bool {
	if len(args) > 0 && strings.HasSuffix(args[len(args)-1], ".cfg") {
		return true
	}
	for _, a := range args {
		switch strings.TrimLeft(a, "-") {
		case "V=full", "V", "flags":
			if strings.HasPrefix(a, "-") {
				return true
			}
		}
	}
	return false
}
