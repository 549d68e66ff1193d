//go:build !linux

package cli

import "os/exec"

// dieWithParent is a no-op where the kernel cannot do it: Cleanup still
// kills the child.
func dieWithParent(cmd *exec.Cmd) {}
