package report

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestStandardLibraryOnly: the renderers import the standard library and
// the core packages, nothing else, so the monitor and the CLI pull in no
// module for them (the tests may use chromedp).
func TestStandardLibraryOnly(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, p := range strings.Fields(string(out)) {
		switch p {
		case "github.com/leakhound/leakhound/report", "github.com/leakhound/leakhound/classify", "github.com/leakhound/leakhound/stack":
		default:
			t.Errorf("report imports %s", p)
		}
	}
}
