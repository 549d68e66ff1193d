package cli

import "github.com/leakhound/leakhound/passes/leakvet"

// vet runs the leakvet analyzers over packages, with the output formats and
// exit codes of analyze.
func vet(e *env, args []string) int {
	return leakvet.Run(args, e.stdout, e.stderr)
}
