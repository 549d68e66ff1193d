package cli

import (
	"fmt"

	"github.com/leakhound/leakhound/classify"
)

func classes(e *env, args []string) int {
	fs := newFlags(e, "classes", "")
	if _, err := parseFlags(fs, args); err != nil {
		return flagExit(fs, err)
	}
	for _, c := range classify.Classes {
		kind := "not a leak"
		if c.Leak {
			kind = "leak class"
		}
		fmt.Fprintf(e.stdout, "%s (%s): %s\n  %s\n", c.Class, kind, c.Title, c.Cause)
		if c.Fix != "" {
			fmt.Fprintf(e.stdout, "  Fix: %s\n", c.Fix)
		}
		fmt.Fprintln(e.stdout)
	}
	return ExitOK
}
