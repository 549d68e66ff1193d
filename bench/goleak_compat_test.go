package bench

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// goleak's own tests that exercise its API, each run against leakhound
// through the forwarding shim in testdata/goleakshim. Out of scope, as
// they test goleak's insides rather than its API: options_test.go
// (buildOpts, the opts struct's filters, retry counter and maxRetries),
// and internal/stack's tests (goleak's own parser; leakhound's has its own).
var goleakTests = []string{"leaks_test.go", "signal_test.go", "testmain_test.go", "utils_test.go"}

// The tests those files hold; each must run and pass.
var goleakTestNames = []string{
	"TestFind", "TestFindRetry", "TestVerifyNone", "TestIgnoreCurrent",
	"TestVerifyParallel", "TestNoLeaks", "TestVerifyTestMain",
}

// goCmd is the go command that built this test.
func goCmd(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the go command")
	}
	g := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(g); err != nil {
		t.Skipf("no go command at %s", g)
	}
	return g
}

// TestGoleakOwnTests lays goleak v1.3.0's test files, read from the module
// cache, beside the shim in a module with goleak's path (its tests look for
// "created by go.uber.org/goleak.startBlockedG"), and runs them.
func TestGoleakOwnTests(t *testing.T) {
	goBin := goCmd(t)
	out, err := exec.Command(goBin, "mod", "download", "-json", "go.uber.org/goleak@v1.3.0").Output()
	if err != nil {
		t.Fatalf("go mod download goleak: %v", err)
	}
	m := regexp.MustCompile(`"Dir": "([^"]+)"`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("no Dir in go mod download's answer:\n%s", out)
	}
	goleakDir := string(m[1])
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files := map[string]string{
		"shim.go":                 filepath.Join("testdata", "goleakshim", "shim.go"),
		"internal/stack/stack.go": filepath.Join("testdata", "goleakshim", "internal", "stack", "stack.go"),
	}
	for _, f := range goleakTests {
		files[f] = filepath.Join(goleakDir, f)
	}
	for to, from := range files {
		b, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, to)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, to), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gomod := "module go.uber.org/goleak\n\ngo 1.26\n\n" +
		"require (\n\tgithub.com/leakhound/leakhound v0.0.0\n\tgithub.com/stretchr/testify v1.8.0\n)\n\n" +
		"replace github.com/leakhound/leakhound => " + root + "\n"
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(goBin, "test", "-count=1", "-v", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	out, err = cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("goleak's tests against leakhound: %v\n%s", err, out)
	}
	for _, name := range goleakTestNames {
		if !bytes.Contains(out, []byte("--- PASS: "+name+" ")) {
			t.Errorf("%s did not pass:\n%s", name, out)
		}
	}
	if bytes.Contains(out, []byte("--- FAIL")) || bytes.Contains(out, []byte("--- SKIP")) {
		t.Errorf("a goleak test failed or skipped:\n%s", out)
	}
	t.Logf("goleak v1.3.0's tests against leakhound:\n%s", strings.TrimSpace(string(out)))
}
