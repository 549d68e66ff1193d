// Command leakhound finds, proves and explains goroutine leaks in dumps,
// profiles, live services and source. Run leakhound help.
package main

import (
	"os"

	"github.com/leakhound/leakhound/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
