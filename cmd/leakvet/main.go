// Command leakvet reports goroutine-leak patterns in Go source. It runs
// standalone (leakvet [--format text|json|sarif] ./...) and as a vet tool:
//
//	go vet -vettool=$(command -v leakvet) ./...
package main

import (
	"os"

	"golang.org/x/tools/go/analysis/multichecker"

	"github.com/leakhound/leakhound/passes/leakvet"
)

func main() {
	if leakvet.VetTool(os.Args[1:]) {
		multichecker.Main(leakvet.Analyzers()...)
	}
	os.Exit(leakvet.Run(os.Args[1:], os.Stdout, os.Stderr))
}
