// Package depcheck holds the test that keeps leakhound's core free of
// dependencies: a user who adds the test helper must pull in nothing.
package depcheck

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// core lists the packages that may import only the standard library and
// each other.
var core = []string{
	"github.com/leakhound/leakhound",
	"github.com/leakhound/leakhound/stack",
	"github.com/leakhound/leakhound/classify",
}

func TestCoreImportsOnlyStandardLibrary(t *testing.T) {
	goCmd := filepath.Join(runtime.GOROOT(), "bin", "go")
	args := append([]string{"list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}"}, core...)
	out, err := exec.Command(goCmd, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	allowed := map[string]bool{}
	for _, p := range core {
		allowed[p] = true
	}
	for _, p := range strings.Fields(string(out)) {
		if !allowed[p] {
			t.Errorf("a core package depends on %s, which is not the standard library", p)
		}
	}
}
