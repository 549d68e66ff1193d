//go:build !unix

package main

import (
	"fmt"
	"runtime"
)

func sigquit() error {
	return fmt.Errorf("-format sigquit needs a unix system, not %s", runtime.GOOS)
}

func noCoreDump() {}
