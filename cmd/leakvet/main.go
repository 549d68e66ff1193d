// Command leakvet reports goroutine-leak patterns in Go source. It runs
// standalone (leakvet [--format text|json|sarif] [--show ...] ./...) and as
// a vet tool (with -show, as go vet -vettool=... -show=all):
//
//	go vet -vettool=$(command -v leakvet) ./...
package main

import (
	"flag"
	"os"
	"slices"

	"golang.org/x/tools/go/analysis/multichecker"

	"github.com/leakhound/leakhound/passes/leakvet"
)

func main() {
	if leakvet.VetTool(os.Args[1:]) {
		// A flag of the tool's own, which go vet forwards (-show=all) and
		// counts in its cache key, as it would not an environment variable.
		show := slices.Clone(leakvet.Show(leakvet.DefaultShow))
		flag.Var(&show, "show", "comma-separated `categories` of findings to report: production, test, failed-test, or all")
		multichecker.Main(leakvet.Shown(leakvet.Analyzers(), &show)...)
	}
	os.Exit(leakvet.Run(os.Args[1:], os.Stdout, os.Stderr))
}
