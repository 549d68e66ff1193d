// Package depcheck holds the test that keeps leakhound's core free of
// dependencies: a user who adds the test helper must pull in nothing.
package depcheck

import (
	"fmt"
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

// goCmd runs the go command that built this test in dir, outside any
// workspace, with env added.
func goCmd(t *testing.T, dir string, env []string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), append([]string{"GOWORK=off", "GOTOOLCHAIN=local", "GOFLAGS=-mod=mod"}, env...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go %s in %s: %v\n%s", strings.Join(args, " "), dir, err, out)
	}
	return out
}

// TestRootModuleStandsAlone: the root module requires nothing, and its
// packages and their tests, built outside the workspace, need nothing but
// the standard library and the root module's own packages. A test that
// imports a package of a nested module (which needs dependencies) would
// make every user's go mod tidy add that module: go mod tidy loads the
// tests of the packages a module imports.
func TestRootModuleStandsAlone(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(mod), "\n") {
		if f := strings.Fields(line); len(f) > 0 && (f[0] == "require" || f[0] == "replace" || f[0] == "toolchain") {
			t.Errorf("the root go.mod has %q: it must require nothing", line)
		}
	}
	out := goCmd(t, root, []string{"GOPROXY=off"}, "list", "-deps", "-test", "-f", "{{if not .Standard}}{{.ImportPath}}\t{{with .Module}}{{.Path}}{{end}}{{end}}", "./...")
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, module, _ := strings.Cut(line, "\t")
		if module != "github.com/leakhound/leakhound" && !strings.HasSuffix(pkg, ".test") {
			t.Errorf("%s (module %q) is needed by the root module's packages or tests", pkg, module)
		}
	}
}

// TestAdoptionChangesNothingElse: a module that pins older
// prometheus/client_golang, zap and x/sys, and is tidy, adds the test
// helper; go mod tidy then changes nothing but the leakhound line: no
// requirement upgraded, no go line raised, go.sum as it was.
func TestAdoptionChangesNothingElse(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command and the module proxy")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", `module example.com/adopter

go 1.24

require (
	github.com/prometheus/client_golang v1.23.2
	go.uber.org/zap v1.27.0
	golang.org/x/sys v0.43.0
)
`)
	write("adopter.go", `package adopter

import (
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"golang.org/x/sys/unix"
)

var requests = prometheus.NewCounter(prometheus.CounterOpts{Name: "requests_total"})

func Start() (*zap.Logger, int) { return zap.NewNop(), unix.Getpid() }
`)
	goCmd(t, dir, nil, "mod", "tidy")
	beforeMod, _ := os.ReadFile(filepath.Join(dir, "go.mod"))
	beforeSum, _ := os.ReadFile(filepath.Join(dir, "go.sum"))

	write("adopter_test.go", `package adopter

import (
	"testing"

	"github.com/leakhound/leakhound"
)

func TestMain(m *testing.M) { leakhound.VerifyTestMain(m) }

func TestStart(t *testing.T) {
	leakhound.Track(t)
	Start()
}
`)
	f, err := os.OpenFile(filepath.Join(dir, "go.mod"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(f, "\nrequire github.com/leakhound/leakhound v0.0.0\n\nreplace github.com/leakhound/leakhound => %s\n", root)
	f.Close()
	goCmd(t, dir, nil, "mod", "tidy")
	afterMod, _ := os.ReadFile(filepath.Join(dir, "go.mod"))
	afterSum, _ := os.ReadFile(filepath.Join(dir, "go.sum"))

	lines := func(b []byte) map[string]bool {
		m := make(map[string]bool)
		for _, l := range strings.Split(string(b), "\n") {
			l = strings.TrimPrefix(strings.TrimSpace(l), "require ")
			if l != "" && l != "(" && l != ")" && l != "require (" {
				m[l] = true
			}
		}
		return m
	}
	before, after := lines(beforeMod), lines(afterMod)
	want := map[string]bool{
		"github.com/leakhound/leakhound v0.0.0":             true,
		"replace github.com/leakhound/leakhound => " + root: true,
	}
	for l := range after {
		if !before[l] && !want[l] {
			t.Errorf("go mod tidy added %q", l)
		}
	}
	for l := range before {
		if !after[l] {
			t.Errorf("go mod tidy removed or changed %q", l)
		}
	}
	for l := range want {
		if !after[l] {
			t.Errorf("go.mod lacks %q", l)
		}
	}
	if string(beforeSum) != string(afterSum) {
		t.Errorf("go.sum changed:\nbefore:\n%s\nafter:\n%s", beforeSum, afterSum)
	}
	if t.Failed() {
		t.Logf("go.mod before:\n%s\nafter:\n%s", beforeMod, afterMod)
	}
	// And the adopter's tests build and pass offline.
	goCmd(t, dir, []string{"GOPROXY=off"}, "test", "./...")
}
