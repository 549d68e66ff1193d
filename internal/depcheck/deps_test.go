// Package depcheck holds the test that keeps leakhound's core free of
// dependencies: a user who adds the test helper must pull in nothing.
package depcheck

import (
	"os"
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

// TestHelperUserDownloadsNothing: a module that adds the test helper, with
// leakhound replaced by this checkout and the module proxy turned off,
// builds and vets its tests; so it needs no other module, and its go.sum
// stays empty although leakhound's own go.mod requires many.
func TestHelperUserDownloadsNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files := map[string]string{
		"go.mod": "module example.com/user\n\ngo 1.26.0\n\nrequire github.com/leakhound/leakhound v0.0.0\n\nreplace github.com/leakhound/leakhound => " + root + "\n",
		"user_test.go": `package user

import (
	"testing"

	"github.com/leakhound/leakhound"
)

func TestMain(m *testing.M) { leakhound.VerifyTestMain(m) }

func TestNothing(t *testing.T) { defer leakhound.VerifyNone(t) }
`,
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "vet", "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOPROXY=off", "GOFLAGS=-mod=mod", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go vet in a module that uses only the test helper: %v\n%s", err, out)
	}
	if sum, err := os.ReadFile(filepath.Join(dir, "go.sum")); err == nil && len(sum) > 0 {
		t.Errorf("the user's go.sum lists modules:\n%s", sum)
	}
}
