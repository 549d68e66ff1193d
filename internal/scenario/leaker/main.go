// Command leaker starts leak scenarios and prints one goroutine dump of
// itself, so tests get dumps from the Go that runs them.
//
//	leaker [-scenarios a,b,c] [-format F]
//
// The dump goes to stdout, or to stderr for the formats in which the process
// dies (panic, crash, sigquit, deadlock). Exit codes: 0 ok, 2 bad usage or
// failure, 3 the goroutineleak profile is not in this runtime (build with
// GOEXPERIMENT=goroutineleakprofile on Go 1.26).
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	scenarios := flag.String("scenarios", "", "comma-separated scenario names (default: all; for -format deadlock, the deadlock set)")
	format := flag.String("format", "stack", "dump format: "+formatNames())
	flag.Parse()
	if err := run(*format, *scenarios); err != nil {
		fmt.Fprintln(os.Stderr, "leaker:", err)
		os.Exit(exitCode(err))
	}
}
