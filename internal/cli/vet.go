package cli

import "github.com/leakhound/leakhound/passes/leakvet"

// vet runs the leakvet analyzers over packages, with the output formats and
// exit codes of analyze. Help goes to stdout, as for every command.
func vet(e *env, args []string) int {
	for _, a := range args {
		switch a {
		case "-h", "-help", "--help":
			return leakvet.Run(args, e.stdout, e.stdout)
		}
	}
	return leakvet.Run(args, e.stdout, e.stderr)
}
