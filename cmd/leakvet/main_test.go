package main_test

import (
	"bytes"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// build compiles leakvet into a temporary directory.
func build(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds leakvet and runs go vet")
	}
	exe := filepath.Join(t.TempDir(), "leakvet")
	out, err := exec.Command("go", "build", "-o", exe, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return exe
}

// run runs a command in the runner's testdata module, shared with
// passes/leakvet, and returns its output and exit code.
func run(t *testing.T, name string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = filepath.Join("..", "..", "passes", "leakvet", "testdata", "mod")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return out.String(), exit.ExitCode()
	}
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return out.String(), 0
}

func TestVetTool(t *testing.T) {
	exe := build(t)

	out, code := run(t, "go", "vet", "-vettool="+exe, "./leaky")
	if code == 0 {
		t.Fatalf("go vet -vettool over a leaky package exited 0:\n%s", out)
	}
	for _, want := range []string{
		"leaky.go:12:14: send-no-receiver: the goroutine blocks forever on this send when Fetch returns at line 17",
		"leaky.go:22:7: the cancel function returned by context.WithTimeout should be called",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("go vet -vettool output lacks %q:\n%s", want, out)
		}
	}

	out, _ = run(t, "go", "vet", "-vettool="+exe, "-lostcancel=false", "./leaky")
	if strings.Contains(out, "cancel function") || !strings.Contains(out, "send-no-receiver") {
		t.Errorf("go vet -vettool -lostcancel=false did not switch lostcancel off alone:\n%s", out)
	}

	if out, code := run(t, "go", "vet", "-vettool="+exe, "./clean"); code != 0 || strings.TrimSpace(out) != "" {
		t.Errorf("go vet -vettool over a clean package: exit %d, output:\n%s", code, out)
	}

	// Categories: the leak only on a failed test's path is left out unless
	// -show asks for it; a bad value is an error that names it.
	out, _ = run(t, "go", "vet", "-vettool="+exe, "./ranked")
	if !strings.Contains(out, "wait.go:13:") || !strings.Contains(out, "ranked_test.go:13:") || strings.Contains(out, "ranked_test.go:20:") {
		t.Errorf("go vet -vettool ./ranked, default categories:\n%s", out)
	}
	if out, _ = run(t, "go", "vet", "-vettool="+exe, "-show=all", "./ranked"); !strings.Contains(out, "ranked_test.go:20:") {
		t.Errorf("go vet -vettool -show=all ./ranked lacks the failed test's leak:\n%s", out)
	}
	if out, code := run(t, "go", "vet", "-vettool="+exe, "-show=prod", "./ranked"); code == 0 || !strings.Contains(out, `no category "prod"`) {
		t.Errorf("-show=prod: exit %d, output:\n%s", code, out)
	}
}

func TestStandalone(t *testing.T) {
	exe := build(t)
	// The shared module also holds a package that does not compile, for
	// the runner's error tests; name the two this test is about.
	out, code := run(t, exe, "./leaky", "./clean")
	if code != 1 {
		t.Fatalf("leakvet ./leaky ./clean exited %d, want 1:\n%s", code, out)
	}
	if !strings.Contains(out, "leaky/leaky.go:12:14: send-no-receiver:") {
		t.Errorf("leakvet ./... output lacks the leak:\n%s", out)
	}
	if strings.Contains(out, "clean") {
		t.Errorf("leakvet reported the clean package:\n%s", out)
	}
	if out, code := run(t, exe, "./clean"); code != 0 || out != "" {
		t.Errorf("leakvet ./clean: exit %d, output %q", code, out)
	}
}
