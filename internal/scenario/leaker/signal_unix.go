//go:build unix

package main

import (
	"os"
	"syscall"
)

// sigquit sends SIGQUIT to the process: the runtime prints every goroutine
// and exits with status 2.
func sigquit() error {
	if err := syscall.Kill(os.Getpid(), syscall.SIGQUIT); err != nil {
		return err
	}
	select {}
}

// noCoreDump keeps the SIGABRT of GOTRACEBACK=crash from leaving a core file.
func noCoreDump() {
	_ = syscall.Setrlimit(syscall.RLIMIT_CORE, &syscall.Rlimit{})
}
