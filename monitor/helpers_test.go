package monitor

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

// waitFor polls cond until it holds, failing the test after 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// countBlocked counts the goroutines parked in this package's function fn,
// from a dump of every goroutine.
func countBlocked(t *testing.T, fn string) int {
	t.Helper()
	buf := make([]byte, 4<<20)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	for _, block := range strings.Split(string(buf), "\n\n") {
		header, frames, _ := strings.Cut(block, "\n")
		if strings.Contains(header, "[chan send") && strings.Contains(frames, pkgPath+"."+fn+"(") {
			n++
		}
	}
	return n
}
