//go:build unix

package classify

import (
	"path/filepath"
	"syscall"
	"testing"
)

// TestSourceFIFO: a named pipe called .go is not opened (opening one
// waits for a writer that never comes).
func TestSourceFIFO(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pipe.go")
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Skip(err)
	}
	if l, ok := (&Source{UseDumpPaths: true}).Line(path, 1); ok {
		t.Errorf("read %q from a pipe", l)
	}
}
