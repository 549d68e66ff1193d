package leakhound

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/leakhound/leakhound/stack"
)

// TestingM is the part of testing.M that VerifyTestMain uses.
type TestingM interface {
	Run() int
}

// Replaced by tests.
var (
	osExit                  = os.Exit
	stderr func() io.Writer = func() io.Writer { return os.Stderr }
)

// VerifyTestMain runs the tests and, if they passed, fails the test binary
// when goroutines are left over, as goleak's does: the same exit codes, and
// the report on stderr after "goleak: Errors on successful test run: ".
// Each leaked goroutine is named after the test that started it: from
// Track's labels, from the go statements that led to it, and, for those
// still unknown, by running the test binary once more with the runtime
// keeping each goroutine's creation ancestry (GODEBUG=tracebackancestors,
// which the runtime reads only at start) and finding testing.tRunner and
// the test function in it. Use it as the whole of TestMain:
//
//	func TestMain(m *testing.M) {
//		leakhound.VerifyTestMain(m)
//	}
//
// With Cleanup, the given function gets the exit code instead of os.Exit.
func VerifyTestMain(m TestingM, options ...Option) {
	exit := osExit
	child := namingChild(m)
	o, err := buildOpts(atTestMain, options...)
	if err != nil {
		fmt.Fprintln(stderr(), err)
		exit(2)
		return
	}
	if o.cleanup != nil {
		exit = o.cleanup
	}
	start := time.Now()
	code := m.Run()
	if code == 0 || o.runOnFailure {
		self, _ := current(false)
		c := &checker{o: o, labels: tracked(), keep: func(g *stack.Goroutine, _ map[int64]origin, _ bool) (bool, bool) {
			return g.ID != self && !o.ignoreIDs[g.ID] && !reported.has(g.ID), true
		}}
		err := c.run()
		if child != "" {
			writeNames(child, err)
			exit(code)
			return
		}
		var le *LeakError
		if errors.As(err, &le) && unnamed(le) && canRerun(m) {
			if names, rerr := rerun(time.Since(start)); rerr == nil {
				c.names = names
				le = c.leakError(le.snap, c.assess(le.snap), le.early, le.Took)
				err = le
			}
		}
		if err != nil {
			what := "successful"
			if code != 0 {
				what = "failed"
			}
			fmt.Fprintf(stderr(), "goleak: Errors on %s test run: %v\n", what, err)
			if code == 0 {
				code = 1
			}
		}
	}
	exit(code)
}

func unnamed(le *LeakError) bool {
	for _, f := range le.Findings {
		if f.Test == "" {
			return true
		}
	}
	return false
}

// The environment of the re-run that names tests: where it writes the
// names, and the GODEBUG the tests must see ("=" and the value, or empty
// when GODEBUG was unset).
const (
	namesEnv   = "LEAKHOUND_NAMES_FILE"
	godebugEnv = "LEAKHOUND_GODEBUG"
	// ancestry is how many creators the runtime keeps per goroutine: each
	// costs a small struct per go statement, the stack is kept once.
	ancestry = 32
)

// namingChild returns the file to write names to when this run is the
// re-run, and puts the environment back as the tests first saw it: the
// runtime read tracebackancestors at start and keeps it.
func namingChild(m TestingM) string {
	if _, ok := m.(*testing.M); !ok {
		return ""
	}
	path, ok := os.LookupEnv(namesEnv)
	if !ok {
		return ""
	}
	godebug := os.Getenv(godebugEnv)
	os.Unsetenv(namesEnv)
	os.Unsetenv(godebugEnv)
	if v, ok := strings.CutPrefix(godebug, "="); ok {
		os.Setenv("GODEBUG", v)
	} else {
		os.Unsetenv("GODEBUG")
	}
	return path
}

// writeNames writes, for each leaked goroutine of the re-run, its key and
// the test its ancestry names.
func writeNames(path string, err error) {
	var b strings.Builder
	var le *LeakError
	if errors.As(err, &le) {
		for _, g := range le.goroutines {
			if name := testOf(g, le.snap.origins); name != "" {
				fmt.Fprintf(&b, "%s\t%s\n", leakKey(g), name)
			}
		}
	}
	_ = os.WriteFile(path, []byte(b.String()), 0o600)
}

// canRerun reports whether the tests can be run again as they were: a real
// test binary, not fuzzing, and not itself the re-run.
func canRerun(m TestingM) bool {
	if _, ok := m.(*testing.M); !ok {
		return false
	}
	if f := flag.Lookup("test.fuzz"); f != nil && f.Value.String() != "" {
		return false
	}
	return true
}

// rerunDrops are the test flags whose output files the re-run must not
// overwrite, or that make no sense twice.
var rerunDrops = map[string]bool{
	"test.coverprofile": true, "test.cpuprofile": true, "test.memprofile": true,
	"test.blockprofile": true, "test.mutexprofile": true, "test.trace": true,
	"test.outputdir": true, "test.testlogfile": true, "test.gocoverdir": true,
	"test.artifacts": true,
}

// rerunArgs are the binary's arguments less rerunDrops.
func rerunArgs(args []string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || a == "--" {
			out = append(out, args[i:]...)
			break
		}
		if !rerunDrops[name] {
			out = append(out, a)
			continue
		}
		if !hasValue && i+1 < len(args) {
			i++ // "-test.trace file"
		}
	}
	return out
}

// rerun runs the test binary again, with the same flags and the runtime
// keeping creation ancestry, and returns the tests it traced each leaked
// goroutine to. Its output is discarded: the first run's is the one shown.
func rerun(took time.Duration) (map[string][]string, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	f, err := os.CreateTemp("", "leakhound-names-")
	if err != nil {
		return nil, err
	}
	path := f.Name()
	f.Close()
	defer os.Remove(path)

	godebug, had := os.LookupEnv("GODEBUG")
	saved := ""
	if had {
		saved = "=" + godebug
	}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k != "GODEBUG" && k != namesEnv && k != godebugEnv {
			env = append(env, kv)
		}
	}
	ancestors := fmt.Sprintf("tracebackancestors=%d", ancestry)
	if godebug != "" {
		ancestors = godebug + "," + ancestors
	}
	env = append(env, "GODEBUG="+ancestors, namesEnv+"="+path, godebugEnv+"="+saved)

	// The tests took took the first time; a hung re-run must not hang the
	// binary for longer than the first run's own bounds.
	ctx, cancel := context.WithTimeout(context.Background(), 2*took+time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, rerunArgs(os.Args[1:])...)
	cmd.Env = env
	_ = cmd.Run() // the exit code is the leak's; the names file is the answer

	r, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	names := make(map[string][]string)
	sc := bufio.NewScanner(io.LimitReader(r, 16<<20))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		key, test, ok := strings.Cut(sc.Text(), "\t")
		if ok && !slices.Contains(names[key], test) {
			names[key] = append(names[key], test)
		}
	}
	return names, sc.Err()
}
