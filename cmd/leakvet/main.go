// Command leakvet reports goroutine-leak patterns in Go source. It runs
// standalone (leakvet [--format text|json|sarif] [--show ...] ./...) and as
// a vet tool, where LEAKVET_SHOW takes the place of --show:
//
//	go vet -vettool=$(command -v leakvet) ./...
package main

import (
	"fmt"
	"os"

	"golang.org/x/tools/go/analysis/multichecker"

	"github.com/leakhound/leakhound/passes/leakvet"
)

func main() {
	if leakvet.VetTool(os.Args[1:]) {
		show, err := leakvet.VetShow()
		if err != nil {
			fmt.Fprintf(os.Stderr, "leakvet: %v\n", err)
			os.Exit(leakvet.ExitError)
		}
		multichecker.Main(leakvet.Shown(leakvet.Analyzers(), show)...)
	}
	os.Exit(leakvet.Run(os.Args[1:], os.Stdout, os.Stderr))
}
