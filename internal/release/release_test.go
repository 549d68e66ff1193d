package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// TestInstallFromProxy releases a clone of this repository as v0.99.0 into
// a GOPROXY file tree and does what the README tells a user: go install
// the command @latest, in an empty GOPATH with nothing but that proxy and
// the machine's module cache to fetch from; runs it; and adds the test
// helper to a new module, which must pull in nothing else.
func TestInstallFromProxy(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("builds leakhound from a proxy in other processes")
	}
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("no git")
	}
	repo, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(repo, ".git")); err != nil {
		t.Skipf("%s is not a git checkout: %v", repo, err)
	}
	tmp := t.TempDir()
	clone := filepath.Join(tmp, "repo")
	if out, err := exec.Command(git, "clone", "-q", repo, clone).CombinedOutput(); err != nil {
		t.Fatalf("git clone: %v\n%s", err, out)
	}
	const v = "v0.99.0"
	rel, err := Prepare(clone, v)
	if err != nil {
		t.Fatal(err)
	}
	proxy := filepath.Join(tmp, "proxy")
	if err := rel.WriteProxy(proxy); err != nil {
		t.Fatal(err)
	}
	tags := rel.Tags()
	for _, want := range []string{v, "cmd/" + v, "internal/cli/" + v, "monitor/" + v, "pprofstack/" + v} {
		if !slices.Contains(tags, want) {
			t.Errorf("tags %q lack %s", tags, want)
		}
	}
	for _, no := range []string{"bench/" + v, "internal/verdicts/" + v, "internal/release/" + v} {
		if slices.Contains(tags, no) {
			t.Errorf("tags %q release the development module %s", tags, no)
		}
	}
	for _, m := range rel.Modules {
		data, err := os.ReadFile(filepath.Join(clone, m.Dir, "go.mod"))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), "replace") || strings.Contains(string(data), "v0.0.0-00010101000000-000000000000") {
			t.Errorf("%s/go.mod keeps a replace or an unversioned sibling:\n%s", m.Dir, data)
		}
	}
	// A second run finds the checkout changed: it releases only clean
	// trees.
	if _, err := Prepare(clone, v); err == nil || !strings.Contains(err.Error(), "not a clean checkout") {
		t.Errorf("Prepare on a rewritten checkout: %v", err)
	}

	// The user's machine: an empty GOPATH and module cache, this proxy
	// first and then the module cache of the machine that ran the
	// workspace's tests (for golang.org/x/tools and the others), no
	// network, no checksum database for modules not yet published.
	gocmd := filepath.Join(runtime.GOROOT(), "bin", "go")
	modcache := strings.TrimSpace(goEnv(t, gocmd, "GOMODCACHE"))
	home := filepath.Join(tmp, "home")
	env := append(os.Environ(),
		"GOPATH="+filepath.Join(home, "go"), "GOMODCACHE="+filepath.Join(home, "modcache"), "GOBIN="+filepath.Join(home, "bin"),
		"GOPROXY=file://"+filepath.ToSlash(proxy)+",file://"+filepath.ToSlash(filepath.Join(modcache, "cache", "download")),
		"GOSUMDB=off", "GOWORK=off", "GOTOOLCHAIN=local", "GOFLAGS=-modcacherw", "GONOSUMDB=", "GOPRIVATE=")
	run := func(dir string, args ...string) string {
		t.Helper()
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	if err := os.MkdirAll(home, 0o755); err != nil {
		t.Fatal(err)
	}
	// Each released module builds alone, its tests too, from what it
	// requires at the release.
	for _, m := range rel.Modules {
		run(filepath.Join(clone, m.Dir), gocmd, "list", "-deps", "-test", "./...")
	}
	run(home, gocmd, "install", "github.com/leakhound/leakhound/cmd/leakhound@latest", "github.com/leakhound/leakhound/cmd/leakvet@latest")
	bin := filepath.Join(home, "bin", "leakhound")
	if out := run(home, bin, "version"); out != "leakhound "+v+"\n" {
		t.Errorf("leakhound version: %q, want the release", out)
	}
	dump := filepath.Join(clone, "stack", "testdata", "stack.txt")
	cmd := exec.Command(bin, "analyze", dump)
	cmd.Env = env
	out, err := cmd.Output()
	if code := cmd.ProcessState.ExitCode(); code > 1 || !strings.Contains(string(out), "goroutines in "+dump) {
		t.Errorf("leakhound analyze: exit %d, %v:\n%s", code, err, out)
	}
	if _, err := os.Stat(filepath.Join(home, "bin", "leakvet")); err != nil {
		t.Errorf("leakvet was not installed: %v", err)
	}

	// The test helper in a user's module requires nothing else.
	user := filepath.Join(tmp, "user")
	if err := os.MkdirAll(user, 0o755); err != nil {
		t.Fatal(err)
	}
	test := "package user\n\nimport (\n\t\"testing\"\n\n\t\"github.com/leakhound/leakhound\"\n)\n\n" +
		"func TestNoLeak(t *testing.T) {\n\tdefer leakhound.VerifyNone(t)\n\tdone := make(chan bool)\n\tgo func() { done <- true }()\n\t<-done\n}\n"
	if err := os.WriteFile(filepath.Join(user, "user_test.go"), []byte(test), 0o644); err != nil {
		t.Fatal(err)
	}
	run(user, gocmd, "mod", "init", "example.com/user")
	run(user, gocmd, "get", "github.com/leakhound/leakhound@latest")
	if mods := strings.Fields(run(user, gocmd, "list", "-m", "all")); !slices.Equal(mods, []string{"example.com/user", "github.com/leakhound/leakhound", v}) {
		t.Errorf("the user's module graph: %q, want leakhound %s alone", mods, v)
	}
	run(user, gocmd, "test", "./...")
}

func goEnv(t *testing.T, gocmd, name string) string {
	out, err := exec.Command(gocmd, "env", name).Output()
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// TestVersionArgument: only a release version is taken, before anything
// is read or written.
func TestVersionArgument(t *testing.T) {
	for _, v := range []string{"", "0.5.0", "v0.5", "v0.5.0+build", "latest"} {
		_, err := Prepare(t.TempDir(), v)
		if _, ok := err.(usageError); !ok || !strings.Contains(err.Error(), "not a release version") {
			t.Errorf("Prepare(%q): %v, want a usage error", v, err)
		}
	}
	// From v2 on, the go command wants /v2 at the end of every module
	// path: tags v2.0.0 of modules without it could never be installed.
	for _, v := range []string{"v2.0.0", "v3.1.4-rc.1"} {
		_, err := Prepare(t.TempDir(), v)
		if _, ok := err.(usageError); !ok || !strings.Contains(err.Error(), "module paths ending in /v") {
			t.Errorf("Prepare(%q): %v, want a usage error about the major version", v, err)
		}
	}
}
