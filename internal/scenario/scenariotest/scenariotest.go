// Package scenariotest gives tests real goroutine dumps: it builds the leaker
// program (../leaker) with the go command that runs the tests, runs it and
// returns what it printed.
package scenariotest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"
	"time"
)

// Formats lists the leaker's dump formats:
//
//	stack      runtime.Stack(buf, true)
//	debug2     /debug/pprof/goroutine?debug=2 over HTTP
//	debug1     /debug/pprof/goroutine?debug=1
//	proto      /debug/pprof/goroutine?debug=0 (gzipped protobuf)
//	leak2      /debug/pprof/goroutineleak?debug=2 (needs the goroutineleak profile)
//	leak1      /debug/pprof/goroutineleak?debug=1
//	leakproto  /debug/pprof/goroutineleak?debug=0
//	leakstack  runtime.Stack after the leak-detecting GC: proven goroutines stay "(leaked)"
//	panic      a goroutine panics under GOTRACEBACK=all
//	crash      a goroutine panics under GOTRACEBACK=crash (gp=, m=, fp=, sp=, pc=)
//	sigquit    the process sends itself SIGQUIT
//	ancestors  runtime.Stack under GODEBUG=tracebackancestors=5
//	labels     runtime.Stack under GODEBUG=tracebacklabels=1
//	deadlock   every goroutine blocks: "fatal error: all goroutines are asleep - deadlock!"
var Formats = []string{
	"stack", "debug2", "debug1", "proto", "leak2", "leak1", "leakproto", "leakstack",
	"panic", "crash", "sigquit", "ancestors", "labels", "deadlock",
}

// Dies reports whether the leaker dies to print format, so that its dump is
// its stderr and its exit status is not zero.
func Dies(format string) bool {
	switch format {
	case "panic", "crash", "sigquit", "deadlock":
		return true
	}
	return false
}

// HasLeakProfile reports whether the runtime has the goroutineleak profile:
// always from Go 1.27, with GOEXPERIMENT=goroutineleakprofile on Go 1.26.
// The leaker is built with the environment of the tests, so it has the
// profile exactly when the test binary has it.
func HasLeakProfile() bool { return pprof.Lookup("goroutineleak") != nil }

// ExitNoProfile is the leaker's exit code when a leak format is asked of a
// runtime without the goroutineleak profile.
const ExitNoProfile = 3

// timeout bounds one run of the leaker; a normal run takes well under a second.
const timeout = 120 * time.Second

// Dump starts the named scenarios (all when none are named; the deadlock set
// for "deadlock") in a fresh leaker process and returns the dump it printed
// in format. For the formats in which the process dies it returns the
// process's stderr. It skips t for the leak formats when the runtime lacks
// the goroutineleak profile, and fails t when the leaker cannot be built or
// does not behave.
//
// For "deadlock", name only scenarios of scenario.DeadlockSet: any other
// keeps the process alive, and Dump fails when its timeout expires.
//
// GODEBUG and GOTRACEBACK are removed from the leaker's environment so that
// dumps depend only on the format.
func Dump(t testing.TB, format string, scenarios ...string) []byte {
	t.Helper()
	bin := Leaker(t)
	args := []string{"-format", format}
	if len(scenarios) > 0 {
		args = append(args, "-scenarios", strings.Join(scenarios, ","))
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = environ("GODEBUG", "GOTRACEBACK")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("leaker %s: no exit within %v; stderr:\n%s", strings.Join(args, " "), timeout, stderr.Bytes())
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == ExitNoProfile {
		t.Skipf("leaker %s: %s", strings.Join(args, " "), bytes.TrimSpace(stderr.Bytes()))
	}
	if Dies(format) {
		if exit == nil {
			t.Fatalf("leaker %s: want the process to die, got %v; stderr:\n%s", strings.Join(args, " "), err, stderr.Bytes())
		}
		return stderr.Bytes()
	}
	if err != nil {
		t.Fatalf("leaker %s: %v; stderr:\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	return stdout.Bytes()
}

var build struct {
	once sync.Once
	path string
	err  error
}

// Leaker returns the path of the leaker binary, building it on the first
// call in the process. Tests that need their own flags or environment can
// run it themselves.
func Leaker(t testing.TB) string {
	t.Helper()
	build.once.Do(func() { build.path, build.err = buildLeaker() })
	if build.err != nil {
		t.Fatalf("building the leaker: %v", build.err)
	}
	return build.path
}

// buildLeaker builds the leaker into the user cache with the go command of
// the running toolchain. The file name depends on the toolchain, the
// GOEXPERIMENT and the source directory, so a rebuild replaces the previous
// binary instead of leaving one more behind; it is renamed into place so
// that concurrent test processes never run a half-written file.
func buildLeaker() (string, error) {
	src, err := sourceDir()
	if err != nil {
		return "", err
	}
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	key := sha256.Sum256([]byte(strings.Join([]string{runtime.GOROOT(), runtime.Version(), os.Getenv("GOEXPERIMENT"), src}, "\x00")))
	dir, err := outputDir()
	if err != nil {
		return "", err
	}
	exe := ""
	if runtime.GOOS == "windows" {
		exe = ".exe"
	}
	out := filepath.Join(dir, "leaker-"+hex.EncodeToString(key[:6])+exe)
	tmp := fmt.Sprintf("%s.%d.tmp%s", out, os.Getpid(), exe)
	cmd := exec.Command(gobin, "build", "-o", tmp, ".")
	cmd.Dir = src
	// Without cgo: linking runtime/cgo (which net pulls in) keeps the
	// runtime from ever reporting that all goroutines are asleep.
	cmd.Env = append(environ("CGO_ENABLED"), "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("%s build in %s: %v\n%s", gobin, src, err, msg)
	}
	if err := os.Rename(tmp, out); err != nil {
		os.Remove(tmp)
		return "", err
	}
	return out, nil
}

// sourceDir finds the leaker's source next to this file's.
func sourceDir() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok || !filepath.IsAbs(file) {
		return "", errors.New("cannot locate the leaker's source (built with -trimpath?)")
	}
	dir := filepath.Join(filepath.Dir(file), "..", "leaker")
	if _, err := os.Stat(filepath.Join(dir, "main.go")); err != nil {
		return "", fmt.Errorf("leaker source: %v", err)
	}
	return dir, nil
}

func outputDir() (string, error) {
	if cache, err := os.UserCacheDir(); err == nil {
		dir := filepath.Join(cache, "leakhound")
		if err := os.MkdirAll(dir, 0o755); err == nil {
			return dir, nil
		}
	}
	return os.MkdirTemp("", "leakhound-leaker-")
}

// environ returns the environment without the named variables.
func environ(drop ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		keep := true
		for _, d := range drop {
			if name == d {
				keep = false
			}
		}
		if keep {
			env = append(env, kv)
		}
	}
	return env
}
